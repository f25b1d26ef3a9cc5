# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filters the logstash role renders with: their names, and refusals as filter errors."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.esguard.security.plugins.filter import logstash_elasticsearch, logstash_xpack_settings

CONNECTION = {'hosts': ['https://es:9200'], 'auth': 'api_key', 'api_key_key': 'ES_API_KEY', 'ca': '/ca.crt'}


def test_logstash_elasticsearch():
    render = logstash_elasticsearch.FilterModule().filters()['logstash_elasticsearch']
    assert render({'index': 'logs'}, CONNECTION, 'output', '9.1.0').splitlines() == [
        '  elasticsearch {', '    hosts => ["https://es:9200"]', '    api_key => "${ES_API_KEY}"',
        '    ssl_enabled => true', '    ssl_certificate_authorities => ["/ca.crt"]',
        '    ssl_verification_mode => "full"', '    index => "logs"', '  }']
    with pytest.raises(AnsibleFilterError, match='Logstash 9.1.0 has no option indexes'):
        render({'indexes': 'logs'}, CONNECTION, 'output', '9.1.0')


def test_logstash_xpack_settings():
    settings = logstash_xpack_settings.FilterModule().filters()['logstash_xpack_settings']
    assert settings(CONNECTION, 'monitoring', '8.19.2')['xpack.monitoring.elasticsearch.api_key'] == '${ES_API_KEY}'
    with pytest.raises(AnsibleFilterError, match='pipeline_ids'):
        settings(CONNECTION, 'management', '8.19.2')
