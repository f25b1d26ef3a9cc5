# -*- coding: utf-8 -*-
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible_collections.esguard.security.plugins.module_utils._keystore_plan import (
    EntryPlan, current_values, read_only)


def test_unchanged_when_values_are_equal():
    plan = EntryPlan({'A': b'1', 'B': b'2'}, {'A': b'1'})
    assert not plan.changed
    assert plan.after == {'A': b'1', 'B': b'2'}


def test_add_update_keep():
    plan = EntryPlan({'A': b'1', 'B': b'2'}, {'A': b'new', 'C': b'3'})
    assert (plan.added, plan.updated, plan.removed) == (['C'], ['A'], [])
    assert plan.after == {'A': b'new', 'B': b'2', 'C': b'3'}
    assert plan.changed and not plan.created


def test_exclusive_removes_unlisted_keys():
    plan = EntryPlan({'A': b'1', 'B': b'2', 'C': b'3'}, {'A': b'1'}, exclusive=True)
    assert (plan.added, plan.updated, plan.removed) == ([], [], ['B', 'C'])
    assert plan.after == {'A': b'1'}


def test_a_missing_keystore_is_created_even_when_empty():
    plan = EntryPlan(None, {})
    assert plan.created and plan.changed and plan.after == {}


def test_a_run_that_only_reads_creates_nothing():
    plan = EntryPlan(None, {}, create=False)
    assert not plan.created and not plan.changed


def test_remove_takes_out_only_existing_keys():
    plan = EntryPlan({'A': b'1', 'B': b'2'}, {}, remove={'B', 'Z'}, create=False)
    assert (plan.removed, plan.after) == (['B'], {'A': b'1'})
    assert not EntryPlan({'A': b'1'}, {}, remove={'Z'}, create=False).changed
    assert not EntryPlan(None, {}, remove={'Z'}, create=False).changed


def test_diff_names_keys_and_never_values():
    plan = EntryPlan({'A': b'old-secret', 'B': b'keep-secret'}, {'A': b'new-secret', 'C': b'add-secret'})
    diff = plan.diff('/var/lib/filebeat/filebeat.keystore')
    assert diff['before_header'] == diff['after_header'] == '/var/lib/filebeat/filebeat.keystore (keys)'
    assert diff['before'] == 'A\nB\n'
    assert diff['after'] == 'A (new value)\nB\nC\n'
    assert 'secret' not in repr(diff)


def test_diff_of_a_new_keystore():
    diff = EntryPlan(None, {'A': b'x'}).diff('/k')
    assert diff['before_header'] == '/k (absent)' and diff['before'] == '' and diff['after'] == 'A\n'


def test_current_values_by_the_name_asked_and_missing_keys_left_out():
    current = {'es_api_key': b'id:key', 'es_pwd': b''}
    assert current_values(current, ['ES_API_KEY', 'ES_PWD', 'OTHER'], str.lower) == {
        'ES_API_KEY': 'id:key', 'ES_PWD': ''}
    assert current_values({'A': b'x'}, ['a']) == {}
    assert current_values(None, ['A']) == {}


def test_only_reading_needs_values_asked_and_no_entries():
    assert read_only({'read_values': ['A'], 'entries': None})
    assert read_only({'read_values': [], 'entries': None})
    assert not read_only({'read_values': ['A'], 'entries': {'A': 'x'}})
    assert not read_only({'read_values': None, 'entries': None})
