# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Option and setting names of Logstash's connection to Elasticsearch, by version."""

from __future__ import annotations

import pytest

from ansible_collections.esguard.security.plugins.module_utils import _logstash_config as lc

BASIC = {'hosts': ['https://es:9200'], 'auth': 'basic', 'user': 'logstash_internal', 'password_key': 'ES_PWD',
         'ca': '/ca.crt'}


def names(options):
    return [name for name, value in options]


def test_versions():
    assert lc.parse_version('8.19.2') == (8, 19)
    assert lc.parse_version('9.0.0-SNAPSHOT') == (9, 0)
    for bad in ('8', 'latest', '7.16.3', '10.0.0', '6.8.23'):
        with pytest.raises(lc.LogstashConfigError):
            lc.parse_version(bad)


@pytest.mark.parametrize('version, kind, expected', [
    ('7.17.29', 'output', ['hosts', 'user', 'password', 'ssl', 'cacert', 'ssl_certificate_verification']),
    ('8.7.1', 'input', ['hosts', 'user', 'password', 'ssl', 'ca_file', 'ssl_certificate_verification']),
    ('8.7.1', 'filter', ['hosts', 'user', 'password', 'ssl', 'ca_file']),
    ('8.8.0', 'output', ['hosts', 'user', 'password', 'ssl_enabled', 'ssl_certificate_authorities',
                         'ssl_verification_mode']),
    ('9.1.0', 'filter', ['hosts', 'user', 'password', 'ssl_enabled', 'ssl_certificate_authorities',
                         'ssl_verification_mode']),
])
def test_tls_names_follow_the_version(version, kind, expected):
    options = lc.plugin_options(kind, version, BASIC)
    assert names(options) == expected
    assert set(names(options)) <= lc.allowed_plugin_options(kind, version)
    assert dict(options)['password'] == '${ES_PWD}'


def test_old_names_are_refused_in_9_and_new_names_before_8_8():
    assert 'cacert' in lc.allowed_plugin_options('output', '8.19.2')
    assert 'cacert' not in lc.allowed_plugin_options('output', '9.0.0')
    assert 'ssl_enabled' not in lc.allowed_plugin_options('output', '8.7.1')
    assert 'ca_file' not in lc.allowed_plugin_options('output', '8.19.2')
    with pytest.raises(lc.LogstashConfigError, match='Logstash 9.1.0 has no option manage_templates'):
        lc.plugin_options('output', '9.1.0', BASIC, {'manage_templates': False})
    with pytest.raises(lc.LogstashConfigError, match='option ssl is part of the connection'):
        lc.plugin_options('output', '8.19.2', BASIC, {'ssl': True})


def test_auth_modes():
    api_key = dict(BASIC, auth='api_key', api_key_key='ES_API_KEY')
    assert dict(lc.plugin_options('output', '7.17.29', api_key))['api_key'] == '${ES_API_KEY}'
    # An API key needs TLS switched on explicitly in 7.17's output.
    assert dict(lc.plugin_options('output', '7.17.29', api_key))['ssl'] is True
    pem = dict(BASIC, auth='pki', certificate='/c.crt', key='/c.key')
    assert names(lc.plugin_options('input', '8.8.0', pem))[-2:] == ['ssl_certificate', 'ssl_key']
    with pytest.raises(lc.LogstashConfigError, match='needs Logstash 8.8'):
        lc.plugin_options('output', '8.7.1', pem)
    p12 = dict(BASIC, auth='pki', keystore='/c.p12', keystore_password_key='ES_SSL_KEYSTORE_PASS')
    assert lc.plugin_options('output', '8.7.1', p12)[-2:] == [('keystore', '/c.p12'),
                                                              ('keystore_password', '${ES_SSL_KEYSTORE_PASS}')]
    with pytest.raises(lc.LogstashConfigError, match='only the output'):
        lc.plugin_options('input', '7.17.29', p12)
    for broken, message in [({'hosts': []}, 'at least one'), ({'hosts': ['http://es:9200']}, 'https'),
                            ({'auth': 'token'}, 'auth must be'), ({'password_key': ''}, 'needs password_key'),
                            ({'ca': ''}, 'ca'), ({'verification_mode': 'certificate'}, 'full or none'),
                            ({'auth': 'pki'}, 'certificate and key')]:
        with pytest.raises(lc.LogstashConfigError, match=message):
            lc.plugin_options('output', '8.19.2', dict(BASIC, **broken))


