# -*- coding: utf-8 -*-
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one way every module of this collection talks to Elasticsearch.

Owns the connection options (with their environment-variable fallbacks), builds
the client, retries what is safe to retry, and turns every expected failure
into a single readable message without secrets in it.
"""

from __future__ import annotations

import base64
import binascii
import os
import ssl
import time
import traceback

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.esguard.security.plugins.module_utils._errors import InputError

try:
    from elasticsearch import Elasticsearch
    from elasticsearch import ApiError, TransportError
    from elastic_transport import ConnectionError as EsConnectionError, TlsError
except ImportError:
    ELASTICSEARCH_IMPORT_ERROR = traceback.format_exc()
else:
    ELASTICSEARCH_IMPORT_ERROR = None

CONNECTION_ARGSPEC = dict(
    hosts=dict(type='list', elements='str', default=['https://localhost:9200'],
               fallback=(env_fallback, ['ELASTICSEARCH_HOSTS'])),
    login_user=dict(type='str', fallback=(env_fallback, ['ELASTICSEARCH_USERNAME'])),
    login_password=dict(type='str', no_log=True, fallback=(env_fallback, ['ELASTICSEARCH_PASSWORD'])),
    api_key=dict(type='str', no_log=True, fallback=(env_fallback, ['ELASTICSEARCH_API_KEY'])),
    client_cert=dict(type='path', fallback=(env_fallback, ['ELASTICSEARCH_CLIENT_CERT'])),
    client_key=dict(type='path', no_log=False, fallback=(env_fallback, ['ELASTICSEARCH_CLIENT_KEY'])),
    ca_certs=dict(type='str', fallback=(env_fallback, ['ELASTICSEARCH_CA_CERTS'])),
    ca_trusted_fingerprint=dict(type='str', fallback=(env_fallback, ['ELASTICSEARCH_CA_TRUSTED_FINGERPRINT'])),
    validate_certs=dict(type='bool', default=True, fallback=(env_fallback, ['ELASTICSEARCH_VALIDATE_CERTS'])),
    request_timeout=dict(type='float', default=30.0, fallback=(env_fallback, ['ELASTICSEARCH_REQUEST_TIMEOUT'])),
    allow_insecure_http=dict(type='bool', default=False,
                             fallback=(env_fallback, ['ELASTICSEARCH_ALLOW_INSECURE_HTTP'])),
)

CONNECTION_MUTUALLY_EXCLUSIVE = [('api_key', 'login_user'), ('api_key', 'login_password'),
                                 ('ca_trusted_fingerprint', 'ca_certs')]
CONNECTION_REQUIRED_TOGETHER = [('login_user', 'login_password'), ('client_cert', 'client_key')]

# Answers that mean "try again in a moment": overload, a proxy or node in trouble,
# or the security index still allocating its shards after a start.
RETRY_STATUSES = frozenset([429, 502, 503, 504])
RETRY_ERROR_TYPES = frozenset(['unavailable_shards_exception', 'no_shard_available_action_exception'])


class ConnectionSettingsError(InputError):
    """The connection options contradict each other or cannot work."""


def connection_argspec(**module_options):
    """The argument spec of a module: its own options plus the connection options."""
    spec = dict(CONNECTION_ARGSPEC)
    spec.update(module_options)
    return spec


def es_module(argument_spec, mutually_exclusive=(), required_together=(), required_if=(), required_one_of=()):
    """The AnsibleModule of every module that talks to Elasticsearch.

    Brings in the connection options and their constraints; the module passes only its own.
    """
    return AnsibleModule(
        argument_spec=connection_argspec(**argument_spec),
        mutually_exclusive=CONNECTION_MUTUALLY_EXCLUSIVE + list(mutually_exclusive),
        required_together=CONNECTION_REQUIRED_TOGETHER + list(required_together),
        required_if=list(required_if),
        required_one_of=list(required_one_of),
        supports_check_mode=True,
    )


def api_key_credential(value):
    """Accept an API key as ``id:key`` or as its base64 ``encoded`` form; return the encoded form."""
    value = value.strip()
    if ':' in value:
        key_id, _sep, secret = value.partition(':')
        if not key_id or not secret:
            raise ConnectionSettingsError('api_key must be "id:key" or the base64 encoded form')
        return base64.b64encode(value.encode('utf-8')).decode('ascii')
    try:
        decoded = base64.b64decode(value, validate=True).decode('utf-8')
    except (binascii.Error, UnicodeDecodeError):
        decoded = ''
    if ':' not in decoded:
        raise ConnectionSettingsError('api_key must be "id:key" or the base64 encoded form')
    return value


def normalize_fingerprint(value):
    """A SHA-256 fingerprint in any common spelling (colons, case) as plain lower-case hex."""
    hex_digits = value.replace(':', '').replace(' ', '').lower()
    if len(hex_digits) != 64 or any(c not in '0123456789abcdef' for c in hex_digits):
        raise ConnectionSettingsError('ca_trusted_fingerprint must be a SHA-256 fingerprint (64 hex digits)')
    return hex_digits


def client_settings(params):
    """Translate module parameters into keyword arguments for the Elasticsearch client.

    Pure: raises ConnectionSettingsError for settings that cannot work; the
    returned dict may hold secrets and must never be logged.
    """
    hosts = [h.strip().rstrip('/') for h in params['hosts'] if h and h.strip()]
    if not hosts:
        raise ConnectionSettingsError('hosts must name at least one Elasticsearch URL')
    has_credentials = bool(params.get('login_password') or params.get('api_key') or params.get('client_cert'))
    plain = [h for h in hosts if h.lower().startswith('http://')]
    if plain and len(plain) < len(hosts):
        # The client takes one set of TLS options for all hosts, and http:// hosts refuse any.
        raise ConnectionSettingsError('hosts must all use https:// or all use http://')
    if plain and has_credentials and not params.get('allow_insecure_http'):
        raise ConnectionSettingsError(
            'refusing to send credentials over plain HTTP to %s; use https:// or set allow_insecure_http=true'
            % ', '.join(plain))

    settings = dict(hosts=hosts, request_timeout=params['request_timeout'],
                    # Status retries are ours (with backoff, and never for creates);
                    # the transport only fails over to the next host.
                    max_retries=max(len(hosts) - 1, 0), retry_on_status=(), retry_on_timeout=False,
                    # The hosts in the order given: the first request goes to the first URL.
                    randomize_nodes_in_pool=False)
    if params.get('api_key'):
        settings['api_key'] = api_key_credential(params['api_key'])
    elif params.get('login_user'):
        settings['basic_auth'] = (params['login_user'], params['login_password'])

    if not plain:
        settings.update(tls_settings(params))
    return settings


def tls_settings(params):
    """The client's TLS keyword arguments for https:// hosts."""
    settings = dict(ssl_context=ssl_context(params),
                    # The transport applies verify_certs to the context it is given, so it must agree
                    # with validate_certs; the module warns itself when validation is off.
                    verify_certs=params['validate_certs'], ssl_show_warn=False)
    if params.get('ca_trusted_fingerprint'):
        settings['ssl_assert_fingerprint'] = normalize_fingerprint(params['ca_trusted_fingerprint'])
    return settings


