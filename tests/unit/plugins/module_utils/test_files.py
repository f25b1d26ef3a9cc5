# -*- coding: utf-8 -*-
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time

import pytest
from ansible.module_utils.basic import AnsibleModule
from ansible_collections.esguard.security.tests.unit.plugins.modules.module_args import patch_module_args

from ansible_collections.esguard.security.plugins.module_utils._files import (
    FileLockedError, OutputPathError, apply_secret_file_attributes, check_output_path, lock_directory, write_atomically)


def module(check_mode=False):
    with patch_module_args({'_ansible_check_mode': check_mode}):
        return AnsibleModule(argument_spec={}, supports_check_mode=True)


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def observed_moves(writer):
    """The destination's mode and content at each atomic_move of writer, just before the move."""
    seen = []
    move = writer.atomic_move

    def observing_move(src, dest, *args, **kwargs):
        with open(dest, 'rb') as handle:
            seen.append((mode(dest), handle.read()))
        return move(src, dest, *args, **kwargs)

    writer.atomic_move = observing_move
    return seen


def loose_file(path, content=b'id:old\n'):
    path.write_bytes(content)
    os.chmod(str(path), 0o644)


@pytest.mark.parametrize('before', [None, b'id:old\n'])
def test_a_secret_file_is_0600_before_its_content_moves_in(tmp_path, before):
    """New (under a umask that gives 0644) or existing at 0644: 0600 before the secret is there."""
    path = tmp_path / 'secret'
    if before is not None:
        loose_file(path, before)
    writer = module()
    seen = observed_moves(writer)
    umask = os.umask(0o022)
    try:
        write_atomically(writer, str(path), b'id:secret\n', secret=True)
    finally:
        os.umask(umask)
    assert seen == [(0o600, before or b'')]
    assert mode(str(path)) == 0o600 and path.read_bytes() == b'id:secret\n'


def test_secret_file_attributes_are_reported_in_check_mode_and_enforced_otherwise(tmp_path):
    path = tmp_path / 'secret'
    loose_file(path)
    assert apply_secret_file_attributes(module(check_mode=True), str(path), None, None, False)
    assert mode(str(path)) == 0o644
    assert apply_secret_file_attributes(module(), str(path), None, None, False)
    assert mode(str(path)) == 0o600
    assert not apply_secret_file_attributes(module(), str(path), None, None, False)


def test_an_output_path_must_be_a_file_in_an_existing_directory(tmp_path):
    check_output_path(str(tmp_path / 'new'), 'path')
    with pytest.raises(OutputPathError, match='^secret_file: the directory %s does not exist$' % (tmp_path / 'no')):
        check_output_path(str(tmp_path / 'no' / 'file'), 'secret_file')
    with pytest.raises(OutputPathError, match='^path: %s is a directory, not a file$' % tmp_path):
        check_output_path(str(tmp_path), 'path')


def test_a_directory_lock_makes_a_second_run_wait_and_leaves_no_file(tmp_path):
    target = tmp_path / 'api.key'
    holder = subprocess.Popen([sys.executable, '-c', 'import fcntl, os, sys, time\n'
                               'fd = os.open(sys.argv[1], os.O_RDONLY)\n'
                               'fcntl.flock(fd, fcntl.LOCK_EX)\n'
                               'print("held", flush=True)\n'
                               'time.sleep(30)', str(tmp_path)], stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline() == b'held\n'
        started = time.monotonic()
        with pytest.raises(FileLockedError, match='is locked by another process'):
            lock_directory(str(target), 0.5)
        assert time.monotonic() - started >= 0.5
    finally:
        holder.kill()
        holder.wait()
    os.close(lock_directory(str(target), 5))
    assert list(tmp_path.iterdir()) == []
