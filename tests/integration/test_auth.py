# SPDX-License-Identifier: MIT
"""AUTH and the test send: each mechanism, each password source, the
providers' own refusals, every auth and send code of the contract, and the
proof that the password never shows up anywhere."""
import base64
import os
import subprocess

from smtpd import SmtpBehaviour

USER, PASSWORD, TOKEN = "alice@auth.test", "correct horse battery staple", "ya29.lab-token"

SERVERS = {}

# A provider's reply rules apply only to its own servers: the servers that
# answer as a provider does carry names in its domain (which no other module
# gives an address). The others are NAME.auth.test.
PROVIDER_HOSTS = {"gmail": "auth-lab.gmail.com", "m365": "auth-lab.office365.com", "yahoo": "auth-lab.yahoo.com",
                  "mailru": "auth-lab.mail.ru", "sendas": "auth-lab.outlook.com"}


def host_of(name):
    return PROVIDER_HOSTS.get(name, f"{name}.auth.test")


def server(lab, name, ip, port=587, mode="starttls", **kw):
    host = host_of(name)
    lab.host(host, ip)
    kw.setdefault("users", {USER: PASSWORD})
    kw.setdefault("tokens", {USER: TOKEN})
    b = SmtpBehaviour(mode, name=host, cert=lab.cert_for(host), **kw)
    lab.smtp(ip, port, b)
    SERVERS[(name, port)] = b
    return host


def world(lab):
    server(lab, "ok", "127.0.2.1", auth="PLAIN LOGIN CRAM-MD5 XOAUTH2 OAUTHBEARER")
    server(lab, "ok", "127.0.2.1", 465, "tls", auth="PLAIN LOGIN")
    server(lab, "plainonly", "127.0.2.2", auth="PLAIN LOGIN")
    server(lab, "gmail", "127.0.2.3", auth="LOGIN PLAIN XOAUTH2", auth_reply=[
        "534-5.7.9 Application-specific password required. Learn more at",
        "534 5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor d2e1a72fcca58-6c3a - gsmtp"])
    server(lab, "m365", "127.0.2.4", auth="LOGIN XOAUTH2", auth_reply=[
        "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. "
        "Visit https://aka.ms/smtp_auth_disabled for more information. [AM0PR01CA0001.eurprd01.prod.exchangelabs.com]"])
    server(lab, "yahoo", "127.0.2.5", auth="PLAIN LOGIN XOAUTH2",
           auth_reply=["535 5.7.0 (#AUTH005) Too many bad auth attempts."])
    server(lab, "mailru", "127.0.2.6", auth="PLAIN LOGIN", auth_reply=[
        "535 5.7.0 NEOBHODIM parol prilozheniya https://help.mail.ru/mail/security/protection/external / "
        "Application password is REQUIRED"])
    server(lab, "noauth", "127.0.2.7", auth="")
    server(lab, "gssapi", "127.0.2.8", auth="GSSAPI NTLM")
    server(lab, "cleartext", "127.0.2.9", 587, "plain", auth="PLAIN LOGIN")
    server(lab, "notowned", "127.0.2.10", mail_reply=["553 5.7.1 <other@auth.test>: Sender address rejected: not owned by user alice@auth.test"])
    server(lab, "unknownrcpt", "127.0.2.11", rcpt_reply=["550 5.1.1 <nobody@auth.test>: Recipient address rejected: User unknown in virtual mailbox table"])
    server(lab, "relay", "127.0.2.12", rcpt_reply=["554 5.7.1 <someone@elsewhere.test>: Relay access denied"])
    server(lab, "content", "127.0.2.13", data_reply=["554 5.6.0 Message contains invalid header"])
    server(lab, "greylist", "127.0.2.14", rcpt_reply=["450 4.2.0 <bob@auth.test>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/auth.test.html"])
    server(lab, "sendas", "127.0.2.15", data_reply=["554 5.2.0 STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied; Failed to process message due to a permanent exception with message Cannot submit message."])
    server(lab, "needtls", "127.0.2.16", 587, "plain", auth="PLAIN LOGIN",
           auth_reply=["530 5.7.0 Must issue a STARTTLS command first. x1sm123 - gsmtp"])
    # a domain found only by guessing, for the trust rule of the default command
    server(lab, "smtp", "127.0.2.17", 465, "tls", auth="PLAIN LOGIN")


