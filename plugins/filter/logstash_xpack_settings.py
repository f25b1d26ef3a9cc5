# -*- coding: utf-8 -*-
# Copyright: esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
name: logstash_xpack_settings
short_description: logstash.yml settings for monitoring or central management, as a Logstash version accepts them
version_added: 0.1.0
description:
  - The C(xpack.monitoring.*) or C(xpack.management.*) settings of C(logstash.yml) for a TLS connection to
    Elasticsearch with one authentication mode.
  - Logstash refuses unknown settings, so only those the chosen version knows are given
    (C(ssl.certificate) and C(ssl.key) from 8.9, C(verification_mode) V(full) from 8.9 and V(certificate)
    before, C(xpack.monitoring.allow_legacy_collection) from 9.0).
  - Secrets are referenced from the Logstash keystore as C(${KEY}).
author:
  - esguard maintainers (@esguard)
options:
  _input:
    description:
      - The connection, as for the O(esguard.security.logstash_elasticsearch#filter:connection) option of
        P(esguard.security.logstash_elasticsearch#filter); for central management also C(pipeline_ids),
        the pipelines Logstash fetches.
    type: dict
    required: true
  purpose:
    description: Which settings.
    type: str
    choices: [monitoring, management]
    required: true
  version:
    description: The Logstash version, such as V(8.19.2).
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Monitoring settings with the logstash_system user
  ansible.builtin.debug:
    msg: >-
      {{ {'hosts': ['https://es1:9200'], 'auth': 'basic', 'user': 'logstash_system',
          'password_key': 'ES_MONITORING_PWD', 'ca': '/etc/logstash/certs/ca.crt'}
         | esguard.security.logstash_xpack_settings(purpose='monitoring', version='8.19.2') }}
"""

RETURN = r"""
_value:
  description: Setting names and values.
  type: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.esguard.security.plugins.module_utils._logstash_config import (
    LogstashConfigError,
    xpack_settings,
)


def logstash_xpack_settings(connection, purpose, version):
    try:
        return xpack_settings(purpose, version, connection)
    except LogstashConfigError as exc:
        raise AnsibleFilterError(str(exc))


class FilterModule:
    def filters(self):
        return {'logstash_xpack_settings': logstash_xpack_settings}
