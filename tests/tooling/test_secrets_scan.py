# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The secrets scan's command: what it takes for a secret, what it leaves out, and when it fails.

A scan that finds nothing is only worth its needles: these tests show that the secrets of the places
are searched (a private key's PEM body, an environment file's value, an API key file's line), that a
place is not itself a finding, that a private key pasted into another file is, and that a run with
no secret at all fails instead of passing.
"""
import base64
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / 'reliability'))

import secrets_scan  # noqa: E402

KEY = '\n'.join(['-----BEGIN PRIVATE KEY-----',
                 'MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgFAKEkeyFAKEkeyFAKE',
                 'kEyFAKEkeyFAKEkeyFAKEkeyFAKEhRANCAAQFAKEkeyFAKEkeyFAKEkeyFAKEkeyFA',
                 '-----END PRIVATE KEY-----', ''])
BODY = KEY.splitlines()[1]


def test_place_secrets_of_a_key_an_environment_file_and_an_api_key_file(tmp_path):
    (tmp_path / 'node.key').write_text(KEY)
    (tmp_path / 'logstash').write_text('LOGSTASH_KEYSTORE_PASS="KeystorePw-1234"\n')
    (tmp_path / 'api.key').write_text('VuaCfGcBCdbkQm-e5aOx:ui2lp2axTNmsyakw9tvNnw\n')
    (tmp_path / 'beat.keystore').write_bytes(b'\0\1binary')
    assert secrets_scan.place_secrets(str(tmp_path / 'node.key')) == [('a PEM body in node.key', BODY)]
    assert secrets_scan.place_secrets(str(tmp_path / 'logstash')) == [('a secret in logstash', 'KeystorePw-1234')]
    assert secrets_scan.place_secrets(str(tmp_path / 'api.key')) == [
        ('a secret in api.key', 'VuaCfGcBCdbkQm-e5aOx:ui2lp2axTNmsyakw9tvNnw')]
    assert secrets_scan.place_secrets(str(tmp_path / 'beat.keystore')) == []


def test_a_key_file_is_a_place_and_the_key_elsewhere_a_finding(tmp_path, capsys):
    hosts = tmp_path / 'hosts'
    (hosts / 'etc').mkdir(parents=True)
    (hosts / 'etc' / 'client.key').write_text(KEY)
    (hosts / 'etc' / 'ca.crt').write_text('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' + KEY)
    (hosts / 'etc' / 'ok.yml').write_text('ssl.key: /etc/client.key\n')
    assert secrets_scan.key_files(hosts) == [str(hosts / 'etc' / 'client.key')]
    assert secrets_scan.main(['--key-files', str(hosts), str(hosts)]) == 1
    output = capsys.readouterr().out
    assert 'secrets scan control: 2 of 2 planted found' in output
    assert 'secret found: a PEM body in client.key in %s, lines 5' % (hosts / 'etc' / 'ca.crt') in output
    (hosts / 'etc' / 'ca.crt').unlink()
    assert secrets_scan.main(['--key-files', str(hosts), str(hosts)]) == 0


def test_recorded_secrets_are_searched_in_both_forms_later(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv('ADMIN_PASSWORD', 'AdminPw-98765')
    (tmp_path / 'env').write_text('PASS=KeystorePw-1234\n')
    record = tmp_path / 'searched.tsv'
    clean = tmp_path / 'clean'
    clean.mkdir()
    assert secrets_scan.main(['--env', 'ADMIN_PASSWORD', '--place', str(tmp_path / 'env'), '--record', str(record),
                              str(clean)]) == 0
    assert os.stat(record).st_mode & 0o777 == 0o600
    output = tmp_path / 'output.log'
    output.write_text('Authorization: Basic %s\n' % base64.b64encode(b'KeystorePw-1234').decode())
    assert secrets_scan.main(['--secrets', str(record), str(output)]) == 1
    assert 'secret found: a secret in env (base64) in %s, lines 1' % output in capsys.readouterr().out


def test_no_secret_to_search_fails(tmp_path, capsys):
    assert secrets_scan.main(['--secrets', str(tmp_path / 'missing.tsv'), str(tmp_path)]) == 1
    assert '0 secrets searched' in capsys.readouterr().out


def test_any_api_key_by_its_shape_in_both_forms(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv('ADMIN_PASSWORD', 'AdminPw-98765')
    credential = 'BQedN6IBROhVnDv2jS9o:32SQNOYbGc0EnUqOe9acuQ'
    output = tmp_path / 'output.log'
    output.write_text('ok\n"credential": "%s",\nApiKey %s\nid BQedN6IBROhVnDv2jS9o\n'
                      % (credential, base64.b64encode(credential.encode()).decode()))
    assert secrets_scan.main(['--env', 'ADMIN_PASSWORD', '--api-keys', str(output)]) == 1
    printed = capsys.readouterr().out
    assert 'API keys by their shape: control 2 of 2 found, 2 found' in printed
    assert 'API key found: in %s, line 2' % output in printed and 'line 3' in printed
    output.write_text('id BQedN6IBROhVnDv2jS9o\n')
    assert secrets_scan.main(['--env', 'ADMIN_PASSWORD', '--api-keys', str(output)]) == 0


def test_every_molecule_scenario_ends_its_verify_with_the_secrets_scan():
    # The molecule stage scans each scenario's output for the secrets its verify recorded: a scenario
    # without the scan records none, and the stage fails on it only after the whole scenario ran.
    root = Path(__file__).resolve().parents[2] / 'molecule'
    scenarios = sorted(path.parent for path in root.glob('*/molecule.yml'))
    assert scenarios
    for scenario in scenarios:
        plays = (scenario / 'verify.yml').read_text().split('\n- name: ')
        assert 'ansible.builtin.import_playbook: ../shared/secrets.yml' in plays[-1], scenario.name
