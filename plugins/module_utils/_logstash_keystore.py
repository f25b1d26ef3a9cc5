# -*- coding: utf-8 -*-
# Copyright: esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Logstash's secret store, read and written the way Logstash reads and writes it through the JDK.

The file is a PKCS#12 keystore (``java.security.KeyStore`` type ``pkcs12``). Each secret is a
secret-key entry whose alias is ``urn:logstash:secret:v1:<key>`` (key in lower case) and whose key
is a ``PBEWithMD5AndDES`` key made from the Base64 text of the value. An entry ``keystore.seed``
(whose value is its own name) marks the file as a Logstash keystore: Logstash refuses a store
without it. The store password is ``LOGSTASH_KEYSTORE_PASS`` (Base64-encoded by Logstash when it is
not ASCII); without it, Logstash uses a random password it appends, obfuscated, after the PKCS#12
data, followed by one byte giving its length.

The PKCS#12 structures are built and parsed here by hand (DER), because ``cryptography`` neither
reads nor writes secret-key bags. Entries are written as the JDK 17 writes them (PBES2 with
PBKDF2-HMAC-SHA256 and AES-256-CBC, an HMAC-SHA256 MAC, 10000 iterations each); the older JDK
format (PBE-SHA1-3DES with an HMAC-SHA1 MAC) is read as well. Nothing here touches files.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import time

from ansible_collections.esguard.security.plugins.module_utils._certificates import HAS_CRYPTOGRAPHY
from ansible_collections.esguard.security.plugins.module_utils._errors import InputError
from ansible_collections.esguard.security.plugins.module_utils._keystore_plan import EntryPlan

if HAS_CRYPTOGRAPHY:
    from cryptography.hazmat.primitives import hashes, padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
    try:  # cryptography 43 and later keep Triple DES apart; it is only needed to read old keystores
        from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
    except ImportError:
        TripleDES = getattr(algorithms, 'TripleDES', None)
else:
    TripleDES = None


class KeystoreError(InputError):
    """A keystore or an entry that cannot be used; the message names the problem, never a value."""


DEFAULT_PATH = '/etc/logstash/logstash.keystore'
PASSWORD_ENV = 'LOGSTASH_KEYSTORE_PASS'
MARKER_KEY = 'keystore.seed'
ALIAS_PREFIX = 'urn:logstash:secret:v1:'
# The names ${KEY} can reference in a pipeline or logstash.yml (Logstash 9.0.1 refuses others on add).
KEY_PATTERN = re.compile(r'^[a-zA-Z_.][a-zA-Z0-9_.]*$')
ITERATIONS = 10000
SALT_SIZE = 20


# ---------------------------------------------------------------- DER

def _oid(dotted):
    """The DER encoding of an object identifier, tag and length included."""
    arcs = [int(arc) for arc in dotted.split('.')]
    body = bytearray([40 * arcs[0] + arcs[1]])
    for arc in arcs[2:]:
        chunk = [arc & 0x7f]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7f))
            arc >>= 7
        body.extend(reversed(chunk))
    return _tlv(0x06, bytes(body))


