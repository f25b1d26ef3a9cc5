# -*- coding: utf-8 -*-
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment(object):

    DOCUMENTATION = r'''
options:
  read_values:
    description:
      - Keys whose current values (from before this run's change) the module returns in RV(current_values),
        so that a task on the controller can decide whether the credential the host holds still works,
        for example with M(esguard.security.es_api_key)'s O(esguard.security.es_api_key#module:current_secret)
        or M(esguard.security.es_credential_check), and nothing has to be kept on the controller.
      - Without O(entries), the module only reads; it creates no keystore and changes nothing.
      - The values are secrets that travel back over the Ansible connection; the task must set
        C(no_log=true), since Ansible cannot hide a return value on its own.
    type: list
    elements: str
'''