def ssl_context(params):
    """An SSL context honouring ca_certs (file or PEM), client certificate and validate_certs."""
    ca_certs = params.get('ca_certs')
    if ca_certs and '-----BEGIN' in ca_certs:
        context = ssl.create_default_context(cadata=ca_certs)
    elif ca_certs:
        if not os.path.isfile(ca_certs):
            raise ConnectionSettingsError('ca_certs file %s does not exist' % ca_certs)
        context = ssl.create_default_context(cafile=ca_certs)
    else:
        context = ssl.create_default_context()
    if params.get('client_cert'):
        context.load_cert_chain(params['client_cert'], params['client_key'])
    if not params['validate_certs']:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def describe_error(error):
    """One line: the HTTP status, Elasticsearch's error type and reason (no request body, no credentials)."""
    status = getattr(error, 'status_code', None) or getattr(getattr(error, 'meta', None), 'status', None)
    info = getattr(error, 'info', None) or getattr(error, 'body', None)
    err = info.get('error') if isinstance(info, dict) else None
    if isinstance(err, dict):
        root = (err.get('root_cause') or [err])[0]
        text = '%s: %s' % (root.get('type', err.get('type')), root.get('reason', err.get('reason')))
    elif err:
        text = str(err)
    else:
        text = getattr(error, 'message', None) or type(error).__name__
    return 'HTTP %s %s' % (status, text) if status else text


