# -*- coding: utf-8 -*-
# Copyright: esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Certificate authority, server and client certificates for an Elasticsearch deployment.

Pure functions on top of ``cryptography``: parsing the user's input, building keys and
certificates, deciding whether an existing certificate still fits, and serialising the
outputs. Nothing here touches files, so every rule is unit-testable.
"""

from __future__ import annotations

import datetime
import ipaddress
import re

from ansible_collections.esguard.security.plugins.module_utils._errors import InputError

try:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    HAS_CRYPTOGRAPHY = True
    CRYPTOGRAPHY_IMPORT_ERROR = None
except ImportError as exc:  # reported by the module with a clear message
    HAS_CRYPTOGRAPHY = False
    CRYPTOGRAPHY_IMPORT_ERROR = exc


class CertificateError(InputError):
    """Input that cannot produce a valid certificate; the message is meant for the user."""


KEY_TYPES = ('ec_p256', 'ec_p384', 'rsa_2048', 'rsa_3072', 'rsa_4096')
CERTIFICATE_TYPES = ('ca', 'server', 'client')

# Short attribute names accepted in ``subject``, as they appear in an RFC 4514 DN
# (the form a PKI role mapping matches).
SUBJECT_ATTRIBUTES = {
    'CN': 'COMMON_NAME',
    'O': 'ORGANIZATION_NAME',
    'OU': 'ORGANIZATIONAL_UNIT_NAME',
    'C': 'COUNTRY_NAME',
    'ST': 'STATE_OR_PROVINCE_NAME',
    'L': 'LOCALITY_NAME',
    'DC': 'DOMAIN_COMPONENT',
    'emailAddress': 'EMAIL_ADDRESS',
}

_DNS_LABEL = re.compile(r'^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$')


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def _split_unescaped(text, separator):
    """Split on separator where it is not escaped by a backslash; the escapes are kept."""
    parts, current, escaped = [], '', False
    for char in text:
        if escaped:
            current, escaped = current + char, False
        elif char == '\\':
            current, escaped = current + char, True
        elif char == separator:
            parts.append(current)
            current = ''
        else:
            current += char
    parts.append(current)
    return parts


def _unescape_dn_value(value):
    """An RFC 4514 attribute value without its escapes (\\, for a comma, \\2C for a hex byte)."""
    out = bytearray()
    index = 0
    while index < len(value):
        char = value[index]
        if char == '\\' and re.match(r'[0-9A-Fa-f]{2}', value[index + 1:index + 3]):
            out.append(int(value[index + 1:index + 3], 16))
            index += 3
        elif char == '\\' and index + 1 < len(value):
            out.extend(value[index + 1].encode('utf-8'))
            index += 2
        else:
            out.extend(char.encode('utf-8'))
            index += 1
    return out.decode('utf-8')


def _dn_pairs(subject):
    """[(attribute name, value)] in the order written, from an RFC 4514 string such as CN=a,OU=b,O=c."""
    pairs = []
    for rdn in _split_unescaped(subject, ','):
        if len(_split_unescaped(rdn, '+')) > 1:
            raise CertificateError('subject: multi-valued name %r is not supported' % rdn.strip())
        key, sep, value = rdn.partition('=')
        if not sep or not key.strip() or not value.strip():
            raise CertificateError('subject: %r is not a name such as CN=filebeat-01,OU=filebeat,O=Example'
                                   % subject)
        pairs.append((key.strip(), _unescape_dn_value(value.strip())))
    return pairs


def parse_subject(subject):
    """The subject as a dictionary (in the order given) or an RFC 4514 string -> x509.Name.

    The name reads as written, CN first, in its RFC 4514 form (what a PKI role mapping and
    X.509 tools print): RFC 4514 lists the last attribute of the certificate first, so the
    attributes go into the certificate in reverse.
    """
    if not subject:
        raise CertificateError('subject must contain at least CN')
    if isinstance(subject, dict):
        pairs = [(key, item) for key, value in subject.items()
                 for item in (value if isinstance(value, list) else [value])]
    elif isinstance(subject, str):
        pairs = _dn_pairs(subject)
    else:
        raise CertificateError('subject must be a dictionary or a name such as CN=filebeat-01,OU=filebeat,O=Example')
    attributes = []
    for key, value in pairs:
        oid_name = SUBJECT_ATTRIBUTES.get(key) or SUBJECT_ATTRIBUTES.get(str(key).upper())
        if oid_name is None:
            raise CertificateError('subject: unknown attribute %r (known: %s)'
                                   % (key, ', '.join(sorted(SUBJECT_ATTRIBUTES))))
        try:
            attributes.append(x509.NameAttribute(getattr(NameOID, oid_name), str(value)))
        except ValueError as error:  # a country name that is not two letters, for example
            raise CertificateError('subject: %s=%s: %s' % (key, value, error))
    if not any(attr.oid == NameOID.COMMON_NAME for attr in attributes):
        raise CertificateError('subject must contain CN')
    return x509.Name(list(reversed(attributes)))


def _valid_dns_name(name):
    labels = name.rstrip('.').split('.')
    if labels and labels[0] == '*':  # a wildcard is only allowed as the whole leftmost label
        labels = labels[1:]
    return bool(labels) and len(name) <= 253 and all(_DNS_LABEL.match(label) for label in labels)


def parse_san(entry):
    """'DNS:name', 'IP:addr' or a bare name/address -> x509.GeneralName."""
    text = str(entry).strip()
    kind, sep, value = text.partition(':')
    if sep and kind.upper() in ('DNS', 'IP'):
        kind = kind.upper()
    else:
        kind, value = None, text
    if kind in (None, 'IP'):
        try:
            return x509.IPAddress(ipaddress.ip_address(value))
        except ValueError:
            if kind == 'IP':
                raise CertificateError('subject_alt_names: %r is not an IP address' % entry)
    if _valid_dns_name(value):
        return x509.DNSName(value)
    raise CertificateError('subject_alt_names: %r is neither a DNS name nor an IP address' % entry)


def san_text(name):
    """x509.GeneralName -> 'DNS:name' or 'IP:address'."""
    return '%s:%s' % ('IP' if isinstance(name, x509.IPAddress) else 'DNS', name.value)


def parse_sans(entries):
    names = []
    for entry in entries or []:
        name = parse_san(entry)
        if name not in names:
            names.append(name)
    return names


def generate_private_key(key_type):
    if key_type == 'ec_p256':
        return ec.generate_private_key(ec.SECP256R1())
    if key_type == 'ec_p384':
        return ec.generate_private_key(ec.SECP384R1())
    if key_type in ('rsa_2048', 'rsa_3072', 'rsa_4096'):
        return rsa.generate_private_key(public_exponent=65537, key_size=int(key_type[4:]))
    raise CertificateError('unknown key type %r (known: %s)' % (key_type, ', '.join(KEY_TYPES)))


def key_type_of(private_key):
    """The KEY_TYPES name of a key, or a description of a key we do not generate."""
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        return {'secp256r1': 'ec_p256', 'secp384r1': 'ec_p384'}.get(private_key.curve.name,
                                                                    'ec_' + private_key.curve.name)
    if isinstance(private_key, rsa.RSAPrivateKey):
        return 'rsa_%d' % private_key.key_size
    return type(private_key).__name__


def _signature_hash(private_key):
    if isinstance(private_key, ec.EllipticCurvePrivateKey) and private_key.curve.key_size >= 384:
        return hashes.SHA384()
    return hashes.SHA256()


def _passphrase_bytes(passphrase):
    return passphrase.encode('utf-8') if passphrase else None


def load_private_key(data, passphrase=None, what='private key'):
    try:
        return serialization.load_pem_private_key(data, password=_passphrase_bytes(passphrase))
    except TypeError as exc:  # encrypted without passphrase, or passphrase for a plain key
        raise CertificateError('%s: %s' % (what, exc))
    except ValueError:
        raise CertificateError('%s cannot be read: not a PEM key, or a wrong passphrase' % what)


def load_certificate(data, what='certificate'):
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError:
        raise CertificateError('%s is not a PEM certificate' % what)


def load_certificates(data, what='bundle'):
    """Every certificate of a PEM bundle, in order."""
    blocks = re.findall(b'-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----', data, re.S)
    if not blocks:
        raise CertificateError('%s contains no PEM certificate' % what)
    return [load_certificate(block, what) for block in blocks]


def _public(key):
    """The public key of a private key, or the key itself when it is public already."""
    return key.public_key() if hasattr(key, 'public_key') else key


def public_key_bytes(key):
    """DER SubjectPublicKeyInfo of a key (private or public): equal bytes mean the same key pair."""
    return _public(key).public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def not_valid_after(cert):
    # not_valid_after_utc appeared in cryptography 42; older versions return naive UTC.
    value = getattr(cert, 'not_valid_after_utc', None)
    return value if value is not None else cert.not_valid_after.replace(tzinfo=datetime.timezone.utc)


def not_valid_before(cert):
    value = getattr(cert, 'not_valid_before_utc', None)
    return value if value is not None else cert.not_valid_before.replace(tzinfo=datetime.timezone.utc)


def issued_by(cert, issuer_cert):
    """True when issuer_cert's key signed cert and the names chain up."""
    if cert.issuer != issuer_cert.subject:
        return False
    public = issuer_cert.public_key()
    try:
        if isinstance(public, rsa.RSAPublicKey):
            public.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(),
                          cert.signature_hash_algorithm)
        elif isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm))
        else:
            return False
    except InvalidSignature:
        return False
    return True


