# SPDX-License-Identifier: MIT
"""Probing politely: wherever a plaintext greeting is possible, smtpdoctor
listens first, and sends a TLS ClientHello only after a measured silence.
A server that greets late on purpose is still a plaintext server; a port
that wants TLS from the first byte is still found by its silence; guesses
send nothing before the greeting; and a real Postfix logs no "improper
command pipelining" or "non-SMTP command" for any run. The tests assert what
the servers received and what was concluded, never how long it took."""
import re
import subprocess
import time

from lab import Lab
from mta import PostfixMta
from smtpd import SmtpBehaviour

SLOW_IP = "127.0.12.1"        # greets only after GREETING_DELAY, on 587 and on 465
TLS_IP = "127.0.12.2"         # TLS from the first byte on 465, STARTTLS on 587
GUESS_IP = "127.0.12.3"       # smtp.guess.polite.test: a plaintext greeting on 465, 587 and 25
MTA_IP = "127.0.12.4"         # a real Postfix: 587, 465 and 25
GREETING_DELAY = 3            # seconds: longer than the silence that earns a ClientHello (1.5 s)
MTA_DOMAIN = "postfix.polite.test"
MTA_HOST = "smtp.postfix.polite.test"
MTA = {}


def world(lab):
    lab.host("slow.polite.test", SLOW_IP)
    slow = dict(name="slow.polite.test", cert=lab.cert_for("slow.polite.test"), greeting_delay=GREETING_DELAY)
    lab.smtp(SLOW_IP, 587, SmtpBehaviour("starttls", **slow))
    lab.smtp(SLOW_IP, 465, SmtpBehaviour("starttls", **slow))
    lab.host("tlsonly.polite.test", TLS_IP)
    cert = lab.cert_for("tlsonly.polite.test")
    lab.smtp(TLS_IP, 465, SmtpBehaviour("tls", name="tlsonly.polite.test", cert=cert))
    lab.smtp(TLS_IP, 587, SmtpBehaviour("starttls", name="tlsonly.polite.test", cert=cert))
    # counts the connections made to it (their first packets)
    lab.nft(f"ip daddr {TLS_IP} tcp dport 465 tcp flags & (syn | ack) == syn counter")
    # guess.polite.test publishes nothing: discovery guesses smtp.guess.polite.test
    lab.host("smtp.guess.polite.test", GUESS_IP)
    cert = lab.cert_for("smtp.guess.polite.test")
    for port in (465, 587, 25):
        lab.smtp(GUESS_IP, port, SmtpBehaviour("starttls", name="smtp.guess.polite.test", cert=cert))
    # a real Postfix, whose domain publishes nothing either: its server is
    # found by the guesses
    lab.host(MTA_HOST, MTA_IP)
    m = PostfixMta(lab.dir, MTA_IP, MTA_HOST, MTA_DOMAIN, {f"user@{MTA_DOMAIN}": "polite-secret"},
                   lab.cert_for(MTA_HOST), name="mta-polite", smtp_port=True)
    lab.mtas.append(m)
    MTA["m"] = m


def mark(lab):
    return len(lab.smtp_servers.sessions)


def sessions(lab, since, ip, port=None):
    """The lines lists of the sessions to ip (and port) opened since `since`,
    once they have all ended (at once, when the program has exited)."""
    servers = lab.smtp_servers
    deadline = time.monotonic() + Lab.seconds(5)
    while True:
        mine = [lines for (i, p, lines) in servers.sessions[since:] if i == ip and port in (None, p)]
        ended = {id(lines) for lines in servers.ended}
        if all(id(lines) in ended for lines in mine) or time.monotonic() > deadline:
            return mine
        time.sleep(0.02)


def began_with_ehlo(lab, lines):
    """The client's first bytes on that connection were EHLO: nothing, least
    of all a ClientHello, came before it."""
    first = lab.smtp_servers.first_bytes.get(id(lines), b"")
    return first.startswith(b"EHLO ") and lines and lines[0].startswith("EHLO ")


