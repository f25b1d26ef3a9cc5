# -*- coding: utf-8 -*-
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Reconcile named security items (roles, users, role mappings) with one read and minimal writes.

``plan`` is pure: from the wanted items and what the server holds it decides, per
item, whether to create, update, delete or leave it, and every write request that
takes (its steps), and builds the diff. ``apply`` then sends exactly the steps the
plan holds (none in check mode).
"""

from __future__ import annotations

from contextlib import contextmanager

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.esguard.security.plugins.module_utils._errors import InputError
from ansible_collections.esguard.security.plugins.module_utils._connection import es_module


class Item(object):
    """One wanted item: its name, state and desired body (None when absent is wanted)."""

    def __init__(self, name, state, body=None):
        self.name = name
        self.state = state
        self.body = body


# Elasticsearch refuses request lines over 4 KiB; a longer list of names is read as "all of them".
MAX_NAMES_PATH = 3000


def names_path(names):
    """The comma-separated names for a GET, or None (read all).

    All are read when there are no names, too many for one URL, or a name holds a comma:
    the server splits the path at commas, so such a name would never be found by name.
    """
    if not names or any(',' in name for name in names):
        return None
    path = ','.join(names)
    return path if len(path) <= MAX_NAMES_PATH else None


class Step(object):
    """One write request of a plan: the item's action, its name, the request and its body.

    ``request`` is ``put`` or ``delete``, or a kind's own request (a user's ``change_password``).
    """

    def __init__(self, action, name, request, body=None):
        self.action = action
        self.name = name
        self.request = request
        self.body = body

    def __eq__(self, other):
        return isinstance(other, Step) and vars(self) == vars(other)

    def __repr__(self):
        return 'Step(%r, %r, %r)' % (self.action, self.name, self.request)


class Kind(object):
    """What differs between kinds of item; subclasses fill in the server calls and the comparison."""

    noun = 'item'

    def __init__(self):
        # Things the run could not do or check, for the module to pass on as warnings.
        self.warnings = []

    def refusal(self, item, actual):
        """Why this item cannot be managed at all (checked before any write), or None."""
        if actual is not None and self.reserved(actual):
            return '%s %s is reserved (built in) and cannot be changed or deleted' % (self.noun, item.name)
        return None

    # The client's security API suffix for this kind (get_<api>, put_<api>, delete_<api>),
    # and the name of the parameter those calls take the item's name in.
    api = None
    name_param = 'name'

    def fetch(self, conn, names):
        """dict name -> body as the server returns it; all items when names is None."""
        path = names_path(names)
        found = conn.call('read %ss' % self.noun,
                          lambda c: getattr(c.security, 'get_' + self.api)(**{self.name_param: path}), missing_ok=True)
        return dict(found or {})

    def put(self, conn, name, body):
        conn.call('write %s %s' % (self.noun, name),
                  lambda c: getattr(c.security, 'put_' + self.api)(body=body, **{self.name_param: name}))

    def delete(self, conn, name):
        conn.call('delete %s %s' % (self.noun, name),
                  lambda c: getattr(c.security, 'delete_' + self.api)(**{self.name_param: name}), delete=True)

    def same(self, desired, actual):
        raise NotImplementedError

    def reserved(self, actual):
        return bool((actual or {}).get('metadata', {}).get('_reserved'))

    def shown(self, body):
        """The body as diff and results show it; must mask secrets."""
        return body

    def decide(self, conn, item, actual):
        """(action, body to write) for a present item; a kind may override (e.g. to check a password)."""
        if actual is None:
            return 'created', item.body
        if self.same(item.body, actual):
            return 'unchanged', None
        return 'updated', item.body

    def requests(self, action, body, actual):
        """The write requests, as (request, body), that give the item ``body`` (or delete it)."""
        if action == 'deleted':
            return [('delete', None)]
        return [('put', body)]

    def after(self, body, actual):
        """The item as it is once ``body`` is written over ``actual``: a put replaces the whole item."""
        return body

    def send(self, conn, step):
        """Send one step of a plan."""
        if step.request == 'delete':
            self.delete(conn, step.name)
        else:
            self.put(conn, step.name, step.body)


class Plan(object):

    def __init__(self):
        self.steps = []      # every write request, in the order they are sent
        self.results = []    # per item: dict(name=..., action=...)
        self.before = {}
        self.after = {}

    @property
    def changed(self):
        return bool(self.steps)

    @property
    def diff(self):
        return dict(before=self.before, after=self.after)


class ReservedItemError(InputError):
    pass


class ExclusiveWithoutListError(InputError):
    pass


def plan(conn, kind, items, actual, exclusive=False):
    """Decide what to write. ``actual`` is kind.fetch's answer."""
    result = Plan()
    for item in items:
        refusal = kind.refusal(item, actual.get(item.name))
        if refusal:
            raise ReservedItemError(refusal)
    for item in items:
        current = actual.get(item.name)
        if item.state == 'absent':
            action, body = ('deleted', None) if current is not None else ('unchanged', None)
        else:
            action, body = kind.decide(conn, item, current)
        _record(result, kind, item.name, action, body, current)
    if exclusive:
        wanted = set(item.name for item in items)
        for name in sorted(actual):
            if name not in wanted and not kind.reserved(actual[name]):
                _record(result, kind, name, 'deleted', None, actual[name])
    return result