def common_name(cert):
    attributes = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return attributes[0].value if attributes else ''


def sha256_fingerprint(cert):
    """Hex, lower case, no colons: the form of Beats' ssl.ca_trusted_fingerprint."""
    return cert.fingerprint(hashes.SHA256()).hex()


class Profile:
    """What a certificate of a given type must contain, independent of keys and dates."""

    def __init__(self, cert_type, subject, sans=None, client_auth=False):
        if cert_type not in CERTIFICATE_TYPES:
            raise CertificateError('unknown certificate type %r' % cert_type)
        self.cert_type = cert_type
        self.subject = subject
        self.sans = list(sans or [])
        self.client_auth = client_auth
        if cert_type == 'server' and not self.sans:
            raise CertificateError('a server certificate needs subject_alt_names: '
                                   'every DNS name and IP address clients use')

    @property
    def is_ca(self):
        return self.cert_type == 'ca'

    def key_usage(self):
        return x509.KeyUsage(
            digital_signature=True, content_commitment=False,
            key_encipherment=not self.is_ca, data_encipherment=False, key_agreement=False,
            key_cert_sign=self.is_ca, crl_sign=self.is_ca, encipher_only=False, decipher_only=False)

    def extended_key_usage(self):
        if self.cert_type == 'server':
            usages = [ExtendedKeyUsageOID.SERVER_AUTH]
            if self.client_auth:  # transport-layer certificates are both ends of a connection
                usages.append(ExtendedKeyUsageOID.CLIENT_AUTH)
            return x509.ExtendedKeyUsage(usages)
        if self.cert_type == 'client':
            return x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH])
        return None

    def basic_constraints(self):
        return x509.BasicConstraints(ca=self.is_ca, path_length=0 if self.is_ca else None)


