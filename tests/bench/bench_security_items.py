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
no-op re-run that a scheduled playbook does most of the time). Prints a
Markdown table of wall-clock seconds and ratios.

Needs the environment of the test node (ESGUARD_ES_URL, ESGUARD_ES_USERNAME,
ESGUARD_ES_PASSWORD, ESGUARD_ES_CA) and the collection on ANSIBLE_COLLECTIONS_PATH.
Usage: bench_security_items.py [N]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

from elasticsearch import Elasticsearch

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


def names_or_all(items):
    """The names for one GET, or None (all) when they do not fit in a request line, as the modules do."""
    names = ','.join(item['name'] for item in items)
    return names if len(names) <= 3000 else None


def raw_roles(es, items):
    """One read of all roles, then a PUT for each role the read does not show as wanted."""
    start = time.monotonic()
    found = es.options(ignore_status=404).security.get_role(name=names_or_all(items))
    for item in items:
        if item['name'] not in found:
            body = dict((k, v) for k, v in item.items() if k != 'name')
            es.security.put_role(name=item['name'], body=body)
    return time.monotonic() - start


def raw_users(es, items):
    """One read of all users, an authentication per existing user, a PUT for each one that differs."""
    start = time.monotonic()
    found = es.options(ignore_status=404).security.get_user(username=names_or_all(items))
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


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    env = os.environ
    es = client(env)
    rows = []
    kinds = (('roles', 'es_role', 'roles', roles(count), raw_roles),
             ('users', 'es_user', 'users', users(count), raw_users))
    for kind, module, list_key, items, raw in kinds:
        timings = {}
        for way in ('list', 'loop', 'raw'):
            clean(es, count)
            if way == 'raw':
                timings[way] = (raw(es, items), raw(es, items))
            else:
                plays = playbook(env, module, list_key, items, looped=(way == 'loop'))
                timings[way] = (run_playbook(env, plays), run_playbook(env, plays))
        rows.append((kind, timings))
    clean(es, count)

    print('| %d items | create (s) | no-op re-run (s) | create / raw client | re-run / one list task |' % count)
    print('|---|---:|---:|---:|---:|')
    for kind, timings in rows:
        raw_create = timings['raw'][0]
        list_rerun = timings['list'][1]
        for way, label in (('list', 'one list task'), ('loop', 'looped task'), ('raw', 'raw client')):
            create, rerun = timings[way]
            print('| %s, %s | %.1f | %.1f | %.1f | %.2f |'
                  % (kind, label, create, rerun, create / raw_create, rerun / list_rerun))


if __name__ == '__main__':
    main()
