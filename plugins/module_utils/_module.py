# -*- coding: utf-8 -*-
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The AnsibleModule class of every module of this collection: its secrets are masked before validation."""

from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule


def secret_values(argument_spec, params):
    """Every string given to a no_log option of argument_spec in params, at any depth of sub-options.

    Pure, and tolerant of values of the wrong type (they are what validation is about to refuse).
    """
    found = set()
    if not isinstance(params, dict):
        return found
    for option, spec in argument_spec.items():
        value = params.get(option)
        if value is None:
            continue
        if spec.get('no_log'):
            found.update(string_leaves(value))
        elif spec.get('options'):
            for item in value if isinstance(value, list) else [value]:
                found.update(secret_values(spec['options'], item))
    return found


def string_leaves(value):
    if isinstance(value, dict):
        return set().union(*[string_leaves(v) for v in value.values()]) if value else set()
    if isinstance(value, (list, tuple)):
        return set().union(*[string_leaves(v) for v in value]) if value else set()
    text = str(value)
    return {text} if text else set()


class SecretMaskingModule(AnsibleModule):
    """AnsibleModule whose no_log values are known before the arguments are validated.

    ansible-core gathers the no_log values while it validates; a sub-option of the wrong type
    (a list where a dictionary is expected) stops that gathering, and the failure then shows every
    secret of the task in its invocation (printed at -vvv). Masking the given secrets first keeps
    them out of that failure.
    """

    def _load_params(self):
        super(SecretMaskingModule, self)._load_params()
        self.no_log_values.update(secret_values(self.argument_spec, self.params))
