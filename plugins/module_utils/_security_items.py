# -*- coding: utf-8 -*-
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Reconcile named security items (roles, users, role mappings) with one read and minimal writes.

``plan`` is pure: from the wanted items and what the server holds it decides, per
item, whether to create, update, delete or leave it, and builds the diff.
``apply`` then sends only the writes the plan holds (none in check mode).
"""

from __future__ import annotations

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
    """The comma-separated names for a GET, or None (read all) when there are none or too many for one URL."""
    path = ','.join(names or [])
    return path if path and len(path) <= MAX_NAMES_PATH else None


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


class Plan(object):

    def __init__(self):
        self.steps = []      # (action, name, body) in request order
        self.results = []    # per item: dict(name=..., action=...)
        self.before = {}
        self.after = {}

    @property
    def changed(self):
        return any(action != 'unchanged' for action, _name, _body in self.steps)

    @property
    def diff(self):
        return dict(before=self.before, after=self.after)


class ReservedItemError(InputError):
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
    result.steps.append((action, name, body))
    if current is not None:
        result.before[name] = kind.shown(current)
    if action != 'deleted':
        result.after[name] = kind.shown(body)


def apply(conn, kind, the_plan, check_mode):
    """Send the plan's writes, in order; none in check mode."""
    if check_mode:
        return
    for action, name, body in the_plan.steps:
        if action == 'deleted':
            kind.delete(conn, name)
        else:
            kind.put(conn, name, body)


def wanted_items(params, list_key, item_spec, body_of):
    """Items from either the single-item options (name + fields) or the list option.

    List elements are checked against ``item_spec`` (the single-item options plus
    ``name`` and ``state``): unknown keys and wrong types are refused.
    """
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


def run(module, conn, kind, list_key, body_options, body_of, check=None):
    """The whole module run for a kind: read once, plan, write what differs, exit with per-item results.

    ``check(items)`` may raise ValueError to refuse bad input before anything is written.
    """
    params = module.params
    exclusive = params.get('exclusive', False)
    try:
        items = wanted_items(params, list_key, item_spec(body_options), body_of)
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
    except ValueError as error:
        module.fail_json(msg=str(error))
    apply(conn, kind, the_plan, module.check_mode)
    for warning in kind.warnings:
        module.warn(warning)
    result = dict(changed=the_plan.changed)
    result[list_key] = the_plan.results
    if module._diff:
        result['diff'] = the_plan.diff
    module.exit_json(**result)