def _tlv(tag, content):
    length = len(content)
    if length < 0x80:
        return bytes([tag, length]) + content
    size = length.to_bytes((length.bit_length() + 7) // 8, 'big')
    return bytes([tag, 0x80 | len(size)]) + size + content


def _seq(*parts):
    return _tlv(0x30, b''.join(parts))


def _set(*parts):
    return _tlv(0x31, b''.join(parts))


def _octets(data):
    return _tlv(0x04, data)


def _explicit0(data):
    return _tlv(0xa0, data)


def _integer(value):
    return _tlv(0x02, value.to_bytes(value.bit_length() // 8 + 1, 'big'))


def _read_tlv(data, pos):
    """(tag, content, end) of the DER element at pos."""
    try:
        tag = data[pos]
        length = data[pos + 1]
        pos += 2
        if length & 0x80:
            size = length & 0x7f
            if size == 0 or size > 4:
                raise KeystoreError('it is not DER (indefinite or oversized length)')
            length = int.from_bytes(data[pos:pos + size], 'big')
            pos += size
    except IndexError:
        raise KeystoreError('it is truncated')
    end = pos + length
    if end > len(data):
        raise KeystoreError('it is truncated')
    return tag, data[pos:end], end


def _element(data, pos=0):
    """The whole DER element at pos (tag and length included), and where it ends."""
    end = _read_tlv(data, pos)[2]
    return data[pos:end], end


def _children(content):
    """The elements of a constructed value's content, each as (tag, content, whole encoding)."""
    items, pos = [], 0
    while pos < len(content):
        tag, inner, end = _read_tlv(content, pos)
        items.append((tag, inner, content[pos:end]))
        pos = end
    return items


def _expect(item, tag, what):
    if item[0] != tag:
        raise KeystoreError('%s is not what a PKCS#12 keystore holds there' % what)
    return item[1]


def _sequence(encoding, what):
    tag, content, end = _read_tlv(encoding, 0)
    if tag != 0x30 or end != len(encoding):
        raise KeystoreError('%s is not a DER sequence' % what)
    return _children(content)


# ---------------------------------------------------------------- object identifiers

OID_DATA = _oid('1.2.840.113549.1.7.1')
OID_SECRET_BAG = _oid('1.2.840.113549.1.12.10.1.5')
OID_SHROUDED_KEY_BAG = _oid('1.2.840.113549.1.12.10.1.2')
OID_FRIENDLY_NAME = _oid('1.2.840.113549.1.9.20')
OID_LOCAL_KEY_ID = _oid('1.2.840.113549.1.9.21')
OID_PBES2 = _oid('1.2.840.113549.1.5.13')
OID_PBKDF2 = _oid('1.2.840.113549.1.5.12')
OID_PBE_SHA1_3DES = _oid('1.2.840.113549.1.12.1.3')
# The algorithm of the key the JDK's SecretKeyFactory "PBE" makes (PBEWithMD5AndDES).
OID_PBE_MD5_DES = _oid('1.2.840.113549.1.5.3')
OID_SHA256 = _oid('2.16.840.1.101.3.4.2.1')
OID_HMAC_SHA256 = _oid('1.2.840.113549.2.9')
OID_AES256_CBC = _oid('2.16.840.1.101.3.4.1.42')
DIGESTS = {
    _oid('1.3.14.3.2.26'): 'sha1',
    _oid('2.16.840.1.101.3.4.2.4'): 'sha224',
    OID_SHA256: 'sha256',
    _oid('2.16.840.1.101.3.4.2.2'): 'sha384',
    _oid('2.16.840.1.101.3.4.2.3'): 'sha512',
}
HMAC_PRFS = {
    _oid('1.2.840.113549.2.7'): 'sha1',
    _oid('1.2.840.113549.2.8'): 'sha224',
    OID_HMAC_SHA256: 'sha256',
    _oid('1.2.840.113549.2.10'): 'sha384',
    _oid('1.2.840.113549.2.11'): 'sha512',
}
AES_CBC = {
    _oid('2.16.840.1.101.3.4.1.2'): 16,
    _oid('2.16.840.1.101.3.4.1.22'): 24,
    OID_AES256_CBC: 32,
}
NULL = b'\x05\x00'


# ---------------------------------------------------------------- passwords

def store_password(password):
    """The password the JDK gets from Logstash for LOGSTASH_KEYSTORE_PASS: as given when it is ASCII,
    otherwise Base64 of the low byte of each UTF-16 unit, as Logstash encodes it."""
    if password is None or password == '':
        raise KeystoreError('the keystore password must not be empty')
    if all(ord(char) < 0x80 for char in password):
        return password
    units = password.encode('utf-16-be')
    return base64.b64encode(units[1::2]).decode('ascii')


def new_default_password(random_bytes=os.urandom):
    """A password like the one Logstash makes when LOGSTASH_KEYSTORE_PASS is not set."""
    return base64.b64encode(random_bytes(32)).decode('ascii')


def obfuscated_trailer(password, random_bytes=os.urandom):
    """What Logstash appends after the PKCS#12 data to keep its own password: the password XORed
    with random bytes, the random bytes, and one byte giving the length of both."""
    secret = password.encode('ascii')
    noise = random_bytes(len(secret))
    hidden = bytes(a ^ b for a, b in zip(secret, noise)) + noise
    if len(hidden) > 255:
        raise KeystoreError('a default keystore password must be at most 127 characters')
    return hidden + bytes([len(hidden)])


def split_trailer(data):
    """(PKCS#12 data, the password kept after it or None)."""
    pkcs12_end = _element(data)[1]
    trailer = data[pkcs12_end:]
    if not trailer:
        return data, None
    size = trailer[-1]
    if size == 0 or size % 2 or len(trailer) != size + 1:
        raise KeystoreError('it has data after the PKCS#12 content that is not a Logstash default password')
    hidden, noise = trailer[:size // 2], trailer[size // 2:size]
    try:
        return data[:pkcs12_end], bytes(a ^ b for a, b in zip(hidden, noise)).decode('ascii')
    except UnicodeDecodeError:
        raise KeystoreError('it has data after the PKCS#12 content that is not a Logstash default password')


def _bmp_password(password):
    """A PKCS#12 password as its key derivation takes it: UTF-16BE with a terminating zero."""
    return password.encode('utf-16-be') + b'\x00\x00'


def pkcs12_kdf(digest, password, salt, purpose, iterations, length):
    """The key derivation of RFC 7292 appendix B.2 (1: key, 2: IV, 3: MAC key)."""
    block = hashlib.new(digest).block_size

    def stretch(data):
        if not data:
            return b''
        size = block * -(-len(data) // block)
        return (data * -(-size // len(data)))[:size]

    diversifier = bytes([purpose]) * block
    material = stretch(salt) + stretch(_bmp_password(password))
    out = b''
    while len(out) < length:
        value = hashlib.new(digest, diversifier + material).digest()
        for dummy in range(iterations - 1):
            value = hashlib.new(digest, value).digest()
        out += value
        increment = int.from_bytes(stretch(value), 'big') + 1
        modulus = 1 << (8 * block)
        material = b''.join(
            ((int.from_bytes(material[i:i + block], 'big') + increment) % modulus).to_bytes(block, 'big')
            for i in range(0, len(material), block))
    return out[:length]


# ---------------------------------------------------------------- encryption of one entry

def _cbc(algorithm, iv, data, encrypt):
    cipher = Cipher(algorithm, modes.CBC(iv))
    block_bits = len(iv) * 8
    if encrypt:
        padder = padding.PKCS7(block_bits).padder()
        encryptor = cipher.encryptor()
        return encryptor.update(padder.update(data) + padder.finalize()) + encryptor.finalize()
    decryptor = cipher.decryptor()
    unpadder = padding.PKCS7(block_bits).unpadder()
    try:
        plain = decryptor.update(data) + decryptor.finalize()
        return unpadder.update(plain) + unpadder.finalize()
    except ValueError:
        raise KeystoreError('an entry does not decrypt with this password')


def _pbkdf2(digest, password, salt, iterations, length):
    hash_class = {'sha1': hashes.SHA1, 'sha224': hashes.SHA224, 'sha256': hashes.SHA256,
                  'sha384': hashes.SHA384, 'sha512': hashes.SHA512}[digest]
    return PBKDF2HMAC(algorithm=hash_class(), length=length, salt=salt,
                      iterations=iterations).derive(password.encode('utf-8'))


def _decrypt_pbes2(params, ciphertext, password):
    kdf, scheme = _sequence(params, 'the PBES2 parameters')
    kdf_oid, kdf_params = _children(_expect(kdf, 0x30, 'the key derivation'))
    if kdf_oid[2] != OID_PBKDF2:
        raise KeystoreError('an entry uses a key derivation other than PBKDF2')
    fields = _children(_expect(kdf_params, 0x30, 'the PBKDF2 parameters'))
    salt = _expect(fields[0], 0x04, 'the PBKDF2 salt')
    iterations = int.from_bytes(_expect(fields[1], 0x02, 'the PBKDF2 iteration count'), 'big')
    prf = 'sha1'
    for field in fields[2:]:
        if field[0] == 0x30:
            prf_oid = _children(field[1])[0][2]
            if prf_oid not in HMAC_PRFS:
                raise KeystoreError('an entry uses an unknown PBKDF2 function')
            prf = HMAC_PRFS[prf_oid]
    scheme_oid, iv = _children(_expect(scheme, 0x30, 'the encryption scheme'))
    if scheme_oid[2] not in AES_CBC:
        raise KeystoreError('an entry is encrypted with a cipher other than AES-CBC')
    key = _pbkdf2(prf, password, salt, iterations, AES_CBC[scheme_oid[2]])
    return _cbc(algorithms.AES(key), _expect(iv, 0x04, 'the AES IV'), ciphertext, encrypt=False)


def _decrypt_pbe_sha1_3des(params, ciphertext, password):
    if TripleDES is None:
        raise KeystoreError('an entry uses Triple DES, which this cryptography library cannot decrypt')
    salt, count = _sequence(params, 'the PBE parameters')
    salt = _expect(salt, 0x04, 'the PBE salt')
    iterations = int.from_bytes(_expect(count, 0x02, 'the PBE iteration count'), 'big')
    key = pkcs12_kdf('sha1', password, salt, 1, iterations, 24)
    iv = pkcs12_kdf('sha1', password, salt, 2, iterations, 8)
    return _cbc(TripleDES(key), iv, ciphertext, encrypt=False)


def _decrypt_entry(encrypted_key_info, password):
    algorithm, ciphertext = _sequence(encrypted_key_info, 'an encrypted entry')
    algorithm_oid, params = _children(_expect(algorithm, 0x30, 'the entry encryption'))[:2]
    ciphertext = _expect(ciphertext, 0x04, 'the encrypted entry')
    if algorithm_oid[2] == OID_PBES2:
        return _decrypt_pbes2(params[2], ciphertext, password)
    if algorithm_oid[2] == OID_PBE_SHA1_3DES:
        return _decrypt_pbe_sha1_3des(params[2], ciphertext, password)
    raise KeystoreError('an entry is encrypted with an algorithm this module does not read')


def _encrypt_entry(plain, password, random_bytes):
    salt, iv = random_bytes(SALT_SIZE), random_bytes(16)
    key = _pbkdf2('sha256', password, salt, ITERATIONS, 32)
    pbkdf2 = _seq(OID_PBKDF2, _seq(_octets(salt), _integer(ITERATIONS), _integer(32), _seq(OID_HMAC_SHA256, NULL)))
    scheme = _seq(OID_AES256_CBC, _octets(iv))
    return _seq(_seq(OID_PBES2, _seq(pbkdf2, scheme)),
                _octets(_cbc(algorithms.AES(key), iv, plain, encrypt=True)))


# ---------------------------------------------------------------- the store

def _mac(digest, password, salt, iterations, data):
    key = pkcs12_kdf(digest, password, salt, 3, iterations, hashlib.new(digest).digest_size)
    return hmac.new(key, data, digest).digest()


def _check_mac(mac_data, auth_safe, password):
    digest_info, salt = mac_data[0], mac_data[1]
    iterations = int.from_bytes(mac_data[2][1], 'big') if len(mac_data) > 2 else 1
    algorithm, expected = _children(_expect(digest_info, 0x30, 'the MAC'))
    digest = DIGESTS.get(_children(algorithm[1])[0][2])
    if digest is None:
        raise KeystoreError('its MAC uses an unknown digest')
    actual = _mac(digest, password, _expect(salt, 0x04, 'the MAC salt'), iterations, auth_safe)
    if not hmac.compare_digest(actual, _expect(expected, 0x04, 'the MAC value')):
        raise KeystoreError('the password does not open it (or it was altered)')


def _data_content(content_info, what):
    """The octets of a PKCS#7 data ContentInfo."""
    parts = _children(_expect(content_info, 0x30, what))
    if len(parts) != 2 or parts[0][2] != OID_DATA:
        raise KeystoreError('%s holds encrypted or unknown content, which a Logstash keystore does not' % what)
    return _expect(_children(_expect(parts[1], 0xa0, what))[0], 0x04, what)


def _entry(bag, password):
    """(key, value) of one safe bag written by Logstash."""
    parts = _children(bag)
    if parts[0][2] != OID_SECRET_BAG:
        raise KeystoreError('it holds an entry that is not a secret (a key or certificate)')
    secret_type, secret_value = _sequence(_children(_expect(parts[1], 0xa0, 'a secret entry'))[0][2],
                                          'a secret entry')
    if secret_type[2] != OID_SHROUDED_KEY_BAG:
        raise KeystoreError('it holds a secret entry of an unknown type')
    encrypted = _expect(_children(_expect(secret_value, 0xa0, 'a secret entry'))[0], 0x04, 'a secret entry')
    alias = None
    for attribute in _children(parts[2][1]) if len(parts) > 2 else []:
        attribute_oid, values = _children(attribute[1])
        if attribute_oid[2] == OID_FRIENDLY_NAME:
            alias = _children(values[1])[0][1].decode('utf-16-be').lower()
    if alias is None or not alias.startswith(ALIAS_PREFIX) or alias == ALIAS_PREFIX:
        raise KeystoreError('it holds an entry that is not a Logstash secret')
    version, algorithm, key = _sequence(_decrypt_entry(encrypted, password), 'a decrypted entry')
    if _children(algorithm[1])[0][2] != OID_PBE_MD5_DES:
        raise KeystoreError('it holds a secret key that is not a Logstash secret')
    try:
        value = base64.b64decode(_expect(key, 0x04, 'a secret'), validate=True)
    except (ValueError, TypeError):
        raise KeystoreError('it holds a secret that is not Base64 as Logstash stores it')
    return alias[len(ALIAS_PREFIX):], value


def read_keystore(data, password=None):
    """The entries of a Logstash keystore as {key: value bytes}, marker included, and its password.

    Without password, the password Logstash kept after the PKCS#12 data is used, as Logstash does
    when LOGSTASH_KEYSTORE_PASS is not set.
    """
    pkcs12, kept_password = split_trailer(data)
    if password is None:
        if kept_password is None:
            raise KeystoreError('it is protected by a password (LOGSTASH_KEYSTORE_PASS) and none was given')
        password = kept_password
    else:
        password = store_password(password)
    pfx = _sequence(pkcs12, 'the file')
    if len(pfx) != 3 or pfx[0][1] != b'\x03':
        raise KeystoreError('it is not a PKCS#12 version 3 keystore with a MAC')
    auth_safe = _data_content(pfx[1], 'the keystore')
    try:
        _check_mac(_children(_expect(pfx[2], 0x30, 'the MAC')), auth_safe, password)
    except KeystoreError as exc:
        if kept_password is not None and password != kept_password:
            raise KeystoreError('%s: it was made without LOGSTASH_KEYSTORE_PASS' % exc)
        raise
    entries = {}
    for content_info in _sequence(auth_safe, 'the keystore content'):
        for bag in _sequence(_data_content(content_info, 'the keystore content'), 'the entries'):
            key, value = _entry(bag[1], password)
            entries[key] = value
    if MARKER_KEY not in entries:
        raise KeystoreError('it is a PKCS#12 keystore but not a Logstash one (no %s entry)' % MARKER_KEY)
    return entries, password


def build_keystore(entries, password, default_password=False, random_bytes=os.urandom, now=time.time):
    """The bytes of a Logstash keystore holding entries ({key: value bytes}) and the marker.

    default_password appends the password the way Logstash keeps a password it made itself.
    """
    stamp = ('Time %d' % int(now() * 1000)).encode('ascii')
    all_entries = dict(entries)
    all_entries[MARKER_KEY] = MARKER_KEY.encode('ascii')
    bags = []
    for key in sorted(all_entries):
        alias = ALIAS_PREFIX + key
        secret_key = _seq(_integer(0), _seq(OID_PBE_MD5_DES, NULL),
                          _octets(base64.b64encode(all_entries[key])))
        secret_bag = _seq(OID_SHROUDED_KEY_BAG,
                          _explicit0(_octets(_encrypt_entry(secret_key, password, random_bytes))))
        attributes = _set(_seq(OID_FRIENDLY_NAME, _set(_tlv(0x1e, alias.encode('utf-16-be')))),
                          _seq(OID_LOCAL_KEY_ID, _set(_octets(stamp))))
        bags.append(_seq(OID_SECRET_BAG, _explicit0(secret_bag), attributes))
    auth_safe = _seq(_seq(OID_DATA, _explicit0(_octets(_seq(*bags)))))
    salt = random_bytes(SALT_SIZE)
    digest = _octets(_mac('sha256', password, salt, ITERATIONS, auth_safe))
    mac = _seq(_seq(_seq(OID_SHA256, NULL), digest), _octets(salt), _integer(ITERATIONS))
    content = _seq(_integer(3), _seq(OID_DATA, _explicit0(_octets(auth_safe))), mac)
    if default_password:
        content += obfuscated_trailer(password, random_bytes)
    return content


# ---------------------------------------------------------------- what to change

def check_key(name, checked=()):
    """The key as Logstash stores it (lower case), refusing a name it could not use."""
    if not isinstance(name, str) or not KEY_PATTERN.match(name):
        raise KeystoreError('key %r is not a name ${KEY} can reference (letters, digits, _ and ., '
                            'not starting with a digit)' % (name,))
    key = name.lower()
    if key == MARKER_KEY:
        raise KeystoreError('key %s is the marker Logstash keeps in every keystore' % name)
    if key in checked:
        raise KeystoreError('keys are case-insensitive in Logstash: %s is given twice' % key)
    return key


def check_entries(entries):
    """The entries as {lower-case key: value bytes}, refusing what Logstash could not use."""
    checked = {}
    for name, value in (entries or {}).items():
        key = check_key(name, checked)
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise KeystoreError('the value of %s must be a string' % name)
        text = str(value)
        if not text:
            raise KeystoreError('the value of %s is empty, which Logstash refuses' % name)
        if not all(ord(char) < 0x80 for char in text):
            raise KeystoreError('the value of %s is not ASCII, which Logstash refuses' % name)
        checked[key] = text.encode('ascii')
    return checked


class KeystorePlan:
    """The entry plan of a keystore, with the password to write it with."""

    def __init__(self, entries, password, default_password):
        self.entries = entries
        self.password = password
        self.default_password = default_password

    @property
    def created(self):
        return self.entries.created

    @property
    def changed(self):
        return self.entries.changed


def plan_keystore(path, existing, entries, exclusive, password, create=True, random_bytes=os.urandom, remove=()):
    """What to write to the keystore at path, whose content is existing (None when missing).

    create=False (a run that only reads or removes) leaves a missing keystore missing; remove names keys
    to take out, whatever their case.
    Every input error and every unreadable store is refused here, before anything is written.
    """
    wanted = check_entries(entries)
    removed = set(check_key(name) for name in remove)
    default_password = password is None
    if existing is None:
        current = None
        password = new_default_password(random_bytes) if default_password else store_password(password)
    else:
        try:
            current, password = read_keystore(existing, password)
        except KeystoreError as exc:
            raise KeystoreError('cannot use the keystore %s: %s' % (path, exc))
        del current[MARKER_KEY]
    return KeystorePlan(EntryPlan(current, wanted, exclusive, remove=removed, create=create), password, default_password)
