# -*- coding: utf-8 -*-
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The Beats keystore file (format v1), read and written without a Beat binary, and what a run changes in it.

Layout: the ASCII version tag C(v1), then standard base64 of salt (64 bytes), IV (12 bytes) and the
AES-256-GCM sealed JSON document (no associated data). The AES key is PBKDF2-HMAC-SHA512 of the keystore
password (empty for Beats) over the salt, 10000 rounds, 32 bytes. The JSON document maps each key to
C({"value": base64 of the value's bytes}), compact, keys sorted, newline-terminated: what Go's JSON encoder
writes, so that a document the Beats wrote encodes back to the same bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re

from ansible_collections.esguard.security.plugins.module_utils._errors import InputError

try:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
except ImportError:  # reported by the module through missing_required_lib
    AESGCM = InvalidTag = None

VERSION_TAG = b'v1'
SALT_LENGTH = 64
IV_LENGTH = 12
TAG_LENGTH = 16
PBKDF2_ROUNDS = 10000
KEY_LENGTH = 32

# What can be referenced as ${KEY} in a Beat's configuration: go-ucfg ends a name at ':' (default value) and '}'.
KEY_NAME = re.compile(r'^[A-Za-z0-9_][A-Za-z0-9_.-]*$')


class KeystoreFileError(Exception):
    """An existing keystore file that cannot be read: another format, a wrong password, or damage.

    The message names the problem in one line and never carries a value.
    """


def _aes_key(password, salt):
    return hashlib.pbkdf2_hmac('sha512', password.encode('utf-8'), salt, PBKDF2_ROUNDS, KEY_LENGTH)


def serialize(entries):
    """The plaintext JSON document of entries (key -> bytes), byte for byte as the Beats write it."""
    document = dict((key, {'value': base64.b64encode(value).decode('ascii')}) for key, value in entries.items())
    # Go escapes <, > and & in JSON strings; neither key names (KEY_NAME) nor base64 contain them.
    return (json.dumps(document, sort_keys=True, separators=(',', ':')) + '\n').encode('utf-8')


def encode(entries, password='', salt=None, iv=None):
    """The keystore file content holding entries (key -> bytes); a fresh random salt and IV unless given."""
    salt = os.urandom(SALT_LENGTH) if salt is None else salt
    iv = os.urandom(IV_LENGTH) if iv is None else iv
    sealed = AESGCM(_aes_key(password, salt)).encrypt(iv, serialize(entries), None)
    return VERSION_TAG + base64.b64encode(salt + iv + sealed)


def decrypt(content, password=''):
    """The plaintext JSON document of a keystore file's content; KeystoreFileError when it cannot be had."""
    if not content.startswith(VERSION_TAG):
        raise KeystoreFileError('not a Beats keystore of format v1 (it starts with %r)' % content[:len(VERSION_TAG)])
    try:
        payload = base64.b64decode(content[len(VERSION_TAG):].strip(), validate=True)
    except (binascii.Error, ValueError):
        raise KeystoreFileError('damaged keystore: its body is not base64')
    if len(payload) < SALT_LENGTH + IV_LENGTH + TAG_LENGTH:
        raise KeystoreFileError('damaged keystore: %d bytes are too few for salt, IV and sealed data' % len(payload))
    salt, iv, sealed = payload[:SALT_LENGTH], payload[SALT_LENGTH:SALT_LENGTH + IV_LENGTH], payload[SALT_LENGTH + IV_LENGTH:]
    try:
        return AESGCM(_aes_key(password, salt)).decrypt(iv, sealed, None)
    except InvalidTag:
        raise KeystoreFileError('the keystore cannot be decrypted: wrong keystore password, or the file was altered')


def parse(plaintext):
    """entries (key -> bytes) of a decrypted JSON document."""
    try:
        document = json.loads(plaintext.decode('utf-8'))
        return dict((key, base64.b64decode(item['value'] or '', validate=True)) for key, item in document.items())
    except (ValueError, TypeError, KeyError, AttributeError, binascii.Error):
        raise KeystoreFileError('damaged keystore: the decrypted document is not a map of keys to base64 values')


def decode(content, password=''):
    """entries (key -> bytes) of a keystore file's content."""
    return parse(decrypt(content, password))


def wanted_entries(entries, state):
    """entries (key -> str) checked, as key -> bytes (present) or the set of keys (absent); InputError when bad."""
    if entries is None:
        return {} if state == 'present' else set()
    bad = sorted(key for key in entries if not KEY_NAME.match(key))
    if bad:
        raise InputError('entries has keys that cannot be referenced as ${KEY}: %s (letters, digits, _ . - only)'
                         % ', '.join(bad))
    if state == 'absent':
        return set(entries)
    not_text = sorted(key for key, value in entries.items() if not isinstance(value, str))
    if not_text:
        raise InputError('entries must map each key to a string; not so for: %s' % ', '.join(not_text))
    return dict((key, value.encode('utf-8')) for key, value in entries.items())