def run(lab, name, *args, password=PASSWORD, how="file", port=587, security="starttls", stdin=None, env=None):
    extra = []
    env = dict(env or {})
    if password is not None:
        if how == "file":
            path = os.path.join(lab.dir, "password")
            with open(path, "w") as f:
                f.write(password + "\n")
            extra = ["--password-file", path]
        elif how == "stdin":
            extra, stdin = ["--password-stdin"], password + "\n"
        elif how == "env":
            env["SMTPDOCTOR_PASSWORD"] = password
    r = lab.run("diag", "--json", "-v", "--timeout", "3", "--host", host_of(name), "--port", str(port),
                "--security", security, "--user", USER, *extra, *args, stdin=stdin, env=env)
    assert r.json is not None, r
    assert PASSWORD not in r.out + r.err, "the password must never be printed"
    return r


def check(r, layer):
    found = [c for c in r.json["checks"] if c["layer"] == layer]
    assert found, (layer, r.json["checks"])
    return found[-1]


def expect(r, code, status="fail", rc=1):
    d = r.json["diagnosis"]
    assert (d["status"], d["code"]) == (status, code), (d, r.json["checks"])
    assert r.rc == rc, r
    return d


def test_login_with_each_password_source(lab):
    for how in ("file", "stdin", "env"):
        r = run(lab, "ok", how=how)
        assert check(r, "auth")["code"] == "auth.ok", (how, r.json["checks"])
        expect(r, "auth.ok", "ok", 0)


def test_each_mechanism(lab):
    r = run(lab, "ok")
    assert r.json["auth_mechanism"] == "CRAM-MD5", "the strongest both sides support"
    for mech in ("PLAIN", "LOGIN", "CRAM-MD5"):
        r = run(lab, "ok", "--auth-mech", mech)
        assert (r.json["auth_mechanism"], check(r, "auth")["code"]) == (mech, "auth.ok"), r.json["checks"]
    token = os.path.join(lab.dir, "token")
    with open(token, "w") as f:
        f.write(TOKEN + "\n")
    for mech in ("XOAUTH2", "OAUTHBEARER"):
        r = run(lab, "ok", "--oauth2-token-file", token, "--auth-mech", mech, password=None)
        assert "auth_mechanism" in r.json, r
        assert (r.json["auth_mechanism"], check(r, "auth")["code"]) == (mech, "auth.ok"), r.json["checks"]
        assert TOKEN not in r.out + r.err
    with open(token, "w") as f:
        f.write("expired-token\n")
    r = run(lab, "ok", "--oauth2-token-file", token, password=None)
    assert "auth_mechanism" in r.json, r
    assert (r.json["auth_mechanism"], check(r, "auth")["code"]) == ("OAUTHBEARER", "auth.failed"), r.json["checks"]


def memory_at(lab, stop, mech, how):
    """Runs a login under gdb, stops it at `stop` (a gdb command that sets a
    breakpoint or catchpoint) and returns the bytes of a core dump taken there."""
    path, core = os.path.join(lab.dir, "password"), os.path.join(lab.dir, "core")
    with open(path, "w") as f:
        f.write(PASSWORD + "\n")
    args = ["diag", "--timeout", "3", "--host", "ok.auth.test", "--port", "587", "--user", USER, "--auth-mech", mech]
    env, start = {}, "run"
    if how == "file":
        args += ["--password-file", path]
    elif how == "stdin":
        args, start = args + ["--password-stdin"], f"run < {path}"
    else:
        env["SMTPDOCTOR_PASSWORD"] = PASSWORD
    if os.path.exists(core):
        os.unlink(core)
    gdb = ["gdb", "-nx", "-q", "-batch", "-ex", "set pagination off", "-ex", stop, "-ex", start,
           "-ex", f"gcore {core}", "-ex", "kill", "--args", *lab.command(*args)]
    r = subprocess.run(gdb, capture_output=True, text=True, timeout=120, env=lab.environment(env))
    assert os.path.exists(core), r.stdout + r.stderr
    with open(core, "rb") as f:
        data = f.read()
    os.unlink(core)
    return data


