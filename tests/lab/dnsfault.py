"""A small DNS responder for the answers dnsmasq will not give: SERVFAIL,
and answers with the DNSSEC AD bit set (as a validating resolver would).
It speaks real DNS over UDP on its own loopback address."""
import socket
import struct
import threading

TYPES = {"A": 1, "MX": 15, "SRV": 33, "AAAA": 28}


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
        threading.Thread(target=self._serve, daemon=True).start()

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

    def _answer(self, q):
        qid, flags = struct.unpack(">HH", q[:4])
        name, off = _name(q, 12)
        qtype = struct.unpack(">H", q[off:off + 2])[0]
        question = q[12:off + 4]
        key = next((k for k in self.answers if k[0].lower() == name.lower() and TYPES[k[1]] == qtype), None)
        rcode, values, ad = self.answers[key] if key else (self.default_rcode, [], False)
        out_flags = 0x8000 | 0x0400 | (flags & 0x0100) | 0x0080 | (0x0020 if ad else 0) | rcode
        rrs = b""
        for v in values:
            rd = _rdata(qtype, v)
            rrs += b"\xc0\x0c" + struct.pack(">HHIH", qtype, 1, 300, len(rd)) + rd
        return struct.pack(">HHHHHH", qid, out_flags, 1, len(values), 0, 0) + question + rrs

    def stop(self):
        self.running = False
        self.sock.close()
