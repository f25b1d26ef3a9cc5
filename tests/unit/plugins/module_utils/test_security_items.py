# -*- coding: utf-8 -*-
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from elasticsearch import ApiError
from elastic_transport import ApiResponseMeta, HttpHeaders, NodeConfig

from ansible_collections.esguard.security.plugins.module_utils._connection import ElasticsearchConnection
from ansible_collections.esguard.security.plugins.module_utils._security_items import (
    ExclusiveWithoutListError, Item, Kind, ReservedItemError, Step, apply, duplicate_names, names_path, plan, run,
    wanted_items)


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

    def requests(self, action, body, actual):
        # A kind may need several requests for one item: "twice" items take two.
        requests = super(RecordingKind, self).requests(action, body, actual)
        return requests * 2 if (body or {}).get('twice') else requests

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


def test_a_name_with_a_comma_is_read_with_all_items():
    # The server splits a GET's names at commas (also %2C), so "a,b" by name is never found.
    assert names_path(['a', 'x,y']) is None


def test_exclusive_needs_the_list_option():
    for params in ({'things': None, 'name': 'a', 'state': 'present', 'size': 1, 'exclusive': True},
                   {'things': None, 'name': None, 'exclusive': True}):
        with pytest.raises(ExclusiveWithoutListError, match='exclusive deletes every thing that things does not name, '
                                                            'so it needs things'):
            wanted_items(params, 'things', SPEC, dict, noun='thing')
    assert wanted_items({'things': [], 'exclusive': True}, 'things', SPEC, dict) == []


def test_the_plan_lists_every_request_apply_sends():
    kind = RecordingKind()
    result = plan(None, kind, [Item('old', 'present', {'a': 2, 'twice': True}), Item('gone', 'absent')], ACTUAL)
    apply(None, kind, result, check_mode=False)
    assert result.steps == [Step('updated', 'old', 'put', {'a': 2, 'twice': True}),
                            Step('updated', 'old', 'put', {'a': 2, 'twice': True}), Step('deleted', 'gone', 'delete')]
    assert kind.writes == [(step.request, step.name) for step in result.steps]


class ModuleExit(Exception):
    pass


class FakeModule(object):
    """The parts of AnsibleModule that ``run`` uses; exit_json and fail_json end the run as Ansible's do."""

    def __init__(self, params, check_mode=False):
        self.params = params
        self.check_mode = check_mode
        self._diff = False
        self.warnings = []

    def warn(self, warning):
        self.warnings.append(warning)

    def exit_json(self, **result):
        raise ModuleExit(dict(result, failed=False))

    def fail_json(self, msg, **result):
        raise ModuleExit(dict(result, msg=msg, failed=True))


class FailingClient(object):
    """A server holding no things whose write number ``fail_at`` answers HTTP 500."""

    def __init__(self, fail_at):
        self.fail_at = fail_at
        self.writes = []
        self.security = self

    def get_thing(self, name):
        return {}

    def put_thing(self, name, body):
        if len(self.writes) + 1 == self.fail_at:
            raise api_error(500, {'error': {'type': 'boom', 'reason': 'boom'}})
        self.writes.append(name)


def failing_connection(module, fail_at):
    """The real connection (its retry and failure policy) in front of a FailingClient."""
    client = FailingClient(fail_at)
    return ElasticsearchConnection(module, client, dict(hosts=['https://es1:9200'])), client


def api_error(status, body):
    meta = ApiResponseMeta(status=status, http_version='1.1', headers=HttpHeaders(), duration=0.0,
                           node=NodeConfig('https', 'es1', 9200))
    return ApiError(message='error', meta=meta, body=body)


class ThingKind(Kind):
    noun = 'thing'
    api = 'thing'

    def same(self, desired, actual):
        return desired == actual


BODY_OPTIONS = dict(size=dict(type='int'))


def run_things(module, conn):
    with pytest.raises(ModuleExit) as end:
        run(module, conn, ThingKind(), 'things', BODY_OPTIONS, lambda entry: {'size': entry['size']})
    return end.value.args[0]


