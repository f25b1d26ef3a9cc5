# -*- coding: utf-8 -*-
# Copyright: esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
name: es_flat_settings
short_description: The settings of an elasticsearch.yml by their full dotted names
version_added: 0.1.0
description:
  - Elasticsearch reads C(xpack.security.http.ssl.enabled) the same whether it is written flat, nested
    (C(xpack:) C(security:) ...) or half of each. This filter gives every setting under its full dotted name,
    so that a role can find the settings it owns however they are written.
  - Lists are values, as Elasticsearch reads them.
author:
  - esguard maintainers (@esguard)
options:
  _input:
    description: The parsed elasticsearch.yml (a dictionary; V(null) for an empty file).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Settings this play owns that elasticsearch.yml already sets
  ansible.builtin.debug:
    msg: "{{ (lookup('ansible.builtin.file', 'elasticsearch.yml') | from_yaml | esguard.security.es_flat_settings).keys()
             | select('match', 'xpack[.]security[.]http[.]ssl[.]') | list }}"
"""

RETURN = r"""
_value:
  description: Each setting under its dotted name, such as C(xpack.security.http.ssl.enabled) for a nested C(ssl) mapping.
  type: dict
"""

from ansible.errors import AnsibleFilterError


def es_flat_settings(settings):
    if settings is None:
        return {}
    if not isinstance(settings, dict):
        raise AnsibleFilterError('es_flat_settings: elasticsearch.yml must hold a mapping of settings')
    flat = {}
    for name, value in settings.items():
        if isinstance(value, dict):
            for inner, inner_value in es_flat_settings(value).items():
                flat['%s.%s' % (name, inner)] = inner_value
        else:
            flat[str(name)] = value
    return flat


class FilterModule:
    def filters(self):
        return {'es_flat_settings': es_flat_settings}
