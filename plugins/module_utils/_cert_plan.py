# -*- coding: utf-8 -*-
# Copyright: esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What es_cert has to write, decided from the task's options and the files as they are.

plan_outputs reads through a function it is given and never writes, so check mode, diff
and the real run share one decision, and every input error surfaces before any file changes.
"""

from __future__ import annotations

import datetime

from ansible_collections.esguard.security.plugins.module_utils import _certificates as certs
from ansible_collections.esguard.security.plugins.module_utils._durations import parse_ms, require_longer

DEFAULT_VALIDITY = {'ca': '+3650d', 'server': '+365d', 'client': '+365d'}


class Output:
    """One file: content is None when the file already holds what it should."""

    def __init__(self, path, content, secret=False):
        self.path = path
        self.content = content
        self.secret = secret


class Plan:
    """csr: the PEM request to sign elsewhere (request_csr); signed: the PEM certificate issued for
    csr_content. Either is None when the task is not of that kind or nothing needs signing."""

    def __init__(self, reasons, outputs, certificate_facts, ca_facts, diff, csr=None, signed=None,
                 issued_by_ca=None):
        self.reasons = reasons
        self.outputs = outputs
        self.certificate_facts = certificate_facts
        self.ca_facts = ca_facts
        self.diff = diff
        self.csr = csr
        self.signed = signed
        # Whether the CA named signed the certificate found on disk (None: no CA named, or no certificate).
        self.issued_by_ca = issued_by_ca


def _content_or_file(content, path, read, what):
    if content:
        return content.encode('utf-8')
    data = read(path)
    if data is None:
        raise certs.CertificateError('%s %s does not exist' % (what, path))
    return data


def _signs_here(params):
    return bool(params['ca_privatekey_content'] or params['ca_privatekey_path'])


def _issuer(params, read):
    """The CA of a leaf, checked to be usable, and its key when this task signs; (None, None) for a CA."""
    if params['type'] == 'ca':
        return None, None
    ca_cert = certs.load_certificate(
        _content_or_file(params['ca_content'], params['ca_path'], read, 'the CA certificate'), 'the CA certificate')
    ca_key = None
    if _signs_here(params):
        ca_key = certs.load_private_key(
            _content_or_file(params['ca_privatekey_content'], params['ca_privatekey_path'], read,
                             'the CA private key'),
            params['ca_privatekey_passphrase'], 'the CA private key')
    certs.check_ca(ca_cert, ca_key)
    return ca_cert, ca_key


def _existing(params, read):
    """The certificate and key on disk. An unreadable certificate is replaced; an unreadable key is an error,
    because replacing it would silently invalidate everything that trusts it."""
    cert_data = read(params['path'])
    try:
        cert = certs.load_certificate(cert_data) if cert_data is not None else None
    except certs.CertificateError:
        cert = None
    key_data = read(params['privatekey_path'])
    key = (certs.load_private_key(key_data, params['privatekey_passphrase'],
                                  'the private key %s' % params['privatekey_path'])
           if key_data is not None else None)
    return cert, key


def _imported_ca(params):
    cert = certs.load_certificate(params['import_certificate_content'].encode('utf-8'), 'import_certificate_content')
    key = certs.load_private_key(params['import_privatekey_content'].encode('utf-8'),
                                 params['privatekey_passphrase'], 'import_privatekey_content')
    certs.check_ca(cert, key)
    return cert, key


def validity(params):
    """(renew_before, valid_for) as timedelta; a certificate must outlive its renewal window,
    or every run would issue it again."""
    valid_for_text = params['valid_for'] or DEFAULT_VALIDITY[params['type']]
    renew_before_ms = parse_ms(params['renew_before'], 'renew_before')
    valid_for_ms = parse_ms(valid_for_text, 'valid_for')
    require_longer('valid_for (%s)' % valid_for_text, valid_for_ms, 'renew_before (%s)' % params['renew_before'],
                   renew_before_ms, 'every run would issue the certificate again')
    return datetime.timedelta(milliseconds=renew_before_ms), datetime.timedelta(milliseconds=valid_for_ms)


def _profile(params):
    return certs.Profile(params['type'], certs.parse_subject(params['subject']),
                         certs.parse_sans(params['subject_alt_names']), params['client_auth'])


def _imported_ca_key_and_certificate(params, existing_cert, existing_key):
    cert, key = _imported_ca(params)
    reasons = []
    if existing_cert == cert:
        cert = existing_cert
    else:
        reasons.append('the imported CA certificate differs')
    if existing_key is None or certs.public_key_bytes(existing_key) != certs.public_key_bytes(key):
        reasons.append('the imported CA private key differs')
        existing_key = None
    return (existing_key or key), cert, reasons


def _imported_leaf_key_and_certificate(params, profile, renew_before, existing_cert, existing_key, ca_cert):
    """A certificate issued elsewhere: for the key already here (CSR flow) or with its own key.
    It is installed only when it is what this task would issue itself."""
    cert = certs.load_certificate(params['import_certificate_content'].encode('utf-8'),
                                  'import_certificate_content')
    key = existing_key
    if params['import_privatekey_content']:
        key = certs.load_private_key(params['import_privatekey_content'].encode('utf-8'),
                                     params['privatekey_passphrase'], 'import_privatekey_content')
        if existing_key is not None and certs.public_key_bytes(existing_key) == certs.public_key_bytes(key):
            key = existing_key
    elif key is None:
        raise certs.CertificateError('import_certificate_content: there is no private key at %s for it '
                                     '(give import_privatekey_content, or request a certificate with request_csr '
                                     'first)' % params['privatekey_path'])
    problems = certs.regeneration_reasons(profile, cert, key, ca_cert, renew_before)
    if problems:
        raise certs.CertificateError('import_certificate_content does not fit this task: %s' % '; '.join(problems))
    reasons = []
    if key is not existing_key:
        reasons.append('the imported private key differs')
    if existing_cert == cert:
        cert = existing_cert
    else:
        reasons.append('the imported certificate differs')
    return key, cert, reasons


def _key_and_certificate(params, existing_cert, existing_key, ca_cert, ca_key):
    """(key, cert, reasons, csr): what should be on disk, why it differs from what is, and the CSR to
    sign elsewhere when the certificate must be issued but this task holds no CA key."""
    if params['type'] == 'ca' and params['import_certificate_content']:
        return _imported_ca_key_and_certificate(params, existing_cert, existing_key) + (None,)

    profile = _profile(params)
    renew_before, valid_for = validity(params)
    if params['import_certificate_content']:
        return _imported_leaf_key_and_certificate(params, profile, renew_before, existing_cert, existing_key,
                                                  ca_cert) + (None,)

    key = existing_key
    reasons = []
    if key is not None and certs.key_type_of(key) != params['key_type']:
        reasons.append('the key type changed from %s to %s' % (certs.key_type_of(key), params['key_type']))
        key = None
    if key is None:
        key = certs.generate_private_key(params['key_type'])
    reasons.extend(certs.regeneration_reasons(profile, existing_cert, key, ca_cert, renew_before))
    if params['force'] and not reasons:
        reasons.append('force is set')
    if not reasons:
        return key, existing_cert, reasons, None
    if params['type'] != 'ca' and ca_key is None:
        # The key stays here and the certificate stays as it is until the signed one is imported.
        return key, existing_cert, reasons, certs.build_csr(profile, key)
    return key, certs.build_certificate(profile, key, valid_for, ca_cert, ca_key), reasons, None


def _check_issuing_options(params):
    """Refuse, before reading anything, options that do not go together for a leaf."""
    if params['type'] == 'ca':
        for option in ('request_csr', 'csr_content'):
            if params[option]:
                raise certs.CertificateError('%s is only for type=server and type=client' % option)
        return
    if params['csr_content']:
        for option in ('path', 'privatekey_path', 'chain_path', 'pkcs12_path', 'import_certificate_content',
                       'request_csr'):
            if params[option]:
                raise certs.CertificateError('csr_content signs a request and writes no file: leave out %s' % option)
        if not _signs_here(params):
            raise certs.CertificateError('csr_content needs the CA private key (ca_privatekey_path or '
                                         'ca_privatekey_content)')
        return
    for option in ('path', 'privatekey_path'):
        if not params[option]:
            raise certs.CertificateError('%s is required' % option)
    if params['request_csr'] and _signs_here(params):
        raise certs.CertificateError('request_csr keeps the CA private key elsewhere: leave out ca_privatekey_path '
                                     'and ca_privatekey_content')
    if not (params['request_csr'] or params['import_certificate_content'] or _signs_here(params)):
        raise certs.CertificateError('type=%s needs ca_privatekey_path or ca_privatekey_content to sign here, or '
                                     'request_csr to have the certificate signed where the CA key is'
                                     % params['type'])


def plan_signing(params, read, check_mode=False):
    """The certificate for a CSR made on another host, signed with this task's CA key, subject and
    subject alternative names (the CSR only proves that its host holds the key). Nothing is written."""
    ca_cert, ca_key = _issuer(params, read)
    profile = _profile(params)
    _renew_before, valid_for = validity(params)
    csr = certs.load_csr(params['csr_content'].encode('utf-8'))
    problems = certs.csr_mismatches(profile, csr)
    if problems:
        raise certs.CertificateError('csr_content: %s' % '; '.join(problems))
    cert = certs.build_certificate(profile, csr.public_key(), valid_for, ca_cert, ca_key)
    facts = certs.describe_planned(cert) if check_mode else certs.describe(cert)
    return Plan(['a certificate signing request was given'], [], facts, certs.describe(ca_cert),
                {'before': {}, 'after': facts}, signed=certs.certificate_pem(cert))


def _derived(path, content, read, secret=False):
    """An output whose exact bytes follow from the certificate: written when they differ."""
    return Output(path, None if read(path) == content else content, secret)


def plan_outputs(params, read, check_mode=False):
    """The outputs to write and the facts to report. In check mode the facts of a certificate
    to be issued are limited to what the real run will produce as well."""
    if params['type'] == 'ca' and not params['import_certificate_content'] and not params['subject']:
        raise certs.CertificateError('subject is required to create a CA')
    if params['type'] == 'ca' and params['import_certificate_content'] and not params['import_privatekey_content']:
        raise certs.CertificateError('an imported CA needs import_privatekey_content as well')
    if params['type'] != 'ca' and params['trust_bundle_path']:
        raise certs.CertificateError('trust_bundle_path is only for type=ca')
    _check_issuing_options(params)
    if params['csr_content']:
        return plan_signing(params, read, check_mode)

    ca_cert, ca_key = _issuer(params, read)
    existing_cert, existing_key = _existing(params, read)
    key, cert, reasons, csr = _key_and_certificate(params, existing_cert, existing_key, ca_cert, ca_key)
    issued_by_ca = (certs.issued_by(existing_cert, ca_cert)
                    if existing_cert is not None and ca_cert is not None else None)
    chain = [ca_cert] if ca_cert is not None else []
    if csr is not None:
        # Only a new key is written now; the certificate, chain and keystore follow the signed certificate.
        key_output = Output(params['privatekey_path'],
                            certs.private_key_pem(key, params['privatekey_passphrase']) if key is not existing_key
                            else None, secret=True)
        facts = certs.describe(existing_cert)
        return Plan(reasons, [key_output], facts, certs.describe(ca_cert),
                    {'before': facts, 'after': certs.describe_requested(_profile(params), ca_cert)},
                    csr=certs.csr_pem(csr), issued_by_ca=issued_by_ca)

    outputs = [
        Output(params['privatekey_path'],
               certs.private_key_pem(key, params['privatekey_passphrase']) if key is not existing_key else None,
               secret=True),
        Output(params['path'], certs.certificate_pem(cert) if cert is not existing_cert else None),
    ]
    if params['chain_path']:
        outputs.append(_derived(params['chain_path'], certs.bundle_pem([cert] + chain), read))
    if params['pkcs12_path']:
        stored = read(params['pkcs12_path'])
        fits = stored is not None and certs.pkcs12_matches(stored, params['pkcs12_password'], key, cert, chain)
        name = params['pkcs12_name'] or certs.common_name(cert)
        outputs.append(Output(params['pkcs12_path'],
                              None if fits else certs.pkcs12_bytes(name, key, cert, chain, params['pkcs12_password']),
                              secret=True))
    if params['trust_bundle_path']:
        extra = []
        for path in params['trust_bundle_extra_cas']:
            data = read(path)
            if data is None:
                raise certs.CertificateError('trust_bundle_extra_cas: %s does not exist' % path)
            extra.extend(certs.load_certificates(data, path))
        outputs.append(_derived(params['trust_bundle_path'], certs.bundle_pem([cert] + extra), read))

    facts = certs.describe(cert)
    if check_mode and cert is not existing_cert and not params['import_certificate_content']:
        facts = certs.describe_planned(cert)
    diff = {'before': certs.describe(existing_cert), 'after': facts}
    return Plan(reasons, outputs, facts, certs.describe(ca_cert if ca_cert is not None else cert), diff,
                issued_by_ca=issued_by_ca)
