# -*- coding: utf-8 -*-
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment(object):

    DOCUMENTATION = r'''
options:
  hosts:
    description:
      - Elasticsearch URLs. Requests take them in turn, starting with the first; a request that cannot reach
        one URL is sent to the next.
      - Can also be set with the E(ELASTICSEARCH_HOSTS) environment variable (comma-separated).
    type: list
    elements: str
    default: ['https://localhost:9200']
  login_user:
    description:
      - User the module authenticates as (HTTP basic authentication). Requires O(login_password).
      - Can also be set with the E(ELASTICSEARCH_USERNAME) environment variable.
    type: str
  login_password:
    description:
      - Password of O(login_user).
      - Can also be set with the E(ELASTICSEARCH_PASSWORD) environment variable.
    type: str
  api_key:
    description:
      - API key to authenticate with, either as C(id:key) or as the base64 C(encoded) form.
      - Mutually exclusive with O(login_user) and O(login_password).
      - Can also be set with the E(ELASTICSEARCH_API_KEY) environment variable.
    type: str
  client_cert:
    description:
      - PEM client certificate for PKI authentication (and for servers that require a client certificate).
      - Requires O(client_key).
      - Can also be set with the E(ELASTICSEARCH_CLIENT_CERT) environment variable.
    type: path
  client_key:
    description:
      - PEM private key of O(client_cert), unencrypted.
      - Can also be set with the E(ELASTICSEARCH_CLIENT_KEY) environment variable.
    type: path
  ca_certs:
    description:
      - CA certificates to verify the server with, as a file path or as PEM content.
      - Without it the system's trusted CAs are used.
      - As with Elastic's own client, the CAs of the C(certifi) bundle (a dependency of the client) are trusted
        too. To trust nothing but one CA, pin it with O(ca_trusted_fingerprint) instead.
      - Mutually exclusive with O(ca_trusted_fingerprint).
      - Can also be set with the E(ELASTICSEARCH_CA_CERTS) environment variable.
    type: str
  ca_trusted_fingerprint:
    description:
      - SHA-256 fingerprint (hex, colons allowed) of a certificate in the server's chain, usually its CA.
        The connection is trusted when that certificate is presented, so the server must send it with its own
        certificate (Elasticsearch's auto-configured HTTP certificate includes its CA).
      - Mutually exclusive with O(ca_certs).
      - Can also be set with the E(ELASTICSEARCH_CA_TRUSTED_FINGERPRINT) environment variable.
    type: str
  validate_certs:
    description:
      - Whether to verify the server certificate and host name.
      - Only set V(false) for throw-away test clusters; the module warns when it is.
      - Can also be set with the E(ELASTICSEARCH_VALIDATE_CERTS) environment variable.
    type: bool
    default: true
  request_timeout:
    description:
      - Seconds to wait for each response.
      - Can also be set with the E(ELASTICSEARCH_REQUEST_TIMEOUT) environment variable.
    type: float
    default: 30
  allow_insecure_http:
    description:
      - Allow sending credentials to C(http://) URLs. Without it such a configuration is refused,
        because the password or key would cross the network in clear text.
      - Can also be set with the E(ELASTICSEARCH_ALLOW_INSECURE_HTTP) environment variable.
    type: bool
    default: false
notes:
  - Requests that answer HTTP 429, 502, 503 or 504, or that fail while the security index allocates its shards,
    are retried with exponential backoff. Creating an API key is never retried, since a retry could create a second key.
requirements:
  - elasticsearch >= 8.13, < 9 (the Python client, where the module runs)
'''