def _extension_value(cert, extension_class):
    try:
        return cert.extensions.get_extension_for_class(extension_class).value
    except x509.ExtensionNotFound:
        return None


def certificate_sans(cert):
    value = _extension_value(cert, x509.SubjectAlternativeName)
    return list(value) if value is not None else []


def _san_key(name):
    return (type(name).__name__, str(name.value))


def _usages_key(eku):
    return sorted(oid.dotted_string for oid in eku) if eku is not None else None


def regeneration_reasons(profile, cert, key, issuer_cert, renew_before, now=None):
    """Why the existing certificate must be issued again; an empty list means it fits.

    cert and key are the existing ones (None when absent). issuer_cert is the CA for a
    leaf, None for a CA (self-signed). The validity period asked for is deliberately
    not compared: a relative period moves every run and would re-issue every time.
    """
    if cert is None:
        return ['the certificate does not exist']
    if key is None:
        return ['the private key does not exist']
    now = now or utcnow()
    reasons = []
    if public_key_bytes(cert.public_key()) != public_key_bytes(key):
        reasons.append('the private key does not match the certificate')
    if cert.subject != profile.subject:
        reasons.append('the subject changed')
    if sorted(map(_san_key, certificate_sans(cert))) != sorted(map(_san_key, profile.sans)):
        reasons.append('the subject alternative names changed')
    if _extension_value(cert, x509.KeyUsage) != profile.key_usage():
        reasons.append('the key usage changed')
    if _usages_key(_extension_value(cert, x509.ExtendedKeyUsage)) != _usages_key(profile.extended_key_usage()):
        reasons.append('the extended key usage changed')
    constraints = _extension_value(cert, x509.BasicConstraints)
    if constraints is None or constraints.ca != profile.is_ca:
        reasons.append('the basic constraints changed')
    if not issued_by(cert, issuer_cert if issuer_cert is not None else cert):
        reasons.append('the issuing CA changed' if issuer_cert is not None else 'the certificate is not self-signed')
    # A leaf already ending with its CA cannot get longer: issuing again would repeat on every run.
    ends_with_issuer = issuer_cert is not None and not_valid_after(cert) >= not_valid_after(issuer_cert)
    if not_valid_after(cert) - renew_before <= now and not ends_with_issuer:
        reasons.append('the certificate expires within renew_before')
    return reasons


