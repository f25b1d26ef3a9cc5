# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""es_cert end to end on the local file system: check mode, writes, modes, idempotency."""

from __future__ import annotations

import json
import os
import stat

import pytest
from cryptography import x509

from ansible_collections.esguard.security.plugins.modules import es_cert
from ansible_collections.esguard.security.tests.unit.plugins.modules.module_args import patch_module_args


def run(capsys, check_mode=False, diff=False, **args):
    if check_mode:
        args['_ansible_check_mode'] = True
    if diff:
        args['_ansible_diff'] = True
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            es_cert.main()
    return json.loads(capsys.readouterr().out)


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def snapshot(directory):
    return {name: (directory / name).read_bytes() for name in sorted(os.listdir(directory))}


@pytest.fixture
def ca_args(tmp_path):
    return dict(type='ca', subject={'CN': 'unit CA'}, key_type='ec_p256',
                path=str(tmp_path / 'ca.crt'), privatekey_path=str(tmp_path / 'ca.key'))


def server_args(tmp_path, **extra):
    args = dict(type='server', subject={'CN': 'node-1'}, subject_alt_names=['localhost', 'IP:127.0.0.1'],
                key_type='ec_p256', ca_path=str(tmp_path / 'ca.crt'), ca_privatekey_path=str(tmp_path / 'ca.key'),
                path=str(tmp_path / 'node.crt'), privatekey_path=str(tmp_path / 'node.key'),
                chain_path=str(tmp_path / 'chain.pem'), pkcs12_path=str(tmp_path / 'node.p12'),
                pkcs12_password='changeit', mode='0644')
    args.update(extra)
    return args


def test_check_mode_writes_nothing(capsys, tmp_path, ca_args):
    result = run(capsys, check_mode=True, diff=True, **ca_args)
    assert result['changed'] and result['reasons'] == ['the certificate does not exist']
    assert result['diff']['before'] == {}
    # Only what the real run will produce too: a serial or fingerprint here would be invented.
    assert result['diff']['after'] == {'subject': 'CN=unit CA', 'issuer': 'CN=unit CA', 'subject_alt_names': []}
    assert os.listdir(tmp_path) == []


def test_sequence(capsys, tmp_path, ca_args):
    ca = run(capsys, **ca_args)
    assert ca['changed'] and mode(ca_args['privatekey_path']) == 0o600

    args = server_args(tmp_path)
    assert run(capsys, check_mode=True, **args)['changed']
    assert not os.path.exists(args['path'])

    first = run(capsys, **args)
    assert first['changed']
    assert sorted(first['written']) == sorted([args['privatekey_path'], args['path'], args['chain_path'],
                                               args['pkcs12_path']])
    assert mode(args['privatekey_path']) == 0o600 and mode(args['pkcs12_path']) == 0o600
    assert mode(args['path']) == 0o644
    assert first['ca']['fingerprint_sha256'] == ca['certificate']['fingerprint_sha256']
    assert 'PRIVATE' not in json.dumps(first)

    before = snapshot(tmp_path)
    again = run(capsys, **args)
    assert not again['changed'] and again['certificate'] == first['certificate']
    unchanged = run(capsys, check_mode=True, diff=True, **args)
    assert not unchanged['changed'] and unchanged['diff']['before'] == unchanged['diff']['after']
    assert snapshot(tmp_path) == before

    changed = run(capsys, diff=True, **server_args(tmp_path, subject_alt_names=['localhost', 'es-01']))
    assert changed['changed'] and changed['reasons'] == ['the subject alternative names changed']
    assert changed['diff']['after']['subject_alt_names'] == ['DNS:localhost', 'DNS:es-01']
    assert 'PRIVATE' not in json.dumps(changed['diff'])
    assert (tmp_path / 'node.key').read_bytes() == before['node.key']
    cert = x509.load_pem_x509_certificate((tmp_path / 'node.crt').read_bytes())
    assert '%x' % cert.serial_number == changed['certificate']['serial_number']


def test_mode_change_alone_is_a_change(capsys, tmp_path, ca_args):
    run(capsys, **ca_args)
    run(capsys, **server_args(tmp_path))
    result = run(capsys, **server_args(tmp_path, mode='0640'))
    assert result['changed'] and result['written'] == []
    assert mode(str(tmp_path / 'node.crt')) == 0o640 and mode(str(tmp_path / 'node.key')) == 0o600


def test_backup(capsys, tmp_path, ca_args):
    run(capsys, **ca_args)
    run(capsys, **server_args(tmp_path))
    result = run(capsys, **server_args(tmp_path, force=True, backup=True))
    assert sorted(result['backup_files']) == sorted([str(tmp_path / 'node.crt'), str(tmp_path / 'chain.pem'),
                                                     str(tmp_path / 'node.p12')])
    assert all(os.path.exists(path) for path in result['backup_files'].values())


def test_bad_input_fails_clearly_and_writes_nothing(capsys, tmp_path, ca_args):
    run(capsys, **ca_args)
    before = snapshot(tmp_path)
    result = run(capsys, **server_args(tmp_path, subject_alt_names=['localhost', 'not a host']))
    assert result['failed'] and 'neither a DNS name nor an IP address' in result['msg']
    result = run(capsys, **server_args(tmp_path, ca_privatekey_path=str(tmp_path / 'missing.key')))
    assert result['failed'] and 'does not exist' in result['msg']
    result = run(capsys, **server_args(tmp_path, key_type='dsa'))
    assert result['failed'] and 'key_type' in result['msg']
    assert snapshot(tmp_path) == before
