# SPDX-License-Identifier: MIT
"""Scripted SMTP servers for the lab: plaintext with STARTTLS, implicit TLS,
plain, and the misbehaving kinds (an HTTP server on an SMTP port, a refusing
greeting, silence, plaintext injected behind the STARTTLS reply, a malformed
CRAM-MD5 challenge). Each listener is one behaviour; they all run on one
asyncio loop in a background thread."""
import asyncio
import logging
import ssl
import threading
import time

# After STARTTLS (loop.start_tls) asyncio's stream protocol still believes it
# is on a plain socket and warns "returning true from eof_received() has no
# effect when using ssl" whenever a client closes: noise in bench reports.
logging.getLogger("asyncio").setLevel(logging.ERROR)


class SmtpBehaviour:
    def __init__(self, mode="starttls", name="mail.lab.test", greeting=None, auth="PLAIN LOGIN",
                 extra_caps=None, cert=None, tls_min=None, tls_max=None, users=None, tokens=None,
                 auth_reply=None, mail_reply=None, rcpt_reply=None, data_reply=None, auth_before_tls=False,
                 cram_challenge=None, greeting_delay=0, reply_delay=0, oauth_error=None):
        # starttls | tls | plain | http | silent | reset | inject (STARTTLS,
        # its reply followed in the same write by plaintext replies, as a
        # man in the middle injects them: see INJECTED)
        self.mode = mode
        self.name = name
        self.greeting = greeting or f"220 {name} ESMTP smtpdoctor lab"
        self.auth = auth
        self.extra_caps = extra_caps or ["PIPELINING", "SIZE 10240000", "8BITMIME",
                                          "ENHANCEDSTATUSCODES", "SMTPUTF8"]
        self.cert = cert                    # (chain, key)
        self.tls_min, self.tls_max = tls_min, tls_max
        self.users = users or {}            # username -> password
        # username -> OAuth2 token; or a set of tokens any user may log in
        # with (the lab identity provider's `issued`: only what it issued)
        self.tokens = tokens if tokens is not None else {}
        # the JSON of the 334 that answers a refused token (RFC 7628 3.2.2)
        self.oauth_error = oauth_error or '{"status":"401","schemes":"bearer"}'
        # scripted replies (lists of lines), as a provider would answer
        self.auth_reply, self.mail_reply = auth_reply, mail_reply
        self.rcpt_reply, self.data_reply = rcpt_reply, data_reply
        self.auth_before_tls = auth_before_tls
        # the CRAM-MD5 challenge as sent after "334 ", instead of a proper
        # base64 one (e.g. "====", which decodes to nothing)
        self.cram_challenge = cram_challenge
        # seconds of silence before the greeting, as sendmail's greet_pause,
        # Exim's connect delay or a busy server keep a client waiting
        self.greeting_delay = greeting_delay
        # seconds before each reply to a command: a server that answers every
        # line just before the client's step timeout
        self.reply_delay = reply_delay
        self.messages = []                  # (mail_from, [rcpts], data) accepted

    def ssl_context(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")      # so that weak test certificates load
        ctx.load_cert_chain(*self.cert)
        if self.tls_min:
            ctx.minimum_version = self.tls_min
        if self.tls_max:
            ctx.maximum_version = self.tls_max
        if self.tls_max and self.tls_max < ssl.TLSVersion.TLSv1_2:
            ctx.set_ciphers("ALL:@SECLEVEL=0")      # what an old server would still offer
        return ctx


# What mode "inject" writes in answer to STARTTLS: the 220, and behind it,
# still in plain text, replies that a client which keeps reading its buffer
# after the handshake takes for the server's answers inside TLS.
INJECTED = b"220 2.0.0 Ready to start TLS\r\n250-evil.test\r\n250 AUTH PLAIN LOGIN\r\n"


class SmtpServers:
    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.servers = []
        self.sessions = []     # (ip, port, list of lines received)
        self.connected_at = []  # (ip, port, time.monotonic()) of each session
        self.ended = []        # the lines lists of the sessions that have ended
        # id(lines) -> the first bytes a client sent to a plaintext listener
        # (up to 16; b"" when it sent none before it went): whether it spoke
        # before the greeting, and whether that was a TLS ClientHello
        self.first_bytes = {}

    def start(self):
        self.thread.start()

    def add(self, ip, port, behaviour):
        fut = asyncio.run_coroutine_threadsafe(self._listen(ip, port, behaviour), self.loop)
        self.servers.append(fut.result(timeout=10))

    async def _listen(self, ip, port, b):
        ctx = b.ssl_context() if b.mode == "tls" else None
        return await asyncio.start_server(lambda r, w: self._session(r, w, ip, port, b), ip, port,
                                          ssl=ctx, reuse_address=True)

    def sent_tls_first(self, lines):
        """Whether the client of a plaintext listener's session began with a
        TLS record (a ClientHello: 0x16 0x03), in its first bytes."""
        return self.first_bytes.get(id(lines), b"")[:2] == b"\x16\x03"

    def _note_first(self, lines, raw):
        if id(lines) not in self.first_bytes:
            self.first_bytes[id(lines)] = bytes(raw[:16])

    async def _session(self, reader, writer, ip, port, b):
        lines = []
        self.sessions.append((ip, port, lines))
        self.connected_at.append((ip, port, time.monotonic()))
        try:
            await asyncio.wait_for(self._dialogue(reader, writer, b, lines), timeout=60)
        except (asyncio.TimeoutError, ConnectionError, ssl.SSLError, OSError):
            pass
        finally:
            try:
                writer.close()
            except Exception:
                pass
            if b.mode != "tls":
                self._note_first(lines, b"")
            self.ended.append(lines)

    async def _dialogue(self, reader, writer, b, lines):
        if b.mode == "reset":
            # accept, then reset the connection (SO_LINGER 0 makes close send RST)
            import struct
            import socket as so
            sock = writer.get_extra_info("socket")
            sock.setsockopt(so.SOL_SOCKET, so.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
            return
        if b.mode == "longline":            # a 1 MB greeting with no line end
            writer.write(b"220 " + b"x" * (1 << 20))
            await writer.drain()
            await reader.read(1 << 16)
            return
        if b.mode == "trickle":             # one byte a second
            for ch in b.greeting.encode() + b"\r\n":
                writer.write(bytes([ch]))
                await writer.drain()
                await asyncio.sleep(1)
            return
        if b.mode == "silent":
            self._note_first(lines, await reader.read(1 << 16))
            return
        if b.mode == "http":
            # like nginx: any bytes that are not a request line get a 400 at once
            self._note_first(lines, await reader.read(4096))
            writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            await writer.drain()
            return
        if b.greeting_delay:
            await asyncio.sleep(b.greeting_delay)
        writer.write((b.greeting + "\r\n").encode())
        await writer.drain()
        if not b.greeting.startswith("220"):
            return
        tls = b.mode == "tls"
        state = {}
        while True:
            raw = await reader.readline()
            if not tls:
                self._note_first(lines, raw)
            if not raw:
                return
            line = raw.decode("latin-1").rstrip("\r\n")
            lines.append(line)
            verb = line.split(" ", 1)[0].upper()
            if b.reply_delay:
                await asyncio.sleep(b.reply_delay)
            if verb in ("EHLO", "HELO"):
                caps = list(b.extra_caps)
                if b.mode in ("starttls", "inject") and not tls:
                    caps.append("STARTTLS")
                if b.auth and (tls or b.mode == "plain" or b.auth_before_tls):
                    caps.append("AUTH " + b.auth)
                if b.mode == "endless":     # "250-" lines for ever
                    while True:
                        writer.write(b"250-more capabilities\r\n" * 100)
                        await writer.drain()
                reply = [f"250-{b.name} greets you"] + [f"250-{c}" for c in caps[:-1]] + [f"250 {caps[-1]}"] \
                    if caps else [f"250 {b.name}"]
                writer.write(("\r\n".join(reply) + "\r\n").encode())
            elif verb == "STARTTLS" and b.mode in ("starttls", "inject") and not tls:
                writer.write(INJECTED if b.mode == "inject" else b"220 2.0.0 Ready to start TLS\r\n")
                await writer.drain()
                await writer.start_tls(b.ssl_context())
                tls = True
            elif verb == "AUTH":
                await self._auth(reader, writer, b, line, lines, state)
            elif verb == "MAIL":
                state["from"] = line[10:].split(">")[0].lstrip("<")
                state["rcpts"] = []
                await self._say(writer, b.mail_reply or ["250 2.1.0 Ok"])
            elif verb == "RCPT":
                rcpt = line[8:].split(">")[0].lstrip("<")
                reply = b.rcpt_reply or ["250 2.1.5 Ok"]
                if reply[0].startswith("25"):
                    state["rcpts"].append(rcpt)
                await self._say(writer, reply)
            elif verb == "DATA":
                await self._say(writer, ["354 End data with <CR><LF>.<CR><LF>"])
                data = []
                while True:
                    raw = await reader.readline()
                    if not raw or raw in (b".\r\n", b".\n"):
                        break
                    data.append(raw.decode("utf-8", "replace"))
                reply = b.data_reply or ["250 2.0.0 Ok: queued as 4LabQ1d"]
                if reply[0].startswith("250"):
                    b.messages.append((state.get("from"), list(state.get("rcpts", [])), "".join(data)))
                await self._say(writer, reply)
                continue
            elif verb == "QUIT":
                writer.write(b"221 2.0.0 Bye\r\n")
                await writer.drain()
                return
            elif verb in ("NOOP", "RSET"):
                writer.write(b"250 2.0.0 OK\r\n")
            else:
                writer.write(b"502 5.5.2 Command not recognised\r\n")
            await writer.drain()

    async def _say(self, writer, lines):
        out = [f"{l[:3]}-{l[4:]}" for l in lines[:-1]] + [lines[-1]]
        writer.write(("\r\n".join(out) + "\r\n").encode())
        await writer.drain()

    async def _auth(self, reader, writer, b, line, lines, state):
        import base64
        import hashlib
        import hmac
        parts = line.split(" ")
        mech = parts[1].upper() if len(parts) > 1 else ""
        initial = parts[2] if len(parts) > 2 else None

        async def ask(challenge):
            writer.write(f"334 {challenge}\r\n".encode())
            await writer.drain()
            raw = (await reader.readline()).decode().strip()
            lines.append(raw)
            return raw

        user = secret = None
        ok = False
        if mech == "PLAIN":
            blob = base64.b64decode(initial if initial else await ask(""))
            _, user, secret = blob.split(b"\0", 2)
            user, secret = user.decode(), secret.decode()
            ok = b.users.get(user) == secret
        elif mech == "LOGIN":
            user = base64.b64decode(await ask(base64.b64encode(b"Username:").decode())).decode()
            secret = base64.b64decode(await ask(base64.b64encode(b"Password:").decode())).decode()
            ok = b.users.get(user) == secret
        elif mech == "CRAM-MD5" and b.cram_challenge is not None:
            answer = await ask(b.cram_challenge)
            if answer == "*":           # the client cancels (RFC 4954)
                await self._say(writer, ["501 5.7.0 Authentication aborted"])
                return
            ok = False
        elif mech == "CRAM-MD5":
            challenge = b"<1896.697170952@lab.test>"
            answer = base64.b64decode(await ask(base64.b64encode(challenge).decode())).decode()
            user, digest = answer.rsplit(" ", 1)
            want = hmac.new(b.users.get(user, "").encode(), challenge, hashlib.md5).hexdigest()
            ok = user in b.users and hmac.compare_digest(want, digest)
        elif mech in ("XOAUTH2", "OAUTHBEARER"):
            blob = base64.b64decode(initial).decode()
            fields = dict(f.split("=", 1) for f in blob.replace("n,a=", "user=").split("\x01") if "=" in f)
            user = fields.get("user", "").rstrip(",")
            token = fields.get("auth", "").replace("Bearer ", "")
            ok = token in b.tokens if isinstance(b.tokens, set) else b.tokens.get(user) == token
            if not ok:
                await ask(base64.b64encode(b.oauth_error.encode()).decode())
        else:
            await self._say(writer, ["504 5.5.4 Unrecognized authentication type"])
            return
        state["auth_user"] = user
        if b.auth_reply:
            await self._say(writer, b.auth_reply)
        elif ok:
            await self._say(writer, ["235 2.7.0 Authentication successful"])
        else:
            await self._say(writer, ["535 5.7.8 Error: authentication failed: authentication failure"])

    def stop(self):
        async def close_all():
            for s in self.servers:
                s.close()
        asyncio.run_coroutine_threadsafe(close_all(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
