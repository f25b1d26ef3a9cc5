# -*- coding: utf-8 -*-
# Copyright: esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
name: logstash_elasticsearch
short_description: An elasticsearch pipeline plugin block with the option names of a Logstash version
version_added: 0.1.0
description:
  - Renders an C(elasticsearch) output, input or filter of a Logstash pipeline that connects to Elasticsearch
    over TLS with one authentication mode, using the option names the chosen Logstash version accepts
    (C(ssl), C(cacert) or C(ca_file) and C(ssl_certificate_verification) up to 8.7; C(ssl_enabled),
    C(ssl_certificate_authorities) and C(ssl_verification_mode) from 8.8).
  - Secrets are referenced from the Logstash keystore as C(${KEY}); the block never holds a secret.
  - Fails on settings the version cannot take, and on extra options the plugin does not have in that version.
author:
  - esguard maintainers (@esguard)
options:
  _input:
    description:
      - Further options of the plugin, such as C(index) or C(query), rendered as given after the connection.
      - They must exist in the plugin of that Logstash version and may not set the connection.
    type: dict
    required: true
  connection:
    description:
      - The connection, a dictionary with C(hosts) (https URLs), C(auth) (V(basic), V(api_key) or V(pki)),
        C(user) and C(password_key), C(api_key_key), C(certificate) and C(key) or C(keystore) and
        C(keystore_password_key), C(ca) and C(verification_mode) (V(full) or V(none)).
      - Options ending in C(_key) name keystore entries.
    type: dict
    required: true
  kind:
    description: Which plugin.
    type: str
    choices: [output, input, filter]
    required: true
  version:
    description: The Logstash version, such as V(8.19.2).
    type: str
    required: true
  indent:
    description: Indentation of the block.
    type: str
    default: '  '
"""

EXAMPLES = r"""
- name: The output of a pipeline, with an API key from the keystore
  ansible.builtin.debug:
    msg: >-
      {{ {'index': 'logs'} | esguard.security.logstash_elasticsearch(
           connection={'hosts': ['https://es1:9200'], 'auth': 'api_key', 'api_key_key': 'ES_API_KEY',
                       'ca': '/etc/logstash/certs/ca.crt'},
           kind='output', version='8.19.2') }}
"""

RETURN = r"""
_value:
  description: The plugin block, in Logstash's configuration language.
  type: str
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.esguard.security.plugins.module_utils._logstash_config import (
    LogstashConfigError,
    plugin_options,
    render_plugin,
)


def logstash_elasticsearch(options, connection, kind, version, indent='  '):
    try:
        return render_plugin(plugin_options(kind, version, connection, options), indent)
    except LogstashConfigError as exc:
        raise AnsibleFilterError(str(exc))


class FilterModule:
    def filters(self):
        return {'logstash_elasticsearch': logstash_elasticsearch}
