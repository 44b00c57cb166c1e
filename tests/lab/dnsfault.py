# SPDX-License-Identifier: MIT
"""A small DNS responder for the answers dnsmasq will not give: SERVFAIL,
and answers with the DNSSEC AD bit set (as a validating resolver would).
It speaks real DNS over UDP on its own loopback address."""
import socket
import struct
import threading

TYPES = {"A": 1, "CNAME": 5, "MX": 15, "SRV": 33, "AAAA": 28}


def _name(wire, off):
    labels = []
    while True:
        n = wire[off]
        if n == 0:
            return ".".join(labels), off + 1
        labels.append(wire[off + 1:off + 1 + n].decode("ascii", "replace"))
        off += 1 + n


def _encode(name):
    return b"".join(bytes([len(p)]) + p.encode() for p in name.rstrip(".").split(".") if p) + b"\0"


def _rdata(qtype, value):
    if qtype == 1:
        return socket.inet_aton(value)
    if qtype == 5:
        return _encode(value)
    if qtype == 15:
        pref, host = value
        return struct.pack(">H", pref) + _encode(host)
    if qtype == 33:
        prio, weight, port, target = value
        return struct.pack(">HHH", prio, weight, port) + _encode(target)
    raise ValueError(qtype)


class FaultDns:
    """answers: {(name, "SRV"): (rcode, [values], ad)}; anything else: NXDOMAIN."""

    def __init__(self, ip, answers, default_rcode=3):
        self.ip, self.answers, self.default_rcode = ip, answers, default_rcode
        self.running = True

    def start(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((self.ip, 53))
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind((self.ip, 53))
        self.tcp.listen()
        threading.Thread(target=self._serve, daemon=True).start()
        threading.Thread(target=self._serve_tcp, daemon=True).start()

    def _serve(self):
        while self.running:
            try:
                data, peer = self.sock.recvfrom(4096)
            except OSError:
                return
            try:
                self.sock.sendto(self._answer(data), peer)
            except Exception:
                pass

    def _serve_tcp(self):
        while self.running:
            try:
                conn, _ = self.tcp.accept()
            except OSError:
                return
            try:
                n = struct.unpack(">H", conn.recv(2))[0]
                q = b""
                while len(q) < n:
                    q += conn.recv(n - len(q))
                a = self._answer(q, limit=None)
                conn.sendall(struct.pack(">H", len(a)) + a)
            except Exception:
                pass
            finally:
                conn.close()

    def _answer(self, q, limit=1232):
        qid, flags = struct.unpack(">HH", q[:4])
        name, off = _name(q, 12)
        qtype = struct.unpack(">H", q[off:off + 2])[0]
        question = q[12:off + 4]
        key = next((k for k in self.answers if k[0].lower() == name.lower() and TYPES[k[1]] == qtype), None)
        rcode, values, ad = self.answers[key] if key else (self.default_rcode, [], False)
        out_flags = 0x8000 | 0x0400 | (flags & 0x0100) | 0x0080 | (0x0020 if ad else 0) | rcode
        rrs, count = b"", 0
        for v in values:
            if isinstance(v, tuple) and v and v[0] == "RR":      # ("RR", owner, type, value)
                _, owner, rtype, value = v
                rd = _rdata(TYPES[rtype], value)
                rr = _encode(owner) + struct.pack(">HHIH", TYPES[rtype], 1, 300, len(rd)) + rd
            else:
                rd = _rdata(qtype, v)
                rr = b"\xc0\x0c" + struct.pack(">HHIH", qtype, 1, 300, len(rd)) + rd
            if limit and 12 + len(question) + len(rrs) + len(rr) > limit:
                out_flags |= 0x0200          # truncated: ask again over TCP
                break
            rrs += rr
            count += 1
        return struct.pack(">HHHHHH", qid, out_flags, 1, count, 0, 0) + question + rrs

    def stop(self):
        self.running = False
        self.sock.close()
        self.tcp.close()
