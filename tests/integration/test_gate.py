# SPDX-License-Identifier: MIT
"""The credential gate: the password goes only where it is safe, and each
time it is held back the result says why.

Withheld: a certificate that is not verified (expired, not yet valid,
self-signed, for another host, from an unknown or an intercepting root,
without its intermediate) unless --insecure; a STARTTLS reply with plaintext
injected behind it; a server that a forged Exchange Autodiscover SRV record
names outside the address's domain (also when it competes with a provider's
preset); a server that DNS answers name with a DNSSEC AD bit from a resolver
that is not on this machine; a server without encryption, unless the user
asks for --security plain --allow-plaintext-auth; a server the user declines
at the terminal's question. Sent: to what the domain's own DNS names inside
the domain, to a provider's preset server found through the MX, and after a
"y" at the question, so that the provider's real answer comes through.
Around it: the secrets leave the environment at once, no core dump can hold
them, a password file that holds nothing is a usage error, and a malformed
CRAM-MD5 challenge is a failed login, not a crash."""
import fcntl
import os
import resource
import select
import subprocess
import termios
import time

from lab import VALGRIND, Lab
from smtpd import SmtpBehaviour
from test_auth import check, expect

USER, PASSWORD = "ann@gate.test", "gate keeper 7 silver horses"
ENV_PASSWORD, ENV_TOKEN = "env-password-9d1f3c", "env-token-ya29.77c0e1"
FAR_DNS = "192.0.2.53"      # a resolver that is not on this machine's loopback
NEAR_DNS = "127.0.9.53"     # the same answers from a resolver on loopback
QUESTION = "Send your password to it? [y/N]"

# the certificate faults: (host, address, certificate options, the diagnosis)
CERT_FAULTS = [
    ("expired.gate.test", "127.0.9.1", {"not_before_days": -400, "days": 365}, "cert.expired"),
    ("future.gate.test", "127.0.9.2", {"not_before_days": 10, "days": 365}, "cert.not_yet_valid"),
    ("selfsigned.gate.test", "127.0.9.3", {"self_signed": True}, "cert.self_signed"),
    ("wronghost.gate.test", "127.0.9.4", {"names": ["server.gatehost.test"]}, "cert.hostname_mismatch"),
    ("untrusted.gate.test", "127.0.9.5", {"issuer": "private"}, "cert.untrusted"),
    ("intercept.gate.test", "127.0.9.6", {"issuer": "avast"}, "cert.intercepted"),
    ("nochain.gate.test", "127.0.9.7", {"with_chain": False}, "cert.chain_incomplete"),
]

ELSEWHERE_IP = "127.0.9.11"     # smtp.elsewhere.test, named by adsrv.test's forged Autodiscover SRV
FORGER_IP = "127.0.9.12"        # smtp.forger.test, named by gmail.com's forged Autodiscover SRV
FARAWAY_IP = "127.0.9.13"       # smtp.faraway.test, named by DNS answers with the AD bit
OWN_IP = "127.0.9.14"           # mail.own.test, named by own.test's SRV record
OFFICE_IP = "127.0.9.15"        # smtp.office365.com, found through contoso-lab.test's MX
PLAIN_IP = "127.0.9.16"         # smtp.plainonly.test, no encryption at all
SILENT_IP = "127.0.9.17"
CRAM_IP = "127.0.9.18"
GMAIL_IP = "127.0.9.19"         # smtp.gmail.com, unless another module's world already placed it
INJECT_IP = "127.0.9.20"
GUESSED_IP = "127.0.2.17"       # smtp.auth.test of test_auth.py, found only by guessing

M365_REFUSAL = ["535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. "
                "Visit https://aka.ms/smtp_auth_disabled for more information. [AM0PR01CA0001.eurprd01.prod.exchangelabs.com]"]


def smtp(lab, host, ip, port, mode, users, names=None, issuer=None, **kw):
    """An SMTP server that offers AUTH PLAIN LOGIN (unless auth= says
    otherwise) and accepts the logins in users."""
    lab.host(host, ip)
    kw.setdefault("auth", "PLAIN LOGIN")
    cert = lab.cert_for(*(names or [host]), **({"issuer": issuer} if issuer else {}))
    b = SmtpBehaviour(mode, name=host, cert=cert, users=dict(users), **kw)
    lab.smtp(ip, port, b)
    return b


