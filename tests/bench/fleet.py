# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The container fleet of the benchmark: its inventory, and the no-op playbook of a run's task count.

Pure functions; bench.py starts the containers (with the fleet scenario's create.yml) and runs the plays.
"""
from __future__ import annotations

# The actions that run no module: Ansible does them on the controller, inside its own process.
CONTROLLER_ACTIONS = frozenset((
    'add_host', 'assert', 'debug', 'fail', 'group_by', 'include_role', 'include_tasks', 'include_vars', 'meta',
    'set_fact', 'set_stats', 'validate_argument_spec', 'import_role', 'import_tasks'))
# What one task result (or loop item) of a host cost: a module run on the host, a module run on the
# controller (delegated to localhost), an action without a module, or a skipped task.
STEP_KINDS = ('remote', 'local', 'controller', 'skipped')


def shipper_kinds(mixed_inventory):
    """The scenario's shipper hosts (their variables and group), from its inventory (mixed.yml), in order."""
    kinds = []
    for group in ('beats', 'logstash'):
        hosts = mixed_inventory['all']['children'].get(group, {}).get('hosts') or {}
        kinds.extend((group, dict(variables or {})) for variables in hosts.values())
    return kinds


def fleet_inventory(count, kinds, prefix='esguard-bench-'):
    """An inventory of ``count`` shipper hosts that go round the scenario's kinds of host, named
    ``<prefix><count>-<index>`` so that the fleets of different sizes never share a host."""
    children = {}
    for index in range(count):
        group, variables = kinds[index % len(kinds)]
        name = '%s%d-%02d' % (prefix, count, index)
        children.setdefault(group, dict(hosts={}))['hosts'][name] = dict(variables)
    return dict(all=dict(children=children))


def inventory_hosts(inventory):
    return [name for group in inventory['all']['children'].values() for name in group['hosts']]


def step_kind(action, delegated_vars, skipped):
    """The kind (see STEP_KINDS) of one task result of a host; ``delegated_vars`` is the result's
    ``_ansible_delegated_vars`` (the delegated host's connection variables), empty unless delegated."""
    if skipped:
        return 'skipped'
    if action.rsplit('.', 1)[-1] in CONTROLLER_ACTIONS:
        return 'controller'
    delegated_vars = delegated_vars or {}
    host = delegated_vars.get('ansible_delegated_host') or delegated_vars.get('ansible_host')
    if delegated_vars.get('ansible_connection') == 'local' or host in ('localhost', '127.0.0.1'):
        return 'local'
    return 'remote'


def step_counts(steps):
    """{kind: number} over all hosts' steps ({host: [kind, ...]})."""
    counts = dict((kind, 0) for kind in STEP_KINDS)
    for kinds in steps.values():
        for kind in kinds:
            counts[kind] += 1
    return counts


def action_seconds(task_times, action):
    """Wall-clock seconds a run spent in the tasks of ``action`` (its short name) that ran on some host;
    ``task_times`` is [[action, seconds, results that ran], ...] in the order of the run."""
    return round(sum(seconds for name, seconds, ran in task_times
                     if ran and name.rsplit('.', 1)[-1] == action), 3)


def list_call_playbook(url, name_pattern, expected):
    """A play on the controller that reads every active API key named ``name_pattern`` in one request
    (``ansible.builtin.uri``, the connection from the ELASTICSEARCH_* environment) and fails unless it
    found at least ``expected``: the one call the per-host es_api_key runs would give way to."""
    env = "lookup('ansible.builtin.env', '%s')"
    return [dict(name="All hosts' API keys in one call", hosts='localhost', gather_facts=False, tasks=[
        {'name': 'Read the active API keys', 'register': 'bench_keys',
         'ansible.builtin.uri': dict(
             url='%s/_security/api_key?active_only=true&name=%s' % (url, name_pattern),
             url_username='{{ %s }}' % env % 'ELASTICSEARCH_USERNAME',
             url_password='{{ %s }}' % env % 'ELASTICSEARCH_PASSWORD',
             ca_path='{{ %s }}' % env % 'ELASTICSEARCH_CA_CERTS', force_basic_auth=True)},
        {'name': 'Every host with an API key is among them', 'ansible.builtin.assert': dict(
            that=['bench_keys.json.api_keys | length >= %d' % expected], quiet=True)}])]


def noop_playbook(steps):
    """A play with, per host, the steps of a recorded run ({host: [kind, ...]}) doing nothing: a module
    step is `ansible.builtin.ping` on the same side (the host, or the controller for a delegated one),
    an action without a module or a skipped task is a skipped task. Hosts run the steps in lockstep, one
    task per step index; a host with fewer steps skips the rest."""
    length = max([len(kinds) for kinds in steps.values()] or [0])
    tasks = []
    for index in range(length):
        step = "bench_steps[inventory_hostname][%d] | default('skipped')" % index
        tasks.append({'name': 'step %d' % index, 'ansible.builtin.ping': {},
                      'delegate_to': "{{ 'localhost' if %s == 'local' else inventory_hostname }}" % step,
                      'when': "%s in ['remote', 'local']" % step})
    return [dict(name='The same steps, doing nothing', hosts=':'.join(sorted(steps)) or 'none', gather_facts=False,
                 vars=dict(bench_steps=steps), tasks=tasks)]
