# -*- coding: utf-8 -*-
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one way the collection reads and writes files on the host: atomically, secrets 0600 from the start."""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
import time

from ansible_collections.esguard.security.plugins.module_utils._errors import InputError

SECRET_MODE = 0o600


class OutputPathError(InputError):
    """A file the module is asked to write that cannot be written where it is."""


def check_output_path(path, option):
    """Refuse, before anything is written, a path that is a directory or whose directory does not exist."""
    if os.path.isdir(path):
        raise OutputPathError('%s: %s is a directory, not a file' % (option, path))
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise OutputPathError('%s: the directory %s does not exist' % (option, directory))


class FileLockedError(Exception):
    """Another process held a file's lock for longer than the caller would wait."""


def read_bytes(path):
    """The content of path, or None when it does not exist."""
    if not path or not os.path.exists(path):
        return None
    with open(path, 'rb') as handle:
        return handle.read()


def write_atomically(module, path, content, secret=False, backup=False):
    """Replace path with content through a temporary file in the same directory.

    The temporary file is created 0600 (mkstemp), so content never lies readable by others.
    For a secret, the destination is made 0600 before the move as well: atomic_move gives a
    new file the umask's mode and copies an existing file's mode onto the replacement.
    Returns the backup file name, or None.
    """
    backup_file = None
    if backup and os.path.exists(path):
        backup_file = module.backup_local(path)
    directory = os.path.dirname(os.path.abspath(path))
    handle, tmp_path = tempfile.mkstemp(prefix='.esguard.', dir=directory)
    try:
        with os.fdopen(handle, 'wb') as tmp:
            tmp.write(content)
        if secret:
            if os.path.exists(path):
                os.chmod(path, SECRET_MODE)
            else:
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, SECRET_MODE))
        module.atomic_move(tmp_path, path)
    finally:
        if os.path.exists(tmp_path):
            os.unlink(tmp_path)
    return backup_file


def apply_file_attributes(module, path, secret, changed):
    """owner/group/mode etc. from the task; secrets keep 0600 whatever mode says."""
    file_args = module.load_file_common_arguments(module.params, path=path)
    if secret:
        file_args['mode'] = SECRET_MODE
    return module.set_fs_attributes_if_different(file_args, changed)


def apply_secret_file_attributes(module, path, owner, group, changed):
    """A secret file's owner and group (None leaves them) and mode 0600; in check mode only reported."""
    changed = module.set_owner_if_different(path, owner, changed)
    changed = module.set_group_if_different(path, group, changed)
    return module.set_mode_if_different(path, SECRET_MODE, changed)


@contextlib.contextmanager
def exclusive_lock(path, timeout):
    """Hold the POSIX record lock of path, when it exists, for the time of the block.

    It is the lock the JDK's FileChannel.lock takes on Linux, so a tool that rewrites the file in
    place under that lock (such as logstash-keystore) and this collection never interleave.
    """
    if not os.path.exists(path):
        yield
        return
    handle = os.open(path, os.O_RDWR)
    try:
        _acquire(handle, fcntl.lockf, timeout, path)
        yield
    finally:
        os.close(handle)


def lock_directory(path, timeout):
    """Lock the directory of path until the process ends (or the returned descriptor is closed).

    Runs on one host that read, decide and then write a file in that directory take turns: two runs
    ensuring one API key at the same time would otherwise each create one. The lock is flock on the
    directory itself, so no lock file is left behind.
    """
    directory = os.path.dirname(os.path.abspath(path))
    handle = os.open(directory, os.O_RDONLY)
    try:
        _acquire(handle, fcntl.flock, timeout, directory)
    except FileLockedError:
        os.close(handle)
        raise
    return handle


def _acquire(handle, lock, timeout, what):
    deadline = time.monotonic() + timeout
    while True:
        try:
            lock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError:
            if time.monotonic() >= deadline:
                raise FileLockedError('%s is locked by another process' % what)
            time.sleep(0.1)