def secret_fragments(size=12):
    """Every run of `size` characters of the password as it is typed, and as
    LOGIN and PLAIN send it (PLAIN's base64 past the part that encodes the
    user name). Fragments, because free() overwrites the first bytes of a
    freed block: a secret left there is found only in part."""
    forms = {"raw": PASSWORD.encode(), "LOGIN": base64.b64encode(PASSWORD.encode())}
    prefix = len(USER) + 2
    plain = base64.b64encode(b"\0" + USER.encode() + b"\0" + PASSWORD.encode())
    forms["PLAIN"] = plain[(prefix + 2) // 3 * 4 + 4:]
    return {(name, form[i:i + size]) for name, form in forms.items() for i in range(len(form) - size + 1)}


def test_password_memory_is_wiped(lab):
    if os.environ.get("SMTPDOCTOR_SANITIZED") == "1":
        return      # a core of AddressSanitizer's shadow memory is terabytes: the plain pass checks
    # the control: while the login runs, the password is in memory and found
    during = memory_at(lab, "break sd_auth_run", "PLAIN", "file")
    assert PASSWORD.encode() in during, "the search must find the password while it is in use"
    for mech in ("PLAIN", "LOGIN"):
        for how in ("file", "stdin", "env"):
            after = memory_at(lab, "catch syscall exit_group", mech, how)
            assert len(after) > 100000, "a core of the whole process"
            left = sorted({name for name, fragment in secret_fragments() if fragment in after})
            assert not left, f"{mech}, password from {how}: left in memory at exit: {left}"


def test_wrong_password(lab):
    d = expect(run(lab, "ok", password="wrong"), "auth.failed")
    assert d["server_reply"].startswith("535 "), d


def test_gmail_wants_an_app_password(lab):
    d = expect(run(lab, "gmail"), "auth.app_password_required")
    assert "App passwords" in d["remedy"] and "2-Step Verification" in d["remedy"], d


def test_microsoft_365_smtp_auth_disabled(lab):
    d = expect(run(lab, "m365"), "auth.disabled_by_provider")
    assert "Authenticated SMTP" in d["remedy"], d


def test_yahoo_and_mailru_app_passwords(lab):
    assert "Yahoo" in expect(run(lab, "yahoo"), "auth.app_password_required")["remedy"]
    assert "external applications" in expect(run(lab, "mailru"), "auth.app_password_required")["remedy"]


def test_auth_not_offered(lab):
    expect(run(lab, "noauth"), "auth.not_offered")


def test_no_common_mechanism(lab):
    d = expect(run(lab, "gssapi"), "auth.mechanism_unsupported")
    assert "GSSAPI" in d["summary"], d


def test_plaintext_is_refused_unless_allowed(lab):
    r = run(lab, "cleartext", security="plain")
    expect(r, "auth.plaintext_refused")
    sent = [l for (_, _, lines) in lab.smtp_servers.sessions for l in lines if l.startswith("AUTH")]
    assert not any("cleartext" in s for s in sent)
    assert not [l for (ip, _, lines) in lab.smtp_servers.sessions if ip == "127.0.2.9" for l in lines
                if l.startswith("AUTH")], "nothing was sent"
    r = run(lab, "cleartext", "--allow-plaintext-auth", security="plain")
    assert check(r, "auth")["code"] == "auth.ok", r.json["checks"]


def test_server_that_requires_starttls(lab):
    r = run(lab, "needtls", "--allow-plaintext-auth", security="plain")
    expect(r, "tls.required")


def test_skipped_without_password(lab):
    r = run(lab, "ok", password=None)
    assert check(r, "auth")["code"] == "auth.skipped" and check(r, "auth")["status"] == "skip"
    expect(r, "smtp.ok", "ok", 0)


def test_transcript_redacts_secrets(lab):
    for mech in ("PLAIN", "LOGIN", "CRAM-MD5"):
        r = run(lab, "ok", "--auth-mech", mech)
        transcript = "\n".join(r.json["transcript"])
        assert "<redacted>" in transcript, transcript
        encoded = base64.b64encode(PASSWORD.encode()).decode()
        assert PASSWORD not in transcript and encoded not in transcript
        plain = base64.b64encode(f"\0{USER}\0{PASSWORD}".encode()).decode()
        assert plain not in r.out
    text = lab.run("diag", "-v", "--timeout", "3", "--host", "ok.auth.test", "--port", "587", "--user", USER,
                   "--password-stdin", stdin=PASSWORD + "\n")
    assert "AUTH CRAM-MD5" in text.out and PASSWORD not in text.out + text.err, text


def test_send_delivers_a_proper_message(lab):
    before = len(SERVERS[("ok", 587)].messages)
    r = run(lab, "ok", "--send-to", "bob@auth.test", "--from", USER, "--reply-to", "help@auth.test",
            "--bcc", "archive@auth.test")
    expect(r, "send.ok", "ok", 0)
    assert r.json["queue_id"] == "4LabQ1d", r.json
    assert "queued as 4LabQ1d" in check(r, "send")["message"]
    sender, rcpts, data = SERVERS[("ok", 587)].messages[before]
    assert sender == USER and rcpts == ["bob@auth.test", "archive@auth.test"], (sender, rcpts)
    for header in ("From: <alice@auth.test>", "To: <bob@auth.test>", "Reply-To: <help@auth.test>",
                   "Subject: smtpdoctor test: ok.auth.test port 587 with STARTTLS", "Message-ID: <", "Date: "):
        assert header in data, (header, data)
    assert "archive@auth.test" not in data, "Bcc stays out of the headers"


def test_send_refusals(lab):
    for name, code, status, rc in [
        ("notowned", "send.sender_rejected", "fail", 1),
        ("unknownrcpt", "send.recipient_rejected", "fail", 1),
        ("relay", "send.relay_denied", "fail", 1),
        ("content", "send.message_rejected", "fail", 1),
        ("sendas", "send.sender_rejected", "fail", 1),
        ("greylist", "send.temporary_failure", "warn", 0),
    ]:
        r = run(lab, name, "--send-to", "bob@auth.test")
        d = expect(r, code, status, rc)
        assert d["remedy"], (name, d)
    d = expect(run(lab, "sendas", "--send-to", "bob@auth.test"), "send.sender_rejected")
    assert "From address" in d["remedy"], d


def test_no_send_after_a_failed_login(lab):
    r = run(lab, "ok", "--send-to", "bob@auth.test", password="wrong")
    assert check(r, "send")["status"] == "skip"
    expect(r, "auth.failed")


def test_password_sent_to_a_guessed_server_in_the_domain(lab):
    """The default command guesses smtp.auth.test: a host inside the
    address's own registrable domain, with a valid certificate for its name,
    is as safe as the domain itself, so the password goes there."""
    path = os.path.join(lab.dir, "password")
    with open(path, "w") as f:
        f.write(PASSWORD + "\n")
    before = len(lab.smtp_servers.sessions)
    r = lab.run("--json", "--timeout", "3", "--password-file", path, USER)
    assert r.json["settings"]["source"] == "guess", r.json["settings"]
    assert r.json["settings"]["host"] == "smtp.auth.test", r.json["settings"]
    assert check(r, "auth")["code"] == "auth.ok", r.json["checks"]
    expect(r, "auth.ok", "ok", 0)
    assert [l for (ip, _, lines) in lab.smtp_servers.sessions[before:] if ip == "127.0.2.17" for l in lines
            if l.startswith("AUTH")], "the guessed server in the domain got the login"
    assert PASSWORD not in r.out + r.err


def test_bad_addresses_for_send(lab):
    r = lab.run("diag", "--host", "ok.auth.test", "--send-to", "not an address")
    assert r.rc == 2 and "--send-to" in r.err
