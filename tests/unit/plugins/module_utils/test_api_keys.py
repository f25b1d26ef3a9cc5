# -*- coding: utf-8 -*-
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import base64

import pytest

from ansible_collections.esguard.security.plugins.module_utils._api_keys import (
    HOLDER_KEY, MANAGED_TAG_KEY, MANAGED_TAG_VALUE, ApiKeyInputError, authenticates_as, decide, decide_present,
    derived_key_refusal, desired_metadata, held_key, holder_refusal, lifetimes, missing_owner_privileges,
    our_active_keys, owner_privileges_request, parse_secret_file, role_descriptors_body, secret_file_content,
    secret_formats, shown_key)
from ansible_collections.esguard.security.plugins.module_utils._durations import DurationError
from ansible_collections.esguard.security.plugins.module_utils._credential_check import (
    has_privileges_body, missing_privileges)

NOW = 1700000000000
TAG = {MANAGED_TAG_KEY: MANAGED_TAG_VALUE}
WRITER = {'writer': {'cluster': ['monitor'], 'indices': [{'names': ['filebeat-*'], 'privileges': ['create_doc']}]}}
# The writer descriptor as GET _security/api_key returns it.
SERVER_WRITER = {'writer': {'cluster': ['monitor'], 'indices': [
    {'names': ['filebeat-*'], 'privileges': ['create_doc'], 'allow_restricted_indices': False}],
    'applications': [], 'run_as': [], 'metadata': {}, 'transient_metadata': {'enabled': True}}}


def key(key_id, creation=1, name='host1', metadata=None, **fields):
    out = dict(id=key_id, name=name, creation=creation, invalidated=False,
               metadata=TAG if metadata is None else metadata, role_descriptors=SERVER_WRITER)
    out.update(fields)
    return out


def test_active_keys_exclude_invalidated_expired_untagged_and_other_names_newest_first():
    keys = [key('old', 1), key('new', 5), key('gone', 9, invalidated=True), key('expired', 9, expiration=NOW - 1),
            key('later', 3, expiration=NOW + 1000), key('hand', 9, metadata={}), key('other', 9, name='host2')]
    assert [k['id'] for k in our_active_keys(keys, 'host1', NOW)] == ['new', 'later', 'old']


def test_untagged_keys_count_when_the_tag_is_not_required():
    assert [k['id'] for k in our_active_keys([key('hand', metadata={})], 'host1', NOW, tag=False)] == ['hand']


def test_no_active_key_means_create():
    assert decide_present([], role_descriptors_body(WRITER), TAG) == ('created', None, [])


def test_same_key_as_the_server_normalizes_it_is_unchanged():
    action, kept, dupes = decide_present([key('a')], role_descriptors_body(WRITER), TAG)
    assert (action, kept['id'], dupes) == ('unchanged', 'a', [])


@pytest.mark.parametrize('descriptors, metadata', [
    ({'writer': {'cluster': ['monitor', 'read_ilm']}}, TAG),
    ({'other': WRITER['writer']}, TAG),
    (WRITER, dict(TAG, team='ops')),
])
def test_a_different_body_or_metadata_is_an_update(descriptors, metadata):
    action, kept, _dupes = decide_present([key('a')], role_descriptors_body(descriptors), metadata)
    assert (action, kept['id']) == ('updated', 'a')


def test_newest_key_is_kept_the_others_are_duplicates():
    action, kept, dupes = decide_present([key('new', 5), key('old', 1)], role_descriptors_body(WRITER), TAG)
    assert (action, kept['id'], [k['id'] for k in dupes]) == ('unchanged', 'new', ['old'])


def test_key_in_a_working_secret_file_is_kept_even_when_older():
    action, kept, dupes = decide_present([key('new', 5), key('old', 1)], role_descriptors_body(WRITER), TAG,
                                         held_key_id='old', held_key_works=True)
    assert (action, kept['id'], [k['id'] for k in dupes]) == ('unchanged', 'old', ['new'])


@pytest.mark.parametrize('file_id, works', [('a', False), ('vanished', None)])
def test_secret_file_that_does_not_authenticate_or_names_a_gone_key_means_a_new_key(file_id, works):
    action, kept, dupes = decide_present([key('a')], role_descriptors_body(WRITER), TAG,
                                         held_key_id=file_id, held_key_works=works)
    assert (action, kept, [k['id'] for k in dupes]) == ('created', None, ['a'])


def test_role_descriptors_are_checked_like_roles():
    with pytest.raises(ApiKeyInputError, match='index pattern'):
        role_descriptors_body({'w': {'indices': [{'names': ['bad name'], 'privileges': ['read']}]}})
    with pytest.raises(ApiKeyInputError, match='w:'):
        role_descriptors_body({'w': {'clustr': ['monitor']}})
    with pytest.raises(ApiKeyInputError, match='dictionary'):
        role_descriptors_body({'w': ['monitor']})


def test_metadata_refuses_reserved_keys_and_a_foreign_tag():
    with pytest.raises(ApiKeyInputError, match='_secret'):
        desired_metadata({'_secret': 1})
    with pytest.raises(ApiKeyInputError, match=MANAGED_TAG_KEY):
        desired_metadata({MANAGED_TAG_KEY: 'someone else'})
    assert desired_metadata({'team': 'ops'}) == dict(TAG, team='ops')


