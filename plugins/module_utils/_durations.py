# -*- coding: utf-8 -*-
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one duration grammar of the collection: a whole number and a unit, such as 90d, 2w, 12h or 500ms.

es_cert (valid_for, renew_before) and es_api_key (expiration, rotate_before) read durations here,
so the same text means the same span in both. Elasticsearch's own durations have no weeks;
``elasticsearch_form`` turns any duration into one it accepts.
"""

from __future__ import annotations

import re

from ansible_collections.esguard.security.plugins.module_utils._errors import InputError

# Milliseconds per unit; "ms" is matched before "m" and "s" by the pattern's alternation order.
UNIT_MS = {'w': 7 * 86400000, 'd': 86400000, 'h': 3600000, 'm': 60000, 's': 1000, 'ms': 1}
# The units Elasticsearch's TimeValue reads besides ms, largest first.
_ELASTICSEARCH_UNITS = ('d', 'h', 'm', 's')
_DURATION = re.compile(r'^\+?(\d+)(ms|w|d|h|m|s)$')
EXAMPLES = '90d, 2w, 12h, 30m, 10s or 500ms'


class DurationError(InputError):
    """A duration option that is not in the grammar, or contradicts another one."""


def parse_ms(value, option):
    """The duration ``value`` of ``option`` in milliseconds; a leading "+" is allowed."""
    match = _DURATION.match(str(value).strip()) if value is not None else None
    if not match:
        raise DurationError('%s: %r is not a duration such as %s (a whole number and one of the units '
                            'w, d, h, m, s, ms)' % (option, value, EXAMPLES))
    return int(match.group(1)) * UNIT_MS[match.group(2)]


def require_longer(option, value_ms, window_option, window_ms, consequence):
    """Refuse a lifetime that is not longer than the window before its end in which it is replaced."""
    if value_ms <= window_ms:
        raise DurationError('%s must be longer than %s, or %s' % (option, window_option, consequence))


def elasticsearch_form(milliseconds):
    """The duration in the largest Elasticsearch unit that holds it exactly (2w -> 14d, 90m -> 90m)."""
    for unit in _ELASTICSEARCH_UNITS:
        if milliseconds % UNIT_MS[unit] == 0:
            return '%d%s' % (milliseconds // UNIT_MS[unit], unit)
    return '%dms' % milliseconds