def connections_to(ip, port):
    """How many connections were opened to ip:port, by the counter in
    world()."""
    out = subprocess.run(["nft", "list", "chain", "inet", "lab", "input"], capture_output=True, text=True,
                         check=True).stdout
    for line in out.splitlines():
        if f"ip daddr {ip} tcp dport {port} " in line and "counter" in line:
            return int(re.search(r"counter packets (\d+)", line).group(1))
    raise AssertionError(f"no counter for {ip}:{port}:\n{out}")


def postfix_log_since(m, offset, at_least):
    """The Postfix log written since offset, once at least `at_least`
    sessions have been logged and every one of them as ended (Postfix logs
    through postlogd, a moment after the fact)."""
    deadline = time.monotonic() + Lab.seconds(10)
    while True:
        text = m.log()[offset:]
        opened = len(re.findall(r"\]: connect from ", text))
        ended = len(re.findall(r"\]: disconnect from ", text))
        if (opened >= at_least and opened == ended) or time.monotonic() > deadline:
            return text
        time.sleep(0.05)


def codes(r):
    return [c["code"] for c in r.json["checks"]]


def test_slow_greeting_on_587_is_a_plaintext_port(lab):
    """A server that greets only after 3 s (greet_pause) is waited for: it
    works with STARTTLS, and the one connection it got began with EHLO."""
    for args in (("--security", "starttls"), ()):
        since = mark(lab)
        r = lab.run("diag", "--json", "--timeout", "8", "--host", "slow.polite.test", "--port", "587", *args)
        d = r.json["diagnosis"]
        assert (r.rc, d["status"], d["code"]) == (0, "ok", "smtp.ok"), (args, d, r.json["checks"])
        assert r.json["settings"]["security"] == "starttls", r.json["settings"]
        assert "tls.implicit_expected" not in codes(r), r.json["checks"]
        got = sessions(lab, since, SLOW_IP, 587)
        assert len(got) == 1, (args, f"{len(got)} connections to port 587")
        assert not lab.smtp_servers.sent_tls_first(got[0]), (args, "a ClientHello came before the greeting")
        assert began_with_ehlo(lab, got[0]), (args, lab.smtp_servers.first_bytes.get(id(got[0])), got[0])
        assert got[0][1] == "STARTTLS", got[0]


def test_slow_plaintext_greeting_on_465_is_not_implicit_tls(lab):
    """On 465 the client tries TLS after 1.5 s of silence; a 220 that comes
    after the ClientHello shows a plaintext server that greets late, not a
    port that wants TLS: the session starts again on a new connection, only
    listening this time, and STARTTLS works there. One dialogue, begun with
    EHLO; no second one to find out what the port does."""
    since = mark(lab)
    r = lab.run("diag", "--json", "--timeout", "8", "--host", "slow.polite.test", "--port", "465",
                "--security", "starttls")
    d = r.json["diagnosis"]
    assert (r.rc, d["status"], d["code"]) == (0, "ok", "smtp.ok"), (d, r.json["checks"])
    assert "tls.implicit_expected" not in codes(r), r.json["checks"]
    got = sessions(lab, since, SLOW_IP, 465)
    dialogue = [lines for lines in got if lines and lines[0].startswith("EHLO ")]
    assert len(dialogue) == 1 and began_with_ehlo(lab, dialogue[0]), [(lab.smtp_servers.first_bytes.get(id(x)), x)
                                                                       for x in got]


def test_tls_only_465_with_starttls_settings(lab):
    """The silence of a port that wants TLS from the first byte, then a
    handshake that works, still make "port 465 expects SSL/TLS", with 587
    STARTTLS as what works; against a real Postfix too. It is found on the
    session's own connection: one connection to the port, not a second one
    that speaks first while the first waits for a greeting."""
    before = connections_to(TLS_IP, 465)
    r = lab.run("diag", "--json", "--timeout", "5", "--host", "tlsonly.polite.test", "--port", "465",
                "--security", "starttls")
    d = r.json["diagnosis"]
    assert (r.rc, d["status"], d["code"]) == (1, "fail", "tls.implicit_expected"), (d, r.json["checks"])
    assert codes(r) == ["dns.ok", "tcp.ok", "tls.implicit_expected", "tls.ok"], r.json["checks"]
    assert d["working_settings"] == {"host": "tlsonly.polite.test", "port": 587, "security": "starttls"}, d
    assert connections_to(TLS_IP, 465) - before == 1, connections_to(TLS_IP, 465) - before
    m = MTA["m"]
    offset = len(m.log())
    r = lab.run("diag", "--json", "--timeout", "5", "--host", MTA_HOST, "--port", "465", "--security", "starttls")
    d = r.json["diagnosis"]
    assert (r.rc, d["code"], d["working_settings"]["port"]) == (1, "tls.implicit_expected", 587), d
    log = postfix_log_since(m, offset, 3)       # 465, then the alternatives 587 and 25
    bad = [l for l in log.splitlines() if "improper command pipelining" in l or "non-SMTP command" in l]
    assert not bad, "\n".join(bad)


