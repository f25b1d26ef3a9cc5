# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Faults between the modules and the node, injected by a proxy on 127.0.0.1, and runs killed while writing."""
import base64
import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid

import pytest
import requests

from conftest import HERE, PLAYS
from fault_proxy import FaultProxy, Rule, certificate, load_issuer

RETRY_PORT, KEY_PORT, SLOW_PORT, TLS_PORT, GONE_PORT = 9472, 9473, 9474, 9475, 9476
CREATE_KEY = ('PUT|POST', r'^/_security/api_key(\?|$)')


def unique(prefix):
    return 'esguard-rel-%s-%s' % (prefix, uuid.uuid4().hex[:8])


@pytest.fixture(scope='module')
def proxy_cert(suite, node):
    """A certificate for 127.0.0.1 from the node's CA: the modules trust the proxy as they trust the node."""
    return certificate(suite.inputs, 'proxy', *load_issuer(node.ca, node.ca_key))


@pytest.fixture(scope='module')
def key_dir(suite):
    directory = suite.work / 'keys'
    directory.mkdir()
    return directory


def authenticates(node, secret_file):
    credential = base64.b64encode(secret_file.read_text().strip().encode()).decode()
    answer = requests.get(node.url + '/_security/_authenticate', verify=node.ca, timeout=30,
                          headers={'Authorization': 'ApiKey ' + credential})
    return answer.status_code == 200


def test_try_again_answers_are_retried_with_backoff_and_the_write_is_sent_once(suite, node, proxy_cert):
    role = unique('retried')
    path = r'^/_security/role/%s' % role
    with FaultProxy(RETRY_PORT, node.url, node.ca, *proxy_cert) as proxy:
        proxy.rules = [Rule('PUT', path, status=status) for status in (503, 429, 502)]
        proxy.rules.append(Rule('GET', path, status=503))
        rc, output = suite.play(PLAYS / 'one_role.yml', 'retried', extra_vars=dict(es_url=proxy.url, role_name=role))
    assert rc == 0, output[-3000:]
    assert role in node.get('/_security/role/%s' % role)
    # The write reached the node once, after three answers that meant "try again".
    assert proxy.sent('PUT', path) == 1
    attempts = [when for _method, _path, _what, when in proxy.matching('PUT', path)]
    gaps = [later - earlier for earlier, later in zip(attempts, attempts[1:])]
    assert len(gaps) == 3 and gaps[0] >= 0.45 and gaps[1] >= 0.95 and gaps[2] >= 1.95, gaps
    assert proxy.sent('GET', path) == 1 and len(proxy.matching('GET', path)) == 2


@pytest.mark.parametrize('status, lost', [(503, False), (429, False), (502, True), (503, True)])
def test_a_key_creation_is_never_sent_twice_and_the_rerun_leaves_one_key(suite, node, proxy_cert, key_dir,
                                                                         status, lost):
    key = unique('key')
    with FaultProxy(KEY_PORT, node.url, node.ca, *proxy_cert) as proxy:
        proxy.rules = [Rule(CREATE_KEY[0], CREATE_KEY[1], status=status, after_forward=lost)]
        rc, output = suite.play(PLAYS / 'one_key.yml', 'key-%d' % status,
                                extra_vars=dict(es_url=proxy.url, key_name=key, key_dir=str(key_dir)))
        assert rc != 0
        assert 'create API key %s failed: HTTP %d' % (key, status) in output
        assert 'Traceback' not in output
        # Tried once: a lost answer may mean the key exists.
        assert len(proxy.matching(CREATE_KEY[0], CREATE_KEY[1])) == 1
        assert len(node.active_keys(key)) == (1 if lost else 0)
        assert not (key_dir / key).exists()
        rc, output = suite.play(PLAYS / 'one_key.yml', 'key-%d-rerun' % status,
                                extra_vars=dict(es_url=proxy.url, key_name=key, key_dir=str(key_dir)))
    assert rc == 0, output[-3000:]
    # One active key, the one whose secret the file holds: the key whose answer was lost is invalidated.
    active = node.active_keys(key)
    assert len(active) == 1
    assert (key_dir / key).read_text().startswith(active[0]['id'] + ':')
    assert authenticates(node, key_dir / key)


