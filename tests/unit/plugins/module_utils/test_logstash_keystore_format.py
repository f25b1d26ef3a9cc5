# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Logstash keystore format and the decision what to change, without a JDK (the JDK side is in test_logstash_keystore_jdk)."""

from __future__ import annotations

import pytest

from ansible_collections.esguard.security.plugins.module_utils import _logstash_keystore as ks


def test_round_trip_with_password():
    data = ks.build_keystore({'es_pwd': b'p@ss:w0rd', 'es_user': b'logstash_internal'}, 'changeit')
    entries, password = ks.read_keystore(data, 'changeit')
    assert entries == {'es_pwd': b'p@ss:w0rd', 'es_user': b'logstash_internal', 'keystore.seed': b'keystore.seed'}
    assert password == 'changeit'
    assert b'p@ss' not in data and b'changeit' not in data


def test_round_trip_with_logstash_default_password():
    password = ks.new_default_password()
    data = ks.build_keystore({'a': b'b'}, password, default_password=True)
    assert data[-1] == 2 * len(password)
    assert ks.read_keystore(data) == ({'a': b'b', 'keystore.seed': b'keystore.seed'}, password)


def test_wrong_password_and_tampering_are_refused():
    data = ks.build_keystore({'a': b'b'}, 'right')
    with pytest.raises(ks.KeystoreError, match='password does not open it'):
        ks.read_keystore(data, 'wrong')
    tampered = bytearray(data)
    tampered[len(data) // 2] ^= 1
    with pytest.raises(ks.KeystoreError):
        ks.read_keystore(bytes(tampered), 'right')
    with pytest.raises(ks.KeystoreError, match='truncated'):
        ks.read_keystore(data[:100], 'right')


def test_missing_or_unexpected_password():
    with pytest.raises(ks.KeystoreError, match='protected by a password'):
        ks.read_keystore(ks.build_keystore({}, 'secret'))
    made = ks.build_keystore({}, ks.new_default_password(), default_password=True)
    with pytest.raises(ks.KeystoreError, match='made without LOGSTASH_KEYSTORE_PASS'):
        ks.read_keystore(made, 'secret')


def test_store_password_follows_logstash():
    assert ks.store_password('changeit') == 'changeit'
    # Logstash Base64-encodes the low byte of each char of a password that is not ASCII.
    assert ks.store_password(u'p\u00e4ss') == 'cORzcw=='
    with pytest.raises(ks.KeystoreError, match='empty'):
        ks.store_password('')


def test_pkcs12_kdf_is_rfc7292():
    # The published PKCS#12 key derivation vector: password "smeg", salt 0A58CF64530D823F, id 1, 1 iteration.
    assert ks.pkcs12_kdf('sha1', 'smeg', bytes.fromhex('0A58CF64530D823F'), 1, 1, 24).hex().upper() == \
        '8AAAE6297B6CB04642AB5B077851284EB7128F1A2A7FBCA3'


def test_check_entries():
    assert ks.check_entries({'ES_PWD': 'x', 'a.b_c': 12}) == {'es_pwd': b'x', 'a.b_c': b'12'}
    assert ks.check_entries(None) == {}
    for entries, message in [({'1abc': 'x'}, 'not a name'), ({'a-b': 'x'}, 'not a name'),
                             ({'KEYSTORE.SEED': 'x'}, 'marker'), ({'A': 'x', 'a': 'y'}, 'given twice'),
                             ({'a': ''}, 'empty'), ({'a': u'\u00e9'}, 'not ASCII'), ({'a': None}, 'string'),
                             ({'a': True}, 'string')]:
        with pytest.raises(ks.KeystoreError, match=message) as caught:
            ks.check_entries(entries)
        assert u'\u00e9' not in str(caught.value)


def test_plan_keystore_and_diff_name_keys_only():
    existing = ks.build_keystore({'es_pwd': b'old-secret', 'gone': b'g'}, 'pw')
    plan = ks.plan_keystore('/k', existing, {'ES_PWD': 'new-secret', 'es_user': 'u'}, True, 'pw')
    assert plan.changed and not plan.created and plan.password == 'pw' and not plan.default_password
    diff = plan.entries.diff('/k')
    assert diff['before'] == 'es_pwd\ngone\n'
    assert diff['after'] == 'es_pwd (new value)\nes_user\n'
    assert 'secret' not in repr(diff)

    same = ks.plan_keystore('/k', existing, {'es_pwd': 'old-secret'}, False, 'pw')
    assert not same.changed

    new = ks.plan_keystore('/k', None, {'a': 'b'}, False, None, random_bytes=lambda n: b'\x01' * n)
    assert new.created and new.default_password and new.password == ks.new_default_password(lambda n: b'\x01' * n)
    assert new.entries.diff('/k')['before'] == ''

    missing = ks.plan_keystore('/k', None, None, False, None, create=False)
    assert not missing.created and not missing.changed

    with pytest.raises(ks.KeystoreError, match='cannot use the keystore /k: the password does not open it'):
        ks.plan_keystore('/k', existing, {}, False, 'other')
    with pytest.raises(ks.KeystoreError, match='not a name'):
        ks.plan_keystore('/k', None, {'bad key': 'v'}, False, 'pw')


def test_plan_keystore_removes_named_keys_whatever_their_case():
    existing = ks.build_keystore({'es_pwd': b'old-secret', 'es_api_key': b'id:key'}, 'pw')
    plan = ks.plan_keystore('/k', existing, None, False, 'pw', create=False, remove=['ES_API_KEY'])
    assert plan.changed and plan.entries.removed == ['es_api_key'] and sorted(plan.entries.after) == ['es_pwd']

    again = ks.plan_keystore('/k', ks.build_keystore(plan.entries.after, 'pw'), None, False, 'pw', create=False,
                             remove=['es_api_key'])
    assert not again.changed

    missing = ks.plan_keystore('/k', None, None, False, None, create=False, remove=['es_api_key'])
    assert not missing.created and not missing.changed

    with pytest.raises(ks.KeystoreError, match='not a name'):
        ks.plan_keystore('/k', existing, None, False, 'pw', create=False, remove=['bad key'])