def autodiscover_document(host, port):
    """An Exchange Autodiscover (POX) answer naming host:port with SSL/TLS."""
    return ('<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.microsoft.com/'
            'exchange/autodiscover/responseschema/2006"><Response xmlns="http://schemas.microsoft.com/'
            'exchange/autodiscover/outlook/responseschema/2006a"><Account><AccountType>email</AccountType>'
            f'<Action>settings</Action><Protocol><Type>SMTP</Type><Server>{host}</Server>'
            f'<Port>{port}</Port><SSL>on</SSL></Protocol></Account></Response></Autodiscover>')


def gmail_server(lab):
    """smtp.gmail.com, 465 with SSL/TLS and 587 with STARTTLS, knowing
    victim@gmail.com's password. The lab has one DNS: when another module's
    world() already gave smtp.gmail.com a server (test_discover.py does),
    that one is used and learns the login; otherwise it is made here."""
    ip = next((rec.split(",")[1] for rec in lab.records if rec.startswith("host-record=smtp.gmail.com,")), None)
    if ip is None:
        ip = GMAIL_IP
        gts = lab.certs.provider_ca("Google Trust Services")
        smtp(lab, "smtp.gmail.com", ip, 465, "tls", {}, issuer=gts)
        smtp(lab, "smtp.gmail.com", ip, 587, "starttls", {}, issuer=gts)
    for (server_ip, _, b) in lab.pending_smtp:
        if server_ip == ip:
            b.users["victim@gmail.com"] = PASSWORD
    return ip


def world(lab):
    # A: a verified certificate or no password
    roots = {"private": lab.certs._ca("gateprivate", "Gate Private Root CA", None),
             "avast": lab.certs._ca("gateavast", "Avast Web/Mail Shield Root", None)}
    for host, ip, cert_kw, _ in CERT_FAULTS:
        cert_kw = dict(cert_kw)
        names = cert_kw.pop("names", [host])
        if "issuer" in cert_kw:
            cert_kw["issuer"] = roots[cert_kw["issuer"]]
        lab.host(host, ip)
        lab.smtp(ip, 465, SmtpBehaviour("tls", name=host, cert=lab.cert_for(*names, **cert_kw),
                                        users={USER: PASSWORD}))

    # C: plaintext injected behind the STARTTLS reply
    smtp(lab, "inject.gate.test", INJECT_IP, 587, "inject", {USER: PASSWORD})

    # D: a forged Exchange Autodiscover SRV record sends adsrv.test's users to
    # a server outside their domain, with a valid certificate of its own
    lab.srv("_autodiscover._tcp.adsrv.test", "autodiscover.elsewhere.test", 443)
    lab.route("https", "autodiscover.elsewhere.test", "/autodiscover/autodiscover.xml",
              body=autodiscover_document("smtp.elsewhere.test", 465))
    smtp(lab, "smtp.elsewhere.test", ELSEWHERE_IP, 465, "tls", {"user@adsrv.test": PASSWORD})
    # ... and Gmail's users to a forger, while the built-in preset knows better
    lab.srv("_autodiscover._tcp.gmail.com", "autodiscover.forger.test", 443)
    lab.route("https", "autodiscover.forger.test", "/autodiscover/autodiscover.xml",
              body=autodiscover_document("smtp.forger.test", 465))
    smtp(lab, "smtp.forger.test", FORGER_IP, 465, "tls", {"victim@gmail.com": PASSWORD})
    gmail_server(lab)

    # E: the AD bit, from a resolver elsewhere (forgeable on the way) and on loopback
    lab.address(FAR_DNS)
    signed = {
        ("_submissions._tcp.adforged.test", "SRV"): (0, [(0, 0, 465, "smtp.faraway.test")], True),
        ("smtp.faraway.test", "A"): (0, [FARAWAY_IP], True),
    }
    lab.dns_responder(FAR_DNS, signed)
    lab.dns_responder(NEAR_DNS, signed)
    lab.smtp(FARAWAY_IP, 465, SmtpBehaviour("tls", name="smtp.faraway.test", cert=lab.cert_for("smtp.faraway.test"),
                                            users={"user@adforged.test": PASSWORD}))

    # F: the domain's own SRV record inside the domain, without DNSSEC
    lab.srv("_submissions._tcp.own.test", "mail.own.test", 465)
    smtp(lab, "mail.own.test", OWN_IP, 465, "tls", {"user@own.test": PASSWORD})
    # ... and Microsoft 365's preset server, found through the MX
    lab.mx("contoso-lab.test", "contoso-lab-test.mail.protection.outlook.com")
    smtp(lab, "smtp.office365.com", OFFICE_IP, 587, "starttls", {"user@contoso-lab.test": PASSWORD},
         auth="LOGIN XOAUTH2", auth_reply=M365_REFUSAL)

    # G: a server without any encryption
    lab.srv("_submission._tcp.plainonly.test", "smtp.plainonly.test", 587)
    smtp(lab, "smtp.plainonly.test", PLAIN_IP, 587, "plain", {"user@plainonly.test": PASSWORD, USER: PASSWORD})
    smtp(lab, "smtp.plainonly.test", PLAIN_IP, 25, "plain", {USER: PASSWORD})
    # ... and a document of the domain that says "no encryption" outright
    lab.route("https", "autoconfig.plaindoc.test", "/mail/config-v1.1.xml", body=(
        '<?xml version="1.0"?>\n<clientConfig version="1.1"><emailProvider id="plaindoc">'
        "<domain>plaindoc.test</domain><outgoingServer type=\"smtp\"><hostname>smtp.plainonly.test</hostname>"
        "<port>587</port><socketType>plain</socketType><username>%EMAILADDRESS%</username>"
        "<authentication>password-cleartext</authentication></outgoingServer></emailProvider></clientConfig>\n"))

    # I: a server that never says a word, to look at a run in progress
    smtp(lab, "silent.gate.test", SILENT_IP, 587, "silent", {})
    # J: CRAM-MD5 only, with a challenge that is not base64 of anything
    smtp(lab, "cram.gate.test", CRAM_IP, 587, "starttls", {USER: PASSWORD}, auth="CRAM-MD5", cram_challenge="====")


