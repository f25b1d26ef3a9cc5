# -*- coding: utf-8 -*-
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.esguard.security.plugins.module_utils._security_items import (
    Item, Kind, ReservedItemError, apply, duplicate_names, names_path, plan, wanted_items)


class RecordingKind(Kind):
    """A kind whose bodies are plain dicts compared for equality; it records writes."""

    noun = 'thing'

    def __init__(self):
        super(RecordingKind, self).__init__()
        self.writes = []

    def same(self, desired, actual):
        return desired == actual

    def put(self, conn, name, body):
        self.writes.append(('put', name))

    def delete(self, conn, name):
        self.writes.append(('delete', name))

    def shown(self, body):
        return dict((k, '*' if k == 'secret' else v) for k, v in body.items())


ACTUAL = {'same': {'a': 1}, 'old': {'a': 1}, 'gone': {'a': 1}, 'builtin': {'metadata': {'_reserved': True}}}


def test_plan_decides_each_item_and_diffs_only_changes():
    kind = RecordingKind()
    result = plan(None, kind, [Item('same', 'present', {'a': 1}), Item('old', 'present', {'a': 2}),
                               Item('new', 'present', {'a': 3, 'secret': 'x'}), Item('gone', 'absent'),
                               Item('never', 'absent')], ACTUAL)
    assert result.results == [dict(name='same', action='unchanged'), dict(name='old', action='updated'),
                              dict(name='new', action='created'), dict(name='gone', action='deleted'),
                              dict(name='never', action='unchanged')]
    assert result.changed
    assert result.diff == {'before': {'old': {'a': 1}, 'gone': {'a': 1}},
                           'after': {'old': {'a': 2}, 'new': {'a': 3, 'secret': '*'}}}


def test_nothing_to_do_means_no_writes_and_not_changed():
    kind = RecordingKind()
    result = plan(None, kind, [Item('same', 'present', {'a': 1})], ACTUAL)
    apply(None, kind, result, check_mode=False)
    assert not result.changed and kind.writes == []


def test_check_mode_writes_nothing():
    kind = RecordingKind()
    result = plan(None, kind, [Item('old', 'present', {'a': 2})], ACTUAL)
    apply(None, kind, result, check_mode=True)
    assert result.changed and kind.writes == []


def test_apply_sends_the_planned_writes_in_order():
    kind = RecordingKind()
    result = plan(None, kind, [Item('old', 'present', {'a': 2}), Item('gone', 'absent')], ACTUAL)
    apply(None, kind, result, check_mode=False)
    assert kind.writes == [('put', 'old'), ('delete', 'gone')]


def test_exclusive_deletes_unnamed_items_but_never_reserved_ones():
    kind = RecordingKind()
    result = plan(None, kind, [Item('same', 'present', {'a': 1})], ACTUAL, exclusive=True)
    assert [r for r in result.results if r['action'] == 'deleted'] == [
        dict(name='gone', action='deleted'), dict(name='old', action='deleted')]


@pytest.mark.parametrize('state', ['present', 'absent'])
def test_naming_a_reserved_item_is_refused(state):
    with pytest.raises(ReservedItemError, match='thing builtin is reserved'):
        plan(None, RecordingKind(), [Item('builtin', state, {'a': 1})], ACTUAL)


SPEC = dict(name=dict(type='str', required=True), state=dict(type='str', default='present',
                                                             choices=['present', 'absent']),
            size=dict(type='int'))


def test_wanted_items_from_the_list_form_are_checked_against_the_item_spec():
    items = wanted_items({'things': [{'name': 'a', 'size': '3'}, {'name': 'b', 'state': 'absent'}]},
                         'things', SPEC, lambda entry: {'size': entry['size']})
    assert [(i.name, i.state, i.body) for i in items] == [('a', 'present', {'size': 3}), ('b', 'absent', None)]
    with pytest.raises(ValueError, match=r'things\[0\]: .*colour'):
        wanted_items({'things': [{'name': 'a', 'colour': 'red'}]}, 'things', SPEC, dict)


def test_wanted_items_from_the_single_form():
    items = wanted_items({'things': None, 'name': 'a', 'state': 'present', 'size': 1}, 'things', SPEC,
                         lambda entry: {'size': entry['size']})
    assert [(i.name, i.body) for i in items] == [('a', {'size': 1})]


def test_duplicate_names():
    assert duplicate_names([Item('a', 'present'), Item('b', 'present'), Item('a', 'absent')]) == ['a']


def test_names_too_many_for_one_url_are_read_as_all():
    assert names_path(['a', 'b']) == 'a,b'
    assert names_path([]) is None
    assert names_path(None) is None
    assert names_path(['role_%04d' % i for i in range(400)]) is None
