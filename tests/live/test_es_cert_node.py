# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Certificates from es_cert, proven on a real Elasticsearch node.

A second node instance (the test node's port + 10, so 9210 next to 9200) serves HTTPS with a
certificate es_cert issued and trusts es_cert's CA for client certificates, so the shared node is
never reconfigured; runs against nodes of several versions at once each get their own.
Elasticsearch reloads changed certificate files by itself; the tests wait for that.
The PKI realm is not available under the basic license, so that instance runs the trial license.
"""
import fcntl
import importlib
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import jinja2
import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from elasticsearch import Elasticsearch

NODE_SCRIPT = Path(__file__).resolve().parents[1] / 'es' / 'node'
# The extra node's port is the test node's + 10: a node of each version has its own.
PORT = urlsplit(os.environ.get('ESGUARD_ES_URL', 'https://127.0.0.1:9200')).port + 10
RUN_USER = 'esguard-es'
RELOAD_TIMEOUT = 60


def run_module(module, **args):
    """Run a module of the collection as Ansible runs it on a host (a Python process, arguments as JSON on stdin)."""
    proc = subprocess.run([sys.executable, '-m', 'ansible_collections.esguard.security.plugins.modules.' + module],
                          input=json.dumps({'ANSIBLE_MODULE_ARGS': args}), capture_output=True, text=True, check=False)
    result = json.loads(proc.stdout)
    assert not result.get('failed'), result.get('msg')
    return result


def es_cert(**args):
    return run_module('es_cert', **args)


@pytest.fixture(scope='module')
def tls_node():
    """The extra node, its certs directory, admin credentials; original files restored afterwards."""
    env = dict(os.environ, ESGUARD_ES_PORT=str(PORT))
    # Test runs from several shells share this instance: one at a time reconfigures it.
    cache = Path(os.environ.get('ESGUARD_CACHE', '/var/cache/esguard'))
    lock = os.open(cache / ('es_cert-live-%d.lock' % PORT), os.O_CREAT | os.O_RDWR, 0o600)
    fcntl.flock(lock, fcntl.LOCK_EX)
    subprocess.run([str(NODE_SCRIPT), 'start'], env=env, check=True, capture_output=True)
    facts = dict(line[len('export '):].split('=', 1) for line in subprocess.run(
        [str(NODE_SCRIPT), 'env'], env=env, check=True, capture_output=True, text=True).stdout.splitlines())
    certs = Path(facts['ESGUARD_ES_CA']).parent
    node_dir = certs.parents[2]
    # The PKI realm needs a license above basic: this instance runs the trial (never the shared node).
    admin = Elasticsearch(facts['ESGUARD_ES_URL'], ca_certs=facts['ESGUARD_ES_CA'],
                          basic_auth=(facts['ESGUARD_ES_USERNAME'], facts['ESGUARD_ES_PASSWORD']))
    if admin.license.get()['license']['type'] == 'basic':
        admin.license.post_start_trial(acknowledge=True)
    admin.close()
    saved = {name: (certs / name).read_bytes() for name in ('node.crt', 'node.key', 'client-cas.crt')}
    yield {'certs': certs, 'username': facts['ESGUARD_ES_USERNAME'], 'password': facts['ESGUARD_ES_PASSWORD'],
           'original_ca': facts['ESGUARD_ES_CA'], 'node_dir': node_dir, 'env': env,
           'saved': saved}
    for name, content in saved.items():
        (certs / name).write_bytes(content)
    subprocess.run([str(NODE_SCRIPT), 'stop'], env=env, check=True, capture_output=True)
    os.close(lock)


def wait_until(condition, timeout=RELOAD_TIMEOUT):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, 'Elasticsearch did not reload its certificates in time'
        time.sleep(0.5)


def served_fingerprint():
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection(('127.0.0.1', PORT), timeout=5) as sock:
        with context.wrap_socket(sock) as tls:
            return x509.load_der_x509_certificate(tls.getpeercert(binary_form=True)).fingerprint(
                hashes.SHA256()).hex()


def handshake(cafile, server_hostname='localhost'):
    """A fully verifying TLS handshake (chain and host name) with the extra node."""
    context = ssl.create_default_context(cafile=str(cafile))
    with socket.create_connection(('127.0.0.1', PORT), timeout=5) as sock:
        with context.wrap_socket(sock, server_hostname=server_hostname):
            return True


def make_ca(directory, name):
    return es_cert(type='ca', subject={'CN': name, 'O': 'esguard tests'}, key_type='ec_p384',
                   path=str(directory / (name + '.crt')), privatekey_path=str(directory / (name + '.key')))


def serve_certificate(tls_node, ca_file, ca_key):
    """es_cert writes the node's HTTP certificate in place, owned by the node's user; wait until it is served."""
    result = es_cert(type='server', subject={'CN': 'node-1'}, subject_alt_names=['localhost', 'IP:127.0.0.1'],
                     key_type='rsa_2048', ca_path=str(ca_file), ca_privatekey_path=str(ca_key),
                     path=str(tls_node['certs'] / 'node.crt'), privatekey_path=str(tls_node['certs'] / 'node.key'),
                     owner=RUN_USER, group=RUN_USER, mode='0644')
    wait_until(lambda: served_fingerprint() == result['certificate']['fingerprint_sha256'])
    return result


def trust_client_cas(tls_node, *ca_files):
    (tls_node['certs'] / 'client-cas.crt').write_bytes(b''.join(Path(f).read_bytes() for f in ca_files))


def client_certificate(directory, ca_file, ca_key, name):
    return es_cert(type='client', subject={'CN': name, 'OU': 'shippers', 'O': 'esguard tests'}, key_type='ec_p256',
                   ca_path=str(ca_file), ca_privatekey_path=str(ca_key),
                   path=str(directory / (name + '.crt')), privatekey_path=str(directory / (name + '.key')))


def pki_login(directory, name, cafile):
    client = Elasticsearch('https://localhost:%d' % PORT, ca_certs=str(cafile), max_retries=0,
                           client_cert=str(directory / (name + '.crt')), client_key=str(directory / (name + '.key')))
    try:
        return client.security.authenticate()
    finally:
        client.close()


def admin_client(tls_node, cafile):
    return Elasticsearch('https://localhost:%d' % PORT, ca_certs=str(cafile), max_retries=0,
                         basic_auth=(tls_node['username'], tls_node['password']))


@pytest.fixture
def workdir(tmp_path):
    yield tmp_path
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_served_certificate_trust_and_host_names(tls_node, workdir):
    make_ca(workdir, 'ca1')
    serve_certificate(tls_node, workdir / 'ca1.crt', workdir / 'ca1.key')
    assert handshake(workdir / 'ca1.crt', 'localhost')
    assert handshake(workdir / 'ca1.crt', '127.0.0.1')
    # A client that trusts another CA only is refused.
    with pytest.raises(ssl.SSLCertVerificationError, match='unable to get local issuer certificate'):
        handshake(tls_node['original_ca'])
    # A name that is not among the SANs is refused under full verification.
    with pytest.raises(ssl.SSLCertVerificationError, match='Hostname mismatch'):
        handshake(workdir / 'ca1.crt', 'es-99.example.com')
    health = admin_client(tls_node, workdir / 'ca1.crt').cluster.health()
    assert health['status'] in ('green', 'yellow')


def test_client_certificate_through_pki_realm_and_role_mapping(tls_node, workdir, unique_name):
    make_ca(workdir, 'ca1')
    serve_certificate(tls_node, workdir / 'ca1.crt', workdir / 'ca1.key')
    cert = client_certificate(workdir, workdir / 'ca1.crt', workdir / 'ca1.key', unique_name)
    # The mapping matches the subject exactly as es_cert returned it.
    mapping = dict(hosts=['https://localhost:%d' % PORT], ca_certs=str(workdir / 'ca1.crt'),
                   login_user=tls_node['username'], login_password=tls_node['password'], name=unique_name)
    run_module('es_role_mapping', roles=['monitoring_user'],
               rules={'all': [{'field': {'realm.name': 'pki1'}}, {'field': {'dn': cert['certificate']['subject']}}]},
               **mapping)
    try:
        trust_client_cas(tls_node, workdir / 'ca1.crt')
        wait_until(lambda: _authenticates(workdir, unique_name, workdir / 'ca1.crt'))
        me = pki_login(workdir, unique_name, workdir / 'ca1.crt')
        assert me['username'] == unique_name
        assert me['authentication_realm'] == {'name': 'pki1', 'type': 'pki'}
        assert me['roles'] == ['monitoring_user']
        # Elasticsearch prints the DN the Java way, with a space after each comma.
        assert me['metadata']['pki_dn'].replace(', ', ',') == cert['certificate']['subject']
    finally:
        run_module('es_role_mapping', state='absent', **mapping)


def _authenticates(directory, name, cafile):
    try:
        pki_login(directory, name, cafile)
        return True
    except Exception:  # not reloaded yet: the handshake or the authentication is refused
        return False


def test_ca_rollover_keeps_the_client_connected(tls_node, workdir, unique_name):
    """The three steps of docs/docsite/rst/ca_rollover.rst, with a client checked after each."""
    make_ca(workdir, 'old')
    serve_certificate(tls_node, workdir / 'old.crt', workdir / 'old.key')
    client_certificate(workdir, workdir / 'old.crt', workdir / 'old.key', unique_name)
    admin = admin_client(tls_node, workdir / 'old.crt')
    admin.security.put_role_mapping(name=unique_name, enabled=True, roles=['monitoring_user'],
                                    rules={'field': {'username': unique_name}})
    trust_client_cas(tls_node, workdir / 'old.crt')
    bundle = workdir / 'trusted.crt'
    shutil.copy(workdir / 'old.crt', bundle)
    wait_until(lambda: _authenticates(workdir, unique_name, bundle))
    try:
        # Step 1: a new CA; every party trusts both before anything is re-issued.
        new = es_cert(type='ca', subject={'CN': 'new', 'O': 'esguard tests'}, key_type='ec_p384',
                      path=str(workdir / 'new.crt'), privatekey_path=str(workdir / 'new.key'),
                      trust_bundle_path=str(bundle), trust_bundle_extra_cas=[str(workdir / 'old.crt')])
        assert len(x509.load_pem_x509_certificates(bundle.read_bytes())) == 2
        trust_client_cas(tls_node, bundle)
        time.sleep(6)  # one reload period, so the node trusts the new CA for the next step
        assert pki_login(workdir, unique_name, bundle)['username'] == unique_name

        # Step 2: re-issue the server and client certificates from the new CA.
        serve_certificate(tls_node, workdir / 'new.crt', workdir / 'new.key')
        reissued = client_certificate(workdir, workdir / 'new.crt', workdir / 'new.key', unique_name)
        assert reissued['reasons'] == ['the issuing CA changed']
        assert pki_login(workdir, unique_name, bundle)['username'] == unique_name
        with pytest.raises(ssl.SSLCertVerificationError):
            handshake(workdir / 'old.crt')  # why step 1 comes first: the old trust alone no longer works

        # Step 3: retire the old CA from every trust bundle.
        final = es_cert(type='ca', subject={'CN': 'new', 'O': 'esguard tests'}, key_type='ec_p384',
                        path=str(workdir / 'new.crt'), privatekey_path=str(workdir / 'new.key'),
                        trust_bundle_path=str(bundle))
        assert not final['reasons'] and final['certificate'] == new['certificate']
        assert len(x509.load_pem_x509_certificates(bundle.read_bytes())) == 1
        trust_client_cas(tls_node, bundle)
        time.sleep(6)
        assert pki_login(workdir, unique_name, bundle)['username'] == unique_name
    finally:
        admin.close()
        admin = admin_client(tls_node, bundle)
        admin.security.delete_role_mapping(name=unique_name)
        admin.close()


class _ExampleLoader(yaml.SafeLoader):
    """Reads the modules' EXAMPLES, where !unsafe marks text Ansible must not template."""


_ExampleLoader.add_constructor('!unsafe', lambda loader, node: loader.construct_scalar(node))


def documented_example(module, task_name, overrides=None, **variables):
    """The arguments of one task of a module's EXAMPLES with some replaced (the node's connection, for
    example), and the Jinja variables the others use filled in."""
    documentation = importlib.import_module('ansible_collections.esguard.security.plugins.modules.' + module)
    for task in yaml.load(documentation.EXAMPLES, Loader=_ExampleLoader):
        if task['name'] == task_name:
            return _render(dict(task['esguard.security.' + module], **(overrides or {})), variables)
    raise AssertionError('%s has no example named %r' % (module, task_name))


def _render(value, variables):
    if isinstance(value, dict):
        return {key: _render(item, variables) for key, item in value.items()}
    if isinstance(value, list):
        return [_render(item, variables) for item in value]
    if isinstance(value, str) and '{{' in value and 'toJson' not in value.lower():
        return jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(value).render(variables)
    return value


def test_documented_client_certificate_authenticates_through_documented_role_mapping(es_node, workdir,
                                                                                     unique_name):
    """es_cert's client certificate example and es_role_mapping's PKI example, as documented, on the shared
    node (its PKI realm pki1 trusts the node's CA): the certificate's DN is the one the mapping matches."""
    (workdir / 'pki').mkdir()
    node_ca = Path(es_node['ca'])
    issue = dict(ca_path=str(node_ca), ca_privatekey_path=str(node_ca.parent / 'ca.key'))
    for name in ('filebeat-web-01', 'retired-host'):
        certificate = es_cert(**documented_example(
            'es_cert', 'Client certificate of each Filebeat host, for the PKI realm', issue,
            inventory_hostname=name, playbook_dir=str(workdir)))
    assert certificate['certificate']['subject'] == 'CN=retired-host,OU=filebeat,O=Example'
    # The same subject as a string is the same certificate: nothing to issue.
    as_string = documented_example('es_cert', 'The same subject as an RFC 4514 string', issue,
                                   inventory_hostname='retired-host', playbook_dir=str(workdir))
    assert not es_cert(**as_string)['changed']

    connection = dict(hosts=[es_node['url']], ca_certs=es_node['ca'], login_user=es_node['username'],
                      login_password=es_node['password'], name=unique_name)
    mapping = documented_example(
        'es_role_mapping', 'Filebeat hosts authenticate with their client certificates and get the writer role',
        connection)
    run_module('es_role_mapping', **mapping)
    try:
        me = _pki_authenticate(es_node, workdir, 'filebeat-web-01')
        assert me['authentication_realm'] == {'name': 'pki1', 'type': 'pki'}
        assert me['username'] == 'filebeat-web-01'
        assert me['roles'] == mapping['roles']
        assert me['metadata']['pki_dn'].replace(', ', ',') == 'CN=filebeat-web-01,OU=filebeat,O=Example'
        # The mapping's except clause leaves the retired host without its roles.
        assert _pki_authenticate(es_node, workdir, 'retired-host')['roles'] == []
    finally:
        run_module('es_role_mapping', state='absent', **connection)


def _pki_authenticate(es_node, directory, host):
    client = Elasticsearch(es_node['url'], ca_certs=es_node['ca'], max_retries=0,
                           client_cert=str(directory / 'pki' / (host + '-client.crt')),
                           client_key=str(directory / 'pki' / (host + '-client.key')))
    try:
        return dict(client.security.authenticate())
    finally:
        client.close()


def as_node_user(tls_node, *command, stdin=None):
    """Run one of the node's own tools (elasticsearch-keystore) as the user that runs it."""
    es_home = tls_node['certs'].parents[1]
    java_home = (tls_node['node_dir'] / 'java.home').read_text().strip()
    subprocess.run(['runuser', '-u', RUN_USER, '--', 'env', 'ES_JAVA_HOME=' + java_home,
                    'ES_PATH_CONF=' + str(es_home / 'config'), str(es_home / 'bin' / command[0]), *command[1:]],
                   input=stdin, text=True, check=True, capture_output=True)


def node_command(tls_node, command):
    subprocess.run([str(NODE_SCRIPT), command], env=tls_node['env'], check=True, capture_output=True)


def test_node_serves_pkcs12_keystore(tls_node, workdir):
    """xpack.security.http.ssl.keystore.path pointing at es_cert's PKCS#12, with its password in the
    secure settings. The node restarts (the keystore path is not reloadable); its node script
    checks the node with certs/ca.crt, so that file holds es_cert's CA meanwhile. Afterwards the
    node is left stopped with its own configuration back, so this test comes last in the file."""
    make_ca(workdir, 'ca1')
    certs = tls_node['certs']
    result = es_cert(type='server', subject={'CN': 'node-1'}, subject_alt_names=['localhost', 'IP:127.0.0.1'],
                     key_type='ec_p256', ca_path=str(workdir / 'ca1.crt'), ca_privatekey_path=str(workdir / 'ca1.key'),
                     path=str(workdir / 'http.crt'), privatekey_path=str(workdir / 'http.key'),
                     pkcs12_path=str(certs / 'http.p12'), pkcs12_password='p12-secret',
                     owner=RUN_USER, group=RUN_USER)
    config = certs.parent / 'elasticsearch.yml'
    saved_config, saved_ca = config.read_text(), (certs / 'ca.crt').read_bytes()
    pem_settings = ('xpack.security.http.ssl.key: certs/node.key\n'
                    'xpack.security.http.ssl.certificate: certs/node.crt\n')
    assert pem_settings in saved_config
    try:
        config.write_text(saved_config.replace(pem_settings, 'xpack.security.http.ssl.keystore.path: certs/http.p12\n'))
        (certs / 'ca.crt').write_bytes((workdir / 'ca1.crt').read_bytes())
        as_node_user(tls_node, 'elasticsearch-keystore', 'add', '-x', '-f',
                     'xpack.security.http.ssl.keystore.secure_password', stdin='p12-secret')
        node_command(tls_node, 'stop')
        node_command(tls_node, 'start')
        assert served_fingerprint() == result['certificate']['fingerprint_sha256']
        assert handshake(workdir / 'ca1.crt')
        make_ca(workdir, 'other')
        with pytest.raises(ssl.SSLCertVerificationError):
            handshake(workdir / 'other.crt')
    finally:
        config.write_text(saved_config)
        (certs / 'ca.crt').write_bytes(saved_ca)
        as_node_user(tls_node, 'elasticsearch-keystore', 'remove', 'xpack.security.http.ssl.keystore.secure_password')
        (certs / 'http.p12').unlink()
        node_command(tls_node, 'stop')