def test_secret_formats_for_beats_logstash_and_http_headers():
    formats = secret_formats('VuaCfGcBCdbkQm-e5aOx', 'ui2lp2axTNmsyakw9tvNnw')
    assert formats['credential'] == 'VuaCfGcBCdbkQm-e5aOx:ui2lp2axTNmsyakw9tvNnw'
    assert base64.b64decode(formats['encoded']).decode() == formats['credential']


def test_secret_file_round_trip_and_garbage():
    assert parse_secret_file(secret_file_content('id1', 'sec')) == ('id1', 'sec')
    for text in ('', 'no-colon', ':sec', 'id:', 'a:b:c'):
        assert parse_secret_file(text) is None


def test_shown_key_never_holds_the_secret():
    shown = shown_key(dict(key('a'), api_key='SECRET', encoded='ENC', expiration=NOW))
    assert 'SECRET' not in repr(shown) and 'ENC' not in repr(shown)
    assert shown['expiration'] == NOW


def test_api_key_login_can_only_create_keys_that_grant_nothing():
    assert derived_key_refusal(True, role_descriptors_body(WRITER))
    assert derived_key_refusal(True, {})
    assert derived_key_refusal(True, {'nothing': {'cluster': [], 'indices': []}}) is None
    assert derived_key_refusal(False, role_descriptors_body(WRITER)) is None


def test_a_wanted_secret_file_that_does_not_exist_yet_means_a_new_key():
    action, kept, dupes = decide_present([key('a')], role_descriptors_body(WRITER), TAG, held_secret_wanted=True)
    assert (action, kept, [k['id'] for k in dupes]) == ('created', None, ['a'])


@pytest.mark.parametrize('expiration, rotate_before, expected', [
    ('90d', None, ('90d', None)), ('2w', '7d', ('14d', 7 * 86400000)), ('+36h', '500ms', ('36h', 500)),
    ('1500ms', None, ('1500ms', None)), (None, '1h', (None, 3600000)), ('', None, (None, None)),
])
def test_lifetimes_in_the_form_elasticsearch_reads(expiration, rotate_before, expected):
    assert lifetimes(expiration, rotate_before) == expected


@pytest.mark.parametrize('expiration, rotate_before, match', [
    ('3 weeks', None, 'expiration'), ('7', None, 'expiration'), ('1.5h', None, 'expiration'),
    ('0d', None, 'expires as it is created'), ('1h', '1h', 'rotate_before'), ('1h', '2h', 'rotate_before'),
    ('2h', 'soon', 'rotate_before'),
])
def test_bad_lifetimes_are_refused(expiration, rotate_before, match):
    with pytest.raises(DurationError, match=match):
        lifetimes(expiration, rotate_before)


def test_a_key_expiring_within_rotate_before_is_rotated_and_kept_as_superseded():
    expiring = key('a', expiration=NOW + 1000)
    action, kept, dupes = decide([expiring], role_descriptors_body(WRITER), TAG, rotate_before_ms=5000, now_ms=NOW)
    assert (action, kept['id'], dupes) == ('rotated', 'a', [])


def test_a_key_outside_the_rotation_window_or_never_expiring_stays():
    for expiration in (NOW + 10000, None):
        action, _kept, _dupes = decide([key('a', expiration=expiration)], role_descriptors_body(WRITER), TAG,
                                       rotate_before_ms=5000, now_ms=NOW)
        assert action == 'unchanged'


def test_rotation_asked_replaces_the_key_in_use():
    action, kept, _dupes = decide([key('a')], role_descriptors_body(WRITER), TAG, rotate=True, now_ms=NOW)
    assert (action, kept['id']) == ('rotated', 'a')


def test_rotation_with_no_key_is_a_creation():
    assert decide([], {}, TAG, rotate=True, now_ms=NOW) == ('created', None, [])


def test_missing_privileges_are_listed_per_cluster_privilege_and_index():
    answer = {'has_all_requested': False, 'cluster': {'monitor': True, 'read_ilm': False},
              'index': {'filebeat-*': {'create_doc': True, 'auto_configure': False},
                        'logs-*': {'read': True}}}
    assert missing_privileges(answer) == ['cluster: read_ilm', 'index filebeat-*: auto_configure']
    assert missing_privileges({'has_all_requested': True, 'cluster': {'monitor': True}}) == []


def test_has_privileges_body_leaves_out_what_is_not_asked():
    assert has_privileges_body([], []) == {}
    assert has_privileges_body(['monitor'], [{'names': ['a'], 'privileges': ['read']}]) == {
        'cluster': ['monitor'], 'index': [{'names': ['a'], 'privileges': ['read'], 'allow_restricted_indices': False}]}