def test_rendering():
    assert lc.lscl_value(['a', 1, True, {'k': "it's"}]) == '["a", 1, true, { "k" => "it\'s" }]'
    assert lc.lscl_value('say "hi"') == '\'say "hi"\''
    with pytest.raises(lc.LogstashConfigError, match='both kinds of quotes'):
        lc.lscl_value('"\'')
    assert lc.render_plugin([('hosts', ['https://es:9200']), ('ssl_enabled', True)]) == (
        '  elasticsearch {\n    hosts => ["https://es:9200"]\n    ssl_enabled => true\n  }')


@pytest.mark.parametrize('version, mode', [('7.17.29', 'certificate'), ('8.8.2', 'certificate'), ('8.9.0', 'full')])
def test_xpack_settings(version, mode):
    settings = lc.xpack_settings('monitoring', version, dict(BASIC, user='logstash_system'))
    assert settings['xpack.monitoring.elasticsearch.ssl.verification_mode'] == mode
    assert settings['xpack.monitoring.elasticsearch.password'] == '${ES_PWD}'
    assert set(settings) <= lc.allowed_settings(version)
    assert 'xpack.monitoring.allow_legacy_collection' not in settings


def test_xpack_settings_by_version():
    assert lc.xpack_settings('monitoring', '9.0.0', BASIC)['xpack.monitoring.allow_legacy_collection'] is True
    pem = dict(BASIC, auth='pki', certificate='/c.crt', key='/c.key')
    assert lc.xpack_settings('management', '8.9.0', dict(pem, pipeline_ids=['p']))[
        'xpack.management.elasticsearch.ssl.key'] == '/c.key'
    with pytest.raises(lc.LogstashConfigError, match='needs Logstash 8.9'):
        lc.xpack_settings('monitoring', '8.8.2', pem)
    with pytest.raises(lc.LogstashConfigError, match='pipeline_ids'):
        lc.xpack_settings('management', '8.19.2', BASIC)
    assert 'xpack.monitoring.elasticsearch.ssl.ca_trusted_fingerprint' not in lc.allowed_settings('8.3.0')
    assert 'xpack.monitoring.elasticsearch.ssl.ca_trusted_fingerprint' in lc.allowed_settings('8.4.0')


# 'deployment:' followed by the Base64 of 'es.example.com$abc123$def456', the form the Cloud console shows.
CLOUD_ID = 'deployment:ZXMuZXhhbXBsZS5jb20kYWJjMTIzJGRlZjQ1Ng=='
CLOUD = {'cloud_id': CLOUD_ID, 'auth': 'basic', 'cloud_auth_key': 'ES_CLOUD_AUTH'}


@pytest.mark.parametrize('version, kind, expected', [
    ('7.17.29', 'output', [('cloud_id', CLOUD_ID), ('cloud_auth', '${ES_CLOUD_AUTH}'), ('ssl', True),
                           ('ssl_certificate_verification', True)]),
    ('8.7.1', 'filter', [('cloud_id', CLOUD_ID), ('cloud_auth', '${ES_CLOUD_AUTH}'), ('ssl', True)]),
    ('9.1.0', 'input', [('cloud_id', CLOUD_ID), ('cloud_auth', '${ES_CLOUD_AUTH}'), ('ssl_enabled', True),
                        ('ssl_verification_mode', 'full')]),
])
def test_cloud_id_with_cloud_auth(version, kind, expected):
    # No hosts and no CA: Elastic Cloud's certificates chain to the JVM's own trusted CAs.
    assert lc.plugin_options(kind, version, CLOUD) == expected