# -- helpers -----------------------------------------------------------------

def secret_file(lab, name="gate-password", text=PASSWORD + "\n"):
    path = os.path.join(lab.dir, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def mark(lab):
    """Where the lab's SMTP session list stands before a run."""
    return len(lab.smtp_servers.sessions)


def auth_lines(lab, ip, since, wait=True):
    """The AUTH commands the server on ip received in the sessions opened
    since `since`. With wait, first until those sessions have ended (once
    the program has exited that is at once), so nothing still in flight is
    missed."""
    servers = lab.smtp_servers
    deadline = time.monotonic() + Lab.seconds(3)
    while True:
        mine = [lines for (i, _, lines) in servers.sessions[since:] if i == ip]
        ended = {id(lines) for lines in servers.ended}
        if not wait or all(id(lines) in ended for lines in mine) or time.monotonic() > deadline:
            return [l for lines in mine for l in lines if l.upper().startswith("AUTH")]
        time.sleep(0.02)


def run(lab, *args, **kw):
    r = lab.run(*args, **kw)
    assert r.json is not None, r
    assert PASSWORD not in r.out + r.err, "the password must never be printed"
    return r


def diag(lab, host, port, security, *args, password=PASSWORD, user=USER):
    extra = ["--password-file", secret_file(lab, text=password + "\n")] if password is not None else []
    sec = ["--security", security] if security else []
    return run(lab, "diag", "--json", "--timeout", "3", "--host", host, "--port", str(port), *sec,
               "--user", user, *extra, *args)


def default(lab, address, *args, password=PASSWORD, dns=None):
    kw = {"dns": dns} if dns else {}
    return run(lab, "--json", "--timeout", "3", "--password-file", secret_file(lab, text=password + "\n"),
               *args, address, **kw)


def auth_check(r):
    return check(r, "auth")


# -- A, B: the certificate ------------------------------------------------------

def test_no_password_without_a_verified_certificate(lab):
    wrong = []          # every fault is tried, and all that go wrong are told
    for host, ip, _, code in CERT_FAULTS:
        since = mark(lab)
        r = diag(lab, host, 465, "tls")
        a, d = auth_check(r), r.json["diagnosis"]
        got = ((a["code"], a["status"]), (d["status"], d["code"]), r.rc, len(auth_lines(lab, ip, since)))
        want = (("auth.withheld", "skip"), ("fail", code), 1, 0)
        if got != want:
            wrong.append(f"{host}: want (auth check, diagnosis, exit, AUTH commands received) {want}, got {got}; "
                         f"checks {[(c['layer'], c['status'], c['code']) for c in r.json['checks']]}")
    assert not wrong, "\n".join(wrong)


def test_insecure_sends_the_password_to_a_self_signed_server(lab):
    since = mark(lab)
    r = diag(lab, "selfsigned.gate.test", 465, "tls", "--insecure")
    a = auth_check(r)
    assert (a["code"], a["status"]) == ("auth.ok", "pass"), r.json["checks"]
    expect(r, "cert.self_signed", "warn", 0)
    assert auth_lines(lab, "127.0.9.3", since), "with --insecure the login is tried"


# -- C: STARTTLS injection -------------------------------------------------------

def test_plaintext_injected_behind_starttls(lab):
    since = mark(lab)
    r = diag(lab, "inject.gate.test", 587, "starttls")
    found = [c for c in r.json["checks"] if c["code"] == "tls.starttls_injected"]
    assert found and (found[0]["layer"], found[0]["status"]) == ("tls", "fail"), r.json["checks"]
    expect(r, "tls.starttls_injected")
    assert not auth_lines(lab, INJECT_IP, since), "no AUTH after an injected STARTTLS reply"


# -- D: Autodiscover SRV records pointing elsewhere -------------------------

def test_forged_autodiscover_srv_gets_no_password(lab):
    since = mark(lab)
    r = default(lab, "user@adsrv.test")
    assert r.json["settings"]["host"] == "smtp.elsewhere.test", r.json["settings"]
    d = expect(r, "auth.untrusted_server")
    assert auth_check(r)["status"] == "fail", r.json["checks"]
    assert "--trust-discovered" in (d["summary"] or "") + (d["remedy"] or ""), d
    assert not auth_lines(lab, ELSEWHERE_IP, since), "no AUTH to the server a forged SRV record named"
    since = mark(lab)
    r = default(lab, "user@adsrv.test", "--trust-discovered")
    assert auth_check(r)["code"] == "auth.ok", r.json["checks"]
    assert r.rc == 0, r
    assert auth_lines(lab, ELSEWHERE_IP, since), "--trust-discovered sends it"


def test_forged_autodiscover_does_not_beat_the_gmail_preset(lab):
    since = mark(lab)
    r = default(lab, "victim@gmail.com")
    assert r.json["settings"]["host"] == "smtp.gmail.com", (r.json["settings"], r.json["candidates"])
    assert auth_check(r)["code"] == "auth.ok", r.json["checks"]
    assert r.rc == 0, r
    assert not auth_lines(lab, FORGER_IP, since), "the forger got the Gmail password"


# -- E: the DNSSEC AD bit ---------------------------------------------------------

def test_ad_bit_from_a_resolver_elsewhere_is_not_trusted(lab):
    since = mark(lab)
    r = default(lab, "user@adforged.test", dns=FAR_DNS)
    s = r.json["settings"]
    assert (s["host"], s["trusted"]) == ("smtp.faraway.test", False), s
    expect(r, "auth.untrusted_server")
    assert not auth_lines(lab, FARAWAY_IP, since), "an AD bit from across the network vouches for nothing"


def test_ad_bit_from_a_loopback_resolver_is_trusted(lab):
    since = mark(lab)
    r = default(lab, "user@adforged.test", dns=NEAR_DNS)
    s = r.json["settings"]
    assert (s["host"], s["trusted"]) == ("smtp.faraway.test", True), s
    assert auth_check(r)["code"] == "auth.ok", r.json["checks"]
    assert auth_lines(lab, FARAWAY_IP, since)


# -- F: servers the user is safe with get the password --------------------------

def test_srv_record_inside_the_domain_gets_the_password(lab):
    since = mark(lab)
    r = default(lab, "user@own.test")
    assert r.json["settings"]["host"] == "mail.own.test", r.json["settings"]
    assert auth_check(r)["code"] == "auth.ok", r.json["checks"]
    assert auth_lines(lab, OWN_IP, since)
    since = mark(lab)
    r = default(lab, "user@own.test", password="not the password")
    assert auth_check(r)["code"] == "auth.failed", r.json["checks"]
    expect(r, "auth.failed")
    assert auth_lines(lab, OWN_IP, since), "the wrong password was tried, so the server's answer is known"


def test_provider_preset_found_through_the_mx_gets_the_password(lab):
    since = mark(lab)
    r = default(lab, "user@contoso-lab.test")
    assert r.json["settings"]["host"] == "smtp.office365.com", r.json["settings"]
    expect(r, "auth.disabled_by_provider")
    assert auth_lines(lab, OFFICE_IP, since), "Microsoft's own answer needs the login to be tried"


# -- G: no encryption ----------------------------------------------------------

def test_discovered_server_without_encryption_gets_no_password(lab):
    # an SRV record says STARTTLS, the server offers none: the session ends
    # before any login
    since = mark(lab)
    r = default(lab, "user@plainonly.test")
    assert r.json["settings"]["host"] == "smtp.plainonly.test", r.json["settings"]
    assert not [c for c in r.json["checks"] if c["layer"] == "auth"], r.json["checks"]
    assert r.json["diagnosis"]["code"] == "tls.starttls_unavailable", r.json["diagnosis"]
    assert r.rc == 1, r
    assert not auth_lines(lab, PLAIN_IP, since), "a password in clear text to a discovered server"
    # a document of the domain itself says "no encryption": a discovered
    # "plain" is still no reason to send the password in clear text
    since = mark(lab)
    r = default(lab, "user@plaindoc.test")
    assert (r.json["settings"]["host"], r.json["settings"]["security"]) == ("smtp.plainonly.test", "plain"), r.json
    assert auth_check(r)["code"] == "auth.plaintext_refused", r.json["checks"]
    assert r.rc == 1, r
    assert not auth_lines(lab, PLAIN_IP, since), "a password in clear text to a discovered server"


def test_allow_plaintext_auth_needs_security_plain(lab):
    # port 25, security left to find out: the server turns out to offer no
    # encryption, and --allow-plaintext-auth alone does not send the password
    since = mark(lab)
    r = diag(lab, "smtp.plainonly.test", 25, None, "--allow-plaintext-auth")
    assert auth_check(r)["code"] == "auth.plaintext_refused", r.json["checks"]
    assert "--security plain" in auth_check(r)["message"], auth_check(r)
    assert not auth_lines(lab, PLAIN_IP, since), "without --security plain nothing goes in clear text"
    since = mark(lab)
    r = diag(lab, "smtp.plainonly.test", 587, "plain", "--allow-plaintext-auth")
    assert auth_check(r)["code"] == "auth.ok", r.json["checks"]
    assert auth_lines(lab, PLAIN_IP, since)


# -- H: the question on a terminal -------------------------------------------

def take_terminal():
    """In the child, after setsid: its standard input, the pty, becomes its
    controlling terminal (what /dev/tty opens)."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Terminal:
    """The program on a pseudo-terminal: stdin, stdout and stderr, and its
    controlling terminal. Every read is bounded in time."""

    def __init__(self, lab, *args):
        self.master, slave = os.openpty()
        self.proc = lab.popen(*args, stdin=slave, stdout=slave, stderr=slave, start_new_session=True,
                              preexec_fn=take_terminal)
        os.close(slave)
        self.text = ""

    def read_until(self, needles, seconds):
        """Reads until one of needles shows (returned) or the output ends
        or the time is up (None)."""
        deadline = time.monotonic() + Lab.seconds(seconds)
        while True:
            for n in needles:
                if n in self.text:
                    return n
            left = deadline - time.monotonic()
            if left <= 0 or not self._read(left):
                return None

    def _read(self, seconds):
        ready, _, _ = select.select([self.master], [], [], seconds)
        if not ready:
            return False
        try:
            data = os.read(self.master, 4096)
        except OSError:             # EIO: every end of the slave is closed
            return False
        self.text += data.decode("utf-8", "replace")
        return bool(data)

    def type(self, text):
        os.write(self.master, text.encode())

    def finish(self, seconds=10):
        """Reads to the end and returns the exit status."""
        deadline = time.monotonic() + Lab.seconds(seconds)
        while time.monotonic() < deadline and self._read(deadline - time.monotonic()):
            pass
        try:
            rc = self.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.close()
            raise AssertionError(f"still running after {seconds}s; the terminal showed:\n{self.text}")
        os.close(self.master)
        self.master = None
        Lab.finished(self.proc)
        return rc

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.master is not None:
            os.close(self.master)
            self.master = None


def ask_on_terminal(lab, answer):
    """The default command for user@adsrv.test on a terminal, answering the
    trust question with `answer`: (exit status, what the terminal showed,
    the AUTH lines the server received)."""
    since = mark(lab)
    t = Terminal(lab, "--timeout", "3", "--password-file", secret_file(lab), "user@adsrv.test")
    try:
        found = t.read_until([QUESTION], 10)
        assert found, f"no question on the terminal; it showed:\n{t.text}"
        assert not auth_lines(lab, ELSEWHERE_IP, since, wait=False), "the login ran before the question"
        t.type(answer)
        rc = t.finish()
    finally:
        t.close()
    assert PASSWORD not in t.text, "the password must never be printed"
    return rc, t.text, auth_lines(lab, ELSEWHERE_IP, since)


def test_yes_at_the_terminal_sends_the_password(lab):
    rc, text, sent = ask_on_terminal(lab, "y\n")
    assert sent, f"no AUTH after 'y'; the terminal showed:\n{text}"
    assert rc == 0, (rc, text)


def test_no_at_the_terminal_keeps_the_password(lab):
    rc, text, sent = ask_on_terminal(lab, "n\n")
    assert not sent, f"{len(sent)} AUTH command(s) after 'n'"
    assert rc == 1, (rc, text)


def test_no_question_without_a_terminal(lab):
    since = mark(lab)
    proc = lab.popen("--timeout", "3", "--password-file", secret_file(lab), "user@adsrv.test",
                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                     start_new_session=True)        # no controlling terminal either
    try:
        out, err = proc.communicate(timeout=Lab.seconds(20))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    Lab.finished(proc)
    assert "[y/N]" not in out + err, (out, err)
    assert proc.returncode == 1, (proc.returncode, out, err)
    assert not auth_lines(lab, ELSEWHERE_IP, since)


def test_question_comes_before_the_password_prompt(lab):
    since = mark(lab)
    t = Terminal(lab, "--timeout", "3", "--user", "user@adsrv.test", "user@adsrv.test")
    try:
        found = t.read_until([QUESTION, "Password for"], 10)
        assert found == QUESTION, f"the trust question must come first; the terminal showed:\n{t.text}"
        t.type("n\n")
        rc = t.finish()
    finally:
        t.close()
    assert "Password for" not in t.text, f"a password was asked for after 'n':\n{t.text}"
    assert rc == 1 and "The login was not checked: your password was not sent to smtp.elsewhere.test" in t.text, \
        (rc, t.text)
    assert not auth_lines(lab, ELSEWHERE_IP, since)


def test_the_default_command_asks_for_the_password_without_user(lab):
    """On a terminal, smtpdoctor ADDRESS with no password and no --user asks
    for one once it knows the server (a login is what fails most often),
    names the username it will use, and tries it; Enter skips the login."""
    since = mark(lab)
    t = Terminal(lab, "--timeout", "3", "user@own.test")
    try:
        found = t.read_until(["Password for user@own.test"], 10)
        assert found, f"no password prompt; the terminal showed:\n{t.text}"
        t.type(PASSWORD + "\n")
        rc = t.finish()
    finally:
        t.close()
    assert PASSWORD not in t.text, "the password must never be printed"
    assert rc == 0 and auth_lines(lab, OWN_IP, since), (rc, t.text)
    since = mark(lab)
    t = Terminal(lab, "--timeout", "3", "user@own.test")
    try:
        assert t.read_until(["Password for user@own.test"], 10), t.text
        t.type("\n")
        rc = t.finish()
    finally:
        t.close()
    assert not auth_lines(lab, OWN_IP, since), "Enter skips the login"
    assert rc == 0, (rc, t.text)


# -- I: hygiene -----------------------------------------------------------------

def test_empty_or_directory_password_file_is_a_usage_error(lab):
    empty = secret_file(lab, "empty-password", "")
    folder = os.path.join(lab.dir, "password-folder")
    os.makedirs(folder, exist_ok=True)
    for path in (empty, folder):
        since = mark(lab)
        r = lab.run("diag", "--json", "--timeout", "3", "--host", "smtp.elsewhere.test", "--port", "465",
                    "--security", "tls", "--user", USER, "--password-file", path)
        assert r.rc == 2, (path, r)
        assert r.out == "" and r.err.startswith("smtpdoctor: "), (path, r)
        assert len(r.err.strip().splitlines()) == 1, ("one line", path, r.err)
        time.sleep(0.1)
        assert not [s for s in lab.smtp_servers.sessions[since:] if s[0] == ELSEWHERE_IP], \
            f"{path}: connected before the usage error"
    # the same for a password variable that is set but empty
    since = mark(lab)
    r = lab.run("diag", "--json", "--timeout", "3", "--host", "smtp.elsewhere.test", "--port", "465",
                "--security", "tls", "--user", USER, env={"SMTPDOCTOR_PASSWORD": ""})
    assert (r.rc, r.out) == (2, ""), r
    assert r.err.startswith("smtpdoctor: SMTPDOCTOR_PASSWORD is set but empty: no password"), r.err
    time.sleep(0.1)
    assert not [s for s in lab.smtp_servers.sessions[since:] if s[0] == ELSEWHERE_IP], "connected"


def unlimited_core():
    """In the child: core dumps allowed, so that only the program can turn them off."""
    resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


def inspect_running(lab, *secret_args):
    """Starts a diag against the silent server with both secrets in the
    environment, waits until the server sees it connect, and returns the
    process's /proc environ (bytes) and limits (text)."""
    env = {"SMTPDOCTOR_PASSWORD": ENV_PASSWORD, "SMTPDOCTOR_OAUTH2_TOKEN": ENV_TOKEN}
    before = len(lab.smtp_servers.connected_at)
    proc = lab.popen("diag", "--json", "--timeout", "5", "--host", "silent.gate.test", "--port", "587",
                     "--security", "starttls", "--user", USER, *secret_args, env=env,
                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                     preexec_fn=unlimited_core)
    try:
        deadline = time.monotonic() + Lab.seconds(5)
        while not [c for c in lab.smtp_servers.connected_at[before:] if c[0] == SILENT_IP]:
            assert proc.poll() is None, (secret_args, proc.returncode, proc.communicate())
            assert time.monotonic() < deadline, "the run never connected to the silent server"
            time.sleep(0.02)
        with open(f"/proc/{proc.pid}/environ", "rb") as f:
            environ = f.read()
        with open(f"/proc/{proc.pid}/limits") as f:
            limits = f.read()
    finally:
        proc.kill()
        proc.communicate()
    return environ, limits


def test_secrets_leave_the_environment_and_no_core_is_dumped(lab):
    if VALGRIND:
        # The process is valgrind's: /proc shows the environment block and the
        # limits valgrind started with, not the program's. The plain and the
        # sanitizer passes check this.
        return
    token = secret_file(lab, "gate-token", "ya29.file-token\n")
    for how, args in (("--password-file", ["--password-file", secret_file(lab)]),
                      ("--oauth2-token-file", ["--oauth2-token-file", token]),
                      ("the environment", [])):
        environ, limits = inspect_running(lab, *args)
        assert ENV_PASSWORD.encode() not in environ, f"password with {how}: SMTPDOCTOR_PASSWORD left in environ"
        assert ENV_TOKEN.encode() not in environ, f"secret with {how}: SMTPDOCTOR_OAUTH2_TOKEN left in environ"
        core = [l.split() for l in limits.splitlines() if l.startswith("Max core file size")]
        assert core and core[0][4:6] == ["0", "0"], f"secret with {how}: core dumps not off:\n{limits}"


# -- J: a malformed CRAM-MD5 challenge ---------------------------------------------

def test_malformed_cram_md5_challenge(lab):
    r = diag(lab, "cram.gate.test", 587, "starttls", "--auth-mech", "CRAM-MD5")
    a = auth_check(r)
    assert a["code"] == "auth.failed", r.json["checks"]
    assert "challenge" in a["message"], a
    assert r.rc == 1, r
