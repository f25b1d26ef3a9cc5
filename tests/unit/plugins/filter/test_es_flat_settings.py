# -*- coding: utf-8 -*-
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""es_flat_settings: one dotted name per setting however elasticsearch.yml nests it."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.esguard.security.plugins.filter.es_flat_settings import es_flat_settings


def test_flat_nested_and_mixed_forms_give_the_same_names():
    assert es_flat_settings({
        'xpack.security.http.ssl': {'enabled': True, 'keystore.path': 'certs/http.p12'},
        'xpack': {'security': {'authc': {'realms': {'pki': {'pki1': {'order': 2}}}}}},
        'discovery.seed_hosts': ['a', 'b'],
    }) == {
        'xpack.security.http.ssl.enabled': True,
        'xpack.security.http.ssl.keystore.path': 'certs/http.p12',
        'xpack.security.authc.realms.pki.pki1.order': 2,
        'discovery.seed_hosts': ['a', 'b'],
    }


def test_an_empty_file_has_no_settings_and_a_list_is_refused():
    assert es_flat_settings(None) == {}
    with pytest.raises(AnsibleFilterError, match='mapping'):
        es_flat_settings(['a'])