def test_cloud_id_with_api_key_and_a_ca():
    options = dict(lc.plugin_options('output', '8.19.2', dict(CLOUD, auth='api_key', api_key_key='ES_API_KEY',
                                                              ca='/ca.crt')))
    assert options['api_key'] == '${ES_API_KEY}' and 'cloud_auth' not in options and 'hosts' not in options
    assert options['ssl_certificate_authorities'] == ['/ca.crt']
    settings = lc.xpack_settings('monitoring', '9.1.0', dict(CLOUD, cloud_auth_key='ES_MONITORING_CLOUD_AUTH'))
    assert settings['xpack.monitoring.elasticsearch.cloud_id'] == CLOUD_ID
    assert settings['xpack.monitoring.elasticsearch.cloud_auth'] == '${ES_MONITORING_CLOUD_AUTH}'
    assert not {'xpack.monitoring.elasticsearch.hosts', 'xpack.monitoring.elasticsearch.username'} & set(settings)
    assert set(settings) <= lc.allowed_settings('9.1.0')


@pytest.mark.parametrize('broken, message', [
    ({'hosts': ['https://es:9200']}, 'cloud_id and hosts exclude each other'),
    ({'auth': 'pki', 'certificate': '/c.crt', 'key': '/c.key'}, 'not pki'),
    ({'cloud_auth_key': ''}, 'needs cloud_auth_key'),
    ({'cloud_id': 'es.example.com:9243'}, 'is not a Cloud ID'),
    ({'cloud_id': 'deployment:bm90IGEgY2xvdWQgaWQ='}, 'is not a Cloud ID'),
])
def test_cloud_id_refusals(broken, message):
    with pytest.raises(lc.LogstashConfigError, match=message):
        lc.plugin_options('output', '8.19.2', dict(CLOUD, **broken))


TRUSTSTORE = dict(BASIC, ca='', truststore='/etc/logstash/certs/truststore.p12',
                  truststore_password_key='ES_SSL_TRUSTSTORE_PASS')


@pytest.mark.parametrize('version, kind, expected', [
    ('7.17.29', 'output', [('truststore', '/etc/logstash/certs/truststore.p12'),
                           ('truststore_password', '${ES_SSL_TRUSTSTORE_PASS}')]),
    ('8.7.1', 'output', [('truststore', '/etc/logstash/certs/truststore.p12'),
                         ('truststore_password', '${ES_SSL_TRUSTSTORE_PASS}')]),
    ('8.8.0', 'filter', [('ssl_truststore_path', '/etc/logstash/certs/truststore.p12'),
                         ('ssl_truststore_password', '${ES_SSL_TRUSTSTORE_PASS}')]),
    ('9.1.0', 'input', [('ssl_truststore_path', '/etc/logstash/certs/truststore.p12'),
                        ('ssl_truststore_password', '${ES_SSL_TRUSTSTORE_PASS}')]),
])
def test_truststore_names_follow_the_version(version, kind, expected):
    options = lc.plugin_options(kind, version, TRUSTSTORE)
    assert [option for option in options if 'truststore' in option[0]] == expected
    assert not {'cacert', 'ca_file', 'ssl_certificate_authorities'} & set(names(options))
    assert set(names(options)) <= lc.allowed_plugin_options(kind, version)


def test_truststore_refusals_and_settings():
    for kind in ('input', 'filter'):
        with pytest.raises(lc.LogstashConfigError, match='only the output can take a truststore'):
            lc.plugin_options(kind, '8.7.1', TRUSTSTORE)
    with pytest.raises(lc.LogstashConfigError, match='ca and truststore exclude each other'):
        lc.plugin_options('output', '8.19.2', dict(TRUSTSTORE, ca='/ca.crt'))
    with pytest.raises(lc.LogstashConfigError, match='needs truststore_password_key'):
        lc.plugin_options('output', '8.19.2', dict(TRUSTSTORE, truststore_password_key=''))
    with pytest.raises(lc.LogstashConfigError, match='or truststore is required'):
        lc.plugin_options('output', '8.19.2', dict(BASIC, ca=''))
    settings = lc.xpack_settings('management', '7.17.29', dict(TRUSTSTORE, pipeline_ids=['p']))
    assert settings['xpack.management.elasticsearch.ssl.truststore.password'] == '${ES_SSL_TRUSTSTORE_PASS}'
    assert 'xpack.management.elasticsearch.ssl.certificate_authority' not in settings
    assert set(settings) <= lc.allowed_settings('7.17.29')
