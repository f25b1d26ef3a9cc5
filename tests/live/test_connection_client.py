# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The connection layer with other Python packages where the module runs, against the real node.

A module runs as Ansible runs it on a host (a Python process, arguments as JSON on stdin), with
packages put in front of the test virtualenv's (the 9.x Python client from PyPI, or a certifi
whose bundle holds the node's CA), or through a proxy that logs in as someone else.
"""
import base64
import http.server
import json
import os
import ssl
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import certifi
import pytest


def run_module(module, args, pythonpath=None):
    """Run a module, with ``pythonpath`` (a directory) in front of the packages it imports."""
    env = dict(os.environ)
    if pythonpath:
        env['PYTHONPATH'] = os.pathsep.join([str(pythonpath), os.environ.get('PYTHONPATH', '')])
    proc = subprocess.run([sys.executable, '-m', 'ansible_collections.esguard.security.plugins.modules.' + module],
                          input=json.dumps({'ANSIBLE_MODULE_ARGS': args}), capture_output=True, text=True,
                          check=False, env=env, timeout=120)
    return json.loads(proc.stdout)


def admin_probe(es_node, **args):
    return dict(dict(hosts=[es_node['url']], login_user=es_node['username'], login_password=es_node['password'],
                     cluster=['monitor']), **args)


@pytest.fixture(scope='module')
def client_9x(tmp_path_factory):
    target = tmp_path_factory.mktemp('elasticsearch-9')
    proc = subprocess.run([sys.executable, '-m', 'pip', 'install', '--quiet', '--disable-pip-version-check',
                           '--target', str(target), 'elasticsearch>=9,<10'], capture_output=True, text=True,
                          check=False, timeout=300)
    if proc.returncode:
        pytest.skip('cannot install the 9.x client from PyPI: %s' % proc.stderr.strip().splitlines()[-1:])
    return target


@pytest.fixture(scope='module')
def server_major(admin):
    return int(admin.info()['version']['number'].split('.')[0])


def test_a_9x_client_against_an_8x_server_says_which_client_to_install(es_node, client_9x, server_major):
    if server_major >= 9:
        pytest.skip('the server is %d.x, which the 9.x client works with' % server_major)
    result = run_module('es_credential_check', admin_probe(es_node, ca_certs=es_node['ca']), client_9x)
    assert result['failed']
    assert result['msg'] == ('authenticate failed: the Elasticsearch server is 8.x and refuses the 9.x Python '
                             'client: install elasticsearch>=8.13,<9 where the module runs')


def test_a_9x_client_against_a_9x_server_works(es_node, client_9x, server_major):
    if server_major < 9:
        pytest.skip('the server is %d.x, which refuses the 9.x client' % server_major)
    result = run_module('es_credential_check', admin_probe(es_node, ca_certs=es_node['ca']), client_9x)
    assert not result.get('failed'), result.get('msg')
    assert result['identity']['username'] == es_node['username'] and result['missing'] == []


def a_public_ca():
    """The first CA of certifi's bundle: one that did not sign the node's certificate."""
    bundle = Path(certifi.where()).read_text()
    end = '-----END CERTIFICATE-----'
    return bundle[bundle.index('-----BEGIN CERTIFICATE-----'):bundle.index(end) + len(end)] + '\n'


@pytest.fixture
def certifi_trusting_the_node(es_node, tmp_path):
    """A certifi package whose bundle is the real one plus the node's CA."""
    package = tmp_path / 'certifi'
    package.mkdir()
    bundle = package / 'cacert.pem'
    bundle.write_text(Path(certifi.where()).read_text() + Path(es_node['ca']).read_text())
    (package / '__init__.py').write_text('def where():\n    return %r\n\n\ndef contents():\n'
                                         '    with open(where()) as f:\n        return f.read()\n' % str(bundle))
    return tmp_path


def test_ca_certs_trusts_only_its_cas_not_those_of_certifi(es_node, certifi_trusting_the_node):
    # With no ca_certs, certifi's CAs are trusted: the node is, through the bundle.
    trusted = run_module('es_credential_check', admin_probe(es_node), certifi_trusting_the_node)
    assert trusted.get('identity', {}).get('username') == es_node['username'], trusted.get('msg')
    # With ca_certs naming another CA, the node's certificate is not trusted, although certifi's bundle holds its CA.
    refused = run_module('es_credential_check', admin_probe(es_node, ca_certs=a_public_ca()),
                         certifi_trusting_the_node)
    assert refused.get('failed'), 'a CA outside ca_certs was trusted'
    assert 'CERTIFICATE_VERIFY_FAILED' in refused['msg']


@pytest.fixture
def proxy_logging_in_as_the_admin(es_node, tmp_path):
    """An HTTPS proxy to the node that sends every request with the admin's password, whatever the client sent.

    Returns its URL and a certificate with key (the proxy's, from the node's CA), to present as a client certificate.
    """
    ca_key = Path(es_node['ca']).parent / 'ca.key'
    subprocess.run(['openssl', 'req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=esguard-live-proxy',
                    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', 'proxy.key', '-out', 'proxy.csr'],
                   cwd=tmp_path, check=True, capture_output=True)
    (tmp_path / 'proxy.ext').write_text('subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n')
    subprocess.run(['openssl', 'x509', '-req', '-in', 'proxy.csr', '-CA', es_node['ca'], '-CAkey', str(ca_key),
                    '-CAcreateserial', '-CAserial', 'ca.srl', '-days', '1', '-extfile', 'proxy.ext',
                    '-out', 'proxy.crt'], cwd=tmp_path, check=True, capture_output=True)
    upstream = ssl.create_default_context(cafile=es_node['ca'])
    admin = 'Basic ' + base64.b64encode(('%s:%s' % (es_node['username'], es_node['password'])).encode()).decode()

    class Forward(http.server.BaseHTTPRequestHandler):
        def forward(self):
            body = self.rfile.read(int(self.headers.get('Content-Length') or 0)) or None
            headers = {name: self.headers[name] for name in ('Content-Type', 'Accept') if self.headers[name]}
            request = urllib.request.Request(es_node['url'] + self.path, data=body, method=self.command,
                                             headers=dict(headers, Authorization=admin))
            try:
                answer = urllib.request.urlopen(request, context=upstream, timeout=30)
            except urllib.error.HTTPError as error:
                answer = error
            payload = answer.read()
            self.send_response(answer.status)
            for name in ('Content-Type', 'X-elastic-product'):
                if answer.headers[name]:
                    self.send_header(name, answer.headers[name])
            self.send_header('Content-Length', str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = forward

        def log_message(self, *_args):
            pass

    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Forward)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(tmp_path / 'proxy.crt'), str(tmp_path / 'proxy.key'))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield 'https://127.0.0.1:%d' % server.server_address[1], tmp_path / 'proxy.crt', tmp_path / 'proxy.key'
    server.shutdown()
    server.server_close()


def test_a_check_that_elasticsearch_answers_as_someone_else_fails(es_node, proxy_logging_in_as_the_admin):
    url, cert, key = proxy_logging_in_as_the_admin
    result = run_module('es_credential_check', dict(hosts=[url], ca_certs=es_node['ca'], client_cert=str(cert),
                                                    client_key=str(key), cluster=['monitor']))
    assert result.get('failed'), 'the check passed on the credential the proxy added'
    assert result['msg'] == ('the client certificate %s was given, but Elasticsearch authenticated user %s '
                             '(realm file1): the check would prove another credential' % (cert, es_node['username']))