def test_inferred_tls_on_465_listens_first(lab):
    """--port 465 with no security infers SSL/TLS, but nothing said so: a
    server that greets in plain text there gets no ClientHello before its
    greeting, and is told apart as before (tls.starttls_expected)."""
    since = mark(lab)
    r = lab.run("diag", "--json", "--timeout", "5", "--host", "smtp.guess.polite.test", "--port", "465")
    d = r.json["diagnosis"]
    assert (r.rc, d["code"]) == (1, "tls.starttls_expected"), (d, r.json["checks"])
    assert r.json["settings"]["security"] == "tls", r.json["settings"]
    got = sessions(lab, since, GUESS_IP)
    assert got and [x for x in got if x and x[0].startswith("EHLO ")], got
    assert not [x for x in got if lab.smtp_servers.sent_tls_first(x)], \
        [(lab.smtp_servers.first_bytes.get(id(x)), x[:1]) for x in got]


def test_guesses_send_no_client_hello_to_a_plaintext_port(lab):
    """A domain that publishes nothing: smtp.<domain> is guessed on 465, 587
    and 25, each greeting in plain text at once; no guess speaks first."""
    since = mark(lab)
    r = lab.run("discover", "--json", "--timeout", "5", "--ispdb-url", "none", "user@guess.polite.test")
    assert r.rc == 0, r
    found = {(c["host"], c["port"], c["security"], c["verified"]) for c in r.json["candidates"]}
    assert ("smtp.guess.polite.test", 465, "starttls", True) in found, r.json["candidates"]
    got = sessions(lab, since, GUESS_IP)
    assert 465 in {p for (i, p, lines) in lab.smtp_servers.sessions[since:] if i == GUESS_IP}, "465 was guessed"
    assert not [x for x in got if lab.smtp_servers.sent_tls_first(x)], \
        [(lab.smtp_servers.first_bytes.get(id(x)), x[:1]) for x in got]
    assert [x for x in got if began_with_ehlo(lab, x)], [(lab.smtp_servers.first_bytes.get(id(x)), x) for x in got]


def test_postfix_logs_no_pipelining_or_non_smtp_command(lab):
    """Against a real Postfix: diag with STARTTLS said on 587, with nothing
    said on 587 and on 25, and the default command on an address whose
    guessed server is this Postfix. Postfix logs a client that speaks before
    the greeting ("improper command pipelining after CONNECT") and a TLS
    record where a command belongs ("non-SMTP command"); neither may be."""
    m = MTA["m"]
    offset = len(m.log())
    runs = [("diag", "--host", MTA_HOST, "--port", "587", "--security", "starttls"),
            ("diag", "--host", MTA_HOST, "--port", "587"),
            ("diag", "--host", MTA_HOST, "--port", "25"),
            ("--ispdb-url", "none", f"user@{MTA_DOMAIN}")]
    results = [lab.run("--json", "--timeout", "5", *args) for args in runs]
    outcome = [(r.rc, r.json["settings"]["port"], r.json["settings"]["security"], r.json["diagnosis"]["code"])
               for r in results]
    assert outcome == [(0, 587, "starttls", "smtp.ok"), (0, 587, "starttls", "smtp.ok"),
                       (0, 25, "plain", "auth.not_offered"), (0, 465, "tls", "smtp.ok")], \
        (outcome, [r.json["checks"] for r in results])
    log = postfix_log_since(m, offset, len(runs))
    assert len(re.findall(r"\]: connect from ", log)) >= len(runs), log
    bad = [l for l in log.splitlines() if "improper command pipelining" in l or "non-SMTP command" in l]
    assert not bad, "\n".join(bad)
