# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Last: no secret any play of the suite used is in its output, logs, temporary or rendered files.

Named to run after the other modules, whose transcripts and files it scans.
"""
import base64
import uuid

from cryptography.hazmat.primitives import serialization

from conftest import PLAYS
from secrets_scan import scan


def test_the_secrets_play_writes_its_secrets_only_where_they_belong(suite, node, secrets):
    extra = dict(prefix='esguard-rel-secrets-%s' % uuid.uuid4().hex[:8],
                 user_password=secrets.add('a user password', 'UserPw-%s' % uuid.uuid4().hex),
                 key_passphrase=secrets.add('a private key passphrase', 'Passphrase-%s' % uuid.uuid4().hex),
                 pkcs12_password=secrets.add('a PKCS#12 password', 'P12pw-%s' % uuid.uuid4().hex),
                 keystore_password=secrets.add('a keystore password', 'KsPw-%s' % uuid.uuid4().hex),
                 keystore_value=secrets.add('a keystore value', 'KsValue-%s' % uuid.uuid4().hex))
    # There in check mode too, where the play's own task would not create it; Logstash's settings
    # directory is the package's, not the role's.
    (suite.work / 'secrets' / 'logstash').mkdir(mode=0o700, parents=True)
    for label, check in (('secrets-check', True), ('secrets', False), ('secrets-again', False)):
        rc, output = suite.play(PLAYS / 'secrets.yml', label, extra_vars=extra, check=check)
        assert rc == 0, output[-3000:]
    directory = suite.work / 'secrets'
    api_key = (directory / 'api.key').read_text().strip()
    secrets.add('an API key (id:key)', api_key)
    secrets.add('an API key secret', api_key.partition(':')[2])
    for name in ('ca.key', 'client.key'):
        pem = (directory / name).read_bytes()
        password = extra['key_passphrase'].encode() if name == 'ca.key' else None
        key = serialization.load_pem_private_key(pem, password)
        der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        # The key in the clear, as PEM lines would carry it (the stored one is encrypted or is the secret file).
        secrets.add('the private key %s' % name, pem.decode().splitlines()[2])
        secrets.add('the private key %s in the clear' % name, base64.b64encode(der).decode()[64:128])
    # The places of secrets, each readable by its owner only; logstash/environment carries the keystore
    # password to Logstash (LOGSTASH_KEYSTORE_PASS), as the role documents.
    for path in ('api.key', 'ca.key', 'client.key', 'client.p12', 'beat.keystore', 'logstash.keystore',
                 'logstash/environment'):
        suite.secret_files.add(str(directory / path))
        assert (directory / path).stat().st_mode & 0o777 == 0o600, path


def test_no_secret_is_in_any_output_log_temporary_or_rendered_file(suite, secrets):
    # Every API key secret file the suite wrote holds its key: those keys are secrets, the files their place.
    for path in suite.work.rglob('*'):
        text = path.read_text(errors='replace').strip() if path.is_file() else ''
        if path.is_file() and ':' in text and len(text) < 200 and path.parent.name in ('keys', 'fleet', 'secrets'):
            secrets.add('an API key of %s' % path.name, text)
            suite.secret_files.add(str(path))
            assert path.stat().st_mode & 0o777 == 0o600, path
    searched = sorted(secrets.values.items(), key=lambda item: item[1])
    scanned = (suite.transcripts, suite.logs, suite.temp, suite.work)
    # The secrets play alone brings ten secrets and three runs; with the whole suite there are more.
    assert len(searched) >= 10 and suite.runs >= 3

    # The control: the same scan finds every secret planted in a file, in each form.
    planted = suite.root / 'planted'
    planted.mkdir()
    (planted / 'secrets.txt').write_text('\n'.join('%s\n%s' % (value, base64.b64encode(value.encode())
                                                               .decode()) for value in secrets.values))
    found = scan([planted], [(what, value) for value, what in searched])
    assert len(found) == 2 * len(searched)

    findings = scan(scanned, [(what, value) for value, what in searched], exclude=suite.secret_files)
    assert findings == []
    print('secrets searched: %d in %d play runs, secrets found: %d' % (len(searched), suite.runs, len(findings)))
