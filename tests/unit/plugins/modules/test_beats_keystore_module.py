# -*- coding: utf-8 -*-
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""beats_keystore end to end on the local file system: check mode, diff, writes, mode, idempotency."""

from __future__ import annotations

import grp
import json
import os
import pwd
import stat

import pytest

from ansible_collections.esguard.security.plugins.module_utils._beats_keystore import decode, encode
from ansible_collections.esguard.security.plugins.modules import beats_keystore
from ansible_collections.esguard.security.tests.unit.plugins.modules.module_runner import run_module

SECRET = 'pw-Zq8vX3'


def run(capsys, check_mode=False, diff=False, **args):
    result = run_module(beats_keystore, capsys, check_mode, diff, **args)
    assert SECRET not in json.dumps(result)
    return result


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def keystore(tmp_path):
    return tmp_path / 'filebeat.keystore'


def test_creates_the_keystore_0600_with_the_entries(capsys, keystore):
    result = run(capsys, path=str(keystore), entries={'ES_PWD': SECRET, 'ES_USER': 'writer'})
    assert result['changed'] and result['created']
    assert result['added'] == ['ES_PWD', 'ES_USER'] and result['keys'] == ['ES_PWD', 'ES_USER']
    assert mode(keystore) == 0o600
    assert decode(keystore.read_bytes()) == {'ES_PWD': SECRET.encode(), 'ES_USER': b'writer'}


def test_same_values_rewrite_nothing(capsys, keystore):
    run(capsys, path=str(keystore), entries={'ES_PWD': SECRET})
    before = keystore.read_bytes(), os.stat(keystore).st_mtime_ns
    result = run(capsys, diff=True, path=str(keystore), entries={'ES_PWD': SECRET})
    assert not result['changed'] and result['added'] == result['updated'] == result['removed'] == []
    assert (keystore.read_bytes(), os.stat(keystore).st_mtime_ns) == before


def test_check_mode_tells_the_change_and_writes_nothing(capsys, keystore):
    assert run(capsys, check_mode=True, path=str(keystore), entries={'ES_PWD': SECRET})['created']
    assert not keystore.exists()
    run(capsys, path=str(keystore), entries={'ES_PWD': 'old'})
    before = keystore.read_bytes()
    result = run(capsys, check_mode=True, diff=True, path=str(keystore), entries={'ES_PWD': SECRET, 'NEW': 'x'})
    assert result['changed'] and result['updated'] == ['ES_PWD'] and result['added'] == ['NEW']
    assert result['diff']['after'] == 'ES_PWD (new value)\nNEW\n'
    assert keystore.read_bytes() == before


def test_a_changed_value_is_rewritten_and_others_kept(capsys, keystore):
    run(capsys, path=str(keystore), entries={'ES_PWD': 'old', 'KEEP': 'k'})
    result = run(capsys, path=str(keystore), entries={'ES_PWD': SECRET})
    assert result['changed'] and result['updated'] == ['ES_PWD']
    assert decode(keystore.read_bytes()) == {'ES_PWD': SECRET.encode(), 'KEEP': b'k'}


def test_exclusive_removes_unlisted_keys(capsys, keystore):
    run(capsys, path=str(keystore), entries={'ES_PWD': SECRET, 'OLD': 'o'})
    result = run(capsys, path=str(keystore), entries={'ES_PWD': SECRET}, exclusive=True)
    assert result['removed'] == ['OLD'] and result['keys'] == ['ES_PWD']
    assert decode(keystore.read_bytes()) == {'ES_PWD': SECRET.encode()}


def test_exclusive_needs_entries(capsys, keystore):
    result = run(capsys, path=str(keystore), exclusive=True)
    assert result['failed'] and 'entries' in result['msg']
    assert not keystore.exists()


def test_absent_removes_keys_and_creates_nothing(capsys, keystore):
    assert not run(capsys, path=str(keystore), entries={'ES_PWD': None}, state='absent')['changed']
    assert not keystore.exists()
    run(capsys, path=str(keystore), entries={'ES_PWD': SECRET, 'KEEP': 'k'})
    result = run(capsys, path=str(keystore), entries={'ES_PWD': None}, state='absent')
    assert result['removed'] == ['ES_PWD'] and result['keys'] == ['KEEP']


def test_a_loose_mode_is_repaired_without_rewriting(capsys, keystore):
    run(capsys, path=str(keystore), entries={'ES_PWD': SECRET})
    content = keystore.read_bytes()
    os.chmod(keystore, 0o644)
    assert run(capsys, path=str(keystore), entries={'ES_PWD': SECRET})['changed']
    assert mode(keystore) == 0o600 and keystore.read_bytes() == content


def test_a_keystore_with_another_password_is_never_overwritten(capsys, keystore):
    keystore.write_bytes(encode({'ES_PWD': b'x'}, 'other'))
    before = keystore.read_bytes()
    result = run(capsys, path=str(keystore), entries={'ES_PWD': SECRET})
    assert result['failed'] and 'wrong keystore password' in result['msg']
    assert keystore.read_bytes() == before


def test_bad_input_is_refused_before_any_write(capsys, keystore):
    result = run(capsys, path=str(keystore), entries={'ES:PWD': SECRET})
    assert result['failed'] and 'ES:PWD' in result['msg']
    assert not keystore.exists()


def test_missing_directory_is_a_clear_error(capsys, tmp_path):
    result = run(capsys, path=str(tmp_path / 'nowhere' / 'k.keystore'), entries={'ES_PWD': SECRET})
    assert result['failed'] and 'does not exist' in result['msg']


@pytest.mark.skipif(os.geteuid() != 0, reason='only root can give a file to another user')
def test_owner_and_group_are_the_beats_user(capsys, keystore):
    result = run(capsys, path=str(keystore), entries={'ES_PWD': SECRET}, owner='nobody', group='nogroup')
    assert result['changed']
    info = os.stat(keystore)
    assert (pwd.getpwuid(info.st_uid).pw_name, grp.getgrgid(info.st_gid).gr_name) == ('nobody', 'nogroup')
    assert not run(capsys, path=str(keystore), entries={'ES_PWD': SECRET}, owner='nobody', group='nogroup')['changed']


def test_read_values_return_what_the_host_holds_and_change_nothing(capsys, keystore):
    missing = run(capsys, path=str(keystore), read_values=['ES_API_KEY'])
    assert not missing['changed'] and not missing['created'] and missing['current_values'] == {}
    assert not keystore.exists()
    keystore.write_bytes(encode({'ES_API_KEY': b'id:held-key', 'ES_PWD': SECRET.encode()}))
    os.chmod(keystore, 0o644)
    before = keystore.read_bytes()
    result = run_module(beats_keystore, capsys, diff=True, path=str(keystore), read_values=['ES_API_KEY', 'OTHER'])
    assert not result['changed'] and result['current_values'] == {'ES_API_KEY': 'id:held-key'}
    assert result['keys'] == ['ES_API_KEY', 'ES_PWD'] and SECRET not in json.dumps(result)
    # Only reading: the loose mode is left for the run that writes to repair.
    assert keystore.read_bytes() == before and mode(keystore) == 0o644


def test_values_read_alongside_a_change_are_those_from_before_it(capsys, keystore):
    run(capsys, path=str(keystore), entries={'ES_API_KEY': 'id:old'})
    result = run(capsys, path=str(keystore), entries={'ES_API_KEY': 'id:new'}, read_values=['ES_API_KEY'])
    assert result['changed'] and result['current_values'] == {'ES_API_KEY': 'id:old'}
    assert decode(keystore.read_bytes()) == {'ES_API_KEY': b'id:new'}
