# -*- coding: utf-8 -*-
# Copyright: esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What Logstash is told about its connection to Elasticsearch, by Logstash version.

Logstash refuses unknown options of a pipeline plugin and unknown settings in logstash.yml, and the
elasticsearch plugins renamed their TLS options in Logstash 8.8 (output 11.14, input 4.17, filter
3.15): the old names are the only ones up to 8.7, deprecated but accepted in later 8.x, and refused
in 9.x. The names below are an allowlist per version, used both to write configuration and to check
it. Secrets never appear: they are referenced as ${KEY} from the Logstash keystore.
"""

from __future__ import annotations

import base64
import binascii
import re

from ansible_collections.esguard.security.plugins.module_utils._errors import InputError


class LogstashConfigError(InputError):
    """Connection settings Logstash could not use in the chosen version."""


PLUGIN_KINDS = ('output', 'input', 'filter')
AUTH_MODES = ('basic', 'api_key', 'pki')
VERIFICATION_MODES = ('full', 'none')

# Options of the elasticsearch plugins that kept their names in every supported version.
COMMON_OPTIONS = {
    'output': ('id', 'enable_metric', 'codec', 'hosts', 'user', 'password', 'api_key', 'cloud_id', 'cloud_auth',
               'proxy', 'path', 'custom_headers', 'timeout', 'pool_max', 'pool_max_per_route', 'sniffing',
               'http_compression', 'retry_initial_interval', 'retry_max_interval', 'retry_on_conflict',
               'index', 'action', 'document_id', 'document_type', 'routing', 'pipeline', 'parent', 'version',
               'version_type', 'doc_as_upsert', 'upsert', 'script', 'script_type', 'script_lang', 'script_var_name',
               'scripted_upsert', 'manage_template', 'template', 'template_name', 'template_overwrite',
               'ilm_enabled', 'ilm_rollover_alias', 'ilm_pattern', 'ilm_policy', 'data_stream',
               'data_stream_type', 'data_stream_dataset', 'data_stream_namespace', 'data_stream_sync_fields',
               'data_stream_auto_routing', 'dlq_custom_codes', 'dlq_on_failed_indexname_interpolation',
               'silence_errors_in_log'),
    'input': ('id', 'enable_metric', 'codec', 'tags', 'type', 'add_field', 'hosts', 'user', 'password', 'api_key',
              'cloud_id', 'cloud_auth', 'proxy', 'index', 'query', 'size', 'scroll', 'slices', 'schedule',
              'docinfo', 'docinfo_fields', 'docinfo_target', 'target', 'connect_timeout_seconds',
              'request_timeout_seconds', 'socket_timeout_seconds', 'retries', 'search_api', 'response_type'),
    'filter': ('id', 'enable_metric', 'add_field', 'add_tag', 'remove_field', 'remove_tag', 'periodic_flush',
               'hosts', 'user', 'password', 'api_key', 'cloud_id', 'cloud_auth', 'proxy', 'index', 'query',
               'query_template', 'fields', 'docinfo_fields', 'aggregation_fields', 'sort', 'result_size',
               'tag_on_failure', 'enable_sort'),
}
# The TLS options up to Logstash 8.7; deprecated in later 8.x, refused in 9.x.
LEGACY_TLS_OPTIONS = {
    'output': ('ssl', 'cacert', 'ssl_certificate_verification', 'keystore', 'keystore_password', 'truststore',
               'truststore_password'),
    'input': ('ssl', 'ca_file', 'ssl_certificate_verification'),
    'filter': ('ssl', 'ca_file', 'keystore', 'keystore_password'),
}
# The TLS options from Logstash 8.8, the same in all three plugins.
TLS_OPTIONS = ('ssl_enabled', 'ssl_certificate_authorities', 'ssl_verification_mode', 'ssl_certificate', 'ssl_key',
               'ssl_keystore_path', 'ssl_keystore_password', 'ssl_keystore_type', 'ssl_truststore_path',
               'ssl_truststore_password', 'ssl_truststore_type', 'ssl_supported_protocols', 'ssl_cipher_suites')
# Options that carry the connection this collection sets up; a user's extra options may not repeat them.
CONNECTION_OPTIONS = frozenset(('hosts', 'user', 'password', 'api_key', 'cloud_id', 'cloud_auth') + TLS_OPTIONS
                               + sum(LEGACY_TLS_OPTIONS.values(), ()))

# logstash.yml settings under xpack.monitoring.elasticsearch. / xpack.management.elasticsearch., by version.
XPACK_ES_SETTINGS = (
    ((7, 17), ('hosts', 'username', 'password', 'api_key', 'cloud_id', 'cloud_auth', 'proxy', 'sniffing',
               'ssl.certificate_authority', 'ssl.truststore.path', 'ssl.truststore.password',
               'ssl.keystore.path', 'ssl.keystore.password', 'ssl.verification_mode')),
    ((8, 4), ('ssl.ca_trusted_fingerprint',)),
    ((8, 9), ('ssl.certificate', 'ssl.key', 'ssl.cipher_suites')),
)
XPACK_SETTINGS = (
    ((7, 17), ('xpack.monitoring.enabled', 'xpack.monitoring.collection.interval', 'xpack.management.enabled',
               'xpack.management.pipeline.id', 'xpack.management.logstash.poll_interval')),
    ((9, 0), ('xpack.monitoring.allow_legacy_collection',)),
)
XPACK_PURPOSES = ('monitoring', 'management')
OLDEST = (7, 17)


def parse_version(version):
    """(major, minor) of a Logstash version such as 8.19.2; refuses what this collection does not know."""
    match = re.match(r'^(\d+)\.(\d+)(\.\d+)?([-+.].*)?$', str(version))
    if not match:
        raise LogstashConfigError('logstash version %r is not a version number such as 8.19.2' % (version,))
    parsed = (int(match.group(1)), int(match.group(2)))
    if parsed < OLDEST or parsed[0] > 9:
        raise LogstashConfigError('logstash version %s is not supported (7.17 to 9.x)' % version)
    return parsed


def new_tls_names(version):
    return parse_version(version) >= (8, 8)


def allowed_plugin_options(kind, version):
    """The options of the elasticsearch plugin of this kind that this Logstash version accepts."""
    parsed = parse_version(version)
    names = set(COMMON_OPTIONS[kind])
    if parsed < (9, 0):
        names.update(LEGACY_TLS_OPTIONS[kind])
    if parsed >= (8, 8):
        names.update(TLS_OPTIONS)
    return frozenset(names)


def allowed_settings(version):
    """The xpack.* settings of logstash.yml this Logstash version accepts."""
    parsed = parse_version(version)
    names = set()
    for since, settings in XPACK_SETTINGS:
        if parsed >= since:
            names.update(settings)
    for since, settings in XPACK_ES_SETTINGS:
        if parsed >= since:
            names.update('xpack.%s.elasticsearch.%s' % (purpose, name)
                         for purpose in XPACK_PURPOSES for name in settings)
    return frozenset(names)


def reference(key):
    """A keystore entry as Logstash configuration references it."""
    return '${%s}' % key


def _check_cloud_id(cloud_id, what):
    """A Cloud ID is NAME:BASE64 where the Base64 text decodes to HOST$ES_UUID[$KIBANA_UUID]."""
    encoded = str(cloud_id).partition(':')[2]
    try:
        decoded = base64.b64decode(encoded, validate=True).decode('ascii') if encoded else ''
    except (binascii.Error, ValueError):
        decoded = ''
    if len(decoded.split('$')) < 2 or not all(decoded.split('$')[:2]):
        raise LogstashConfigError('%s: cloud_id %r is not a Cloud ID (NAME:BASE64 as the Elastic Cloud console '
                                  'shows it)' % (what, cloud_id))


def _check_connection(connection, what):
    hosts = connection.get('hosts') or []
    cloud_id = connection.get('cloud_id')
    auth = connection.get('auth')
    if auth not in AUTH_MODES:
        raise LogstashConfigError('%s: auth must be one of %s, not %r' % (what, ', '.join(AUTH_MODES), auth))
    if cloud_id:
        # Logstash refuses a cloud_id with hosts, and Elastic Cloud has no PKI realm to map a certificate.
        if hosts:
            raise LogstashConfigError('%s: cloud_id and hosts exclude each other; give one' % what)
        if auth == 'pki':
            raise LogstashConfigError('%s: cloud_id takes auth basic (as cloud_auth) or api_key, not pki' % what)
        _check_cloud_id(cloud_id, what)
    elif not hosts:
        raise LogstashConfigError('%s: hosts must list at least one Elasticsearch URL, or cloud_id be set' % what)
    for host in hosts:
        if not str(host).startswith('https://'):
            raise LogstashConfigError('%s: host %s must be an https:// URL (TLS is required)' % (what, host))
    required = {'basic': ('cloud_auth_key',) if cloud_id else ('user', 'password_key'),
                'api_key': ('api_key_key',), 'pki': ()}[auth]
    for name in required:
        if not connection.get(name):
            raise LogstashConfigError('%s: auth %s needs %s' % (what, auth, name))
    if auth == 'pki' and not (connection.get('certificate') and connection.get('key')) \
            and not (connection.get('keystore') and connection.get('keystore_password_key')):
        raise LogstashConfigError('%s: auth pki needs certificate and key, or keystore and keystore_password_key'
                                  % what)
    if connection.get('truststore'):
        if connection.get('ca'):
            raise LogstashConfigError('%s: ca and truststore exclude each other (Logstash refuses both); give one'
                                      % what)
        if not connection.get('truststore_password_key'):
            raise LogstashConfigError('%s: a truststore needs truststore_password_key' % what)
    elif not connection.get('ca') and not cloud_id:
        raise LogstashConfigError('%s: ca (the CA certificate file on the host) or truststore is required' % what)
    mode = connection.get('verification_mode', 'full')
    if mode not in VERIFICATION_MODES:
        raise LogstashConfigError('%s: verification_mode must be full or none, not %r' % (what, mode))
    return auth, mode


def plugin_options(kind, version, connection, extra=None):
    """The options of an elasticsearch plugin of this kind, in order, as (name, value) pairs.

    connection: hosts or cloud_id, auth (basic, api_key, pki), user and password_key (cloud_auth_key with a
    cloud_id), api_key_key, certificate and key or keystore and keystore_password_key, ca or truststore and
    truststore_password_key, verification_mode; *_key name keystore entries.
    extra: further plugin options, kept as given, that must exist in this version and may not set the connection.
    """
    if kind not in PLUGIN_KINDS:
        raise LogstashConfigError('elasticsearch %s: the kind must be one of %s' % (kind, ', '.join(PLUGIN_KINDS)))
    what = 'elasticsearch %s' % kind
    auth, mode = _check_connection(connection, what)
    new_names = new_tls_names(version)
    cloud_id = connection.get('cloud_id')
    options = [('cloud_id', cloud_id)] if cloud_id else [('hosts', list(connection['hosts']))]
    if auth == 'basic' and cloud_id:
        options.append(('cloud_auth', reference(connection['cloud_auth_key'])))
    elif auth == 'basic':
        options += [('user', connection['user']), ('password', reference(connection['password_key']))]
    elif auth == 'api_key':
        options.append(('api_key', reference(connection['api_key_key'])))
    # Output 11.4 (Logstash 7.17) needs ssl => true for an API key even with https hosts.
    options.append(('ssl_enabled' if new_names else 'ssl', True))
    options += _trust_options(kind, new_names, connection, what)
    if new_names:
        options.append(('ssl_verification_mode', mode))
    elif kind != 'filter':
        options.append(('ssl_certificate_verification', mode == 'full'))
    elif mode != 'full':
        raise LogstashConfigError('%s: before Logstash 8.8 the filter cannot turn verification off' % what)
    if auth == 'pki':
        options += _pki_options(kind, new_names, connection, what)
    for name, value in (extra or {}).items():
        if name in CONNECTION_OPTIONS:
            raise LogstashConfigError('%s: option %s is part of the connection the role sets' % (what, name))
        if name not in allowed_plugin_options(kind, version):
            raise LogstashConfigError('%s: Logstash %s has no option %s' % (what, version, name))
        options.append((name, value))
    return options


def _trust_options(kind, new_names, connection, what):
    """The CA file or the truststore Elasticsearch's certificate is checked against; neither for a
    Cloud ID without them (Elastic Cloud's certificates chain to the JVM's own trusted CAs)."""
    if connection.get('ca'):
        if new_names:
            return [('ssl_certificate_authorities', [connection['ca']])]
        return [('cacert' if kind == 'output' else 'ca_file', connection['ca'])]
    if not connection.get('truststore'):
        return []
    password = reference(connection['truststore_password_key'])
    if new_names:
        return [('ssl_truststore_path', connection['truststore']), ('ssl_truststore_password', password)]
    if kind != 'output':
        raise LogstashConfigError('%s: before Logstash 8.8 only the output can take a truststore; give ca instead'
                                  % what)
    return [('truststore', connection['truststore']), ('truststore_password', password)]


def _pki_options(kind, new_names, connection, what):
    if connection.get('certificate') and connection.get('key'):
        if not new_names:
            raise LogstashConfigError('%s: a PEM client certificate needs Logstash 8.8 or later; '
                                      'give a PKCS#12 keystore instead' % what)
        return [('ssl_certificate', connection['certificate']), ('ssl_key', connection['key'])]
    password = reference(connection['keystore_password_key'])
    if new_names:
        return [('ssl_keystore_path', connection['keystore']), ('ssl_keystore_password', password)]
    if kind != 'output':
        raise LogstashConfigError('%s: before Logstash 8.8 only the output can present a client certificate' % what)
    return [('keystore', connection['keystore']), ('keystore_password', password)]


def lscl_value(value):
    """A value in Logstash's configuration language."""
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        if '"' not in value:
            return '"%s"' % value
        if "'" not in value:
            return "'%s'" % value
        raise LogstashConfigError('a value holds both kinds of quotes, which Logstash cannot read')
    if isinstance(value, dict):
        return '{ %s }' % ' '.join('%s => %s' % (lscl_value(str(key)), lscl_value(item))
                                   for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return '[%s]' % ', '.join(lscl_value(item) for item in value)
    raise LogstashConfigError('a value of type %s has no Logstash form' % type(value).__name__)


def render_plugin(options, indent='  '):
    """An elasticsearch plugin block, one option a line."""
    lines = ['%selasticsearch {' % indent]
    lines += ['%s  %s => %s' % (indent, name, lscl_value(value)) for name, value in options]
    lines.append('%s}' % indent)
    return '\n'.join(lines)


def xpack_settings(purpose, version, connection):
    """The logstash.yml settings for monitoring or central management of this Logstash version."""
    what = 'xpack.%s' % purpose
    auth, mode = _check_connection(connection, what)
    parsed = parse_version(version)
    prefix = 'xpack.%s.elasticsearch.' % purpose
    settings = {'xpack.%s.enabled' % purpose: True}
    if connection.get('cloud_id'):
        settings[prefix + 'cloud_id'] = connection['cloud_id']
    else:
        settings[prefix + 'hosts'] = list(connection['hosts'])
    if auth == 'basic' and connection.get('cloud_id'):
        settings[prefix + 'cloud_auth'] = reference(connection['cloud_auth_key'])
    elif auth == 'basic':
        settings[prefix + 'username'] = connection['user']
        settings[prefix + 'password'] = reference(connection['password_key'])
    elif auth == 'api_key':
        settings[prefix + 'api_key'] = reference(connection['api_key_key'])
    else:
        if connection.get('certificate') and connection.get('key'):
            if parsed < (8, 9):
                raise LogstashConfigError('%s: a PEM client certificate needs Logstash 8.9 or later; '
                                          'give a PKCS#12 keystore instead' % what)
            settings[prefix + 'ssl.certificate'] = connection['certificate']
            settings[prefix + 'ssl.key'] = connection['key']
        else:
            settings[prefix + 'ssl.keystore.path'] = connection['keystore']
            settings[prefix + 'ssl.keystore.password'] = reference(connection['keystore_password_key'])
    if connection.get('ca'):
        settings[prefix + 'ssl.certificate_authority'] = connection['ca']
    elif connection.get('truststore'):
        settings[prefix + 'ssl.truststore.path'] = connection['truststore']
        settings[prefix + 'ssl.truststore.password'] = reference(connection['truststore_password_key'])
    # Before 8.9, "certificate" is the mode that verifies the server's certificate and name.
    settings[prefix + 'ssl.verification_mode'] = 'none' if mode == 'none' else (
        'full' if parsed >= (8, 9) else 'certificate')
    if purpose == 'monitoring' and parsed >= (9, 0):
        settings['xpack.monitoring.allow_legacy_collection'] = True
    if purpose == 'management':
        pipelines = connection.get('pipeline_ids') or []
        if not pipelines:
            raise LogstashConfigError('%s: pipeline_ids must name the centrally managed pipelines' % what)
        settings['xpack.management.pipeline.id'] = list(pipelines)
    unknown = sorted(set(settings) - allowed_settings(version))
    if unknown:
        raise LogstashConfigError('Logstash %s has no setting %s' % (version, unknown[0]))
    return settings
