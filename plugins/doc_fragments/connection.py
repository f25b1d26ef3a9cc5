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
      - Required, in the task or in the E(ELASTICSEARCH_HOSTS) environment variable (comma-separated). There is
        no default, so that a credential is never sent to a server nobody named.
    type: list
    elements: str
  login_user:
    description:
      - User the module authenticates as (HTTP basic authentication). Requires O(login_password).
      - When the task gives no credential option, the E(ELASTICSEARCH_USERNAME) environment variable can set it (see the notes).
      - Mutually exclusive with O(api_key).
    type: str
  login_password:
    description:
      - Password of O(login_user).
      - When the task gives no credential option, the E(ELASTICSEARCH_PASSWORD) environment variable can set it (see the notes).
    type: str
  api_key:
    description:
      - API key to authenticate with, either as C(id:key) or as the base64 C(encoded) form.
      - Mutually exclusive with O(login_user) and O(login_password).
      - When the task gives no credential option, the E(ELASTICSEARCH_API_KEY) environment variable can set it (see the notes).
    type: str
  client_cert:
    description:
      - PEM client certificate for PKI authentication (and for servers that require a client certificate).
      - Requires O(client_key).
      - With O(api_key) or O(login_user) too, the module authenticates with those; the certificate only opens
        the TLS connection.
      - When the task gives no credential option, the E(ELASTICSEARCH_CLIENT_CERT) environment variable can set it (see the notes).
    type: path
  client_key:
    description:
      - PEM private key of O(client_cert). It must not be encrypted; an encrypted key is refused (the module
        never prompts for a passphrase).
      - When the task gives no credential option, the E(ELASTICSEARCH_CLIENT_KEY) environment variable can set it (see the notes).
    type: path
  ca_certs:
    description:
      - CA certificates to verify the server with, as a file path or as PEM content.
      - Exactly these CAs are trusted, nothing else (neither the system's CAs nor those of C(certifi)).
      - Without it (and without O(ca_trusted_fingerprint)), the system's trusted CAs and those of the C(certifi)
        bundle, a dependency of the Python client, are trusted.
      - Mutually exclusive with O(ca_trusted_fingerprint).
      - When the task gives neither O(ca_certs) nor O(ca_trusted_fingerprint), the E(ELASTICSEARCH_CA_CERTS) environment variable
        can set it (see the notes).
    type: str
  ca_trusted_fingerprint:
    description:
      - SHA-256 fingerprint (hex, colons allowed) of a certificate in the server's chain, usually its CA.
        The connection is trusted when that certificate is presented, so the server must send it with its own
        certificate (Elasticsearch's auto-configured HTTP certificate includes its CA).
      - The host name is not checked against the server's certificate with it. Any server that presents a
        certificate with this fingerprint in its chain is trusted, whatever its name.
      - Mutually exclusive with O(ca_certs).
      - When the task gives neither O(ca_certs) nor O(ca_trusted_fingerprint), the E(ELASTICSEARCH_CA_TRUSTED_FINGERPRINT) environment variable
        can set it (see the notes).
    type: str
  validate_certs:
    description:
      - Whether to verify the server certificate and host name.
      - Only set V(false) for throw-away test clusters; the module warns on every run where it is.
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
      - The module warns on every run where it lets requests go to C(http://) URLs.
      - Can also be set with the E(ELASTICSEARCH_ALLOW_INSECURE_HTTP) environment variable.
    type: bool
    default: false
notes:
  - The E(ELASTICSEARCH_*) environment variables are read on the host where the module runs (the managed
    host, or the controller for a task delegated to V(localhost)), not where C(ansible-playbook) runs. The task's
    C(environment) keyword sets them for one task.
  - Options given in the task (directly or through C(module_defaults)) win over the environment. The credential
    options (O(login_user), O(login_password), O(api_key), O(client_cert), O(client_key)) go together, as do the trust options
    (O(ca_certs), O(ca_trusted_fingerprint)) - when the task gives any option of a group, the environment
    variables of that whole group are ignored; otherwise they fill it in. So a credential in the task replaces
    every credential in the environment, and the two are never mixed. Which options may go together is
    checked on the source used, and errors name the environment variables when they come from there.
  - Requests that answer HTTP 429, 502, 503 or 504, or that fail while the security index allocates its shards,
    are retried with exponential backoff. Creating an API key is never retried, since a retry could create a second key.
    A delete retried that way and then answered "not found" counts as done, since the earlier attempt deleted it.
requirements:
  - elasticsearch >= 8.13, < 9 (the Python client, where the module runs). A 9.x client works only with
    Elasticsearch 9 servers; an Elasticsearch 8 server refuses it, and the module then says which client to install.
'''