def test_a_failed_write_reports_the_writes_before_it():
    names = ['t%03d' % number for number in range(100)]
    module = FakeModule({'things': [{'name': name, 'size': 1} for name in names], 'exclusive': False})
    conn, client = failing_connection(module, fail_at=57)
    result = run_things(module, conn)
    assert client.writes == names[:56]
    assert result['failed'] and result['changed']
    assert result['msg'] == ('write thing t056 failed: HTTP 500 boom: boom; 56 thing(s) of this task were written before it '
                             '(things says which)')
    assert result['status'] == 500
    assert result['things'][:56] == [dict(name=name, action='created', done=True) for name in names[:56]]
    assert result['things'][56] == dict(name='t056', action='created', done=False, failed=True)
    assert result['things'][57:] == [dict(name=name, action='created', done=False) for name in names[57:]]
    # The failure report is only for the writes: a failure after them stays as it was.
    assert conn.failure_report is None


class WarningThingKind(ThingKind):
    """A kind whose plan leaves a warning, as es_user's does for a password it cannot check."""

    def decide(self, conn, item, actual):
        self.warnings.append('thing %s could not be checked' % item.name)
        return super(WarningThingKind, self).decide(conn, item, actual)


def test_a_failed_write_still_passes_on_the_warnings_of_the_plan():
    module = FakeModule({'things': [{'name': 'a', 'size': 1}, {'name': 'b', 'size': 1}], 'exclusive': False})
    conn = failing_connection(module, fail_at=2)[0]
    with pytest.raises(ModuleExit) as end:
        run(module, conn, WarningThingKind(), 'things', BODY_OPTIONS, lambda entry: {'size': entry['size']})
    assert end.value.args[0]['failed']
    assert module.warnings == ['thing a could not be checked', 'thing b could not be checked']


def test_a_failed_first_write_changed_nothing():
    module = FakeModule({'things': [{'name': 'a', 'size': 1}], 'exclusive': False})
    result = run_things(module, failing_connection(module, fail_at=1)[0])
    assert result['failed'] and not result['changed']
    assert result['things'] == [dict(name='a', action='created', done=False, failed=True)]


def test_a_run_without_failure_exits_with_per_item_results():
    module = FakeModule({'things': [{'name': 'a', 'size': 1}], 'exclusive': False})
    conn, client = failing_connection(module, fail_at=None)
    result = run_things(module, conn)
    assert result == dict(changed=True, things=[dict(name='a', action='created')],
                          requests=[dict(name='a', request='put')], failed=False)
    assert client.writes == ['a']


def test_exclusive_without_the_list_fails_before_any_request():
    module = FakeModule({'things': None, 'name': 'a', 'state': 'present', 'size': 1, 'exclusive': True})
    conn, client = failing_connection(module, fail_at=None)
    client.get_thing = None  # not even a read
    result = run_things(module, conn)
    assert result['failed'] and 'needs things' in result['msg'] and client.writes == []


class HoldingClient(FailingClient):
    """A server that holds ``held`` things and answers every write."""

    def __init__(self, held):
        super(HoldingClient, self).__init__(fail_at=None)
        self.held = held

    def get_thing(self, name):
        return dict(self.held)


def run_checked(params, held, check_written):
    module = FakeModule(dict(params, exclusive=False))
    client = HoldingClient(held)
    conn = ElasticsearchConnection(module, client, dict(hosts=['https://es1:9200']))
    with pytest.raises(ModuleExit) as end:
        run(module, conn, ThingKind(), 'things', BODY_OPTIONS, lambda entry: {'size': entry['size']},
            check_written=check_written)
    return end.value.args[0], client


def test_the_check_of_written_items_sees_only_those_the_plan_writes():
    seen = []
    result, client = run_checked({'things': [{'name': 'same', 'size': 1}, {'name': 'new', 'size': 2},
                                             {'name': 'old', 'size': 3}]},
                                 {'same': {'size': 1}, 'old': {'size': 1}}, seen.append)
    assert [[item.name for item in items] for items in seen] == [['new', 'old']]
    assert client.writes == ['new', 'old'] and result['changed']


def test_a_run_that_writes_nothing_does_not_pay_for_the_check_of_written_items():
    def costly_check(items):
        raise AssertionError('called for %s' % [item.name for item in items])

    result, client = run_checked({'things': [{'name': 'same', 'size': 1}]}, {'same': {'size': 1}}, costly_check)
    assert not result['failed'] and not result['changed'] and client.writes == []


def test_a_refusal_by_the_check_of_written_items_comes_before_any_write():
    def refuse(items):
        raise ValueError('thing %s: unknown privilege' % items[0].name)

    result, client = run_checked({'things': [{'name': 'new', 'size': 2}]}, {}, refuse)
    assert result['failed'] and result['msg'] == 'thing new: unknown privilege'
    assert client.writes == []