def check_ca(ca_cert, ca_key=None, now=None):
    """Refuse a CA that cannot issue: key of another certificate, expired, or no CA at all.
    Without ca_key (the key is kept elsewhere) everything but the key is checked."""
    now = now or utcnow()
    if ca_key is not None and public_key_bytes(ca_cert.public_key()) != public_key_bytes(ca_key):
        raise CertificateError('the CA private key does not match the CA certificate')
    if not_valid_after(ca_cert) <= now:
        raise CertificateError('the CA certificate expired on %s' % not_valid_after(ca_cert).isoformat())
    if not_valid_before(ca_cert) > now:
        raise CertificateError('the CA certificate is not valid before %s' % not_valid_before(ca_cert).isoformat())
    constraints = _extension_value(ca_cert, x509.BasicConstraints)
    if constraints is None or not constraints.ca:
        raise CertificateError('the CA certificate is not a CA (basicConstraints CA:TRUE is missing)')


def build_certificate(profile, key, valid_for, issuer_cert=None, issuer_key=None, now=None):
    """Sign a new certificate for key (a private key, or only the public key of a CSR when the
    issuer signs). Without issuer, the certificate is self-signed (a CA)."""
    now = now or utcnow()
    # Back-date a little: hosts whose clocks lag must not see a certificate from the future.
    not_before = now - datetime.timedelta(minutes=5)
    not_after = now + valid_for
    if issuer_cert is not None:
        # A leaf outliving its CA would fail verification anyway; say so by ending with the CA.
        not_after = min(not_after, not_valid_after(issuer_cert))
    signing_key = issuer_key if issuer_key is not None else key
    builder = (x509.CertificateBuilder()
               .subject_name(profile.subject)
               .issuer_name(issuer_cert.subject if issuer_cert is not None else profile.subject)
               .public_key(_public(key))
               .serial_number(x509.random_serial_number())
               .not_valid_before(not_before)
               .not_valid_after(not_after)
               .add_extension(profile.basic_constraints(), critical=True)
               .add_extension(profile.key_usage(), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(_public(key)), critical=False))
    eku = profile.extended_key_usage()
    if eku is not None:
        builder = builder.add_extension(eku, critical=False)
    if profile.sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(profile.sans), critical=False)
    authority = issuer_cert.public_key() if issuer_cert is not None else _public(key)
    builder = builder.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(authority), critical=False)
    return builder.sign(signing_key, _signature_hash(signing_key))


def build_csr(profile, key):
    """A certificate signing request for key with the profile's subject and subject alternative names.
    It proves that the requester holds the key; the CA decides what the certificate contains."""
    builder = x509.CertificateSigningRequestBuilder().subject_name(profile.subject)
    if profile.sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(profile.sans), critical=False)
    return builder.sign(key, _signature_hash(key))


def load_csr(data):
    try:
        csr = x509.load_pem_x509_csr(data)
    except ValueError:
        raise CertificateError('csr_content is not a PEM certificate signing request')
    if not csr.is_signature_valid:
        raise CertificateError('csr_content: the signature of the certificate signing request is not valid')
    return csr


def csr_sans(csr):
    try:
        return list(csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value)
    except x509.ExtensionNotFound:
        return []


