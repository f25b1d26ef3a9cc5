# -*- coding: utf-8 -*-
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The decisions and formats of es_cert, without files or a server."""

from __future__ import annotations

import datetime
import os
import shutil
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID

from ansible_collections.esguard.security.plugins.module_utils import _certificates as certs
from ansible_collections.esguard.security.plugins.module_utils._cert_plan import plan_outputs

YEAR = datetime.timedelta(days=365)
MONTH = datetime.timedelta(days=30)
KEYTOOL = os.path.join(os.environ.get('JAVA_HOME', '/usr/lib/jvm/java-17-openjdk-amd64'), 'bin', 'keytool')


def make_ca(cn='test CA', key_type='ec_p256', valid_for=YEAR * 10, now=None):
    key = certs.generate_private_key(key_type)
    profile = certs.Profile('ca', certs.parse_subject({'CN': cn}))
    return certs.build_certificate(profile, key, valid_for, now=now), key


@pytest.fixture(scope='module')
def ca():
    return make_ca()


def server_profile(sans=('DNS:localhost', 'IP:127.0.0.1'), cn='node-1', client_auth=False):
    return certs.Profile('server', certs.parse_subject({'CN': cn}), certs.parse_sans(sans), client_auth)


def issue(profile, ca, key_type='ec_p256', valid_for=YEAR, now=None):
    key = certs.generate_private_key(key_type)
    return certs.build_certificate(profile, key, valid_for, ca[0], ca[1], now=now), key


# --- input parsing -------------------------------------------------------------------------------

@pytest.mark.parametrize('entry, expected', [
    ('DNS:es-01.example.com', x509.DNSName('es-01.example.com')),
    ('localhost', x509.DNSName('localhost')),
    ('*.example.com', x509.DNSName('*.example.com')),
    ('IP:127.0.0.1', x509.IPAddress(__import__('ipaddress').ip_address('127.0.0.1'))),
    ('::1', x509.IPAddress(__import__('ipaddress').ip_address('::1'))),
])
def test_san_forms(entry, expected):
    assert certs.parse_san(entry) == expected


@pytest.mark.parametrize('entry', ['IP:300.1.1.1', 'not a name', 'a..b', 'URI:https://x', '-bad.example', 'ex_ample.com'])
def test_bad_san_is_a_clear_error(entry):
    with pytest.raises(certs.CertificateError, match='subject_alt_names'):
        certs.parse_san(entry)


def test_subject_reads_in_the_order_given_cn_first_and_needs_cn():
    name = certs.parse_subject({'CN': 'beat-01', 'OU': 'shippers', 'O': 'example'})
    assert name.rfc4514_string() == 'CN=beat-01,OU=shippers,O=example'
    # In the certificate the most significant attribute comes first, as X.509 tools expect.
    assert [a.value for a in name] == ['example', 'shippers', 'beat-01']
    assert certs.parse_subject({'CN': 'x', 'DC': ['example', 'com']}).rfc4514_string() == 'CN=x,DC=example,DC=com'
    with pytest.raises(certs.CertificateError, match='CN'):
        certs.parse_subject({'O': 'example'})
    with pytest.raises(certs.CertificateError, match='unknown attribute'):
        certs.parse_subject({'CN': 'x', 'XYZ': 'y'})
    with pytest.raises(certs.CertificateError, match='C=USA'):
        certs.parse_subject({'CN': 'x', 'C': 'USA'})


@pytest.mark.parametrize('text, expected', [
    ('CN=filebeat-01,OU=filebeat,O=Example', 'CN=filebeat-01,OU=filebeat,O=Example'),
    (' CN = beat , O = Example ', 'CN=beat,O=Example'),
    (r'CN=Smith\, John,O=Example', r'CN=Smith\, John,O=Example'),
    (r'CN=a\2Cb,O=x', r'CN=a\,b,O=x'),
    ('cn=lower,o=case', 'CN=lower,O=case'),
])
def test_subject_as_a_dn_string(text, expected):
    assert certs.parse_subject(text).rfc4514_string() == expected


@pytest.mark.parametrize('text, match', [
    ('filebeat-01', 'not a name'), ('CN=a,,O=b', 'not a name'), ('CN=a+UID=b', 'multi-valued'),
    ('CN=a,XYZ=b', 'unknown attribute'), ('O=only', 'CN'),
])
def test_bad_dn_strings(text, match):
    with pytest.raises(certs.CertificateError, match=match):
        certs.parse_subject(text)


def test_unknown_key_type():
    with pytest.raises(certs.CertificateError, match='unknown key type'):
        certs.generate_private_key('dsa_1024')


@pytest.mark.parametrize('key_type, klass, size', [
    ('ec_p256', ec.EllipticCurvePrivateKey, 256), ('ec_p384', ec.EllipticCurvePrivateKey, 384),
    ('rsa_2048', rsa.RSAPrivateKey, 2048), ('rsa_3072', rsa.RSAPrivateKey, 3072),
])
def test_key_types(key_type, klass, size):
    key = certs.generate_private_key(key_type)
    assert isinstance(key, klass) and key.key_size == size
    assert certs.key_type_of(key) == key_type


def test_server_needs_sans():
    with pytest.raises(certs.CertificateError, match='subject_alt_names'):
        certs.Profile('server', certs.parse_subject({'CN': 'x'}))


# --- the certificates issued ---------------------------------------------------------------------

def test_server_certificate_content(ca):
    cert, key = issue(server_profile(client_auth=True), ca)
    assert certs.issued_by(cert, ca[0])
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert certs.describe(cert)['subject_alt_names'] == ['DNS:localhost', 'IP:127.0.0.1']


def test_client_certificate_content(ca):
    profile = certs.Profile('client', certs.parse_subject({'CN': 'beat-01', 'OU': 'shippers'}))
    cert, key = issue(profile, ca)
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    assert certs.describe(cert)['subject'] == 'CN=beat-01,OU=shippers'


def test_ca_certificate_content(ca):
    cert = ca[0]
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert cert.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign
    assert certs.issued_by(cert, cert)


def test_leaf_never_outlives_its_ca():
    short_ca = make_ca(valid_for=MONTH)
    cert, key = issue(server_profile(), short_ca, valid_for=YEAR)
    assert certs.not_valid_after(cert) == certs.not_valid_after(short_ca[0])


def test_fingerprint_is_hex_without_colons(ca):
    fingerprint = certs.describe(ca[0])['fingerprint_sha256']
    assert len(fingerprint) == 64 and ':' not in fingerprint and fingerprint == fingerprint.lower()
    int(fingerprint, 16)


def test_describe_has_no_key_material(ca):
    text = repr(certs.describe(ca[0]))
    assert 'PRIVATE' not in text and 'BEGIN' not in text


# --- regeneration rules --------------------------------------------------------------------------

def test_fitting_certificate_is_kept(ca):
    profile = server_profile()
    cert, key = issue(profile, ca)
    assert certs.regeneration_reasons(profile, cert, key, ca[0], MONTH) == []


def test_missing_certificate_or_key(ca):
    profile = server_profile()
    cert, key = issue(profile, ca)
    assert certs.regeneration_reasons(profile, None, key, ca[0], MONTH) == ['the certificate does not exist']
    assert certs.regeneration_reasons(profile, cert, None, ca[0], MONTH) == ['the private key does not exist']


def test_key_mismatch(ca):
    profile = server_profile()
    cert, key = issue(profile, ca)
    other = certs.generate_private_key('ec_p256')
    assert 'the private key does not match the certificate' in certs.regeneration_reasons(
        profile, cert, other, ca[0], MONTH)


def test_subject_change(ca):
    cert, key = issue(server_profile(cn='node-1'), ca)
    assert certs.regeneration_reasons(server_profile(cn='node-2'), cert, key, ca[0], MONTH) == [
        'the subject changed']


def test_san_change_but_not_order(ca):
    cert, key = issue(server_profile(sans=['DNS:a', 'IP:10.0.0.1']), ca)
    assert certs.regeneration_reasons(server_profile(sans=['IP:10.0.0.1', 'a']), cert, key, ca[0], MONTH) == []
    assert certs.regeneration_reasons(server_profile(sans=['DNS:a', 'DNS:b']), cert, key, ca[0], MONTH) == [
        'the subject alternative names changed']


def test_usage_change(ca):
    cert, key = issue(server_profile(), ca)
    assert certs.regeneration_reasons(server_profile(client_auth=True), cert, key, ca[0], MONTH) == [
        'the extended key usage changed']
    client = certs.Profile('client', certs.parse_subject({'CN': 'node-1'}), certs.parse_sans(['localhost', '127.0.0.1']))
    reasons = certs.regeneration_reasons(client, cert, key, ca[0], MONTH)
    assert 'the extended key usage changed' in reasons


def test_ca_flag_change(ca):
    cert, key = issue(certs.Profile('client', certs.parse_subject({'CN': 'test CA'})), ca)
    reasons = certs.regeneration_reasons(certs.Profile('ca', certs.parse_subject({'CN': 'test CA'})), cert, key,
                                         None, MONTH)
    assert 'the basic constraints changed' in reasons and 'the key usage changed' in reasons


def test_issuer_change(ca):
    profile = server_profile()
    cert, key = issue(profile, ca)
    same_name_other_key = make_ca(cn='test CA')
    assert certs.regeneration_reasons(profile, cert, key, same_name_other_key[0], MONTH) == [
        'the issuing CA changed']


def test_renew_before():
    now = certs.utcnow()
    short_ca = make_ca()
    profile = server_profile()
    cert, key = issue(profile, short_ca, valid_for=datetime.timedelta(days=40), now=now)
    assert certs.regeneration_reasons(profile, cert, key, short_ca[0], MONTH, now=now) == []
    later = now + datetime.timedelta(days=11)
    assert certs.regeneration_reasons(profile, cert, key, short_ca[0], MONTH, now=later) == [
        'the certificate expires within renew_before']


def test_leaf_ending_with_its_ca_is_not_renewed_in_a_loop():
    """Re-issuing cannot outlast the CA, so a CA near its end is no reason to issue on every run."""
    ending_ca = make_ca(valid_for=datetime.timedelta(days=10))
    profile = server_profile()
    cert, key = issue(profile, ending_ca, valid_for=YEAR)
    assert certs.regeneration_reasons(profile, cert, key, ending_ca[0], MONTH) == []


def test_validity_asked_for_is_no_reason(ca):
    """+365d moves every day; a certificate issued yesterday still fits."""
    profile = server_profile()
    yesterday = certs.utcnow() - datetime.timedelta(days=1)
    cert, key = issue(profile, ca, valid_for=YEAR, now=yesterday)
    assert certs.regeneration_reasons(profile, cert, key, ca[0], MONTH) == []


# --- the CA's own checks -------------------------------------------------------------------------

def test_ca_key_must_match(ca):
    with pytest.raises(certs.CertificateError, match='does not match'):
        certs.check_ca(ca[0], certs.generate_private_key('ec_p256'))


def test_expired_ca_is_refused():
    old = certs.utcnow() - YEAR * 2
    cert, key = make_ca(valid_for=YEAR, now=old)
    with pytest.raises(certs.CertificateError, match='expired'):
        certs.check_ca(cert, key)


def test_leaf_is_no_ca(ca):
    cert, key = issue(server_profile(), ca)
    with pytest.raises(certs.CertificateError, match='not a CA'):
        certs.check_ca(cert, key)


# --- output formats, parsed back -----------------------------------------------------------------

def test_private_key_pem_is_pkcs8(ca):
    key = certs.generate_private_key('rsa_2048')
    plain = certs.private_key_pem(key)
    assert plain.startswith(b'-----BEGIN PRIVATE KEY-----')
    assert certs.public_key_bytes(serialization.load_pem_private_key(plain, None)) == certs.public_key_bytes(key)
    encrypted = certs.private_key_pem(key, 'secret')
    assert encrypted.startswith(b'-----BEGIN ENCRYPTED PRIVATE KEY-----')
    assert certs.public_key_bytes(certs.load_private_key(encrypted, 'secret')) == certs.public_key_bytes(key)
    with pytest.raises(certs.CertificateError):
        certs.load_private_key(encrypted, 'wrong')
    with pytest.raises(certs.CertificateError):
        certs.load_private_key(encrypted, None)


def test_bundle_is_ordered_and_deduplicated(ca):
    other = make_ca(cn='other CA')[0]
    bundle = certs.bundle_pem([ca[0], other, ca[0]])
    assert [c.subject for c in x509.load_pem_x509_certificates(bundle)] == [ca[0].subject, other.subject]


def test_pkcs12_parsed_back_and_matched(ca):
    cert, key = issue(server_profile(), ca, key_type='rsa_2048')
    data = certs.pkcs12_bytes('node-1', key, cert, [ca[0]], 'changeit')
    stored = pkcs12.load_pkcs12(data, b'changeit')
    assert stored.cert.certificate == cert and stored.cert.friendly_name == b'node-1'
    assert [c.certificate for c in stored.additional_certs] == [ca[0]]
    assert certs.pkcs12_matches(data, 'changeit', key, cert, [ca[0]])
    assert not certs.pkcs12_matches(data, 'other', key, cert, [ca[0]])
    assert not certs.pkcs12_matches(data, 'changeit', key, cert, [])


@pytest.mark.skipif(not os.path.exists(KEYTOOL) and not shutil.which('keytool'), reason='no JDK keytool')
@pytest.mark.parametrize('key_type', ['rsa_2048', 'ec_p256'])
def test_pkcs12_opens_with_keytool(ca, tmp_path, key_type):
    keytool = KEYTOOL if os.path.exists(KEYTOOL) else shutil.which('keytool')
    cert, key = issue(server_profile(), ca, key_type=key_type)
    p12 = tmp_path / 'http.p12'
    p12.write_bytes(certs.pkcs12_bytes('node-1', key, cert, [ca[0]], 'changeit'))
    listing = subprocess.run([keytool, '-list', '-v', '-storetype', 'PKCS12', '-keystore', str(p12),
                              '-storepass', 'changeit'], capture_output=True, text=True, check=True).stdout
    assert 'Alias name: node-1' in listing
    assert 'Entry type: PrivateKeyEntry' in listing
    assert 'Certificate chain length: 2' in listing
    # The fingerprint keytool prints is the one es_cert returns.
    expected = ':'.join(certs.sha256_fingerprint(cert)[i:i + 2] for i in range(0, 64, 2)).upper()
    assert expected in listing


# --- the plan: what es_cert writes ---------------------------------------------------------------

PARAMS = dict(type='server', path='/c/node.crt', privatekey_path='/c/node.key', privatekey_passphrase=None,
              key_type='ec_p256', subject={'CN': 'node-1'}, subject_alt_names=['localhost', '127.0.0.1'],
              client_auth=False, valid_for='+365d', renew_before='30d', ca_path='/c/ca.crt', ca_content=None,
              ca_privatekey_path='/c/ca.key', ca_privatekey_content=None, ca_privatekey_passphrase=None,
              import_certificate_content=None, import_privatekey_content=None, chain_path='/c/chain.pem',
              pkcs12_path='/c/node.p12', pkcs12_password='changeit', pkcs12_name=None, trust_bundle_path=None,
              trust_bundle_extra_cas=[], request_csr=False, csr_content=None, force=False)


@pytest.fixture
def files(ca):
    return {'/c/ca.crt': certs.certificate_pem(ca[0]), '/c/ca.key': certs.private_key_pem(ca[1])}


def run_plan(files, **changes):
    params = dict(PARAMS, **changes)
    plan = plan_outputs(params, files.get)
    for output in plan.outputs:
        if output.content is not None:
            files[output.path] = output.content
    return plan


def written(plan):
    return sorted(output.path for output in plan.outputs if output.content is not None)


def test_plan_first_run_then_nothing(files):
    first = run_plan(files)
    assert written(first) == ['/c/chain.pem', '/c/node.crt', '/c/node.key', '/c/node.p12']
    snapshot = dict(files)
    second = run_plan(files)
    assert written(second) == [] and second.reasons == []
    assert files == snapshot  # byte for byte
    assert second.certificate_facts == first.certificate_facts


def test_plan_san_change_keeps_key(files):
    run_plan(files)
    key_before = files['/c/node.key']
    plan = run_plan(files, subject_alt_names=['localhost', '127.0.0.1', 'es-01'])
    assert plan.reasons == ['the subject alternative names changed']
    assert written(plan) == ['/c/chain.pem', '/c/node.crt', '/c/node.p12']
    assert files['/c/node.key'] == key_before


def test_plan_key_type_change_replaces_key(files):
    run_plan(files)
    plan = run_plan(files, key_type='rsa_2048')
    assert plan.reasons[0] == 'the key type changed from ec_p256 to rsa_2048'
    assert '/c/node.key' in written(plan)


def test_plan_force(files):
    run_plan(files)
    plan = run_plan(files, force=True)
    assert plan.reasons == ['force is set'] and '/c/node.key' not in written(plan)


def test_plan_ca_change(files):
    run_plan(files)
    new_ca = make_ca(cn='test CA 2')
    files['/c/ca.crt'] = certs.certificate_pem(new_ca[0])
    files['/c/ca.key'] = certs.private_key_pem(new_ca[1])
    plan = run_plan(files)
    assert plan.reasons == ['the issuing CA changed'] and plan.issued_by_ca is False
    assert x509.load_pem_x509_certificates(files['/c/chain.pem'])[1] == new_ca[0]
    assert run_plan(files).issued_by_ca is True


def test_issued_by_ca_is_about_the_certificate_found_and_only_for_a_leaf(files, ca):
    assert run_plan(files).issued_by_ca is None  # no certificate yet
    assert run_plan(files).issued_by_ca is True
    # A CA with the old one's name but another key did not sign it, whatever the names say.
    impostor = make_ca(cn='test CA')
    assert run_plan(files, ca_path=None, ca_privatekey_path=None, request_csr=True,
                    ca_content=certs.certificate_pem(impostor[0]).decode()).issued_by_ca is False
    assert run_plan(dict(files), type='ca', path='/c/own-ca.crt', privatekey_path='/c/own-ca.key', subject='CN=own',
                    subject_alt_names=[], chain_path=None, pkcs12_path=None, ca_path=None,
                    ca_privatekey_path=None).issued_by_ca is None


def test_plan_pkcs12_password_change(files):
    run_plan(files)
    assert written(run_plan(files, pkcs12_password='new')) == ['/c/node.p12']


def test_plan_bad_input_writes_nothing(files, ca):
    before = dict(files)
    with pytest.raises(certs.CertificateError, match='neither'):
        run_plan(files, subject_alt_names=['bad name!'])
    files['/c/ca.key'] = certs.private_key_pem(certs.generate_private_key('ec_p256'))
    with pytest.raises(certs.CertificateError, match='does not match'):
        run_plan(files)
    expired = make_ca(valid_for=YEAR, now=certs.utcnow() - YEAR * 2)
    files['/c/ca.crt'] = certs.certificate_pem(expired[0])
    files['/c/ca.key'] = certs.private_key_pem(expired[1])
    with pytest.raises(certs.CertificateError, match='expired'):
        run_plan(files)
    assert sorted(files) == sorted(before)


def test_plan_wrong_key_passphrase_is_an_error(files):
    run_plan(files, privatekey_passphrase='one')
    with pytest.raises(certs.CertificateError, match='private key'):
        run_plan(files, privatekey_passphrase='two')


def test_plan_import_ca_and_trust_bundle(ca):
    files = {}
    old_ca = make_ca(cn='old CA')
    files['/c/old.crt'] = certs.certificate_pem(old_ca[0])
    params = dict(type='ca', path='/c/ca.crt', privatekey_path='/c/ca.key', chain_path=None, pkcs12_path=None,
                  subject=None, import_certificate_content=certs.certificate_pem(ca[0]).decode(),
                  import_privatekey_content=certs.private_key_pem(ca[1]).decode(),
                  trust_bundle_path='/c/bundle.crt', trust_bundle_extra_cas=['/c/old.crt'])
    plan = run_plan(files, **params)
    assert written(plan) == ['/c/bundle.crt', '/c/ca.crt', '/c/ca.key']
    assert files['/c/ca.crt'] == certs.certificate_pem(ca[0])
    assert x509.load_pem_x509_certificates(files['/c/bundle.crt']) == [ca[0], old_ca[0]]
    assert written(run_plan(files, **params)) == []


def test_plan_import_refuses_mismatched_key(ca):
    with pytest.raises(certs.CertificateError, match='does not match'):
        run_plan({}, type='ca', subject=None, chain_path=None, pkcs12_path=None,
                 import_certificate_content=certs.certificate_pem(ca[0]).decode(),
                 import_privatekey_content=certs.private_key_pem(certs.generate_private_key('ec_p256')).decode())


# --- the CSR flow: the host's key stays on the host, the CA key where the CA is --------------------

# The host's side: no CA key, the CA certificate only.
HOST = dict(request_csr=True, ca_path=None, ca_privatekey_path=None)
# The controller's side: the CA key, no file written.
SIGNER = dict(path=None, privatekey_path=None, chain_path=None, pkcs12_path=None)


@pytest.fixture
def host_files(ca):
    return {'/c/ca.crt': certs.certificate_pem(ca[0])}


def host_args(ca, **changes):
    args = dict(HOST, ca_content=certs.certificate_pem(ca[0]).decode())
    args.update(changes)
    return args


def sign(ca_files, csr, check_mode=False, **changes):
    params = dict(PARAMS, **dict(SIGNER, csr_content=csr.decode() if isinstance(csr, bytes) else csr, **changes))
    return plan_outputs(params, ca_files.get, check_mode)


def round_trip(host_files, ca_files, ca):
    """request on the host, sign on the controller, import on the host: the three plans."""
    request = run_plan(host_files, **host_args(ca))
    signed = sign(ca_files, request.csr) if request.csr else None
    install = run_plan(host_files, **host_args(ca, import_certificate_content=signed.signed.decode())) \
        if signed else None
    return request, signed, install


def test_csr_flow_first_run_keeps_the_key_on_the_host(files, host_files, ca):
    request, signed, install = round_trip(host_files, files, ca)
    assert request.reasons == ['the certificate does not exist']
    assert written(request) == ['/c/node.key']  # the key, and nothing that would hold another certificate
    csr = x509.load_pem_x509_csr(request.csr)
    host_key = certs.load_private_key(host_files['/c/node.key'])
    assert certs.public_key_bytes(csr.public_key()) == certs.public_key_bytes(host_key)
    # The controller's plan writes nothing and never sees the host's key.
    assert signed.outputs == [] and signed.signed.startswith(b'-----BEGIN CERTIFICATE-----')
    cert = x509.load_pem_x509_certificate(signed.signed)
    assert certs.issued_by(cert, ca[0]) and certs.public_key_bytes(cert.public_key()) == certs.public_key_bytes(host_key)
    assert written(install) == ['/c/chain.pem', '/c/node.crt', '/c/node.p12']
    assert install.reasons == ['the imported certificate differs']
    assert b'PRIVATE' not in signed.signed + request.csr


def test_csr_flow_second_run_requests_and_writes_nothing(files, host_files, ca):
    round_trip(host_files, files, ca)
    snapshot = dict(host_files)
    request = run_plan(host_files, **host_args(ca))
    assert request.csr is None and request.reasons == [] and written(request) == []
    # The import of the same certificate again (a re-run of the last step) is no change either.
    again = run_plan(host_files, **host_args(ca, import_certificate_content=host_files['/c/node.crt'].decode()))
    assert written(again) == [] and again.reasons == []
    assert host_files == snapshot


def test_csr_flow_a_key_replaced_by_hand_gets_a_certificate_for_it(files, host_files, ca):
    round_trip(host_files, files, ca)
    hand_made = certs.private_key_pem(certs.generate_private_key('ec_p256'))
    host_files['/c/node.key'] = hand_made
    request, _signed, install = round_trip(host_files, files, ca)
    assert request.reasons == ['the private key does not match the certificate']
    assert written(request) == []  # the key on the host is kept, not replaced
    assert host_files['/c/node.key'] == hand_made
    cert = x509.load_pem_x509_certificate(host_files['/c/node.crt'])
    assert certs.public_key_bytes(cert.public_key()) == certs.public_key_bytes(certs.load_private_key(hand_made))
    assert '/c/node.crt' in written(install)
    assert run_plan(host_files, **host_args(ca)).csr is None


def test_csr_flow_renewal_keeps_the_key(files, host_files, ca):
    round_trip(host_files, files, ca)
    key_before = host_files['/c/node.key']
    request = run_plan(host_files, **host_args(ca, renew_before='400d', valid_for='+500d'))
    assert request.reasons == ['the certificate expires within renew_before'] and request.csr is not None
    assert written(request) == [] and host_files['/c/node.key'] == key_before


def test_csr_flow_a_san_change_is_requested_and_signed_with_the_new_names(files, host_files, ca):
    round_trip(host_files, files, ca)
    sans = ['localhost', '127.0.0.1', 'es-01']
    request = run_plan(host_files, **host_args(ca, subject_alt_names=sans))
    assert request.reasons == ['the subject alternative names changed']
    assert request.diff['after']['subject_alt_names'] == ['DNS:localhost', 'IP:127.0.0.1', 'DNS:es-01']
    signed = sign(files, request.csr, subject_alt_names=sans)
    assert signed.certificate_facts['subject_alt_names'] == request.diff['after']['subject_alt_names']


def test_the_signer_refuses_a_request_for_other_names(files, host_files, ca):
    request = run_plan(host_files, **host_args(ca, subject={'CN': 'elastic-admin'}))
    with pytest.raises(certs.CertificateError, match='the CSR asks for subject CN=elastic-admin, this task issues '
                                                     'CN=node-1'):
        sign(files, request.csr)
    request = run_plan(host_files, **host_args(ca, subject_alt_names=['localhost', '127.0.0.1', 'evil.example']))
    with pytest.raises(certs.CertificateError, match='subject alternative names'):
        sign(files, request.csr)
    with pytest.raises(certs.CertificateError, match='not a PEM certificate signing request'):
        sign(files, 'garbage')


def test_the_signer_in_check_mode_reports_only_what_is_certain(files, host_files, ca):
    request = run_plan(host_files, **host_args(ca))
    checked = sign(files, request.csr, check_mode=True)
    assert sorted(checked.certificate_facts) == ['issuer', 'subject', 'subject_alt_names']


def test_an_import_that_is_not_what_the_task_issues_is_refused_and_writes_nothing(files, host_files, ca):
    round_trip(host_files, files, ca)
    before = dict(host_files)
    other_key_cert, _other_key = issue(server_profile(), ca)
    with pytest.raises(certs.CertificateError, match='does not fit this task: the private key does not match'):
        run_plan(host_files, **host_args(ca, import_certificate_content=certs.certificate_pem(other_key_cert).decode()))
    other_ca = make_ca(cn='another CA')
    request = run_plan(dict(host_files, **{'/c/node.key': before['/c/node.key']}), **host_args(ca, force=True))
    foreign = sign({'/c/ca.crt': certs.certificate_pem(other_ca[0]), '/c/ca.key': certs.private_key_pem(other_ca[1])},
                   request.csr)
    with pytest.raises(certs.CertificateError, match='the issuing CA changed'):
        run_plan(host_files, **host_args(ca, import_certificate_content=foreign.signed.decode()))
    assert host_files == before


def test_an_import_without_a_key_on_the_host_says_what_to_do(host_files, ca):
    cert, _key = issue(server_profile(), ca)
    with pytest.raises(certs.CertificateError, match='there is no private key at /c/node.key'):
        run_plan(host_files, **host_args(ca, import_certificate_content=certs.certificate_pem(cert).decode()))


def test_a_key_made_on_the_controller_is_imported_with_its_certificate(files, host_files, ca):
    cert, key = issue(server_profile(), ca)
    params = host_args(ca, request_csr=False, import_certificate_content=certs.certificate_pem(cert).decode(),
                       import_privatekey_content=certs.private_key_pem(key).decode())
    first = run_plan(host_files, **params)
    assert written(first) == ['/c/chain.pem', '/c/node.crt', '/c/node.key', '/c/node.p12']
    assert written(run_plan(host_files, **params)) == []


@pytest.mark.parametrize('changes, message', [
    (dict(request_csr=True), 'request_csr keeps the CA private key elsewhere'),
    (dict(ca_privatekey_path=None), 'type=server needs ca_privatekey_path or ca_privatekey_content to sign here, '
                                    'or request_csr'),
    (dict(csr_content='x'), 'csr_content signs a request and writes no file: leave out path'),
    (dict(SIGNER, csr_content='x', ca_privatekey_path=None), 'csr_content needs the CA private key'),
    (dict(type='ca', request_csr=True), 'request_csr is only for type=server and type=client'),
])
def test_options_of_the_csr_flow_that_do_not_go_together(files, changes, message):
    with pytest.raises(certs.CertificateError, match=message):
        run_plan(files, **changes)
