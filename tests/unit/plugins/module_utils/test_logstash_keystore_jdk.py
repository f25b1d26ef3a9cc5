# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Proof of format: the JDK reads the keystores this collection writes exactly as Logstash does, and this
collection reads the keystores the JDK writes the way Logstash writes them (jdk/LogstashKeystore.java).

Needs a JDK (javac and java); skipped only when there is none.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess

import pytest

from ansible_collections.esguard.security.plugins.module_utils import _logstash_keystore as ks
from ansible_collections.esguard.security.plugins.module_utils._files import FileLockedError, exclusive_lock

JDK_BIN = '/usr/lib/jvm/java-17-openjdk-amd64/bin'


def _tool(name):
    candidate = os.path.join(JDK_BIN, name)
    return candidate if os.access(candidate, os.X_OK) else shutil.which(name)


pytestmark = pytest.mark.skipif(not (_tool('javac') and _tool('java')), reason='no JDK (javac, java)')


@pytest.fixture(scope='module')
def jdk_classes(tmp_path_factory):
    """The directory of the compiled LogstashKeystore program."""
    classes = str(tmp_path_factory.mktemp('classes'))
    source = os.path.join(os.path.dirname(__file__), 'jdk', 'LogstashKeystore.java')
    subprocess.run([_tool('javac'), '-d', classes, source], check=True)
    return classes


@pytest.fixture(scope='module')
def jdk(jdk_classes):
    """Runs the compiled LogstashKeystore program with LOGSTASH_KEYSTORE_PASS set to password (or unset)."""

    def run(password, *args, properties=()):
        env = {key: value for key, value in os.environ.items() if key != ks.PASSWORD_ENV}
        if password is not None:
            env[ks.PASSWORD_ENV] = password
        env.setdefault('LANG', 'C.UTF-8')
        out = subprocess.run([_tool('java'), *properties, '-cp', jdk_classes, 'LogstashKeystore', *args], env=env,
                             check=True, stdout=subprocess.PIPE, universal_newlines=True).stdout
        return dict((key, base64.b64decode(value)) for key, value in (line.split('\t') for line in out.splitlines()))
    return run


ENTRIES = {'es_pwd': b'p@ss:w0rd "x" \\ y', 'es_api_key': b'VuaCfGcBCdbkQm-e5aOx:ui2lp2axTNmsyakw9tvNnw',
           'x.y_z': b'1'}
EXPECTED = dict(ENTRIES, **{'keystore.seed': b'keystore.seed'})


@pytest.mark.parametrize('password', ['changeit', u'p\u00e4sswort \u20ac', None],
                         ids=['ascii', 'not-ascii', 'logstash-default'])
def test_jdk_reads_what_the_collection_writes(jdk, tmp_path, password):
    plan = ks.plan_keystore('ks', None, {key.upper(): value.decode() for key, value in ENTRIES.items()},
                            False, password)
    path = tmp_path / 'logstash.keystore'
    path.write_bytes(ks.build_keystore(plan.entries.after, plan.password, plan.default_password))
    assert jdk(password, 'read', str(path)) == EXPECTED


@pytest.mark.parametrize('password', ['changeit', u'p\u00e4sswort', None], ids=['ascii', 'not-ascii', 'logstash-default'])
def test_collection_reads_and_updates_what_the_jdk_writes(jdk, tmp_path, password):
    path = tmp_path / 'logstash.keystore'
    jdk(password, 'create', str(path), 'ES_PWD=old', 'es_user=logstash_internal', 'gone=1')
    plan = ks.plan_keystore(str(path), path.read_bytes(), {'ES_PWD': 'new', 'es_user': 'logstash_internal'},
                            True, password)
    assert (plan.entries.added, plan.entries.updated, plan.entries.removed) == ([], ['es_pwd'], ['gone'])
    path.write_bytes(ks.build_keystore(plan.entries.after, plan.password, plan.default_password))
    expected = {'es_pwd': b'new', 'es_user': b'logstash_internal', 'keystore.seed': b'keystore.seed'}
    assert jdk(password, 'read', str(path)) == expected


def test_collection_reads_the_older_jdk_format(jdk, tmp_path):
    """Keystores made by Logstash on JDKs before 8u301 / 11.0.12: PBE-SHA1-3DES entries, HMAC-SHA1 MAC."""
    path = tmp_path / 'logstash.keystore'
    jdk('changeit', 'create', str(path), 'ES_PWD=old', properties=['-Dkeystore.pkcs12.legacy'])
    assert ks.read_keystore(path.read_bytes(), 'changeit')[0] == {'es_pwd': b'old', 'keystore.seed': b'keystore.seed'}


def test_the_lock_is_the_one_logstash_takes(jdk, jdk_classes, tmp_path):
    """While the JDK holds the lock Logstash holds when it saves the keystore, the collection does not write."""
    path = tmp_path / 'logstash.keystore'
    jdk('changeit', 'create', str(path), 'A=b')
    holder = subprocess.Popen([_tool('java'), '-cp', jdk_classes, 'LogstashKeystore', 'lock', str(path)],
                              stdout=subprocess.PIPE, universal_newlines=True)
    try:
        assert holder.stdout.readline().strip() == 'locked'
        with pytest.raises(FileLockedError, match='locked by another process'):
            with exclusive_lock(str(path), 0.3):
                pass
    finally:
        holder.kill()
        holder.wait()
    with exclusive_lock(str(path), 0.3):
        pass