def is_retryable(error):
    status = getattr(error, 'status_code', None)
    if status in RETRY_STATUSES:
        return True
    return any(t in str(getattr(error, 'info', '')) for t in RETRY_ERROR_TYPES)


class ElasticsearchConnection(object):
    """A module's client plus the retry and error policy every request goes through."""

    RETRIES = 4
    BACKOFF_SECONDS = 0.5

    def __init__(self, module, client, settings):
        self.module = module
        self.client = client
        self._settings = settings

    def call(self, what, request, retry=True, missing_ok=False):
        """Run ``request(client)``; fail the module with one clear message on error.

        ``what`` says what was asked ("create role shipper"). ``retry=False`` is for
        requests that must not run twice (creating an API key). With ``missing_ok``
        a 404 returns None.
        """
        attempts = self.RETRIES + 1 if retry else 1
        for attempt in range(attempts):
            try:
                return request(self.client)
            except ApiError as error:
                if missing_ok and error.status_code == 404:
                    return None
                if attempt + 1 < attempts and is_retryable(error):
                    time.sleep(self.BACKOFF_SECONDS * 2 ** attempt)
                    continue
                self.module.fail_json(msg='%s failed: %s' % (what, describe_error(error)),
                                      status=error.status_code)
            except TlsError as error:
                self.module.fail_json(msg='%s failed: TLS error talking to %s: %s'
                                      % (what, ', '.join(self._settings['hosts']), describe_error(error)))
            except (EsConnectionError, TransportError) as error:
                self.module.fail_json(msg='%s failed: cannot reach Elasticsearch at %s: %s'
                                      % (what, ', '.join(self._settings['hosts']), describe_error(error)))
        raise AssertionError('unreachable')

    def authenticates(self, what, **credential):
        """The _authenticate answer for another credential (basic_auth=(u, p) or api_key=...), or None on 401."""
        other = self.client.options(**credential)
        try:
            return dict(other.security.authenticate())
        except ApiError as error:
            if error.status_code == 401:
                return None
            self.module.fail_json(msg='%s failed: %s' % (what, describe_error(error)), status=error.status_code)


def connect(module):
    """Build the connection from the module's parameters, or fail the module with why it cannot."""
    if ELASTICSEARCH_IMPORT_ERROR:
        module.fail_json(msg=missing_required_lib('elasticsearch (8.x)'), exception=ELASTICSEARCH_IMPORT_ERROR)
    try:
        settings = client_settings(module.params)
    except ConnectionSettingsError as error:
        module.fail_json(msg=str(error))
    except (ssl.SSLError, OSError) as error:
        module.fail_json(msg='cannot load the TLS files: %s' % error)
    try:
        client = Elasticsearch(**settings)
    except ValueError as error:
        module.fail_json(msg='invalid connection settings: %s' % error)
    if not module.params['validate_certs']:
        module.warn('validate_certs is false: the identity of the Elasticsearch server is not checked')
    return ElasticsearchConnection(module, client, settings)