def _record(result, kind, name, action, body, current):
    result.results.append(dict(name=name, action=action))
    if action == 'unchanged':
        return
    result.steps.extend(Step(action, name, request, request_body)
                        for request, request_body in kind.requests(action, body, current))
    if current is not None:
        result.before[name] = kind.shown(current)
    if action != 'deleted':
        result.after[name] = kind.shown(kind.after(body, current))


def apply(conn, kind, the_plan, check_mode, sent=None):
    """Send the plan's steps, in order; none in check mode. ``sent`` gets each step once it went through."""
    if check_mode:
        return
    for step in the_plan.steps:
        kind.send(conn, step)
        if sent is not None:
            sent.append(step)


def progress(the_plan, sent):
    """Per-item results after a write failed: the first ``sent`` steps went through, the next one failed.

    Each item says whether all its writes are ``done``; the item whose write failed is marked ``failed``.
    """
    failed = the_plan.steps[sent].name
    pending = set(step.name for step in the_plan.steps[sent:])
    results = []
    for result in the_plan.results:
        entry = dict(result, done=result['name'] not in pending)
        if result['name'] == failed:
            entry['failed'] = True
        results.append(entry)
    return results


def wanted_items(params, list_key, item_spec, body_of, noun='item'):
    """Items from either the single-item options (name + fields) or the list option.

    ``exclusive`` needs the list option: with one name, or with the list left out (as
    ``default(omit)`` does), it would delete every other item. List elements are checked
    against ``item_spec`` (the single-item options plus ``name`` and ``state``): unknown
    keys and wrong types are refused.
    """
    if params.get('exclusive') and params.get(list_key) is None:
        raise ExclusiveWithoutListError(
            'exclusive deletes every %s that %s does not name, so it needs %s: give the complete list '
            '(an empty list deletes them all)' % (noun, list_key, list_key))
    if params.get(list_key) is not None:
        entries = []
        validator = ArgumentSpecValidator(item_spec)
        for index, entry in enumerate(params[list_key]):
            checked = validator.validate(entry)
            if checked.error_messages:
                raise ValueError('%s[%d]: %s' % (list_key, index, '; '.join(checked.error_messages)))
            entries.append(checked.validated_parameters)
    elif params.get('name') is not None:
        entries = [params]
    else:
        return []
    return [Item(entry['name'], entry['state'], body_of(entry) if entry['state'] == 'present' else None)
            for entry in entries]


def duplicate_names(items):
    seen, dupes = set(), set()
    for item in items:
        (dupes if item.name in seen else seen).add(item.name)
    return sorted(dupes)


def item_spec(body_options):
    """The options of one item: name, state and the body options."""
    spec = dict(name=dict(type='str', required=True),
                state=dict(type='str', choices=['present', 'absent'], default='present'))
    spec.update(body_options)
    return spec


