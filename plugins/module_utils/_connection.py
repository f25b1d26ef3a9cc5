# -*- coding: utf-8 -*-
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one way every module of this collection talks to Elasticsearch.

Owns the connection options and the one rule by which the environment fills them
in (with_environment), builds the client's settings in one place (client_settings),
retries what is safe to retry, and turns every expected failure into a single
readable message without secrets in it.
"""

from __future__ import annotations

import base64
import binascii
import os
import ssl
import time
import traceback

from ansible.module_utils.basic import env_fallback, missing_required_lib

from ansible_collections.esguard.security.plugins.module_utils._module import SecretMaskingModule
from ansible_collections.esguard.security.plugins.module_utils._errors import InputError

try:
    from elasticsearch import Elasticsearch
    from elasticsearch import ApiError, TransportError
    from elasticsearch import __version__ as CLIENT_VERSION
    from elastic_transport import ConnectionError as EsConnectionError, ConnectionTimeout, TlsError
except ImportError:
    ELASTICSEARCH_IMPORT_ERROR = traceback.format_exc()
    CLIENT_VERSION = None
else:
    ELASTICSEARCH_IMPORT_ERROR = None

# Options that go together: the task's values when the task gives any of a group, otherwise the
# environment's, so a task never mixes its credential with one from the environment (nor its trust
# anchor with another). Each option names the environment variable that can give it.
CREDENTIAL_OPTIONS = (('login_user', 'ELASTICSEARCH_USERNAME'), ('login_password', 'ELASTICSEARCH_PASSWORD'),
                      ('api_key', 'ELASTICSEARCH_API_KEY'), ('client_cert', 'ELASTICSEARCH_CLIENT_CERT'),
                      ('client_key', 'ELASTICSEARCH_CLIENT_KEY'))
TRUST_OPTIONS = (('ca_certs', 'ELASTICSEARCH_CA_CERTS'),
                 ('ca_trusted_fingerprint', 'ELASTICSEARCH_CA_TRUSTED_FINGERPRINT'))
OPTION_GROUPS = (CREDENTIAL_OPTIONS, TRUST_OPTIONS)
GROUPED_ENV = dict(CREDENTIAL_OPTIONS + TRUST_OPTIONS)
PATH_OPTIONS = ('client_cert', 'client_key')

# Checked on whichever source a group comes from (see with_environment).
MUTUALLY_EXCLUSIVE = (('api_key', 'login_user'), ('api_key', 'login_password'),
                      ('ca_trusted_fingerprint', 'ca_certs'))
REQUIRED_TOGETHER = (('login_user', 'login_password'), ('client_cert', 'client_key'))

CONNECTION_ARGSPEC = dict(
    # Required, from the task or ELASTICSEARCH_HOSTS (checked by with_environment): a default URL
    # would send the credential to whatever answers there.
    hosts=dict(type='list', elements='str', fallback=(env_fallback, ['ELASTICSEARCH_HOSTS'])),
    login_user=dict(type='str'),
    login_password=dict(type='str', no_log=True),
    api_key=dict(type='str', no_log=True),
    client_cert=dict(type='path'),
    client_key=dict(type='path', no_log=False),
    ca_certs=dict(type='str'),
    ca_trusted_fingerprint=dict(type='str'),
    validate_certs=dict(type='bool', default=True, fallback=(env_fallback, ['ELASTICSEARCH_VALIDATE_CERTS'])),
    request_timeout=dict(type='float', default=30.0, fallback=(env_fallback, ['ELASTICSEARCH_REQUEST_TIMEOUT'])),
    allow_insecure_http=dict(type='bool', default=False,
                             fallback=(env_fallback, ['ELASTICSEARCH_ALLOW_INSECURE_HTTP'])),
)

# The oldest client the modules work with, and what to install: Elasticsearch 8 refuses the 9.x client.
MINIMUM_CLIENT_VERSION = (8, 13)
CLIENT_REQUIREMENT = 'elasticsearch>=8.13,<9'

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


def with_environment(params, environ):
    """The connection parameters after the precedence rule, checked; the rule lives here alone.

    For each group of OPTION_GROUPS, the task's values when the task gives any option of the group,
    otherwise the environment's: a credential in the task replaces every credential in the
    environment, and mixing the two is never an error. The constraints are checked on the source
    used, naming environment variables when the values come from there. ``hosts`` must be given
    (its environment fallback is Ansible's). Pure: ``environ`` is a mapping like os.environ.
    """
    resolved = dict(params)
    names = {}
    for group in OPTION_GROUPS:
        from_task = any(given(params.get(option)) for option, _variable in group)
        for option, variable in group:
            names[option] = option if from_task else variable
            if not from_task:
                resolved[option] = environment_value(option, environ.get(variable))
    check_constraints(resolved, names)
    if not any(host and host.strip() for host in resolved.get('hosts') or ()):
        raise ConnectionSettingsError('no Elasticsearch URL: set hosts in the task or ELASTICSEARCH_HOSTS '
                                      'in the environment where the module runs')
    return resolved


def given(value):
    return value is not None and value != ''


def environment_value(option, value):
    """An environment variable's value as the option's type would have it (empty means unset)."""
    if not value:
        return None
    if option in PATH_OPTIONS:
        return os.path.expanduser(os.path.expandvars(value))
    return value


def check_constraints(params, names):
    """Raise ConnectionSettingsError for options that cannot go together, each named as ``names`` says."""
    for first, second in MUTUALLY_EXCLUSIVE:
        if given(params.get(first)) and given(params.get(second)):
            raise ConnectionSettingsError('%s and %s are mutually exclusive' % (names[first], names[second]))
    for first, second in REQUIRED_TOGETHER:
        if given(params.get(first)) != given(params.get(second)):
            present, absent = (first, second) if given(params.get(first)) else (second, first)
            raise ConnectionSettingsError('%s requires %s' % (names[present], names[absent]))


def es_module(argument_spec, mutually_exclusive=(), required_together=(), required_if=(), required_one_of=()):
    """The AnsibleModule of every module that talks to Elasticsearch.

    Brings in the connection options, fills them from the environment by the precedence rule
    (with_environment) and checks their constraints; the module passes only its own.
    """
    module = SecretMaskingModule(
        argument_spec=connection_argspec(**argument_spec),
        mutually_exclusive=list(mutually_exclusive),
        required_together=list(required_together),
        required_if=list(required_if),
        required_one_of=list(required_one_of),
        supports_check_mode=True,
    )
    try:
        resolved = with_environment(module.params, os.environ)
    except ConnectionSettingsError as error:
        module.fail_json(msg=str(error))
    # Secrets read from the environment are masked in every output, as the task's are.
    for option in ('login_password', 'api_key'):
        if resolved.get(option):
            module.no_log_values.add(resolved[option])
    module.params.update(resolved)
    return module


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


def api_key_id(value):
    """The id of an API key given in either form."""
    return base64.b64decode(api_key_credential(value)).decode('utf-8').partition(':')[0]


def presented_credential(params):
    """What the module authenticates with, as client_settings sends it: the key, else the user, else the certificate.

    A dict with ``kind`` (api_key, password or certificate) and ``id`` (key id, user name or
    certificate path), or None when the connection carries no credential.
    """
    if params.get('api_key'):
        return dict(kind='api_key', id=api_key_id(params['api_key']))
    if params.get('login_user'):
        return dict(kind='password', id=params['login_user'])
    if params.get('client_cert'):
        return dict(kind='certificate', id=params['client_cert'])
    return None


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


class FixedTrustContext(ssl.SSLContext):
    """An SSL context that trusts the CAs it was built with and no others.

    elastic_transport hands urllib3 certifi's bundle as ``ca_certs`` with any context it is
    given while certificates are verified, and urllib3 loads it into that context; so a
    context given ``ca_certs`` would also trust every public CA. Loads after ``fix_trust()``
    are ignored.
    """

    _trust_fixed = False

    def fix_trust(self):
        self._trust_fixed = True

    def load_verify_locations(self, cafile=None, capath=None, cadata=None):
        if not self._trust_fixed:
            super(FixedTrustContext, self).load_verify_locations(cafile, capath, cadata)


def ssl_context(params):
    """The SSL context: ca_certs (file or PEM, and then only those CAs), client certificate, validate_certs.

    Without ca_certs it is the system's default context; the transport adds certifi's CAs to it.
    """
    ca_certs = params.get('ca_certs')
    if ca_certs:
        context = FixedTrustContext(ssl.PROTOCOL_TLS_CLIENT)
        if '-----BEGIN' in ca_certs:
            context.load_verify_locations(cadata=ca_certs)
        elif os.path.isfile(ca_certs):
            context.load_verify_locations(cafile=ca_certs)
        else:
            raise ConnectionSettingsError('ca_certs file %s does not exist' % ca_certs)
        context.fix_trust()
    else:
        context = ssl.create_default_context()
    if params.get('client_cert'):
        # Without a password callback OpenSSL prompts on the terminal for an encrypted key.
        context.load_cert_chain(params['client_cert'], params['client_key'],
                                password=lambda: refuse_encrypted_key(params['client_key']))
    if not params['validate_certs']:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def refuse_encrypted_key(path):
    raise ConnectionSettingsError('client_key %s is encrypted; give the key unencrypted (readable by the '
                                  'user the module runs as only)' % path)


def client_version_problem(version):
    """Why this Python client cannot be used, or None. 9.x works with 9.x servers (see describe_error)."""
    if tuple(version[:2]) < MINIMUM_CLIENT_VERSION:
        return ('the elasticsearch Python client %s is too old: install %s where the module runs'
                % ('.'.join(str(part) for part in version), CLIENT_REQUIREMENT))
    return None


def describe_error(error, client_version=None):
    """One line: the HTTP status, Elasticsearch's error type and reason with the reasons that caused it.

    No request body, no credentials. A 9.x client refused by an 8.x server gets what to install instead.
    """
    status = getattr(error, 'status_code', None) or getattr(getattr(error, 'meta', None), 'status', None)
    info = getattr(error, 'info', None) or getattr(error, 'body', None)
    err = info.get('error') if isinstance(info, dict) else None
    if isinstance(err, dict):
        if err.get('type') == 'media_type_header_exception' and (client_version or CLIENT_VERSION)[0] >= 9:
            return ('the Elasticsearch server is 8.x and refuses the 9.x Python client: install %s where the '
                    'module runs' % CLIENT_REQUIREMENT)
        root = (err.get('root_cause') or [{}])[0]
        text = reasons(err if err.get('reason') else dict(root, caused_by=err.get('caused_by')))
        if root.get('reason') and root['reason'] not in text:
            text += ' (root cause: %s)' % reason(root)
    elif err:
        text = str(err)
    else:
        text = getattr(error, 'message', None) or type(error).__name__
    return 'HTTP %s %s' % (status, text) if status else text


def reason(err):
    return '%s: %s' % (err.get('type'), err.get('reason'))


def reasons(err):
    """An error's type and reason followed by those of its caused_by chain."""
    chain = [reason(err)]
    cause = err.get('caused_by')
    while isinstance(cause, dict) and len(chain) < 5:
        chain.append(reason(cause))
        cause = cause.get('caused_by')
    return '; caused by '.join(chain)


def is_retryable(error):
    status = getattr(error, 'status_code', None)
    if status in RETRY_STATUSES:
        return True
    return any(t in str(getattr(error, 'info', '')) for t in RETRY_ERROR_TYPES)


def connection_warnings(params):
    """What the module must say on every run where these settings are in effect."""
    warnings = []
    plain = [h for h in params['hosts'] if h.strip().lower().startswith('http://')]
    if plain and params.get('allow_insecure_http'):
        warnings.append('allow_insecure_http is true: requests to %s are not encrypted, credentials included'
                        % ', '.join(plain))
    if not plain and not params['validate_certs']:
        warnings.append('validate_certs is false: the identity of the Elasticsearch server is not checked')
    return warnings


class ElasticsearchConnection(object):
    """A module's client plus the retry and error policy every request goes through."""

    RETRIES = 4
    BACKOFF_SECONDS = 0.5

    def __init__(self, module, client, settings):
        self.module = module
        self.client = client
        self._settings = settings
        # Set while a caller's writes are under way: report(msg) -> (msg, extra result fields),
        # so a failed request also says what was written before it.
        self.failure_report = None

    def fail(self, msg, **result):
        """End the module for a failed request, with the caller's failure report when one is set."""
        if self.failure_report:
            msg, extra = self.failure_report(msg)
            result.update(extra)
        self.module.fail_json(msg=msg, **result)

    def call(self, what, request, retry=True, missing_ok=False, delete=False):
        """Run ``request(client)``; fail the module with one clear message on error.

        ``what`` says what was asked ("create role shipper"). Answers that mean "try again"
        (is_retryable) are retried with exponential backoff: every request the modules send is
        safe to repeat (reads, PUTs of a whole document, deletes, invalidations) except the
        creation of an API key, whose repetition would leave a second key. ``retry=False`` is
        for such requests: sent once, to one host (the transport's fail-over to the next host
        could resend a request whose answer was lost). With ``missing_ok`` a 404 returns None.
        ``delete`` marks a delete: a 404 on a retry means an earlier attempt that answered with
        an error did delete, so it returns None.
        """
        attempts = self.RETRIES + 1 if retry else 1
        client = self.client if retry else self.client.options(max_retries=0)
        for attempt in range(attempts):
            try:
                return request(client)
            except ApiError as error:
                if error.status_code == 404 and (missing_ok or (delete and attempt > 0)):
                    return None
                if attempt + 1 < attempts and is_retryable(error):
                    time.sleep(self.BACKOFF_SECONDS * 2 ** attempt)
                    continue
                self.fail('%s failed: %s' % (what, describe_error(error)), status=error.status_code)
            except ConnectionTimeout:
                # Never retried: the request may have been carried out; the next run reads and converges.
                self.fail('%s failed: no answer from Elasticsearch at %s within request_timeout (%s s)'
                          % (what, ', '.join(self._settings['hosts']), self._settings['request_timeout']))
            except TlsError as error:
                self.fail('%s failed: TLS error talking to %s: %s'
                          % (what, ', '.join(self._settings['hosts']), describe_error(error)))
            except (EsConnectionError, TransportError) as error:
                self.fail('%s failed: cannot reach Elasticsearch at %s: %s'
                          % (what, ', '.join(self._settings['hosts']), describe_error(error)))
        raise AssertionError('unreachable')

    def authenticates(self, what, **credential):
        """The _authenticate answer for another credential (basic_auth=(u, p) or api_key=...), or None on 401."""
        def authenticate(client):
            try:
                return dict(client.options(**credential).security.authenticate())
            except ApiError as error:
                if error.status_code == 401:
                    return None
                raise
        return self.call(what, authenticate)


def connect(module):
    """Build the connection from the module's parameters, or fail the module with why it cannot."""
    if ELASTICSEARCH_IMPORT_ERROR:
        module.fail_json(msg=missing_required_lib(CLIENT_REQUIREMENT), exception=ELASTICSEARCH_IMPORT_ERROR)
    problem = client_version_problem(CLIENT_VERSION)
    if problem:
        module.fail_json(msg=problem)
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
    for warning in connection_warnings(module.params):
        module.warn(warning)
    return ElasticsearchConnection(module, client, settings)
