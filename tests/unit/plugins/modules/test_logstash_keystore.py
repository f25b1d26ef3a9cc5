# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""logstash_keystore end to end on the local file system: check mode, diff, writes, mode, idempotency."""

from __future__ import annotations

import functools
import json
import os
import stat
import subprocess
import sys

import pytest

from ansible_collections.esguard.security.plugins.module_utils import _logstash_keystore as ks
from ansible_collections.esguard.security.plugins.modules import logstash_keystore
from ansible_collections.esguard.security.tests.unit.plugins.modules.module_runner import run_module


run = functools.partial(run_module, logstash_keystore)


@pytest.fixture(autouse=True)
def no_password_in_environment(monkeypatch):
    monkeypatch.delenv(ks.PASSWORD_ENV, raising=False)


def test_sequence(capsys, tmp_path):
    path = tmp_path / 'logstash.keystore'
    args = dict(path=str(path), password='changeit', entries={'ES_PWD': 'first-secret', 'ES_USER': 'writer'})

    planned = run(capsys, check_mode=True, diff=True, **args)
    assert planned['changed'] and planned['created'] and planned['added'] == ['es_pwd', 'es_user']
    assert planned['diff']['after'] == 'es_pwd\nes_user\n'
    assert not path.exists()

    created = run(capsys, **args)
    assert created['changed'] and created['keys'] == ['es_pwd', 'es_user']
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert ks.read_keystore(path.read_bytes(), 'changeit')[0]['es_pwd'] == b'first-secret'

    content = path.read_bytes()
    again = run(capsys, diff=True, **args)
    assert not again['changed'] and path.read_bytes() == content
    assert again['diff']['before'] == again['diff']['after']

    args['entries'] = {'ES_PWD': 'second-secret', 'ES_API_KEY': 'id:key'}
    args['exclusive'] = True
    planned = run(capsys, check_mode=True, diff=True, **args)
    assert (planned['added'], planned['updated'], planned['removed']) == (['es_api_key'], ['es_pwd'], ['es_user'])
    assert planned['diff']['after'] == 'es_api_key\nes_pwd (new value)\n'
    assert path.read_bytes() == content
    for output in (planned, run(capsys, diff=True, **args)):
        assert 'secret' not in json.dumps(output) and 'id:key' not in json.dumps(output)
    assert ks.read_keystore(path.read_bytes(), 'changeit')[0] == {
        'es_pwd': b'second-secret', 'es_api_key': b'id:key', 'keystore.seed': b'keystore.seed'}


def test_password_from_the_environment_and_logstash_default(capsys, tmp_path, monkeypatch):
    with_env = tmp_path / 'env.keystore'
    monkeypatch.setenv(ks.PASSWORD_ENV, 'from-env')
    assert run(capsys, path=str(with_env), entries={'a': 'value-a'})['changed']
    assert ks.read_keystore(with_env.read_bytes(), 'from-env')[0]['a'] == b'value-a'

    monkeypatch.delenv(ks.PASSWORD_ENV)
    default = tmp_path / 'default.keystore'
    assert run(capsys, path=str(default), entries={'a': 'value-a'})['changed']
    assert ks.read_keystore(default.read_bytes())[0]['a'] == b'value-a'
    assert not run(capsys, path=str(default), entries={'a': 'value-a'})['changed']

    refused = run(capsys, path=str(with_env), entries={'a': 'value-a'})
    assert refused['failed'] and 'protected by a password' in refused['msg']


def test_bad_input_is_refused_before_writing(capsys, tmp_path):
    path = tmp_path / 'logstash.keystore'
    result = run(capsys, path=str(path), password='pw', entries={'bad-key': 'top-secret'})
    assert result['failed'] and 'bad-key' in result['msg'] and 'top-secret' not in json.dumps(result)
    assert not path.exists()

    result = run(capsys, path=str(path), password='pw', exclusive=True)
    assert result['failed'] and 'entries' in result['msg']

    result = run(capsys, path=str(tmp_path / 'missing' / 'logstash.keystore'), password='pw')
    assert result['failed'] and 'does not exist' in result['msg']

    path.write_bytes(b'not a keystore')
    result = run(capsys, path=str(path), password='pw', entries={'a': 'value-a'})
    assert result['failed'] and result['msg'].startswith('cannot use the keystore %s' % path)
    assert path.read_bytes() == b'not a keystore'


def test_waits_for_another_writer_and_gives_up(capsys, tmp_path, monkeypatch):
    """logstash-keystore rewrites the file in place under the JDK's file lock: never write under it."""
    path = tmp_path / 'logstash.keystore'
    run(capsys, path=str(path), password='pw', entries={'a': 'value-a'})
    holder = subprocess.Popen(
        [sys.executable, '-c', 'import fcntl, os, sys, time\n'
         'handle = os.open(sys.argv[1], os.O_RDWR)\n'
         'fcntl.lockf(handle, fcntl.LOCK_EX)\n'
         'print("locked", flush=True)\n'
         'time.sleep(30)\n', str(path)], stdout=subprocess.PIPE, universal_newlines=True)
    try:
        assert holder.stdout.readline().strip() == 'locked'
        monkeypatch.setattr(logstash_keystore, 'LOCK_TIMEOUT', 0.3, raising=False)
        content = path.read_bytes()
        result = run(capsys, path=str(path), password='pw', entries={'a': 'value-b'})
        assert result['failed'] and result['msg'] == '%s is locked by another process' % path
        assert path.read_bytes() == content
    finally:
        holder.kill()
        holder.wait()
    assert run(capsys, path=str(path), password='pw', entries={'a': 'value-b'})['changed']


def test_read_values_return_what_the_host_holds_and_change_nothing(capsys, tmp_path):
    path = tmp_path / 'logstash.keystore'
    missing = run(capsys, path=str(path), password='changeit', read_values=['ES_API_KEY'])
    assert not missing['changed'] and not missing['created'] and missing['current_values'] == {}
    assert not path.exists()
    run(capsys, path=str(path), password='changeit', entries={'ES_API_KEY': 'id:held-key', 'ES_PWD': 'pw-secret'})
    os.chmod(path, 0o644)
    content = path.read_bytes()
    held = run(capsys, path=str(path), password='changeit', read_values=['ES_API_KEY', 'es_pwd', 'OTHER'])
    assert not held['changed'] and held['current_values'] == {'ES_API_KEY': 'id:held-key', 'es_pwd': 'pw-secret'}
    assert path.read_bytes() == content and stat.S_IMODE(os.stat(path).st_mode) == 0o644
