# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The connection layer with other Python packages where the module runs, against the real node.

A module runs as Ansible runs it on a host (a Python process, arguments as JSON on stdin), with
packages put in front of the test virtualenv's: the 9.x Python client from PyPI, or a certifi
whose bundle holds the node's CA.
"""
import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

import certifi
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def run_module(module, args, pythonpath):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(pythonpath), os.environ.get('PYTHONPATH', '')]))
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


def test_a_9x_client_against_an_8x_server_says_which_client_to_install(es_node, client_9x):
    result = run_module('es_credential_check', admin_probe(es_node, ca_certs=es_node['ca']), client_9x)
    assert result['failed']
    assert result['msg'] == ('authenticate failed: the Elasticsearch server is 8.x and refuses the 9.x Python '
                             'client: install elasticsearch>=8.13,<9 where the module runs')


def make_ca(name):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode())


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
    refused = run_module('es_credential_check', admin_probe(es_node, ca_certs=make_ca('esguard live other CA')),
                         certifi_trusting_the_node)
    assert refused.get('failed'), 'a CA outside ca_certs was trusted'
    assert 'CERTIFICATE_VERIFY_FAILED' in refused['msg']
