# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Promises of the test tooling that several runs on one machine rely on.

tests/bootstrap builds or replaces a virtualenv only under its lock, never while a
run uses it; tests/es/node knows its own node by the node's home, never by any JVM
that mentions Elasticsearch, and keeps the admin password off every command line.
Each test works in a private cache, so the shared virtualenvs and node are untouched.
"""
import fcntl
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NODE = REPO / 'tests' / 'es' / 'node'
CORE = '0.1'  # a made-up ansible-core line whose requirement file installs nothing


@pytest.fixture
def sandbox(tmp_path):
    """A copy of tests/bootstrap in a repository of its own, with a private cache."""
    repo = tmp_path / 'repo'
    (repo / 'tests' / 'tools').mkdir(parents=True)
    (repo / 'tests' / 'requirements').mkdir()
    shutil.copy(REPO / 'tests' / 'bootstrap', repo / 'tests' / 'bootstrap')
    shutil.copy(REPO / 'tests' / 'tools' / 'get_pip_offline.py', repo / 'tests' / 'tools')
    requirements = repo / 'tests' / 'requirements' / ('ansible-core-%s.txt' % CORE)
    requirements.write_text('# nothing to install\n')
    cache = tmp_path / 'cache'
    # The dependency collections count as extracted, so nothing is downloaded.
    (cache / 'collections' / 'ansible_collections' / 'community' / 'docker').mkdir(parents=True)
    env = dict(os.environ, ESGUARD_CACHE=str(cache), ESGUARD_ANSIBLE_CORE=CORE, HOME=str(tmp_path / 'home'))
    venv = cache / ('venv-ansible-core-%s' % CORE)
    return {'bootstrap': str(repo / 'tests' / 'bootstrap'), 'env': env, 'venv': venv, 'requirements': requirements}


def bootstrap(sandbox):
    return subprocess.Popen([sandbox['bootstrap']], env=sandbox['env'], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def finish(proc):
    """The standard output of a bootstrap that succeeded, and its log."""
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    return out, err


def lock_is_held(path):
    with open(path) as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(f, fcntl.LOCK_UN)
        return False


def test_concurrent_bootstraps_build_a_virtualenv_once(sandbox):
    logs = [finish(p)[1] for p in [bootstrap(sandbox), bootstrap(sandbox)]]
    creations = sum(log.count('creating virtualenv') for log in logs)
    assert creations == 1
    assert (sandbox['venv'] / 'bin' / 'python').exists()


def test_a_virtualenv_in_use_is_replaced_only_after_its_run_ends(sandbox):
    shell_code = finish(bootstrap(sandbox))[0]
    # A run that uses the virtualenv: it evals bootstrap's output, which holds the lock's shared side.
    run = subprocess.Popen(['bash', '-c', shell_code + '\nread -r _'], stdin=subprocess.PIPE, text=True)
    lock = '%s.lock' % sandbox['venv']
    deadline = time.monotonic() + 30
    while not lock_is_held(lock):
        assert time.monotonic() < deadline, 'the run did not take the lock'
        time.sleep(0.1)
    marker = sandbox['venv'] / 'in-use'
    marker.write_text('')
    sandbox['requirements'].write_text('# changed: the virtualenv must be replaced\n')

    replacer = bootstrap(sandbox)
    time.sleep(3)
    assert replacer.poll() is None, 'bootstrap replaced a virtualenv in use'
    assert marker.exists()

    run.communicate('\n', timeout=30)
    err = finish(replacer)[1]
    assert 'waiting for the runs that use' in err
    assert 'creating virtualenv' in err
    assert not marker.exists()


@pytest.fixture
def node_sandbox(tmp_path):
    """A private cache with the files of a node on an unused port, without the node."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    version = '8.19.21'
    node_dir = tmp_path / ('node-%s-%d' % (version, port))
    home = node_dir / ('elasticsearch-%s' % version)
    (home / 'config' / 'certs').mkdir(parents=True)
    env = dict(os.environ, ESGUARD_CACHE=str(tmp_path), ESGUARD_ES_PORT=str(port), ESGUARD_ES_VERSION=version)
    return {'env': env, 'port': port, 'node_dir': node_dir, 'home': home}


def fake_jvm(home, home_args=None):
    """The pid of a process whose command line reads like an Elasticsearch JVM's for that home
    (by default with -Des.path.home, as 8.19 and 9.x start it).

    It is not this process's child (a child killed stays a zombie until reaped), so its end is seen at once.
    """
    started = subprocess.run(
        ['bash', '-c', '"$@" </dev/null >/dev/null 2>&1 & echo $!', 'fake-jvm', sys.executable, '-c',
         'import time; time.sleep(120)'] + (home_args or ['-Des.path.home=%s' % home])
        + ['org.elasticsearch.server/org.elasticsearch.bootstrap.Elasticsearch'],
        check=True, capture_output=True, text=True)
    return int(started.stdout)


