#!/usr/bin/env python
# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Leaf certificates issued by es_cert's code versus openssl command lines (used by bench.py).

Half of the leaves get EC P-256 keys, half RSA 2048. es_cert's side runs the module's
decision and issuing code (plan_outputs) in one process and writes the key, certificate
and chain files, as one module run per certificate would minus Ansible's own overhead.
The openssl side does the same work the usual way: one `openssl req -new -newkey` (key and
CSR) and one `openssl x509 -req` (signing) process per certificate, then the chain by
concatenation. Both sides issue from the same CA; each returns the seconds of every
certificate, per key type, in wall-clock and in CPU seconds.
"""
import datetime
import os
import resource
import subprocess
import time

from ansible_collections.esguard.security.plugins.module_utils import _certificates as certs
from ansible_collections.esguard.security.plugins.module_utils._cert_plan import plan_outputs

KEY_TYPES = ('ec_p256', 'rsa_2048')
OPENSSL_KEY_ARGS = {'ec_p256': ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
                    'rsa_2048': ['-newkey', 'rsa:2048']}


def read(path):
    if not os.path.exists(path):
        return None
    with open(path, 'rb') as handle:
        return handle.read()


def write(path, content, mode):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, 'wb') as handle:
        handle.write(content)


def leaf_params(directory, index, key_type):
    name = 'leaf-%04d' % index
    return dict(type='server', subject={'CN': name}, subject_alt_names=[name + '.example.com', 'localhost',
                                                                        '127.0.0.1'],
                client_auth=False, key_type=key_type, valid_for='+365d', renew_before='30d',
                ca_path=os.path.join(directory, 'ca.crt'), ca_content=None,
                ca_privatekey_path=os.path.join(directory, 'ca.key'), ca_privatekey_content=None,
                ca_privatekey_passphrase=None, path=os.path.join(directory, name + '.crt'),
                privatekey_path=os.path.join(directory, name + '.key'), privatekey_passphrase=None,
                chain_path=os.path.join(directory, name + '.chain.pem'), pkcs12_path=None, pkcs12_password=None,
                pkcs12_name=None, trust_bundle_path=None, trust_bundle_extra_cas=[],
                import_certificate_content=None, import_privatekey_content=None, request_csr=False,
                csr_content=None, force=False)


def cpu_seconds():
    """CPU time of this process and of its finished children: unlike wall-clock time, it hardly depends
    on what else the machine runs."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class Timings(object):
    """Wall-clock and CPU seconds of each certificate, per key type, in wall-clock and in CPU seconds."""

    def __init__(self):
        self.wall = dict((key_type, []) for key_type in KEY_TYPES)
        self.cpu = dict((key_type, []) for key_type in KEY_TYPES)
        self._started = None

    def start(self):
        self._started = (time.perf_counter(), cpu_seconds())

    def stop(self, key_type):
        wall, cpu = self._started
        self.wall[key_type].append(round(time.perf_counter() - wall, 5))
        self.cpu[key_type].append(round(cpu_seconds() - cpu, 5))


def bench_es_cert(directory, count):
    timings = Timings()
    for index in range(count):
        key_type = KEY_TYPES[index % len(KEY_TYPES)]
        timings.start()
        plan = plan_outputs(leaf_params(directory, index, key_type), read)
        for output in plan.outputs:
            if output.content is not None:
                write(output.path, output.content, 0o600 if output.secret else 0o644)
        timings.stop(key_type)
    return timings


def bench_openssl(directory, count):
    timings = Timings()
    ca_crt, ca_key = os.path.join(directory, 'ca.crt'), os.path.join(directory, 'ca.key')
    ext = os.path.join(directory, 'leaf.ext')
    for index in range(count):
        key_type = KEY_TYPES[index % len(KEY_TYPES)]
        name = os.path.join(directory, 'ossl-%04d' % index)
        timings.start()
        with open(ext, 'w') as handle:
            handle.write('basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n'
                         'extendedKeyUsage=serverAuth\nsubjectAltName=DNS:leaf-%04d.example.com,DNS:localhost,'
                         'IP:127.0.0.1\n' % index)
        subprocess.run(['openssl', 'req', '-new', *OPENSSL_KEY_ARGS[key_type], '-nodes', '-keyout', name + '.key',
                        '-subj', '/CN=leaf-%04d' % index, '-out', name + '.csr'], check=True, capture_output=True)
        subprocess.run(['openssl', 'x509', '-req', '-in', name + '.csr', '-CA', ca_crt, '-CAkey', ca_key,
                        '-set_serial', str(index + 1), '-days', '365', '-sha256', '-extfile', ext,
                        '-out', name + '.crt'], check=True, capture_output=True)
        with open(name + '.chain.pem', 'wb') as chain:
            chain.write(read(name + '.crt') + read(ca_crt))
        timings.stop(key_type)
    return timings


def make_ca(directory):
    """The CA both sides issue from: (certificate path, key path)."""
    ca_key = certs.generate_private_key('ec_p256')
    ca = certs.build_certificate(certs.Profile('ca', certs.parse_subject({'CN': 'bench CA'})), ca_key,
                                 datetime.timedelta(days=3650))
    paths = os.path.join(directory, 'ca.crt'), os.path.join(directory, 'ca.key')
    write(paths[0], certs.certificate_pem(ca), 0o644)
    write(paths[1], certs.private_key_pem(ca_key), 0o600)
    return paths
