"""beats_keystore against the real Heartbeat, Metricbeat and Filebeat (built by tests/shippers/beats).

The Beats read the keystores the module writes (`keystore list`, and `test output` against the test node
with credentials referenced as ${KEY}), and the module reads the keystores the Beats write, byte for byte,
deciding "unchanged" for the same values without rewriting the file.
"""
import json
import os
import subprocess

import pytest

from ansible_collections.esguard.security.plugins.module_utils._beats_keystore import decode, decrypt, parse, serialize
from ansible_collections.esguard.security.plugins.modules import beats_keystore
from ansible_collections.esguard.security.tests.unit.plugins.modules.module_runner import run_module

BEATS = ('heartbeat', 'metricbeat', 'filebeat')
DEFAULT_VERSION = '8.16.0'


@pytest.fixture(scope='session')
def beats_dir():
    """The directory holding the three binaries: ESGUARD_BEATS_DIR (printed by tests/shippers/beats) or the cache."""
    explicit = os.environ.get('ESGUARD_BEATS_DIR')
    directory = explicit or os.path.join(os.environ.get('ESGUARD_CACHE', '/var/cache/esguard'), 'beats', DEFAULT_VERSION)
    missing = [name for name in BEATS if not os.access(os.path.join(directory, name), os.X_OK)]
    if missing and not explicit:
        pytest.skip('the Beats are not built: eval "$(tests/shippers/beats)" builds them')
    assert not missing, 'ESGUARD_BEATS_DIR=%s lacks %s' % (directory, ', '.join(missing))
    return directory


class Beat(object):
    """One Beat with its own home, config and data directories, the keystore at <data>/<name>.keystore."""

    def __init__(self, binary, name, home):
        self.binary, self.name, self.home = binary, name, home
        self.config = home / ('%s.yml' % name)
        self.keystore = home / 'data' / ('%s.keystore' % name)
        (home / 'data').mkdir()
        self.configure({})

    def configure(self, settings):
        # JSON is YAML; the Beats refuse a config file writable by group or others.
        self.config.write_text(json.dumps(settings))
        self.config.chmod(0o600)

    def run(self, *args, stdin=None):
        command = [self.binary, '--path.home', str(self.home), '--path.config', str(self.home),
                   '--path.data', str(self.home / 'data'), '--path.logs', str(self.home / 'logs'),
                   '-c', str(self.config)] + list(args)
        return subprocess.run(command, input=stdin, capture_output=True, timeout=120, check=False)

    def keys(self):
        listed = self.run('keystore', 'list')
        assert listed.returncode == 0, listed.stderr
        return sorted(listed.stdout.decode().split())


@pytest.fixture(params=BEATS)
def beat(request, beats_dir, tmp_path):
    return Beat(os.path.join(beats_dir, request.param), request.param, tmp_path)


def output_settings(es_node, **auth):
    return {'output.elasticsearch': dict(hosts=[es_node['url']], ssl={
        'certificate_authorities': [es_node['ca']], 'verification_mode': 'full'}, **auth)}


@pytest.fixture
def writer(admin, unique_name):
    """A native user with what a Beat's output needs, and its password."""
    password = 'pw-' + unique_name
    admin.security.put_role(name=unique_name, cluster=['monitor'], indices=[
        {'names': ['heartbeat-*', 'metricbeat-*', 'filebeat-*'], 'privileges': ['create_doc', 'auto_configure']}])
    admin.security.put_user(username=unique_name, password=password, roles=[unique_name])
    yield unique_name, password
    admin.security.delete_user(username=unique_name)
    admin.security.delete_role(name=unique_name)


def test_beat_lists_the_keys_the_module_wrote(capsys, beat):
    result = run_module(beats_keystore, capsys, path=str(beat.keystore), entries={'ES_PWD': 'p', 'output.elasticsearch.username': 'u'})
    assert result['created']
    assert beat.keys() == ['ES_PWD', 'output.elasticsearch.username']
    run_module(beats_keystore, capsys, path=str(beat.keystore), entries={'ES_PWD': None}, state='absent')
    assert beat.keys() == ['output.elasticsearch.username']


def test_beat_publishes_with_a_password_from_the_keystore(capsys, beat, es_node, writer):
    username, password = writer
    run_module(beats_keystore, capsys, path=str(beat.keystore), entries={'ES_USER': username, 'ES_PWD': password})
    beat.configure(output_settings(es_node, username='${ES_USER}', password='${ES_PWD}'))
    tested = beat.run('test', 'output')
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert b'talk to server... OK' in tested.stdout
    # The Beat uses the value the module wrote: a wrong one is refused by Elasticsearch.
    assert run_module(beats_keystore, capsys, path=str(beat.keystore), entries={'ES_PWD': 'not-' + password})['updated'] == ['ES_PWD']
    tested = beat.run('test', 'output')
    assert tested.returncode != 0 and b'401 Unauthorized' in tested.stdout + tested.stderr


def test_beat_publishes_with_an_api_key_from_the_keystore(capsys, beat, es_node, admin, unique_name):
    key = admin.security.create_api_key(name=unique_name, role_descriptors={'writer': {
        'cluster': ['monitor'], 'indices': [{'names': ['%s-*' % beat.name], 'privileges': ['create_doc']}]}})
    try:
        run_module(beats_keystore, capsys, path=str(beat.keystore), entries={'ES_API_KEY': '%s:%s' % (key['id'], key['api_key'])})
        beat.configure(output_settings(es_node, api_key='${ES_API_KEY}'))
        tested = beat.run('test', 'output')
        assert tested.returncode == 0, tested.stdout + tested.stderr
    finally:
        admin.security.invalidate_api_key(ids=[key['id']])


def test_module_reads_the_keystore_the_beat_wrote(capsys, beat):
    assert beat.run('keystore', 'create').returncode == 0
    for key, value in (('ES_PWD', b'p\xc3\xa4ss:word'), ('ES_API_KEY', b'id:key')):
        added = beat.run('keystore', 'add', key, '--stdin', stdin=value)
        assert added.returncode == 0, added.stderr
    content = beat.keystore.read_bytes()
    document = decrypt(content)
    # Byte for byte: the document the Beat wrote is the one the module would write for the same entries.
    assert serialize(parse(document)) == document
    assert decode(content) == {'ES_PWD': 'päss:word'.encode(), 'ES_API_KEY': b'id:key'}

    mtime = os.stat(beat.keystore).st_mtime_ns
    result = run_module(beats_keystore, capsys, path=str(beat.keystore), entries={'ES_PWD': 'päss:word', 'ES_API_KEY': 'id:key'})
    assert not result['changed']
    assert (beat.keystore.read_bytes(), os.stat(beat.keystore).st_mtime_ns) == (content, mtime)

    result = run_module(beats_keystore, capsys, path=str(beat.keystore), entries={'ES_API_KEY': 'id:other'})
    assert result['updated'] == ['ES_API_KEY']
    assert beat.keys() == ['ES_API_KEY', 'ES_PWD']
