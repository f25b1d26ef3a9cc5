#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark (not a test): N roles and N users managed three ways against the test node.

1. one es_role / es_user task with the whole list (one module run),
2. one task looping over the items (N module runs),
3. the Elasticsearch Python client sending the same requests directly.

Each way first creates the items, then runs again with the same input (the
no-op re-run that a scheduled playbook does most of the time). For each run it
also counts the documents written to the security index, so a node that serves
only the benchmark shows that a no-op re-run writes nothing. Writes a JSON
report and prints a Markdown table of wall-clock seconds and ratios.

Needs the environment of the test node (ESGUARD_ES_URL, ESGUARD_ES_USERNAME,
ESGUARD_ES_PASSWORD, ESGUARD_ES_CA) and the collection on ANSIBLE_COLLECTIONS_PATH and PYTHONPATH.
Usage: bench_security_items.py [--count N] [--report FILE]
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

from elasticsearch import Elasticsearch

# The modules' own rule for reading many names (all items when they do not fit in one request line).
from ansible_collections.esguard.security.plugins.module_utils._security_items import names_path

PREFIX = 'esguard_bench_'
PASSWORD = 'bench-password-1'


def roles(count):
    return [dict(name='%srole_%03d' % (PREFIX, i), cluster=['monitor'],
                 indices=[dict(names=['bench-%03d-*' % i], privileges=['create_doc', 'auto_configure'])])
            for i in range(count)]


def users(count):
    return [dict(name='%suser_%03d' % (PREFIX, i), roles=['%srole_%03d' % (PREFIX, i)], password=PASSWORD)
            for i in range(count)]


def connection_defaults(env):
    return dict(hosts=[env['ESGUARD_ES_URL']], login_user=env['ESGUARD_ES_USERNAME'],
                login_password=env['ESGUARD_ES_PASSWORD'], ca_certs=env['ESGUARD_ES_CA'])


def playbook(env, module, list_key, items, looped):
    if looped:
        # One module run per item, each option taken from the item.
        task = {'esguard.security.%s' % module: dict((key, '{{ item.%s }}' % key) for key in items[0]),
                'loop': items}
    else:
        task = {'esguard.security.%s' % module: {list_key: items}}
    task['no_log'] = True
    return [dict(hosts='localhost', gather_facts=False, connection='local',
                 vars=dict(ansible_python_interpreter=sys.executable),
                 module_defaults={'group/esguard.security.elasticsearch': connection_defaults(env)},
                 tasks=[task])]


def run_playbook(env, plays):
    with tempfile.NamedTemporaryFile('w', suffix='.yml', delete=False) as handle:
        json.dump(plays, handle)
    try:
        start = time.monotonic()
        subprocess.run(['ansible-playbook', '-i', 'localhost,', handle.name], check=True, stdout=subprocess.DEVNULL)
        return time.monotonic() - start
    finally:
        os.unlink(handle.name)


def client(env):
    return Elasticsearch(env['ESGUARD_ES_URL'], ca_certs=env['ESGUARD_ES_CA'],
                         basic_auth=(env['ESGUARD_ES_USERNAME'], env['ESGUARD_ES_PASSWORD']))


def raw_roles(es, items):
    """One read of all roles, then a PUT for each role the read does not show as wanted."""
    start = time.monotonic()
    found = es.options(ignore_status=404).security.get_role(name=names_path([item['name'] for item in items]))
    for item in items:
        if item['name'] not in found:
            body = dict((k, v) for k, v in item.items() if k != 'name')
            es.security.put_role(name=item['name'], body=body)
    return time.monotonic() - start


def raw_users(es, items):
    """One read of all users, an authentication per existing user, a PUT for each one that differs."""
    start = time.monotonic()
    found = es.options(ignore_status=404).security.get_user(username=names_path([item['name'] for item in items]))
    for item in items:
        if item['name'] in found:
            if es.options(basic_auth=(item['name'], item['password']), ignore_status=401).security.authenticate().meta.status == 200:
                continue
        es.security.put_user(username=item['name'], body=dict(roles=item['roles'], password=item['password']))
    return time.monotonic() - start


def clean(es, count):
    for item in users(count):
        es.options(ignore_status=404).security.delete_user(username=item['name'])
    for item in roles(count):
        es.options(ignore_status=404).security.delete_role(name=item['name'])


def security_writes(es):
    """Documents indexed into the security index so far (deletes are not counted)."""
    stats = es.indices.stats(index='.security', metric='indexing', filter_path='_all.total.indexing.index_total')
    return stats['_all']['total']['indexing']['index_total']


def server_version(es):
    return ','.join(sorted(set(node['version'] for node in es.nodes.info(filter_path='nodes.*.version')['nodes'].values())))


def measured(es, run):
    """(seconds, security documents written) of one run."""
    before = security_writes(es)
    seconds = run()
    return seconds, security_writes(es) - before


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--count', type=int, default=200)
    parser.add_argument('--report', default=os.path.join('tests', 'output', 'bench', 'security_items.json'))
    args = parser.parse_args()
    count = args.count
    env = os.environ
    es = client(env)
    load_before = os.getloadavg()
    results = {}
    kinds = (('roles', 'es_role', 'roles', roles(count), raw_roles),
             ('users', 'es_user', 'users', users(count), raw_users))
    for kind, module, list_key, items, raw in kinds:
        results[kind] = {}
        for way in ('list', 'loop', 'raw'):
            clean(es, count)
            if way == 'raw':
                run = functools.partial(raw, es, items)
            else:
                run = functools.partial(run_playbook, env, playbook(env, module, list_key, items, looped=(way == 'loop')))
            (create, create_writes), (rerun, rerun_writes) = measured(es, run), measured(es, run)
            results[kind][way] = dict(create_seconds=round(create, 2), create_writes=create_writes,
                                      rerun_seconds=round(rerun, 2), rerun_writes=rerun_writes)
        ways = results[kind]
        ways['ratios'] = dict(
            create_list_over_raw=round(ways['list']['create_seconds'] / ways['raw']['create_seconds'], 2),
            create_loop_over_list=round(ways['loop']['create_seconds'] / ways['list']['create_seconds'], 2),
            rerun_loop_over_list=round(ways['loop']['rerun_seconds'] / ways['list']['rerun_seconds'], 2))
    clean(es, count)

    report = dict(count=count, results=results, environment=dict(
        cpus=os.cpu_count(), python=platform.python_version(), elasticsearch=server_version(es),
        load_average_before=[round(x, 2) for x in load_before],
        load_average_after=[round(x, 2) for x in os.getloadavg()]))
    os.makedirs(os.path.dirname(os.path.abspath(args.report)), exist_ok=True)
    with open(args.report, 'w') as handle:
        json.dump(report, handle, indent=2)

    print('| %d items | create (s) | writes | no-op re-run (s) | writes | create / raw client | re-run / one list task |'
          % count)
    print('|---|---:|---:|---:|---:|---:|---:|')
    for kind, ways in results.items():
        for way, label in (('list', 'one list task'), ('loop', 'looped task'), ('raw', 'raw client')):
            row = ways[way]
            print('| %s, %s | %.1f | %d | %.1f | %d | %.1f | %.2f |'
                  % (kind, label, row['create_seconds'], row['create_writes'], row['rerun_seconds'],
                     row['rerun_writes'], row['create_seconds'] / ways['raw']['create_seconds'],
                     row['rerun_seconds'] / ways['list']['rerun_seconds']))


if __name__ == '__main__':
    main()