def csr_mismatches(profile, csr):
    """What a CSR asks for that the profile does not grant: the CA signs only the names its own task
    gives, so a CSR carried from the wrong host (or forged there) is refused instead of signed."""
    problems = []
    if csr.subject != profile.subject:
        problems.append('the CSR asks for subject %s, this task issues %s'
                        % (csr.subject.rfc4514_string(), profile.subject.rfc4514_string()))
    if sorted(map(_san_key, csr_sans(csr))) != sorted(map(_san_key, profile.sans)):
        problems.append('the CSR asks for subject alternative names [%s], this task issues [%s]'
                        % (', '.join(san_text(name) for name in csr_sans(csr)),
                           ', '.join(san_text(name) for name in profile.sans)))
    return problems


def csr_pem(csr):
    return csr.public_bytes(serialization.Encoding.PEM)


def certificate_pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


def private_key_pem(key, passphrase=None):
    """PKCS#8 PEM; encrypted with the passphrase when one is given."""
    encryption = (serialization.BestAvailableEncryption(_passphrase_bytes(passphrase)) if passphrase
                  else serialization.NoEncryption())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def bundle_pem(certs):
    """Concatenated PEM of certs, each once (by fingerprint), in the order given."""
    seen = set()
    out = []
    for cert in certs:
        fingerprint = sha256_fingerprint(cert)
        if fingerprint not in seen:
            seen.add(fingerprint)
            out.append(certificate_pem(cert))
    return b''.join(out)


def pkcs12_bytes(name, key, cert, ca_certs, password):
    """A PKCS#12 keystore that Java 8 and later open.

    The key and certificates are encrypted with PBE-SHA1-3DES and the MAC uses SHA-1:
    the AES-based default of recent OpenSSL is unreadable for JVMs before 8u301.
    """
    secret = password.encode('utf-8')
    private_format = getattr(serialization.PrivateFormat, 'PKCS12', None)
    if private_format is not None and hasattr(private_format, 'encryption_builder'):
        encryption = (private_format.encryption_builder()
                      .kdf_rounds(50000)
                      .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
                      .hmac_hash(hashes.SHA1())
                      .build(secret))
    else:  # before cryptography 38 the best available PKCS#12 encryption already was 3DES/SHA-1
        encryption = serialization.BestAvailableEncryption(secret)
    return pkcs12.serialize_key_and_certificates(name.encode('utf-8'), key, cert, list(ca_certs), encryption)


def pkcs12_matches(data, password, key, cert, ca_certs):
    """True when an existing keystore holds exactly this key, certificate and CA chain.

    PKCS#12 files embed random salts, so equal content never means equal bytes.
    """
    try:
        stored_key, stored_cert, stored_cas = pkcs12.load_key_and_certificates(data, password.encode('utf-8'))
    except ValueError:  # corrupt, or another password
        return False
    if stored_key is None or stored_cert is None:
        return False
    return (public_key_bytes(stored_key) == public_key_bytes(key)
            and stored_cert == cert
            and [sha256_fingerprint(c) for c in stored_cas] == [sha256_fingerprint(c) for c in ca_certs])


def describe(cert):
    """Public facts about a certificate, for results and diffs (never key material)."""
    if cert is None:
        return {}
    return {
        'subject': cert.subject.rfc4514_string(),
        'issuer': cert.issuer.rfc4514_string(),
        'serial_number': '%x' % cert.serial_number,
        'not_before': not_valid_before(cert).strftime('%Y-%m-%dT%H:%M:%SZ'),
        'not_after': not_valid_after(cert).strftime('%Y-%m-%dT%H:%M:%SZ'),
        'fingerprint_sha256': sha256_fingerprint(cert),
        'subject_alt_names': [san_text(name) for name in certificate_sans(cert)],
    }


def describe_requested(profile, issuer_cert):
    """The known facts of a certificate a CSR asks for, as describe_planned gives them."""
    return {'subject': profile.subject.rfc4514_string(), 'issuer': issuer_cert.subject.rfc4514_string(),
            'subject_alt_names': [san_text(name) for name in profile.sans]}


def describe_planned(cert):
    """What is already certain about a certificate that check mode only pretends to issue:
    serial number, dates and fingerprint will differ in the real run, so they are left out."""
    facts = describe(cert)
    return {key: facts[key] for key in ('subject', 'issuer', 'subject_alt_names')}
