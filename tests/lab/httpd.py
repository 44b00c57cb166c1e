# SPDX-License-Identifier: MIT
"""The lab's web server: http on port 80 and https on port 443 of one
address, answering by Host header and path from a table of routes, and
recording every request so tests can check what was asked."""
import http.server
import socket
import ssl
import sys
import threading
import time
import urllib.parse


class LabHTTPServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        """A client that hangs up mid-answer (smtpdoctor stops reading a
        document past its size limit, or gives up on a slow source) is what
        the tests provoke: not worth a traceback in the test output."""
        if not isinstance(sys.exc_info()[1], (ConnectionError, ssl.SSLEOFError, ssl.SSLZeroReturnError)):
            super().handle_error(request, client_address)


class Route:
    def __init__(self, status=200, body=b"", content_type="text/xml", location=None, delay=0.0):
        self.status, self.body, self.content_type = status, body, content_type
        self.location, self.delay = location, delay


class WebServer:
    def __init__(self, ip):
        self.ip = ip
        self.routes = {}          # (scheme, host, path) -> Route
        self.requests = []        # (scheme, method, host, path, query, body)
        self.request_times = []   # (scheme, host, path, time.monotonic())
        self.lock = threading.Lock()
        self.servers = []

    def route(self, scheme, host, path, **kw):
        schemes = ("http", "https") if scheme == "both" else (scheme,)
        for s in schemes:
            self.routes[(s, host.lower(), path)] = Route(**kw)

    def _handler(self, scheme):
        web = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def setup(self):
                super().setup()
                # as web servers do: headers and body are two writes here, and
                # Nagle would hold the body back a round trip for the ACK
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def _serve(self, method):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                host = (self.headers.get("Host") or "").split(":")[0].lower()
                url = urllib.parse.urlsplit(self.path)
                with web.lock:
                    web.requests.append((scheme, method, host, url.path, url.query, body))
                    web.request_times.append((scheme, host, url.path, time.monotonic()))
                r = web.routes.get((scheme, host, url.path))
                if r is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if r.delay:
                    time.sleep(r.delay)
                self.send_response(r.status)
                if r.location:
                    self.send_header("Location", r.location)
                data = r.body if isinstance(r.body, bytes) else r.body.encode()
                self.send_header("Content-Type", r.content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self._serve("GET")

            def do_POST(self):
                self._serve("POST")

        return Handler

    def start(self, certificates):
        """certificates: (names, cert_chain, key) each; a client gets the one
        for the name it asks for (SNI), else the first."""
        plain = LabHTTPServer((self.ip, 80), self._handler("http"))
        secure = LabHTTPServer((self.ip, 443), self._handler("https"))
        by_name = {}
        for names, chain, key in certificates:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(chain, key)
            for name in names:
                by_name.setdefault(name, ctx)
        first = by_name[certificates[0][0][0]]

        def choose(sock, name, _ctx):
            sock.context = by_name.get((name or "").lower(), first)

        first.sni_callback = choose
        # handshake in the request thread, so one stalled client stalls no one else
        secure.socket = first.wrap_socket(secure.socket, server_side=True, do_handshake_on_connect=False)
        for srv in (plain, secure):
            srv.daemon_threads = True
            threading.Thread(target=srv.serve_forever, daemon=True).start()
            self.servers.append(srv)

    def stop(self):
        for srv in self.servers:
            srv.shutdown()
            srv.server_close()

    def request_times_for(self, scheme, host, path):
        """When each request for scheme, host and path arrived (time.monotonic())."""
        with self.lock:
            return [t for (s, h, p, t) in self.request_times if (s, h, p) == (scheme, host, path)]

    def requests_for(self, host, path=None):
        with self.lock:
            return [r for r in self.requests if r[2] == host and (path is None or r[3] == path)]