def test_a_slow_node_hits_request_timeout_with_a_clear_message(suite, node, proxy_cert):
    role = unique('slow')
    with FaultProxy(SLOW_PORT, node.url, node.ca, *proxy_cert) as proxy:
        proxy.rules = [Rule('GET', '^/_security/role/', delay=8)]
        start = time.monotonic()
        rc, output = suite.play(PLAYS / 'one_role.yml', 'slow',
                                extra_vars=dict(es_url=proxy.url, role_name=role, timeout=2))
        elapsed = time.monotonic() - start
    assert rc != 0
    assert 'within request_timeout (2.0 s)' in output
    assert 'Traceback' not in output
    # Not retried: the read was asked once (its answer came too late) and nothing was written.
    assert [entry[2] for entry in proxy.matching('GET', '^/_security/role/')] in (['delayed'], ['delayed', 'forwarded'])
    assert proxy.matching('PUT', '^/_security/role/') == []
    assert elapsed < 30


@pytest.mark.parametrize('kind, expected', [
    ('untrusted', 'certificate verify failed: self-signed certificate'),
    ('wrong-name', "certificate verify failed: IP address mismatch"),
    ('expired', 'certificate verify failed: certificate has expired'),
])
def test_tls_failures_fail_closed(suite, node, kind, expected):
    if kind == 'untrusted':
        cert = certificate(suite.inputs, 'untrusted', sans=('127.0.0.1',))
    elif kind == 'wrong-name':
        cert = certificate(suite.inputs, 'elsewhere', *load_issuer(node.ca, node.ca_key), sans=('elsewhere.example',))
    else:
        cert = certificate(suite.inputs, 'expired', *load_issuer(node.ca, node.ca_key), days=(-10, -1))
    role = unique('tls')
    with FaultProxy(TLS_PORT, node.url, node.ca, *cert) as proxy:
        rc, output = suite.play(PLAYS / 'one_role.yml', 'tls-%s' % kind, extra_vars=dict(es_url=proxy.url, role_name=role))
    assert rc != 0
    assert 'TLS error talking to %s' % proxy.url in output and expected in output
    # Closed: no request got through, none was tried without verification.
    assert proxy.log == []
    assert 'validate_certs is false' not in output


def test_the_node_gone_in_the_middle_of_a_play_fails_cleanly_and_the_rerun_converges(suite, node, proxy_cert,
                                                                                     key_dir, secrets):
    items = unique('gone')
    extra = dict(items=items, key_dir=str(key_dir),
                 user_password=secrets.add('the users\' password', 'Rel-%s' % uuid.uuid4().hex))
    with FaultProxy(GONE_PORT, node.url, node.ca, *proxy_cert) as proxy:
        # Gone after the roles and part of the users, mid-play.
        proxy.down_after = 14
        rc, output = suite.play(PLAYS / 'converge.yml', 'gone', extra_vars=dict(extra, es_url=proxy.url))
        assert rc != 0
        assert 'cannot reach Elasticsearch at %s' % proxy.url in output
        assert 'Traceback' not in output
        assert proxy.matching('PUT', '^/_security/role/') and proxy.matching('.*', '.*', 'cut')
        proxy.down, proxy.down_after = False, None
        rc, output = suite.play(PLAYS / 'converge.yml', 'gone-rerun', extra_vars=dict(extra, es_url=proxy.url))
    assert rc == 0, output[-3000:]
    for number in range(4):
        assert '%s-role-%d' % (items, number) in node.get('/_security/role/%s-role-%d' % (items, number))
        assert node.get('/_security/user/%s-user-%d' % (items, number))
        active = node.active_keys('%s-key-%d' % (items, number))
        assert len(active) == 1
        assert authenticates(node, key_dir / ('%s-key-%d' % (items, number)))
    writes = node.write_count()
    rc, output = suite.play(PLAYS / 'converge.yml', 'gone-again', extra_vars=dict(extra, es_url=node.url))
    assert rc == 0 and 'changed=0' in output.splitlines()[-2]
    assert node.write_count() == writes


