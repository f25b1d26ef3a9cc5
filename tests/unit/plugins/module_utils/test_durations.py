# -*- coding: utf-8 -*-
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.esguard.security.plugins.module_utils._durations import (
    DurationError, elasticsearch_form, parse_ms, require_longer)


@pytest.mark.parametrize('text, expected', [
    ('2w', 14 * 86400000), ('+365d', 365 * 86400000), ('12h', 12 * 3600000), ('30m', 1800000),
    ('10s', 10000), ('500ms', 500), (' 7d ', 7 * 86400000), ('0s', 0),
])
def test_one_grammar_for_weeks_to_milliseconds(text, expected):
    assert parse_ms(text, 'expiration') == expected


@pytest.mark.parametrize('text', ['', '7', '0', 'd', '-1d', '1.5h', '3 weeks', '7W', '1d2h', None])
def test_anything_else_is_refused_naming_the_option(text):
    with pytest.raises(DurationError, match='^valid_for: .* is not a duration'):
        parse_ms(text, 'valid_for')


@pytest.mark.parametrize('text, expected', [
    ('2w', '14d'), ('90d', '90d'), ('36h', '36h'), ('90m', '90m'), ('120s', '2m'), ('1500ms', '1500ms'),
])
def test_elasticsearch_form_has_no_weeks_and_keeps_the_span(text, expected):
    assert elasticsearch_form(parse_ms(text, 'expiration')) == expected


def test_a_lifetime_must_be_longer_than_its_renewal_window():
    require_longer('valid_for (31d)', parse_ms('31d', 'x'), 'renew_before (30d)', parse_ms('30d', 'x'), 'again')
    with pytest.raises(DurationError, match=r'^valid_for \(30d\) must be longer than renew_before \(30d\), or again'):
        require_longer('valid_for (30d)', parse_ms('30d', 'x'), 'renew_before (30d)', parse_ms('30d', 'x'), 'again')