def test_a_typo_in_a_privilege_is_refused_with_the_clusters_list():
    known = {'cluster': ['all', 'monitor'], 'index': ['all', 'create_doc', 'read']}
    typo = {'writer': {'cluster': ['monitr'], 'indices': [{'names': ['a'], 'privileges': ['read']}]}}
    with pytest.raises(ApiKeyInputError, match='monitr'):
        role_descriptors_body(typo, known)
    assert role_descriptors_body(WRITER, known)['writer']['cluster'] == ['monitor']


def test_owner_privileges_request_asks_for_everything_the_descriptors_grant():
    descriptors = role_descriptors_body({
        'a': {'cluster': ['monitor'], 'indices': [{'names': ['x-*'], 'privileges': ['read']}]},
        'b': {'cluster': ['monitor', 'read_ilm'],
              'applications': [{'application': 'kibana', 'privileges': ['read'], 'resources': ['*']}]}})
    assert owner_privileges_request(descriptors) == {
        'cluster': ['monitor', 'read_ilm'],
        'index': [{'names': ['x-*'], 'privileges': ['read'], 'allow_restricted_indices': False}],
        'application': [{'application': 'kibana', 'privileges': ['read'], 'resources': ['*']}]}
    assert owner_privileges_request(role_descriptors_body({'none': {}})) == {}


def test_missing_owner_privileges_include_applications():
    answer = {'cluster': {'monitor': True, 'manage': False}, 'index': {'x-*': {'read': False}},
              'application': {'kibana': {'*': {'read': False, 'write': True}}}}
    assert missing_owner_privileges(answer) == ['cluster: manage', 'index x-*: read', 'application kibana *: read']


def test_the_secret_files_holder_is_in_the_metadata_and_cannot_be_set_by_hand():
    assert desired_metadata({'team': 'ops'}, holder='web-01:/etc/filebeat/key') == {
        'team': 'ops', MANAGED_TAG_KEY: MANAGED_TAG_VALUE, HOLDER_KEY: 'web-01:/etc/filebeat/key'}
    with pytest.raises(ApiKeyInputError, match=HOLDER_KEY):
        desired_metadata({HOLDER_KEY: 'x'})


def test_duplicates_held_by_another_secret_file_are_never_invalidated():
    mine = key('mine', metadata=dict(TAG, **{HOLDER_KEY: 'a:/k'}))
    other = key('other', metadata=dict(TAG, **{HOLDER_KEY: 'b:/k'}))
    loose = key('loose')
    assert holder_refusal('host1', [mine, loose], 'a:/k') is None
    refusal = holder_refusal('host1', [mine, other], 'a:/k')
    assert 'other' in refusal and 'b:/k' in refusal and 'its own key name' in refusal
    # A task without a secret file may not invalidate a key some host holds either.
    assert holder_refusal('host1', [mine], None)


def test_the_held_secret_in_either_form_gives_the_key_id_and_the_credential():
    encoded = base64.b64encode(b'VuaCfGcBCdbkQm-e5aOx:ui2lp2axTNmsyakw9tvNnw').decode()
    assert held_key('VuaCfGcBCdbkQm-e5aOx:ui2lp2axTNmsyakw9tvNnw') == ('VuaCfGcBCdbkQm-e5aOx', encoded)
    assert held_key(encoded) == ('VuaCfGcBCdbkQm-e5aOx', encoded)


@pytest.mark.parametrize('value', [None, '', 'no-colon', ':secret', 'id:', base64.b64encode(b'nocolon').decode()])
def test_no_secret_or_one_that_is_not_an_api_key_is_no_held_key(value):
    assert held_key(value) is None


def test_the_held_secret_must_authenticate_as_that_very_key():
    answer = {'username': 'keys-admin', 'api_key': {'id': 'a', 'name': 'host1'}}
    assert authenticates_as(answer, 'a')
    assert not authenticates_as(answer, 'b')
    assert not authenticates_as(None, 'a')
    assert not authenticates_as({'username': 'keys-admin'}, 'a')


def test_a_held_key_that_works_is_kept_and_one_expiring_soon_is_rotated():
    keys = [key('new', 5), key('held', 1, expiration=NOW + 1000)]
    assert decide(keys, role_descriptors_body(WRITER), TAG, held_key_id='held', held_key_works=True,
                  held_secret_wanted=True, now_ms=NOW)[:2] == ('unchanged', keys[1])
    action, kept, dupes = decide(keys, role_descriptors_body(WRITER), TAG, held_key_id='held', held_key_works=True,
                                 held_secret_wanted=True, rotate_before_ms=5000, now_ms=NOW)
    assert (action, kept['id'], [k['id'] for k in dupes]) == ('rotated', 'held', ['new'])


def test_a_held_key_with_other_privileges_is_updated_in_place():
    action, kept, _dupes = decide_present([key('held')], role_descriptors_body({'w': {'cluster': ['monitor']}}),
                                          TAG, held_key_id='held', held_key_works=True, held_secret_wanted=True)
    assert (action, kept['id']) == ('updated', 'held')


def test_a_host_holding_no_key_gets_a_new_one_even_when_ours_exist():
    action, kept, dupes = decide_present([key('a')], role_descriptors_body(WRITER), TAG, held_secret_wanted=True)
    assert (action, kept, [k['id'] for k in dupes]) == ('created', None, ['a'])