def module_run(module, args):
    """Start a module of the collection as Ansible would, with args; returns the process."""
    args_file = args.pop('_args_file')
    args_file.write_text(json.dumps({'ANSIBLE_MODULE_ARGS': args}))
    collections_root = HERE.parents[4]
    env = dict(os.environ, PYTHONPATH=str(collections_root))
    return subprocess.Popen([sys.executable, '-m', 'ansible_collections.esguard.security.plugins.modules.' + module,
                             str(args_file)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)


def killed_runs(module, make_args, check, runs=10):
    """Runs of module killed at random moments of their run: after each the file checks as old or new.

    Returns how many kills left the old version and how many the new one.
    """
    process = module_run(module, make_args(0))
    process.communicate()
    assert process.returncode == 0
    started = time.monotonic()
    process = module_run(module, make_args(1))
    process.communicate()
    duration = time.monotonic() - started
    outcomes = {'old': 0, 'new': 0}
    for run in range(2, runs + 2):
        before = check(None)
        process = module_run(module, make_args(run))
        time.sleep(random.uniform(0.3, 1.5) * duration)
        process.send_signal(signal.SIGKILL)
        process.communicate()
        outcomes[check(before, run)] += 1
    return outcomes


def file_check(path, parse):
    """check(None) snapshots path; check(before, run) says 'old' or 'new' (parse proves it whole and of run)."""
    def check(before, run=None):
        content = path.read_bytes() if path.exists() else b''
        if run is None:
            return content
        leftovers = [p for p in path.parent.iterdir() if p.name.startswith('.esguard.')]
        # A temporary file a killed run left behind is never readable by others.
        assert all(p.stat().st_mode & 0o077 == 0 for p in leftovers)
        if content == before:
            return 'old'
        parse(content, run)
        return 'new'
    return check


def test_a_run_killed_while_writing_a_keystore_or_a_key_leaves_the_old_file_or_the_new_one(suite):
    # The collection's readers, from the copy under test (tests/run runs the suite inside it).
    sys.path.insert(0, str(HERE.parents[4]))
    from ansible_collections.esguard.security.plugins.module_utils import _beats_keystore, _logstash_keystore
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    workdir = suite.work / 'killed'
    workdir.mkdir()
    big = 'x' * 2048

    def entries(run):
        return dict(('KEY_%03d' % n, '%d-%s' % (run, big)) for n in range(150))

    beats = workdir / 'beat.keystore'

    def beats_parse(content, run):
        assert _beats_keystore.decode(content)['KEY_000'] == entries(run)['KEY_000'].encode()

    logstash = workdir / 'logstash.keystore'

    def logstash_parse(content, run):
        found = _logstash_keystore.read_keystore(content)[0]
        # Logstash keys are lower case.
        assert found['key_149'] == entries(run)['KEY_149'].encode()

    key, cert = workdir / 'ca.key', workdir / 'ca.crt'

    def key_parse(content, _run):
        serialization.load_pem_private_key(content, None)

    def cert_parse(content, _run):
        x509.load_pem_x509_certificate(content)

    outcomes = {
        'beats keystore': killed_runs('beats_keystore', lambda run: dict(
            path=str(beats), entries=entries(run), _args_file=suite.inputs / 'beats.json'),
            file_check(beats, beats_parse)),
        'logstash keystore': killed_runs('logstash_keystore', lambda run: dict(
            path=str(logstash), entries=entries(run), _args_file=suite.inputs / 'logstash.json'),
            file_check(logstash, logstash_parse)),
    }

    def cert_args(run):
        # A new key type each run: the key and the certificate are both replaced.
        return dict(type='ca', path=str(cert), privatekey_path=str(key), key_type='ec_p256' if run % 2 else 'ec_p384',
                    subject={'CN': 'killed %d' % run}, _args_file=suite.inputs / 'cert.json')
    outcomes['private key'] = killed_runs('es_cert', cert_args, file_check(key, key_parse))
    outcomes['certificate'] = killed_runs('es_cert', cert_args, file_check(cert, cert_parse))
    print('kills while writing: %s' % outcomes)
    # The kills landed on both sides of the replacement (random, but the odds of one side never in 40 are nil).
    assert sum(seen['old'] for seen in outcomes.values()) > 0
    assert sum(seen['new'] for seen in outcomes.values()) > 0
