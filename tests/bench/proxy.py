# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A counting HTTPS proxy on 127.0.0.1: every request a module sends, by method and path.

The proxy terminates TLS with a certificate of its own CA (made at start, handed to the
modules as ``ca_certs``), forwards each request to the node over verified TLS and records
(method, path) before answering. Counting connections would miss keep-alive requests and
count retries' handshakes; this counts requests.
"""
from __future__ import annotations

import datetime
import http.client
import os
import ssl
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Requests that only read although their method is not GET: the privilege checks and searches.
READ_ONLY_POST_SUFFIXES = ('/_has_privileges', '/_authenticate', '/_search', '/_query', '/_mget')
# Headers that belong to one hop, not to the request or answer.
HOP_HEADERS = frozenset(['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade',
                         'proxy-authorization', 'proxy-authenticate', 'content-length', 'host'])


def is_write(method, path):
    """Whether a request changes the cluster: any PUT or DELETE, and POST except read-only endpoints."""
    method = method.upper()
    if method in ('GET', 'HEAD'):
        return False
    if method == 'POST':
        return not urllib.parse.urlsplit(path).path.rstrip('/').endswith(READ_ONLY_POST_SUFFIXES)
    return True


def make_tls_files(directory):
    """The proxy's CA and server certificate (EC, for 127.0.0.1): returns (ca path, cert path, key path)."""
    # Imported here: the request counting above is used (and tested) without the collection on the path.
    from ansible_collections.esguard.security.plugins.module_utils import _certificates as certs

    ca_key = certs.generate_private_key('ec_p256')
    ca = certs.build_certificate(certs.Profile('ca', certs.parse_subject({'CN': 'benchmark proxy CA'})), ca_key,
                                 datetime.timedelta(days=2))
    key = certs.generate_private_key('ec_p256')
    leaf = certs.build_certificate(
        certs.Profile('server', certs.parse_subject({'CN': 'benchmark proxy'}), sans=certs.parse_sans(['IP:127.0.0.1', 'DNS:localhost'])),
        key, datetime.timedelta(days=2), issuer_cert=ca, issuer_key=ca_key)
    paths = tuple(os.path.join(directory, name) for name in ('proxy-ca.crt', 'proxy.crt', 'proxy.key'))
    for path, content in zip(paths, (certs.certificate_pem(ca), certs.certificate_pem(leaf),
                                     certs.private_key_pem(key))):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, 'wb') as handle:
            handle.write(content)
    return paths


class CountingProxy(object):
    """Start with ``start()``; ``url`` is what modules connect to; ``take()`` returns and clears the log."""

    def __init__(self, upstream_url, upstream_ca, directory):
        upstream = urllib.parse.urlsplit(upstream_url)
        self.ca_path, cert_path, key_path = make_tls_files(directory)
        self._lock = threading.Lock()
        self._requests = []
        upstream_context = ssl.create_default_context(cafile=upstream_ca)
        server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server_context.load_cert_chain(cert_path, key_path)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def log_message(self, *args):
                pass

            def forward(self):
                length = int(self.headers.get('Content-Length') or 0)
                body = self.rfile.read(length) if length else None
                if not hasattr(self, 'upstream'):
                    self.upstream = http.client.HTTPSConnection(upstream.hostname, upstream.port,
                                                                context=upstream_context, timeout=120)
                headers = dict((k, v) for k, v in self.headers.items() if k.lower() not in HOP_HEADERS)
                self.upstream.request(self.command, self.path, body=body, headers=headers)
                answer = self.upstream.getresponse()
                content = answer.read()
                proxy.record(self.command, self.path)
                self.send_response(answer.status, answer.reason)
                for key, value in answer.getheaders():
                    if key.lower() not in HOP_HEADERS:
                        self.send_header(key, value)
                self.send_header('Content-Length', str(len(content)))
                self.end_headers()
                if self.command != 'HEAD':
                    self.wfile.write(content)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = forward

        self._server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self._server.daemon_threads = True
        self._server.socket = server_context.wrap_socket(self._server.socket, server_side=True)
        self.url = 'https://127.0.0.1:%d' % self._server.server_address[1]

    def record(self, method, path):
        with self._lock:
            self._requests.append((method, urllib.parse.urlsplit(path).path))

    def take(self):
        """The requests recorded since the last call, as [(method, path)], and forget them."""
        with self._lock:
            taken, self._requests = self._requests, []
        return taken

    def start(self):
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()


def request_shape(method, path):
    """``METHOD /_security/role/{name}``: the request with item names left out, so that counts add up."""
    segments = path.split('/')
    shaped = [s if i < 3 or s.startswith('_') else '{name}' for i, s in enumerate(segments)]
    return '%s %s' % (method, '/'.join(shaped))


def summary(requests):
    """{'requests': n, 'writes': n, 'by_request': {'METHOD path shape': n}} of recorded requests."""
    by_request = {}
    for method, path in requests:
        key = request_shape(method, path)
        by_request[key] = by_request.get(key, 0) + 1
    return dict(requests=len(requests), writes=sum(1 for method, path in requests if is_write(method, path)),
                by_request=by_request)