def module_argspec(list_key, body_options, list_suboptions=False):
    """The module options for a kind, without the connection options: one item, or a list of them.

    ``list_suboptions`` declares the list elements' options to Ansible, which is what
    makes their ``no_log`` fields hidden from logs; kinds with secrets need it.
    """
    spec = dict(name=dict(type='str'),
                state=dict(type='str', choices=['present', 'absent'], default='present'),
                exclusive=dict(type='bool', default=False))
    spec[list_key] = dict(type='list', elements='dict')
    if list_suboptions:
        spec[list_key]['options'] = item_spec(body_options)
    spec.update(body_options)
    return spec


def each_item(validate):
    """A ``check`` for ``run`` that calls ``validate(name, body)`` for every item to be present."""
    def check(items):
        for item in items:
            if item.body:
                validate(item.name, item.body)
    return check


def kind_module(list_key, body_options, list_suboptions=False, **extra_options):
    """The AnsibleModule of a kind's module: connection options, one item or a list, and ``extra_options``."""
    spec = module_argspec(list_key, body_options, list_suboptions=list_suboptions)
    spec.update(extra_options)
    return es_module(spec, mutually_exclusive=[('name', list_key)])


@contextmanager
def failures_report_progress(conn, the_plan, sent, list_key, noun):
    """While the plan's steps are sent, a failed write also reports what was written before it.

    The writes already sent stay on the server, so the failure says ``changed`` and, per item, what was done.
    """
    def report(msg):
        results = progress(the_plan, len(sent))
        written = sum(1 for result in results if result['done'] and result['action'] != 'unchanged')
        return ('%s; %d %s(s) of this task were written before it (%s says which)' % (msg, written, noun, list_key),
                {'changed': bool(sent), list_key: results})

    conn.failure_report = report
    try:
        yield
    finally:
        conn.failure_report = None


def written_items(items, the_plan):
    """The items ``the_plan`` creates or updates."""
    written = set(result['name'] for result in the_plan.results if result['action'] in ('created', 'updated'))
    return [item for item in items if item.name in written]


def run(module, conn, kind, list_key, body_options, body_of, check=None, check_written=None):
    """The whole module run for a kind: read once, plan, write what differs, exit with per-item results.

    ``check(items)`` may raise ValueError to refuse bad input before anything is read or written.
    ``check_written(items)`` gets only the items the plan creates or updates, after the read and before any
    write (in check mode too): checks that cost a request are not paid for by a run that writes nothing,
    since what the server already holds unchanged was accepted when it was written.
    """
    params = module.params
    exclusive = params.get('exclusive', False)
    try:
        items = wanted_items(params, list_key, item_spec(body_options), body_of, noun=kind.noun)
    except ValueError as error:
        module.fail_json(msg=str(error))
    if not items and not exclusive:
        module.fail_json(msg='give name (one %s) or %s (a list)' % (kind.noun, list_key))
    dupes = duplicate_names(items)
    if dupes:
        module.fail_json(msg='%s named more than once: %s' % (kind.noun, ', '.join(dupes)))
    try:
        if check:
            check(items)
        actual = kind.fetch(conn, None if exclusive else [item.name for item in items])
        the_plan = plan(conn, kind, items, actual, exclusive=exclusive)
        written = written_items(items, the_plan)
        if check_written and written:
            check_written(written)
    except ValueError as error:
        module.fail_json(msg=str(error))
    # The plan's warnings go out before any write, so that a failed write carries them too.
    for warning in kind.warnings:
        module.warn(warning)
    sent = []
    with failures_report_progress(conn, the_plan, sent, list_key, kind.noun):
        apply(conn, kind, the_plan, module.check_mode, sent)
    result = dict(changed=the_plan.changed, requests=[dict(name=step.name, request=step.request)
                                                      for step in the_plan.steps])
    result[list_key] = the_plan.results
    if module._diff:
        result['diff'] = the_plan.diff
    module.exit_json(**result)
