# -*- coding: utf-8 -*-
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import base64

import pytest

from ansible_collections.esguard.security.plugins.module_utils._beats_keystore import (
    KeystoreFileError, decode, decrypt, encode, parse, serialize, wanted_entries)
from ansible_collections.esguard.security.plugins.module_utils._errors import InputError

# Written by Filebeat 8.16.0 (`keystore create`, then `keystore add KEY --stdin` of these values).
FILEBEAT_8_16_0_KEYSTORE = (
    b'v19Wu6DQEufBprQrYnKVN/bZL9l5/Bt7Gw7y3XSi2k0LdQafEa76AS/QxfUM5zex9nCxcLn8larn0k1xzP9UonfK3in7bNCwyaxB'
    b'81ADMiNMEnLNnrHl7VFsET9aQwuQUTJgNxJAQsnRxyCFrtXxkZmQx5YQ8aSyYw2bVIfoz6+RxNCzImHpG9tVW/Bci5cG17JIsvPL'
    b'Rgg+OMlnsBiJcA3REHZo37U7JWdKLCOB0nOQYgXTsxrQLP2QPLsxxofLL3xhf5lWFBr/v/aWyvh5GUvGh9U+n0SFXW'
)
FILEBEAT_8_16_0_ENTRIES = {'ES_PWD': 'fixture-pässword'.encode('utf-8'),
                           'output.elasticsearch.api_key': b'fixture-id:fixture-key'}

ENTRIES = {'ES_PWD': b'pa:ss\nword', 'output.elasticsearch.api_key': b'id:key', 'EMPTY': b''}


def test_reads_a_keystore_filebeat_wrote():
    assert decode(FILEBEAT_8_16_0_KEYSTORE) == FILEBEAT_8_16_0_ENTRIES


def test_writes_the_document_byte_for_byte_as_filebeat():
    document = decrypt(FILEBEAT_8_16_0_KEYSTORE)
    assert serialize(parse(document)) == document
    # Same salt and IV: the whole file comes out identical.
    payload = base64.b64decode(FILEBEAT_8_16_0_KEYSTORE[2:])
    assert encode(FILEBEAT_8_16_0_ENTRIES, salt=payload[:64], iv=payload[64:76]) == FILEBEAT_8_16_0_KEYSTORE


def test_round_trip():
    assert decode(encode(ENTRIES)) == ENTRIES


def test_round_trip_with_a_password():
    assert decode(encode(ENTRIES, 'keystore password'), 'keystore password') == ENTRIES


def test_each_write_has_a_fresh_salt_and_iv():
    assert encode(ENTRIES) != encode(ENTRIES)


def test_layout_is_version_tag_then_base64_of_salt_iv_sealed_document():
    content = encode(ENTRIES, salt=b's' * 64, iv=b'i' * 12)
    payload = base64.b64decode(content[2:])
    assert content[:2] == b'v1'
    assert payload[:64] == b's' * 64 and payload[64:76] == b'i' * 12
    # AES-GCM: as long as the document, plus the 16-byte tag.
    assert len(payload) == 64 + 12 + len(serialize(ENTRIES)) + 16


def test_document_is_what_go_json_encoder_writes():
    assert serialize({'b': b'2', 'a': b'\x00\xff'}) == b'{"a":{"value":"AP8="},"b":{"value":"Mg=="}}\n'


def test_wrong_password_is_a_clear_error():
    with pytest.raises(KeystoreFileError, match='wrong keystore password, or the file was altered'):
        decode(encode(ENTRIES, 'right'), 'wrong')


def test_tampered_file_is_refused():
    payload = bytearray(base64.b64decode(encode(ENTRIES)[2:]))
    payload[-20] ^= 1
    with pytest.raises(KeystoreFileError, match='the file was altered'):
        decode(b'v1' + base64.b64encode(bytes(payload)))


@pytest.mark.parametrize('content', [b'v2' + base64.b64encode(b'x' * 100), b'', b'{"ES_PWD": "x"}'])
def test_unknown_version_is_refused(content):
    with pytest.raises(KeystoreFileError, match='not a Beats keystore of format v1'):
        decode(content)


@pytest.mark.parametrize('content, message', [
    (b'v1!!!not base64', 'not base64'),
    (b'v1' + base64.b64encode(b'short'), 'too few'),
])
def test_damaged_file_is_refused(content, message):
    with pytest.raises(KeystoreFileError, match=message):
        decrypt(content)


def test_document_that_is_not_a_map_of_values_is_refused():
    with pytest.raises(KeystoreFileError, match='not a map'):
        parse(b'["ES_PWD"]')


def test_errors_never_carry_a_value():
    content = encode({'K': b'topsecret'})
    for attempt in (lambda: decode(content, 'wrong'), lambda: decode(content[:-8])):
        with pytest.raises(KeystoreFileError) as error:
            attempt()
        assert 'topsecret' not in str(error.value)


def test_wanted_entries_as_bytes():
    assert wanted_entries({'ES_PWD': 'pässword'}, 'present') == {'ES_PWD': 'pässword'.encode('utf-8')}
    assert wanted_entries(None, 'present') == {}
    assert wanted_entries({'A': None, 'B': 'x'}, 'absent') == {'A', 'B'}


@pytest.mark.parametrize('entries, message', [
    ({'ES:PWD': 'x'}, 'cannot be referenced'),
    ({'ES}': 'x'}, 'cannot be referenced'),
    ({'': 'x'}, 'cannot be referenced'),
    ({'PORT': 9200, 'ON': True}, 'not so for: ON, PORT'),
    ({'ES_PWD': None}, 'not so for: ES_PWD'),
])
def test_bad_entries_are_refused(entries, message):
    with pytest.raises(InputError, match=message):
        wanted_entries(entries, 'present')
