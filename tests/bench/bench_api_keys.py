#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark (not a test): one API key per host for N hosts, es_api_key against the bare client.

1. es_api_key on an inventory of N local hosts with 20 forks, each host ensuring its own key
   (first run creates, second run is the no-op re-run of a scheduled playbook);
2. the Elasticsearch Python client in one process doing what the module does per key:
   read the active keys of that name, then create the key when there is none.

Prints a Markdown table of wall-clock seconds and milliseconds per key.

Needs the environment of the test node (ESGUARD_ES_URL, ESGUARD_ES_USERNAME,
ESGUARD_ES_PASSWORD, ESGUARD_ES_CA) and the collection on ANSIBLE_COLLECTIONS_PATH.
Usage: bench_api_keys.py [N]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

from elasticsearch import Elasticsearch

PREFIX = 'esguard-bench-key-'
FORKS = 20
DESCRIPTORS = {'writer': {'cluster': ['monitor'],
                          'indices': [{'names': ['filebeat-*'], 'privileges': ['create_doc', 'auto_configure']}]}}


def run_playbook(env, count, workdir):
    inventory = os.path.join(workdir, 'inventory.ini')
    with open(inventory, 'w') as handle:
        handle.write('[fleet]\n')
        handle.writelines('bench%03d\n' % i for i in range(count))
        handle.write('\n[fleet:vars]\nansible_connection=local\n'
                     'ansible_python_interpreter={{ ansible_playbook_python }}\n')
    task = {'esguard.security.es_api_key': dict(
        name=PREFIX + 'module-{{ inventory_hostname }}', role_descriptors=DESCRIPTORS,
        hosts=[env['ESGUARD_ES_URL']], login_user=env['ESGUARD_ES_USERNAME'],
        login_password=env['ESGUARD_ES_PASSWORD'], ca_certs=env['ESGUARD_ES_CA']), 'no_log': True}
    playbook = os.path.join(workdir, 'keys.yml')
    with open(playbook, 'w') as handle:
        json.dump([dict(hosts='fleet', gather_facts=False, tasks=[task])], handle)
    start = time.monotonic()
    subprocess.run(['ansible-playbook', '-i', inventory, '--forks', str(FORKS), playbook],
                   check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - start


def run_client(client, count):
    start = time.monotonic()
    for i in range(count):
        name = '%sclient-bench%03d' % (PREFIX, i)
        found = client.security.get_api_key(name=name, owner=True, active_only=True)
        if not found['api_keys']:
            client.security.create_api_key(name=name, role_descriptors=DESCRIPTORS)
    return time.monotonic() - start


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    env = os.environ
    client = Elasticsearch(env['ESGUARD_ES_URL'], ca_certs=env['ESGUARD_ES_CA'],
                           basic_auth=(env['ESGUARD_ES_USERNAME'], env['ESGUARD_ES_PASSWORD']))
    cleanup = dict(name=PREFIX + '*')
    client.security.invalidate_api_key(**cleanup)
    rows = []
    try:
        with tempfile.TemporaryDirectory() as workdir:
            rows.append(('es_api_key, %d forks' % FORKS, run_playbook(env, count, workdir),
                         run_playbook(env, count, workdir)))
        rows.append(('client, one process, sequential', run_client(client, count), run_client(client, count)))
    finally:
        client.security.invalidate_api_key(**cleanup)
    print('| way | create %d keys | per key | re-run | per key |' % count)
    print('| --- | ---: | ---: | ---: | ---: |')
    for way, create, rerun in rows:
        row = (way, create, create * 1000 / count, rerun, rerun * 1000 / count)
        print('| %s | %.1f s | %.0f ms | %.1f s | %.0f ms |' % row)


if __name__ == '__main__':
    main()
