"""Scripted SMTP servers for the lab: plaintext with STARTTLS, implicit TLS,
plain, and the misbehaving kinds (an HTTP server on an SMTP port, a refusing
greeting, silence). Each listener is one behaviour; they all run on one
asyncio loop in a background thread."""
import asyncio
import ssl
import threading


class SmtpBehaviour:
    def __init__(self, mode="starttls", name="mail.lab.test", greeting=None, auth="PLAIN LOGIN",
                 extra_caps=None, cert=None, tls_min=None, tls_max=None):
        self.mode = mode                    # starttls | tls | plain | http | silent | reset
        self.name = name
        self.greeting = greeting or f"220 {name} ESMTP smtpdoctor lab"
        self.auth = auth
        self.extra_caps = extra_caps or ["PIPELINING", "SIZE 10240000", "8BITMIME",
                                          "ENHANCEDSTATUSCODES", "SMTPUTF8"]
        self.cert = cert                    # (chain, key)
        self.tls_min, self.tls_max = tls_min, tls_max

    def ssl_context(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(*self.cert)
        if self.tls_min:
            ctx.minimum_version = self.tls_min
        if self.tls_max:
            ctx.maximum_version = self.tls_max
        if self.tls_max and self.tls_max < ssl.TLSVersion.TLSv1_2:
            ctx.set_ciphers("ALL:@SECLEVEL=0")      # what an old server would still offer
        return ctx


class SmtpServers:
    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.servers = []
        self.sessions = []     # (ip, port, list of lines received)

    def start(self):
        self.thread.start()

    def add(self, ip, port, behaviour):
        fut = asyncio.run_coroutine_threadsafe(self._listen(ip, port, behaviour), self.loop)
        self.servers.append(fut.result(timeout=10))

    async def _listen(self, ip, port, b):
        ctx = b.ssl_context() if b.mode == "tls" else None
        return await asyncio.start_server(lambda r, w: self._session(r, w, ip, port, b), ip, port,
                                          ssl=ctx, reuse_address=True)

    async def _session(self, reader, writer, ip, port, b):
        lines = []
        self.sessions.append((ip, port, lines))
        try:
            await asyncio.wait_for(self._dialogue(reader, writer, b, lines), timeout=60)
        except (asyncio.TimeoutError, ConnectionError, ssl.SSLError, OSError):
            pass
        finally:
            try:
                writer.close()
            except Exception:
                pass

    async def _dialogue(self, reader, writer, b, lines):
        if b.mode == "reset":
            # accept, then reset the connection (SO_LINGER 0 makes close send RST)
            import struct
            import socket as so
            sock = writer.get_extra_info("socket")
            sock.setsockopt(so.SOL_SOCKET, so.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
            return
        if b.mode == "silent":
            await reader.read(1 << 16)
            return
        if b.mode == "http":
            # like nginx: any bytes that are not a request line get a 400 at once
            await reader.read(4096)
            writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            await writer.drain()
            return
        writer.write((b.greeting + "\r\n").encode())
        await writer.drain()
        if not b.greeting.startswith("220"):
            return
        tls = b.mode == "tls"
        while True:
            raw = await reader.readline()
            if not raw:
                return
            line = raw.decode("latin-1").rstrip("\r\n")
            lines.append(line)
            verb = line.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                caps = list(b.extra_caps)
                if b.mode == "starttls" and not tls:
                    caps.append("STARTTLS")
                if b.auth and (tls or b.mode == "plain"):
                    caps.append("AUTH " + b.auth)
                reply = [f"250-{b.name} greets you"] + [f"250-{c}" for c in caps[:-1]] + [f"250 {caps[-1]}"] \
                    if caps else [f"250 {b.name}"]
                writer.write(("\r\n".join(reply) + "\r\n").encode())
            elif verb == "STARTTLS" and b.mode == "starttls" and not tls:
                writer.write(b"220 2.0.0 Ready to start TLS\r\n")
                await writer.drain()
                await writer.start_tls(b.ssl_context())
                tls = True
            elif verb == "QUIT":
                writer.write(b"221 2.0.0 Bye\r\n")
                await writer.drain()
                return
            elif verb in ("NOOP", "RSET"):
                writer.write(b"250 2.0.0 OK\r\n")
            else:
                writer.write(b"502 5.5.2 Command not recognised\r\n")
            await writer.drain()

    def stop(self):
        async def close_all():
            for s in self.servers:
                s.close()
        asyncio.run_coroutine_threadsafe(close_all(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