def alive(pid):
    try:
        with open('/proc/%d/stat' % pid) as f:
            return f.read().rsplit(') ', 1)[1][0] != 'Z'
    except FileNotFoundError:
        return False


def end(pid):
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def test_stop_leaves_another_nodes_jvm_alone(node_sandbox):
    other = fake_jvm('/srv/someone-else/elasticsearch')
    try:
        (node_sandbox['node_dir'] / 'es.pid').write_text('%d\n' % other)
        subprocess.run([str(NODE), 'stop'], env=node_sandbox['env'], check=True, timeout=120)
        assert alive(other), 'tests/es/node stop killed a JVM of another node'
    finally:
        end(other)


@pytest.mark.parametrize('home_args', [
    lambda home: ['-Des.path.home=%s' % home],
    # 8.17 starts its server JVM without -Des.path.home: only the module path names the home.
    lambda home: ['--module-path', '%s/lib' % home],
], ids=['path_home', 'module_path'])
def test_stop_ends_its_own_node(node_sandbox, home_args):
    own = fake_jvm(node_sandbox['home'], home_args(node_sandbox['home']))
    try:
        (node_sandbox['node_dir'] / 'es.pid').write_text('%d\n' % own)
        subprocess.run([str(NODE), 'stop'], env=node_sandbox['env'], check=True, timeout=120)
        assert not alive(own)
    finally:
        end(own)


def test_the_admin_password_reaches_curl_on_stdin_not_on_its_command_line(node_sandbox, tmp_path):
    password = secrets.token_hex(16)
    (node_sandbox['node_dir'] / 'admin.password').write_text(password + '\n')
    # A curl that records its arguments and its standard input (curl would blank a password
    # in its arguments only after start-up, so `ps` can catch it there).
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    curl = bin_dir / 'curl'
    curl.write_text('#!/bin/sh\nprintf "%%s\\n" "$@" > %s/argv\ncat > %s/stdin\nexit 7\n' % (tmp_path, tmp_path))
    curl.chmod(0o755)
    env = dict(node_sandbox['env'], PATH='%s:%s' % (bin_dir, os.environ['PATH']))
    status = subprocess.run([str(NODE), 'status'], env=env, timeout=60, check=False)
    assert status.returncode != 0
    assert password not in (tmp_path / 'argv').read_text()
    assert 'user = "esguard-admin:%s"' % password in (tmp_path / 'stdin').read_text()


def plan(**settings):
    """tests/run --plan under these settings: its lanes and its Molecule runs, as lists of fields."""
    env = {k: v for k, v in os.environ.items() if not k.startswith('ESGUARD_') or k == 'ESGUARD_CACHE'}
    env.update(settings)
    out = subprocess.run([str(REPO / 'tests' / 'run'), '--plan'], env=env, check=True, timeout=300,
                         capture_output=True, text=True).stdout
    rows = [[field.strip() for field in line.split('|')] for line in out.splitlines()]
    return ([row for row in rows if row[0].startswith('lane: ')],
            [row for row in rows if row[0].startswith('molecule: ')])


def test_the_oldest_ansible_core_runs_every_module_against_the_second_node():
    # The first node carries the role targets and reliability; the oldest ansible-core's lane goes to
    # the second, so that the two nodes' lanes take about as long.
    lanes = plan()[0]
    assert [row[0] for row in lanes] == [
        'lane: 8.19.21 9200 es8 2.19', 'lane: 9.5.3 9220 es8 2.19', 'lane: 9.5.3 9220 es9 2.19',
        'lane: 9.5.3 9220 es8 2.16']
    # The main playbook's target runs against the second node, the role targets against the first.
    assert lanes[0][1:] == ['targets: all', 'excludes: site_playbook logstash_credentials']
    assert lanes[1][1:] == ['targets: all', 'excludes: ca_trust es_cert logstash_role beats']
    oldest_targets = lanes[3][1].split()
    # Every module once, es_cert (a first-version target on the newest) included.
    assert oldest_targets[1:] == ['es_connection', 'es_role', 'es_user', 'es_role_mapping', 'es_api_key',
                                  'es_credential_check', 'es_cert']
    assert len(lanes[3]) == 2


def test_the_fleet_scenario_runs_against_both_servers_on_both_ends_of_ansible_core():
    molecule = plan()[1]
    assert molecule == [['molecule: 2.16 9.5.3', 'scenarios: fleet'],
                        ['molecule: 2.19 8.19.21', 'scenarios: beats ca_trust elasticsearch_tls fleet logstash']]


def test_one_version_runs_everything_against_its_own_node():
    lanes, molecule = plan(ESGUARD_ES_VERSIONS='8.19.21:9520')
    assert [row[0] for row in lanes] == ['lane: 8.19.21 9520 es8 2.19', 'lane: 8.19.21 9520 es8 2.16']
    assert lanes[0][1:] == ['targets: all']
    assert [row[0] for row in molecule] == ['molecule: 2.16 8.19.21', 'molecule: 2.19 8.19.21']
