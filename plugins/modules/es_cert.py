#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: es_cert
short_description: Certificate authority, server and client certificates for Elasticsearch, Beats and Logstash
version_added: 0.1.0
description:
  - Creates a certificate authority (or takes an existing one), and issues server certificates for the
    Elasticsearch HTTP and transport layers and client certificates for PKI authentication of Beats and
    Logstash instances, declaratively and repeatably.
  - Writes the PEM certificate, the PEM private key (PKCS#8), optionally the chain, a PKCS#12 keystore
    for C(xpack.security.http.ssl.keystore.path) and a trust bundle of several CAs for a CA rollover.
  - Works without Elasticsearch, on the controller or on any host with the Python C(cryptography) library.
  - An existing certificate is kept as long as its key matches and its subject, subject alternative names,
    key usages and issuing CA are the ones asked for, and it does not expire within O(renew_before).
    The validity period asked for (O(valid_for)) is never itself a reason to issue again.
  - Secret files (private keys, PKCS#12 keystores) are always written with mode V(0600).
  - 'The CA private key and a host''s private key can each stay where they are, in three steps: on the host,
    O(request_csr=true) makes or keeps the key and, only when the certificate must be issued, returns a
    certificate signing request (RV(csr)); where the CA key is (the controller), O(csr_content) signs it and
    returns the certificate (RV(certificate_pem)); on the host again, O(import_certificate_content) installs
    it, with the chain and PKCS#12 keystore. Both sides decide as a single task does: nothing is requested,
    signed or written while the certificate fits.'
author:
  - esguard maintainers (@esguard)
requirements:
  - cryptography >= 3.3
extends_documentation_fragment:
  - ansible.builtin.files
attributes:
  check_mode:
    support: full
    description: Reports what would be written, and owner, group or mode that would be changed, without changing anything.
  diff_mode:
    support: full
    description: Shows subject, subject alternative names, serial number, validity and fingerprint; never key material.
  platform:
    support: full
    platforms: posix
    description: Runs on any POSIX host that has the Python cryptography library.
options:
  type:
    description:
      - V(ca) is a self-signed certificate authority that signs the other certificates.
      - V(server) is a certificate for TLS servers (Elasticsearch HTTP or transport layer, Logstash Beats input).
      - V(client) is a certificate a Beat or Logstash instance presents to authenticate through a PKI realm.
    type: str
    required: true
    choices: [ca, server, client]
  path:
    description:
      - Where the PEM certificate is written. Its directory must exist; this and every other output path are
        checked before anything is written.
      - Required, except with O(csr_content), which writes no file.
    type: path
  privatekey_path:
    description:
      - Where the PEM private key (PKCS#8) is written. Its mode is always V(0600).
      - Required, except with O(csr_content), which writes no file.
    type: path
  privatekey_passphrase:
    description:
      - Encrypts the private key file with this passphrase, and reads an existing key with it.
      - Leave it out for Logstash, which needs an unencrypted PKCS#8 key.
    type: str
  key_type:
    description:
      - Algorithm and size of a new private key. An existing key of another type is replaced.
    type: str
    choices: [ec_p256, ec_p384, rsa_2048, rsa_3072, rsa_4096]
    default: rsa_2048
  subject:
    description:
      - 'The subject distinguished name, read in the order written (C(CN) first, as X.509 tools and
        Elasticsearch print it): a dictionary of attribute names to values such as
        C({CN: filebeat-01, OU: filebeat, O: Example}), or the same name as an RFC 4514 string such as
        C(CN=filebeat-01,OU=filebeat,O=Example).'
      - Known attributes are C(CN), C(O), C(OU), C(C), C(ST), C(L), C(DC) and C(emailAddress); in a dictionary,
        a list value repeats the attribute. C(CN) is required.
      - Both forms give the name RV(certificate.subject) returns, which a PKI role mapping matches (C(dn) field),
        C(CN=filebeat-01,OU=filebeat,O=Example) as it is, or with a wildcard in Elasticsearch's normalized form
        (lower case), C(cn=*,ou=filebeat,o=example).
      - Required unless a CA is imported with O(import_certificate_content).
    type: raw
  subject_alt_names:
    description:
      - Every DNS name and IP address clients use to reach a server, as V(DNS:name), V(IP:address) or bare.
      - Required for O(type=server). Anything that is neither a DNS name nor an IP address is an error.
    type: list
    elements: str
    default: []
  client_auth:
    description:
      - For O(type=server), also allow TLS client authentication, as certificates of the Elasticsearch
        transport layer need.
    type: bool
    default: false
  valid_for:
    description:
      - Validity period of a newly issued certificate, such as V(+365d), V(52w) or V(12h), in other words a whole
        number and one of the units V(w), V(d), V(h), V(m), V(s), V(ms), the same grammar as the durations of
        M(esguard.security.es_api_key).
      - Defaults to V(+3650d) for a CA and V(+365d) otherwise. A leaf certificate never outlives its CA.
      - Must be longer than O(renew_before), or every run would issue the certificate again.
    type: str
  renew_before:
    description:
      - Issue the certificate again when it expires within this period, such as V(30d) (same grammar as O(valid_for)).
      - A leaf certificate that already ends together with its CA is not issued again, since a new one could not
        last longer; replace the CA instead (see the CA rollover guide).
    type: str
    default: 30d
  ca_path:
    description: PEM certificate of the issuing CA, for O(type=server) and O(type=client).
    type: path
  ca_content:
    description: PEM certificate of the issuing CA, as content. Mutually exclusive with O(ca_path).
    type: str
  ca_privatekey_path:
    description:
      - PEM private key of the issuing CA. It must belong to the CA certificate.
      - For O(type=server) and O(type=client), this or O(ca_privatekey_content) is required to sign here; leave
        both out with O(request_csr) or O(import_certificate_content), where the CA key stays elsewhere.
    type: path
  ca_privatekey_content:
    description: PEM private key of the issuing CA, as content. Mutually exclusive with O(ca_privatekey_path).
    type: str
  ca_privatekey_passphrase:
    description: Passphrase of the CA private key.
    type: str
  import_certificate_content:
    description:
      - For O(type=ca), bring your own CA instead of creating one, with O(import_privatekey_content).
        They are checked (the key must match, the CA must be valid now) and written to O(path) and
        O(privatekey_path).
      - For O(type=server) and O(type=client), a certificate issued elsewhere (RV(certificate_pem) of the
        signing task), for the private key at O(privatekey_path) or for O(import_privatekey_content). It is
        installed only if it is exactly what this task would issue (key, subject, subject alternative names,
        usages, issued by the CA of O(ca_path) or O(ca_content), not within O(renew_before)); otherwise the task
        fails and writes nothing.
    type: str
  import_privatekey_content:
    description:
      - PEM private key of the certificate given in O(import_certificate_content); required for O(type=ca).
      - For a leaf certificate whose key was made on the controller and is copied to the host.
    type: str
  request_csr:
    description:
      - For O(type=server) and O(type=client) where the CA private key is not. Makes the private key at
        O(privatekey_path) when there is none (or it has another O(key_type)), keeps it otherwise, and when the
        certificate at O(path) must be issued, returns a certificate signing request in RV(csr) instead of
        signing. The key never leaves the host.
      - Nothing but a new private key is written; the certificate, chain and keystore follow once the signed
        certificate is given in O(import_certificate_content).
      - Needs the CA certificate (O(ca_path) or O(ca_content)) to decide whether the certificate still fits.
    type: bool
    default: false
  csr_content:
    description:
      - PEM certificate signing request (RV(csr) of the host's task) to sign with the CA key of this task, which
        writes no file and returns the certificate in RV(certificate_pem).
      - The certificate gets the subject, subject alternative names, usages and validity of this task; the
        request only proves that its host holds the key. A request asking for another subject or other names is
        refused.
      - Give it only when the host asked for a certificate (RV(csr) is not null), since every signing issues a new one.
    type: str
  chain_path:
    description: Where to write the certificate followed by its CA certificate (PEM), for O(type=server) and O(type=client).
    type: path
  pkcs12_path:
    description:
      - Where to write a PKCS#12 keystore with the private key, the certificate and the CA certificate,
        as C(xpack.security.http.ssl.keystore.path) reads it. Requires O(pkcs12_password).
      - It is encrypted with PBE-SHA1-3DES and a SHA-1 MAC, which every Java 8 and later opens.
      - Its mode is always V(0600).
    type: path
  pkcs12_password:
    description: Password of the PKCS#12 keystore.
    type: str
  pkcs12_name:
    description: Friendly name (alias) of the key entry in the PKCS#12 keystore. Defaults to the common name.
    type: str
  trust_bundle_path:
    description:
      - For O(type=ca), where to write a PEM bundle of this CA followed by the CAs of O(trust_bundle_extra_cas).
      - During a CA rollover this bundle lets every host trust the old and the new CA at the same time.
    type: path
  trust_bundle_extra_cas:
    description: PEM files of further CA certificates to include in O(trust_bundle_path), such as the previous CA.
    type: list
    elements: path
    default: []
  force:
    description: Issue the certificate again even if the existing one fits. The private key is kept if it fits.
    type: bool
    default: false
  backup:
    description: Keep a timestamped copy of every file before it is replaced.
    type: bool
    default: false
notes:
  - In check mode, a certificate signing request is made and signed all the same (nothing is written), so the
    import on the host can show the certificate it would install; a new private key exists only in the memory
    of the checking task then, so an import for it cannot be checked before the real run.
  - O(mode) applies to certificates, chains and trust bundles; O(owner), O(group) and the other file options
    apply to every file written.
  - The private key and PKCS#12 password options are never logged; results contain no key material.
seealso:
  - name: CA rollover
    description: Replacing the CA of a cluster without interrupting clients, in three steps.
    link: https://github.com/esguard/security/blob/main/docs/docsite/rst/ca_rollover.rst
"""

EXAMPLES = r"""
# The CA and its private key stay on the controller: certificates are issued there (delegate_to: localhost)
# and only certificates, and each host's own key, are copied to the hosts.
- name: A directory for the PKI on the controller
  ansible.builtin.file:
    path: "{{ playbook_dir }}/pki"
    state: directory
    mode: "0700"
  delegate_to: localhost
  run_once: true

- name: Certificate authority of the cluster
  esguard.security.es_cert:
    type: ca
    subject:
      CN: esguard CA
      O: Example
    path: "{{ playbook_dir }}/pki/ca.crt"
    privatekey_path: "{{ playbook_dir }}/pki/ca.key"
    key_type: ec_p384
  delegate_to: localhost
  run_once: true
  register: ca

- name: HTTP certificate of each Elasticsearch node, with every name clients use, and a PKCS#12 keystore
  esguard.security.es_cert:
    type: server
    subject:
      CN: "{{ inventory_hostname }}"
    subject_alt_names:
      - "DNS:{{ inventory_hostname }}"
      - DNS:localhost
      - IP:127.0.0.1
    ca_path: "{{ playbook_dir }}/pki/ca.crt"
    ca_privatekey_path: "{{ playbook_dir }}/pki/ca.key"
    path: "{{ playbook_dir }}/pki/{{ inventory_hostname }}-http.crt"
    privatekey_path: "{{ playbook_dir }}/pki/{{ inventory_hostname }}-http.key"
    pkcs12_path: "{{ playbook_dir }}/pki/{{ inventory_hostname }}-http.p12"
    pkcs12_password: "{{ http_keystore_password }}"
    renew_before: 30d
  delegate_to: localhost

- name: Install the keystore on the node
  ansible.builtin.copy:
    src: "{{ playbook_dir }}/pki/{{ inventory_hostname }}-http.p12"
    dest: /etc/elasticsearch/certs/http.p12
    owner: root
    group: elasticsearch
    mode: "0640"

# The subject reads as written and as Elasticsearch prints it: CN=filebeat-web-01,OU=filebeat,O=Example,
# which the role mapping example of esguard.security.es_role_mapping (cn=*,ou=filebeat,o=example) matches.
- name: Client certificate of each Filebeat host, for the PKI realm
  esguard.security.es_cert:
    type: client
    subject:
      CN: "{{ inventory_hostname }}"
      OU: filebeat
      O: Example
    ca_path: "{{ playbook_dir }}/pki/ca.crt"
    ca_privatekey_path: "{{ playbook_dir }}/pki/ca.key"
    path: "{{ playbook_dir }}/pki/{{ inventory_hostname }}-client.crt"
    privatekey_path: "{{ playbook_dir }}/pki/{{ inventory_hostname }}-client.key"
    key_type: ec_p256
  delegate_to: localhost

- name: Install the CA, the client certificate and its key on the Filebeat host
  ansible.builtin.copy:
    src: "{{ playbook_dir }}/pki/{{ item.src }}"
    dest: "/etc/filebeat/certs/{{ item.dest }}"
    mode: "{{ item.mode }}"
  loop:
    - {src: ca.crt, dest: ca.crt, mode: "0644"}
    - {src: "{{ inventory_hostname }}-client.crt", dest: client.crt, mode: "0644"}
    - {src: "{{ inventory_hostname }}-client.key", dest: client.key, mode: "0600"}
  diff: false  # a diff would print the private key

- name: The same subject as an RFC 4514 string
  esguard.security.es_cert:
    type: client
    subject: "CN={{ inventory_hostname }},OU=filebeat,O=Example"
    ca_path: "{{ playbook_dir }}/pki/ca.crt"
    ca_privatekey_path: "{{ playbook_dir }}/pki/ca.key"
    path: "{{ playbook_dir }}/pki/{{ inventory_hostname }}-client.crt"
    privatekey_path: "{{ playbook_dir }}/pki/{{ inventory_hostname }}-client.key"
    key_type: ec_p256
  delegate_to: localhost

- name: Trust the old and the new CA during a rollover
  esguard.security.es_cert:
    type: ca
    subject:
      CN: esguard CA 2
      O: Example
    path: "{{ playbook_dir }}/pki/ca2.crt"
    privatekey_path: "{{ playbook_dir }}/pki/ca2.key"
    trust_bundle_path: "{{ playbook_dir }}/pki/trusted-cas.crt"
    trust_bundle_extra_cas:
      - "{{ playbook_dir }}/pki/ca.crt"
  delegate_to: localhost
  run_once: true

# The node's key stays on the node and the CA key on the controller: the node asks, the controller
# signs, the node installs. A second run finds the certificate fitting and requests, signs and writes nothing.
- name: Key of the node, and a request when its certificate must be issued
  esguard.security.es_cert:
    type: server
    request_csr: true
    subject:
      CN: "{{ inventory_hostname }}"
    subject_alt_names: ["DNS:{{ inventory_hostname }}", DNS:localhost, IP:127.0.0.1]
    ca_content: "{{ lookup('ansible.builtin.file', playbook_dir ~ '/pki/ca.crt') }}"
    path: /etc/elasticsearch/certs/http.crt
    privatekey_path: /etc/elasticsearch/certs/http.key
    owner: elasticsearch
    group: elasticsearch
  register: http_request

- name: Sign the request with the CA on the controller
  esguard.security.es_cert:
    type: server
    csr_content: "{{ http_request.csr }}"
    subject:
      CN: "{{ inventory_hostname }}"
    subject_alt_names: ["DNS:{{ inventory_hostname }}", DNS:localhost, IP:127.0.0.1]
    ca_path: "{{ playbook_dir }}/pki/ca.crt"
    ca_privatekey_path: "{{ playbook_dir }}/pki/ca.key"
  delegate_to: localhost
  when: http_request.csr is not none
  register: http_signed

- name: Install the signed certificate next to its key
  esguard.security.es_cert:
    type: server
    import_certificate_content: "{{ http_signed.certificate_pem }}"
    subject:
      CN: "{{ inventory_hostname }}"
    subject_alt_names: ["DNS:{{ inventory_hostname }}", DNS:localhost, IP:127.0.0.1]
    ca_content: "{{ lookup('ansible.builtin.file', playbook_dir ~ '/pki/ca.crt') }}"
    path: /etc/elasticsearch/certs/http.crt
    privatekey_path: /etc/elasticsearch/certs/http.key
    owner: elasticsearch
    group: elasticsearch
  when: http_signed is changed

- name: Pin the CA in Beats by its fingerprint
  ansible.builtin.debug:
    msg: "ssl.ca_trusted_fingerprint: {{ ca.certificate.fingerprint_sha256 }}"
"""

RETURN = r"""
certificate:
  description:
    - The certificate at O(path) after the run.
    - In check mode, for a certificate that would be issued, only C(subject), C(issuer) and C(subject_alt_names),
      because serial number, dates and fingerprint are not known before issuing.
  returned: success
  type: dict
  contains:
    subject:
      description: Subject distinguished name (RFC 4514), as a PKI role mapping matches it.
      type: str
      sample: CN=filebeat-web-01,OU=filebeat,O=Example
    issuer:
      description: Issuer distinguished name (RFC 4514).
      type: str
      sample: CN=esguard CA,O=Example
    serial_number:
      description: Serial number, hexadecimal.
      type: str
      sample: 4d1e2c0f9b
    not_before:
      description: Start of validity, UTC.
      type: str
      sample: '2026-01-01T00:00:00Z'
    not_after:
      description: Expiry, UTC.
      type: str
      sample: '2027-01-01T00:00:00Z'
    fingerprint_sha256:
      description: SHA-256 fingerprint, hexadecimal without colons (the form of C(ssl.ca_trusted_fingerprint)).
      type: str
      sample: 5d4bd0c3e3f1c2a0b9f8e7d6c5b4a3928170f6e5d4c3b2a1908f7e6d5c4b3a29
    subject_alt_names:
      description: Subject alternative names.
      type: list
      elements: str
      sample: ['DNS:localhost', 'IP:127.0.0.1']
ca:
  description: The issuing CA (for O(type=ca), the certificate itself).
  returned: success
  type: dict
  sample: {subject: 'CN=esguard CA,O=Example', fingerprint_sha256: 5d4bd0c3e3f1c2a0b9f8e7d6c5b4a3928170f6e5d4c3b2a1908f7e6d5c4b3a29}
issued_by_ca:
  description:
    - Whether the CA the task names (O(ca_path) or O(ca_content)) signed the certificate that was at O(path)
      before the task, as the last step of a CA rollover needs to know before the old CA is trusted no more.
    - V(null) for O(type=ca), with O(csr_content), and when O(path) held no readable certificate.
  returned: success
  type: bool
  sample: true
reasons:
  description: Why the certificate was (or in check mode would be) issued; empty when it was kept.
  returned: success
  type: list
  elements: str
  sample: ['the subject alternative names changed']
csr:
  description:
    - With O(request_csr), the PEM certificate signing request to sign where the CA key is (O(csr_content)),
      or V(null) when the certificate fits and nothing needs signing.
  returned: when O(request_csr=true)
  type: str
  sample: "-----BEGIN CERTIFICATE REQUEST-----\nMIIBHDCBwwIBADAR...\n-----END CERTIFICATE REQUEST-----\n"
certificate_pem:
  description: With O(csr_content), the PEM certificate signed for the request (also in check mode, where it is not used).
  returned: when O(csr_content) is given
  type: str
  sample: "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU...\n-----END CERTIFICATE-----\n"
written:
  description: The files that were (or in check mode would be) written.
  returned: success
  type: list
  elements: str
  sample: [/etc/elasticsearch/certs/http.crt]
backup_files:
  description: Backups made with O(backup), by the path they are a copy of.
  returned: when O(backup=true) and a file was replaced
  type: dict
  sample: {/etc/elasticsearch/certs/http.crt: /etc/elasticsearch/certs/http.crt.1234.2026-01-01@00:00:00~}
"""

import os

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.esguard.security.plugins.module_utils._module import SecretMaskingModule
from ansible_collections.esguard.security.plugins.module_utils import _certificates as certs
from ansible_collections.esguard.security.plugins.module_utils._errors import InputError
from ansible_collections.esguard.security.plugins.module_utils._files import (
    apply_file_attributes,
    check_output_path,
    read_bytes,
    write_atomically,
)
from ansible_collections.esguard.security.plugins.module_utils._cert_plan import plan_outputs


# The options naming files the module writes.
OUTPUT_OPTIONS = ('path', 'privatekey_path', 'chain_path', 'pkcs12_path', 'trust_bundle_path')


def main():
    module = SecretMaskingModule(
        argument_spec=dict(
            type=dict(type='str', required=True, choices=list(certs.CERTIFICATE_TYPES)),
            path=dict(type='path'),
            privatekey_path=dict(type='path'),
            privatekey_passphrase=dict(type='str', no_log=True),
            key_type=dict(type='str', default='rsa_2048', choices=list(certs.KEY_TYPES)),
            subject=dict(type='raw'),
            subject_alt_names=dict(type='list', elements='str', default=[]),
            client_auth=dict(type='bool', default=False),
            valid_for=dict(type='str'),
            renew_before=dict(type='str', default='30d'),
            ca_path=dict(type='path'),
            ca_content=dict(type='str'),
            ca_privatekey_path=dict(type='path'),
            ca_privatekey_content=dict(type='str', no_log=True),
            ca_privatekey_passphrase=dict(type='str', no_log=True),
            import_certificate_content=dict(type='str'),
            import_privatekey_content=dict(type='str', no_log=True),
            chain_path=dict(type='path'),
            pkcs12_path=dict(type='path'),
            pkcs12_password=dict(type='str', no_log=True),
            pkcs12_name=dict(type='str'),
            trust_bundle_path=dict(type='path'),
            trust_bundle_extra_cas=dict(type='list', elements='path', default=[]),
            request_csr=dict(type='bool', default=False),
            csr_content=dict(type='str'),
            force=dict(type='bool', default=False),
            backup=dict(type='bool', default=False),
        ),
        mutually_exclusive=[('ca_path', 'ca_content'), ('ca_privatekey_path', 'ca_privatekey_content')],
        required_together=[('pkcs12_path', 'pkcs12_password')],
        required_by={'import_privatekey_content': 'import_certificate_content'},
        required_if=[('type', 'server', ('ca_path', 'ca_content'), True),
                     ('type', 'client', ('ca_path', 'ca_content'), True)],
        add_file_common_args=True,
        supports_check_mode=True,
    )
    if not certs.HAS_CRYPTOGRAPHY:
        module.fail_json(msg=missing_required_lib('cryptography'), exception=str(certs.CRYPTOGRAPHY_IMPORT_ERROR))

    try:
        for option in OUTPUT_OPTIONS:
            if module.params[option]:
                check_output_path(module.params[option], option)
        plan = plan_outputs(module.params, read_bytes, module.check_mode)
    except InputError as exc:
        module.fail_json(msg=str(exc))
    except (IOError, OSError) as exc:  # an input file that is a directory or unreadable
        module.fail_json(msg='cannot read %s: %s' % (exc.filename, exc.strerror))

    result = dict(changed=plan.signed is not None, reasons=plan.reasons, certificate=plan.certificate_facts,
                  ca=plan.ca_facts, issued_by_ca=plan.issued_by_ca,
                  written=[output.path for output in plan.outputs if output.content is not None])
    if module.params['request_csr']:
        result['csr'] = plan.csr.decode('ascii') if plan.csr is not None else None
    if plan.signed is not None:
        result['certificate_pem'] = plan.signed.decode('ascii')
    if module._diff:
        result['diff'] = plan.diff
    backups = {}
    for output in plan.outputs:
        if output.content is not None:
            result['changed'] = True
            if not module.check_mode:
                backup_file = write_atomically(module, output.path, output.content, output.secret,
                                               module.params['backup'])
                if backup_file:
                    backups[output.path] = backup_file
        if os.path.exists(output.path):
            # In check mode this only reports owner, group and mode that differ.
            result['changed'] = apply_file_attributes(module, output.path, output.secret, result['changed'])
    if backups:
        result['backup_files'] = backups
    module.exit_json(**result)


if __name__ == '__main__':
    main()
