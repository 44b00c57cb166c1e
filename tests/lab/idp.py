# SPDX-License-Identifier: MIT
"""The lab's identity provider: an OAuth2 server over https with the
endpoints smtpdoctor --oauth2 uses, as Microsoft's and Google's behave:
  POST /devicecode    the device authorization request (RFC 8628 3.1)
  POST /token         the device code grant (RFC 8628 3.4) and the
                      authorization code grant with PKCE (RFC 7636 4.5)
  GET  /authorize     signs the "browser" in at once and redirects it to the
                      loopback redirect_uri with a code and the state
Tests play the person through hooks: approve(), deny(), expire() and
slow_down() act on a device code named by its user code. Every access token
issued goes into `issued`, a set that the lab's SMTP servers accept tokens
from (SmtpBehaviour(tokens=idp.issued))."""
import base64
import hashlib
import http.server
import json
import secrets
import socket
import ssl
import threading
import time
import urllib.parse

from httpd import LabHTTPServer

INTERVAL = 1          # seconds between polls the lab asks for
EXPIRES_IN = 120


class Grant:
    def __init__(self, client_id, scope):
        self.client_id, self.scope = client_id, scope
        self.device_code = "dc-" + secrets.token_urlsafe(16)
        self.user_code = "LAB-" + secrets.token_hex(3).upper()
        self.outcome = None          # approved | denied | expired
        self.slow_downs = 0          # slow_down answers still to give
        self.interval = INTERVAL
        self.polls = []              # time.monotonic() of each poll
        self.too_fast = 0            # polls sooner than the interval asked for
        self.answers = []            # the error (or "token") of each poll


class IdentityProvider:
    def __init__(self, ip, name, cert, clients):
        """clients: client_id -> client secret (None: a public client)."""
        self.ip, self.name, self.cert = ip, name, cert
        self.clients = dict(clients)
        self.grants = {}             # device_code -> Grant
        self.codes = {}              # authorization code -> dict of its request
        self.issued = set()          # access tokens issued
        self.requests = []           # (method, path, form or query dict)
        self.lock = threading.Lock()
        self.server = None

    # -- the test's hooks -------------------------------------------------
    def grant(self, user_code):
        with self.lock:
            return next((g for g in self.grants.values() if g.user_code == user_code), None)

    def approve(self, user_code):
        self.grant(user_code).outcome = "approved"

    def deny(self, user_code):
        self.grant(user_code).outcome = "denied"

    def expire(self, user_code):
        self.grant(user_code).outcome = "expired"

    def slow_down(self, user_code, times=1):
        self.grant(user_code).slow_downs = times

    # -- the endpoints ------------------------------------------------------
    def _json(self, handler, status, doc):
        data = json.dumps(doc).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Cache-Control", "no-store")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _client_ok(self, form):
        cid = form.get("client_id")
        if cid not in self.clients:
            return False
        secret = self.clients[cid]
        return secret is None or form.get("client_secret") == secret

    def _issue(self, scope):
        token = "lab-at-" + secrets.token_urlsafe(24)
        self.issued.add(token)
        return {"token_type": "Bearer", "access_token": token, "expires_in": 3599, "scope": scope}

    def device_code(self, handler, form):
        if form.get("client_id") not in self.clients:
            return self._json(handler, 400, {"error": "invalid_client",
                                             "error_description": "AADSTS700016: the application was not found"})
        g = Grant(form["client_id"], form.get("scope", ""))
        with self.lock:
            self.grants[g.device_code] = g
        uri = f"https://{self.name}/device"
        self._json(handler, 200, {
            "device_code": g.device_code, "user_code": g.user_code, "verification_uri": uri,
            "expires_in": EXPIRES_IN, "interval": INTERVAL,
            "message": f"To sign in, use a web browser to open the page {uri} and enter the code {g.user_code}"})

    def token(self, handler, form):
        if not self._client_ok(form):
            return self._json(handler, 401, {"error": "invalid_client"})
        kind = form.get("grant_type")
        if kind == "urn:ietf:params:oauth:grant-type:device_code":
            return self._device_token(handler, form)
        if kind == "authorization_code":
            return self._code_token(handler, form)
        self._json(handler, 400, {"error": "unsupported_grant_type"})

    def _device_token(self, handler, form):
        with self.lock:
            g = self.grants.get(form.get("device_code"))
        if g is None:
            return self._json(handler, 400, {"error": "invalid_grant"})
        now = time.monotonic()
        if g.polls and now - g.polls[-1] < g.interval - 0.2:
            g.too_fast += 1
        g.polls.append(now)
        if g.slow_downs:
            g.slow_downs -= 1
            g.interval += 5
            answer = {"error": "slow_down"}
        elif g.outcome == "approved":
            answer = self._issue(g.scope)
            g.outcome = "used"
        elif g.outcome == "denied":
            answer = {"error": "access_denied", "error_description": "the user declined"}
        elif g.outcome in ("expired", "used"):
            answer = {"error": "expired_token"}
        else:
            answer = {"error": "authorization_pending"}
        g.answers.append(answer.get("error", "token"))
        self._json(handler, 200 if "access_token" in answer else 400, answer)

    def _code_token(self, handler, form):
        with self.lock:
            req = self.codes.pop(form.get("code"), None)
        if req is None or req["client_id"] != form.get("client_id") or \
                req["redirect_uri"] != form.get("redirect_uri"):
            return self._json(handler, 400, {"error": "invalid_grant"})
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if challenge != req["code_challenge"]:
            return self._json(handler, 400, {"error": "invalid_grant",
                                             "error_description": "code_verifier does not match"})
        self._json(handler, 200, self._issue(req["scope"]))

    def authorize(self, handler, query):
        redirect = query.get("redirect_uri", "")
        target = urllib.parse.urlsplit(redirect)
        if query.get("client_id") not in self.clients or target.scheme != "http" or \
                target.hostname != "127.0.0.1" or query.get("code_challenge_method") != "S256" or \
                query.get("response_type") != "code":
            handler.send_response(400)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        code = "ac-" + secrets.token_urlsafe(16)
        with self.lock:
            self.codes[code] = query
        location = redirect + ("&" if "?" in redirect else "?") + urllib.parse.urlencode(
            {"code": code, "state": query.get("state", "")})
        handler.send_response(302)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    # -- the server -------------------------------------------------------
    def _handler(self):
        idp = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def setup(self):
                super().setup()
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                with idp.lock:
                    idp.requests.append(("POST", self.path, form))
                if self.path == "/devicecode":
                    idp.device_code(self, form)
                elif self.path == "/token":
                    idp.token(self, form)
                else:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()

            def do_GET(self):
                url = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                with idp.lock:
                    idp.requests.append(("GET", url.path, query))
                if url.path == "/authorize":
                    idp.authorize(self, query)
                else:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()

        return Handler

    def start(self):
        self.server = LabHTTPServer((self.ip, 443), self._handler())
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(*self.cert)
        self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True, do_handshake_on_connect=False)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
