# -*- coding: utf-8 -*-
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A host's private key stays on the host: no task of the fleet playbooks reads a key file off a host
(slurp, fetch) or copies one from the controller to a host. Client certificates are requested on the
host and signed on the controller (es_cert request_csr / csr_content)."""

from __future__ import annotations

import os

import pytest
import yaml

COLLECTION = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
READERS = {'slurp', 'ansible.builtin.slurp', 'fetch', 'ansible.builtin.fetch'}
COPIERS = {'copy', 'ansible.builtin.copy'}


def _task_files():
    for root, _dirs, files in os.walk(os.path.join(COLLECTION, 'playbooks')):
        if os.sep + 'inventories' in root:
            continue
        for name in files:
            if name.endswith('.yml'):
                yield os.path.join(root, name)


def _tasks(items):
    for item in items or []:
        if not isinstance(item, dict):
            continue
        for section in ('tasks', 'pre_tasks', 'post_tasks', 'handlers', 'block', 'rescue', 'always'):
            if isinstance(item.get(section), list):
                yield from _tasks(item[section])
        yield item


def _mentions_key(task, module):
    args = task[module] if isinstance(task[module], dict) else {}
    text = ' '.join(str(args.get(option, '')) for option in ('src', 'path', 'dest'))
    text += ' ' + ' '.join(str(value) for value in task.get('loop', []) if not isinstance(task.get('loop'), str))
    return 'key' in text.replace('keystore', '')


def key_transfers(document):
    """The tasks of a playbook or task file that move a private key between the host and the controller."""
    found = []
    for task in _tasks(document if isinstance(document, list) else [document]):
        for module in READERS.intersection(task):
            if _mentions_key(task, module):
                found.append(task.get('name', module))
        for module in COPIERS.intersection(task):
            args = task[module] if isinstance(task[module], dict) else {}
            if not args.get('remote_src') and args.get('src') and _mentions_key(task, module):
                found.append(task.get('name', module))
    return found


def test_the_check_finds_a_key_read_off_a_host():
    playbook = [{'hosts': 'all', 'tasks': [{'name': 'held', 'ansible.builtin.slurp': {'src': '/etc/filebeat/certs/{{ item }}'},
                                            'loop': ['client.crt', 'client.key']},
                                           {'name': 'send', 'block': [{'name': 'copy key', 'ansible.builtin.copy': {
                                               'src': '/tmp/x-client.key', 'dest': '/etc/filebeat/certs/client.key'}}]}]}]
    assert key_transfers(playbook) == ['held', 'copy key']


@pytest.mark.parametrize('path', sorted(_task_files()), ids=lambda path: os.path.relpath(path, COLLECTION))
def test_no_playbook_moves_a_private_key(path):
    with open(path, encoding='utf-8') as stream:
        document = yaml.safe_load(stream)
    assert key_transfers(document) == []


def test_the_playbooks_are_there_to_check():
    assert any(path.endswith(os.path.join('tasks', 'client_certificate.yml')) for path in _task_files())
