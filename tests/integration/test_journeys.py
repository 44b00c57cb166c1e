# SPDX-License-Identifier: MIT
"""The text output of the common journeys, as the person at the SMTP form
reads it: the first lines (the verdict, what to change, the server's reply)
exactly, then the layer checks as the evidence, and the technical details
only with -v. The servers are those of test_diag and test_auth."""
import os

PASSWORD = "correct horse battery staple"   # test_auth's account
USER = "alice@auth.test"


def world(lab):
    pass


def password_file(lab, password):
    path = os.path.join(lab.dir, "journey-password")
    with open(path, "w") as f:
        f.write(password + "\n")
    return path


def diag_text(lab, host, port, security, *args, timeout="3"):
    r = lab.run("diag", "--timeout", timeout, "--host", host, "--port", str(port), "--security", security, *args)
    assert PASSWORD not in r.out + r.err, "the password must never be printed"
    return r


def first_lines(r, n):
    return r.out.splitlines()[:n]


def login(lab, password):
    return ["--user", USER, "--password-file", password_file(lab, password)]


def test_healthy_login(lab):
    r = diag_text(lab, "ok.auth.test", 587, "starttls", *login(lab, PASSWORD))
    assert r.rc == 0, r
    assert first_lines(r, 3) == [
        "Your settings work: ok.auth.test port 587 with STARTTLS.",
        "",
        "Checked ok.auth.test port 587 with STARTTLS:",
    ], r.out
    assert "  PASS auth  logged in as alice@auth.test with CRAM-MD5" in r.out.splitlines(), r.out
    for detail in ("TLSv1", "TLS_AES", "key exchange", "issued by", "PIPELINING", "Diagnosis:"):
        assert detail not in r.out, (detail, r.out)


def test_healthy_without_a_password_says_the_login_was_not_checked(lab):
    r = diag_text(lab, "ok.diag.test", 587, "starttls")
    assert r.rc == 0, r
    assert first_lines(r, 1) == [
        "Your settings work: ok.diag.test port 587 with STARTTLS. The login was not checked: no password was given.",
    ], r.out


def test_wrong_password(lab):
    r = diag_text(lab, "ok.auth.test", 587, "starttls", *login(lab, "not the password"))
    assert r.rc == 1, r
    lines = first_lines(r, 4)
    assert lines[:2] == [
        "The server did not accept the username or password.",
        "What to change: Check the username (often the full address) and the password; many providers want an "
        "app password for mail programs.",
    ], r.out
    assert lines[2].startswith('Server said: "535 ') and lines[2].endswith('"'), r.out
    assert lines[3] == "", r.out
    assert sum(l.startswith("Server said:") for l in r.out.splitlines()) == 1, r.out


def test_app_password_needed(lab):
    r = diag_text(lab, "auth-lab.gmail.com", 587, "starttls", *login(lab, PASSWORD))
    assert r.rc == 1, r
    assert first_lines(r, 4) == [
        "The provider wants an app password here, not your normal password.",
        "What to change: Turn on 2-Step Verification, create an app password under Google Account > Security > "
        "App passwords (https://myaccount.google.com/apppasswords), and type it instead of your normal password.",
        'Server said: "534 5.7.9 Application-specific password required. Learn more at 5.7.9  '
        'https://support.google.com/mail/?p=InvalidSecondFactor d2e1a72fcca58-6c3a - gsmtp"',
        "",
    ], r.out


def test_starttls_setting_on_the_ssl_port(lab):
    r = diag_text(lab, "ok.diag.test", 465, "starttls", timeout="12")
    assert r.rc == 1, r
    assert first_lines(r, 3) == [
        "Port 465 expects SSL/TLS from the first byte, but your settings say STARTTLS.",
        "What to change: Set the encryption to SSL/TLS for port 465; or keep STARTTLS and use port 587 with "
        "STARTTLS.",
        "",
    ], r.out


def test_ssl_setting_on_the_starttls_port(lab):
    r = diag_text(lab, "ok.diag.test", 587, "tls")
    assert r.rc == 1, r
    assert first_lines(r, 3) == [
        "Port 587 greets in plain text and expects STARTTLS, but your settings say SSL/TLS.",
        "What to change: Set the encryption to STARTTLS for port 587, or use port 465 with SSL/TLS.",
        "",
    ], r.out


def test_blocked_port_with_a_working_alternative(lab):
    r = diag_text(lab, "filtered.diag.test", 25, "starttls")
    assert r.rc == 1, r
    assert first_lines(r, 3) == [
        "No answer to the connection attempt to filtered.diag.test port 25: a firewall or your internet "
        "provider drops it.",
        "What to change: Your network drops connections to port 25, but port 587 with STARTTLS works: use it.",
        "",
    ], r.out


def test_expired_certificate(lab):
    r = diag_text(lab, "expired.diag.test", 465, "tls", *login(lab, PASSWORD))
    assert r.rc == 1, r
    assert first_lines(r, 3) == [
        "The certificate of expired.diag.test has expired. The login was not checked: your password was not "
        "sent, because the connection could not be trusted.",
        "What to change: The server's administrator must renew the certificate; until then your program will "
        "(rightly) refuse the connection.",
        "",
    ], r.out
    assert any(l.startswith("  FAIL tls   the certificate expired on ") for l in r.out.splitlines()), r.out


def test_insecure_says_it_once_without_doubled_parentheses(lab):
    r = diag_text(lab, "expired.diag.test", 465, "tls", "--insecure")
    assert r.rc == 0, r
    assert first_lines(r, 1) == [
        "The certificate of expired.diag.test has expired. The login was not checked: no password was given.",
    ], r.out
    assert "((" not in r.out and "))" not in r.out, r.out
    assert r.out.count("--insecure") == 1, r.out


def test_quiet_prints_only_the_verdict(lab):
    r = diag_text(lab, "ok.diag.test", 587, "tls", "-q")
    assert r.rc == 1, r
    assert r.out == "Port 587 greets in plain text and expects STARTTLS, but your settings say SSL/TLS.\n", r.out


def test_verbose_shows_the_technical_details(lab):
    r = diag_text(lab, "ok.diag.test", 587, "starttls", "-v")
    assert r.rc == 0, r
    assert first_lines(r, 1)[0].startswith("Your settings work: "), r.out
    for detail in ("STARTTLS, then TLSv1", "key exchange", "issued by", "EHLO accepted; the server offers:",
                   "Diagnosis: ok (smtp.ok)", "Certificate chain as the server sent it:", "SMTP dialogue:"):
        assert detail in r.out, (detail, r.out)


def test_default_command_puts_the_verdict_before_the_settings(lab):
    r = lab.run("--timeout", "3", "user@ac.test")
    assert r.rc == 0, r
    assert first_lines(r, 3) == [
        "Your settings work: smtp.ac.test port 587 with STARTTLS. The login was not checked: no password was given.",
        "",
        "Settings for user@ac.test: smtp.ac.test port 587 with STARTTLS, username user (from the domain's "
        "autoconfig document)",
    ], r.out
