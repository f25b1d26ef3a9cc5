# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The reliability and security suite: plays run at -vvv against the real test node.

Every play's output, log and temporary files stay under one directory until the secrets scan
(test_zz_secrets.py, the last module) has read them; ``secrets`` collects every secret the plays use.
"""
import base64
import hashlib
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

import pytest
import requests

HERE = pathlib.Path(__file__).resolve().parent
PLAYS = HERE / 'plays'


class Secrets(object):
    """The secrets the suite's plays use, each with what it is."""

    def __init__(self):
        self.values = {}

    def add(self, what, value):
        if value:
            self.values[value] = what
        return value

    def forms(self):
        """Each secret as it could leak: as is, and base64 encoded (Authorization headers carry that)."""
        for value, what in self.values.items():
            yield what, value
            yield what + ' (base64)', base64.b64encode(value.encode()).decode()


class Suite(object):
    def __init__(self, root, node):
        self.root = root
        self.node = node
        # What the plays print and log, and Ansible's temporary files: all scanned for secrets.
        self.transcripts = root / 'transcripts'
        self.logs = root / 'logs'
        self.temp = root / 'tmp'
        # Files the plays write (configs, keys, keystores): scanned too, except the designated secret files.
        self.work = root / 'work'
        # The plays' inputs (connection variables with the admin password): not output, not scanned.
        self.inputs = root / 'inputs'
        for directory in (self.transcripts, self.logs, self.temp, self.work, self.inputs):
            directory.mkdir(mode=0o700)
        self.secret_files = set()
        self.runs = 0

    def play(self, playbook, label, inventory='localhost,', extra_vars=None, check=False, forks=None,
             background=False, timeout=900, options=()):
        """Run ansible-playbook at -vvv with --diff; its output goes to a transcript. Returns (rc, output)."""
        self.runs += 1
        name = '%02d-%s' % (self.runs, label)
        # Every host is this machine, reached with the local connection and this Python.
        variables = dict(self.node.play_vars, workdir=str(self.work), ansible_python_interpreter=sys.executable,
                         **(extra_vars or {}))
        vars_file = self.inputs / (name + '.json')
        vars_file.write_text(json.dumps(variables))
        cmd = ['ansible-playbook', '-vvv', '--diff', '-c', 'local', '-i', inventory, '-e', '@%s' % vars_file, str(playbook)]
        if check:
            cmd.append('--check')
        if forks:
            cmd += ['--forks', str(forks)]
        cmd += list(options)
        env = dict(os.environ, ANSIBLE_LOG_PATH=str(self.logs / 'ansible.log'), ANSIBLE_LOCAL_TEMP=str(self.temp),
                   ANSIBLE_REMOTE_TMP=str(self.temp / 'remote'), ANSIBLE_HOST_KEY_CHECKING='False',
                   ANSIBLE_DEPRECATION_WARNINGS='False', TMPDIR=str(self.temp))
        transcript = open(self.transcripts / (name + '.log'), 'wb')
        process = subprocess.Popen(cmd, stdout=transcript, stderr=subprocess.STDOUT, env=env, cwd=str(self.root))
        run = PlayRun(process, transcript, self.transcripts / (name + '.log'), timeout)
        return run if background else run.wait()


class PlayRun(object):
    def __init__(self, process, handle, path, timeout):
        self.process, self.handle, self.path, self.timeout = process, handle, path, timeout

    def wait(self):
        try:
            rc = self.process.wait(self.timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            rc = self.process.wait()
        self.handle.close()
        return rc, self.path.read_text(errors='replace')


class Node(object):
    """The test node, reached as its admin with the node's CA."""

    def __init__(self):
        try:
            self.url = os.environ['ESGUARD_ES_URL']
            self.username = os.environ['ESGUARD_ES_USERNAME']
            self.password = os.environ['ESGUARD_ES_PASSWORD']
            self.ca = os.environ['ESGUARD_ES_CA']
        except KeyError as missing:
            pytest.fail('the test node is not configured: run "eval $(tests/es/node env)" (missing %s)' % missing)
        self.http = requests.Session()
        # Only the node's CA, whatever REQUESTS_CA_BUNDLE says.
        self.http.trust_env = False
        self.http.verify = self.ca
        self.http.auth = (self.username, self.password)
        self.play_vars = dict(es_hosts=[self.url], es_username=self.username, es_password=self.password,
                              es_ca_certs=self.ca)

    @property
    def ca_key(self):
        return os.path.join(os.path.dirname(self.ca), 'ca.key')

    def get(self, path, **params):
        answer = self.http.get(self.url + path, params=params, timeout=30)
        answer.raise_for_status()
        return answer.json()

    def request(self, method, path, body=None):
        answer = self.http.request(method, self.url + path, json=body, timeout=30)
        answer.raise_for_status()
        return answer.json()

    def write_count(self):
        """Documents written to the security index since the node started (deletes left out)."""
        self.http.post(self.url + '/.security/_refresh', timeout=30)
        return self.get('/.security/_stats/indexing')['_all']['total']['indexing']['index_total']

    def active_keys(self, name):
        return self.get('/_security/api_key', name=name, active_only='true')['api_keys']


@pytest.fixture(scope='session')
def node():
    return Node()


@pytest.fixture(scope='session')
def secrets(node):
    found = Secrets()
    found.add('the admin password', node.password)
    return found


@pytest.fixture(scope='session')
def suite(node):
    root = pathlib.Path(tempfile.mkdtemp(prefix='esguard-reliability.'))
    yield Suite(root, node)
    # ESGUARD_RELIABILITY_KEEP=1 keeps the transcripts and files for a look after a failure.
    if not os.environ.get('ESGUARD_RELIABILITY_KEEP'):
        shutil.rmtree(root, ignore_errors=True)


def tree_state(root):
    """Every path under root with its type, mode and content hash: equal states mean nothing was written."""
    state = {}
    for path in sorted(pathlib.Path(root).rglob('*')):
        info = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
        state[str(path.relative_to(root))] = (oct(info.st_mode), info.st_mtime_ns, digest)
    return state
