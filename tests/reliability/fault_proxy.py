# Copyright (c) esguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A TLS-terminating HTTP proxy on 127.0.0.1 in front of the test node, which injects faults.

It presents a certificate of its own (see certificate()), forwards each request to the node and
records it. Rules answer chosen requests with an error status before (or after) forwarding them,
delay the answer, or cut the connection: what an overloaded node, a gateway in trouble, a slow
node or a node that stops looks like from the client.
"""
import datetime
import http.client
import http.server
import re
import ssl
import threading
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

HOP_HEADERS = {'connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host'}


def certificate(directory, name, issuer_cert=None, issuer_key=None, sans=('127.0.0.1',), days=(-1, 30), ca=False):
    """Write NAME.crt and NAME.key to directory: signed by the issuer (or self-signed), valid from days[0] to days[1]."""
    import ipaddress
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'esguard reliability %s' % name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    alt_names = [x509.IPAddress(ipaddress.ip_address(san)) if san[0].isdigit() else x509.DNSName(san) for san in sans]
    builder = (x509.CertificateBuilder().subject_name(subject)
               .issuer_name(issuer_cert.subject if issuer_cert else subject)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now + datetime.timedelta(days=days[0]))
               .not_valid_after(now + datetime.timedelta(days=days[1]))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if alt_names:
        builder = builder.add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
    cert = builder.sign(issuer_key or key, hashes.SHA256())
    cert_path, key_path = '%s/%s.crt' % (directory, name), '%s/%s.key' % (directory, name)
    with open(cert_path, 'wb') as handle:
        handle.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(key_path, 'wb') as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    return cert_path, key_path


def load_issuer(cert_path, key_path):
    with open(cert_path, 'rb') as handle:
        cert = x509.load_pem_x509_certificate(handle.read())
    with open(key_path, 'rb') as handle:
        key = serialization.load_pem_private_key(handle.read(), None)
    return cert, key


class Rule(object):
    """Requests whose method and path match get ``status`` (or a delay, or a cut) ``times`` times.

    ``after_forward``: the node carries the request out and the client gets the error instead of
    its answer (a lost answer).
    """

    def __init__(self, method, path, status=None, times=1, after_forward=False, delay=0.0, cut=False):
        self.method, self.path = method, re.compile(path)
        self.status, self.times, self.after_forward, self.delay, self.cut = status, times, after_forward, delay, cut
        self.hits = 0

    def applies(self, method, path):
        if self.hits >= self.times or not re.fullmatch(self.method, method) or not self.path.search(path):
            return False
        self.hits += 1
        return True


class FaultProxy(object):
    def __init__(self, port, upstream, upstream_ca, cert, key):
        self.port, self.upstream, self.upstream_ca = port, upstream.rstrip('/'), upstream_ca
        self.rules = []
        # (method, path, what happened, when): 'forwarded', 'STATUS before forwarding', 'answer lost', 'cut',
        # 'delayed' (then forwarded after the delay)
        self.log = []
        self.down = False
        # Goes down (cuts every connection) once it has forwarded this many requests.
        self.down_after = None
        self.lock = threading.Lock()
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def log_message(self, *_args):
                pass

            def handle_one_request(self):
                try:
                    super(Handler, self).handle_one_request()
                except (ConnectionError, ssl.SSLError):
                    self.close_connection = True

            def do(self):
                proxy.handle(self)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do

        self.server = http.server.ThreadingHTTPServer(('127.0.0.1', port), Handler)
        self.server.daemon_threads = True
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        return 'https://127.0.0.1:%d' % self.port

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *_exc):
        self.server.shutdown()
        self.server.server_close()

    def record(self, method, path, what):
        with self.lock:
            self.log.append((method, path, what, time.monotonic()))
            forwarded = sum(1 for entry in self.log if entry[2] == 'forwarded')
            if self.down_after is not None and forwarded >= self.down_after:
                self.down = True

    def matching(self, method, path_pattern, *whats):
        return [entry for entry in self.log
                if re.fullmatch(method, entry[0]) and re.search(path_pattern, entry[1]) and (not whats or entry[2] in whats)]

    def sent(self, method, path_pattern):
        """How many matching requests reached the node."""
        return len(self.matching(method, path_pattern, 'forwarded', 'answer lost'))

    def handle(self, request):
        method, path = request.command, request.path
        body = request.rfile.read(int(request.headers.get('Content-Length') or 0))
        with self.lock:
            rule = next((r for r in self.rules if r.applies(method, path)), None)
            down = self.down
        if down or (rule and rule.cut):
            self.record(method, path, 'cut')
            request.close_connection = True
            request.connection.close()
            return
        if rule and rule.delay:
            self.record(method, path, 'delayed')
            threading.Event().wait(rule.delay)
        if rule and rule.status and not rule.after_forward:
            self.record(method, path, '%d before forwarding' % rule.status)
            return self.answer(request, rule.status, b'{"error":"injected"}', {'Content-Type': 'application/json'})
        status, headers, answer = self.forward(method, path, request.headers, body)
        if rule and rule.status:
            self.record(method, path, 'answer lost')
            return self.answer(request, rule.status, b'{"error":"injected"}', {'Content-Type': 'application/json'})
        self.record(method, path, 'forwarded')
        self.answer(request, status, answer, headers)

    def forward(self, method, path, headers, body):
        context = ssl.create_default_context(cafile=self.upstream_ca)
        host = self.upstream.split('://', 1)[1]
        connection = http.client.HTTPSConnection(host, context=context, timeout=60)
        try:
            connection.request(method, path, body=body or None,
                               headers=dict((k, v) for k, v in headers.items() if k.lower() not in HOP_HEADERS))
            answer = connection.getresponse()
            return answer.status, dict((k, v) for k, v in answer.getheaders() if k.lower() not in HOP_HEADERS), \
                answer.read()
        finally:
            connection.close()

    @staticmethod
    def answer(request, status, body, headers):
        try:
            request.send_response(status)
            for name, value in headers.items():
                request.send_header(name, value)
            request.send_header('Content-Length', str(len(body)))
            request.end_headers()
            request.wfile.write(body)
        except (ConnectionError, ssl.SSLError):
            request.close_connection = True
