# SPDX-License-Identifier: MIT
"""The settings in the user's own format (checked by msmtp and xmllint where
they exist, and read back by smtpdoctor itself), batch discovery, and
output fit for a terminal and for a pipe."""
import os
import subprocess

from lab import DEAD_DNS_IP


def world(lab):
    # a domain whose autoconfig document is whatever a test puts there
    lab.route("https", "autoconfig.export.test", "/mail/config-v1.1.xml", body="")


def export(lab, fmt, address="you@gmail.com", *extra):
    r = lab.run("discover", "--format", fmt, "--timeout", "2", *extra, address, dns=DEAD_DNS_IP)
    assert r.rc == 0, r
    return r.out


def test_form(lab):
    out = export(lab, "form")
    lines = out.splitlines()
    # offline: said first, and the hint the password line refers to is shown
    assert lines[0] == ("These settings could not be checked: no connection was made to the server. "
                        "They come from the built-in preset."), out
    assert lines[1] == "" and "Hint: Gmail needs an app password" in out, out
    assert lines[2:10] == [
        "SMTP server:          smtp.gmail.com",
        "Port:                 465",
        "Encryption:           SSL/TLS",
        "Username:             you@gmail.com",
        "Password:             an app password, not your normal password (see the hint)",
        "Authentication:       Normal password",
        "Do not verify TLS certificate: leave unchecked",
        "Incoming (IMAP):      imap.gmail.com port 993, SSL/TLS",
    ], out
    free = export(lab, "form", "jean@free.fr")
    assert "Username:             jean\nEmail address:        jean@free.fr\n" in free, free
    assert "Password:             your email password" in free


def test_msmtp_validated_by_msmtp(lab):
    rc_file = os.path.join(lab.dir, "msmtprc")
    with open(rc_file, "w") as f:
        f.write(export(lab, "msmtp", "ivan@inbox.ru"))
    os.chmod(rc_file, 0o600)
    fake = os.path.join(lab.dir, "bin")
    os.makedirs(fake, exist_ok=True)
    with open(os.path.join(fake, "secret-tool"), "w") as f:
        f.write("#!/bin/sh\necho not-a-real-password\n")
    os.chmod(os.path.join(fake, "secret-tool"), 0o755)
    env = dict(os.environ, PATH=fake + ":" + os.environ["PATH"])
    r = subprocess.run(["msmtp", "-C", rc_file, "--pretend", "someone@example.org"], capture_output=True,
                       text=True, env=env, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    for line in ("host = smtp.mail.ru", "port = 465", "tls = on", "tls_starttls = off", "auth = choose",
                 "user = ivan@inbox.ru", "from = ivan@inbox.ru"):
        assert line in r.stdout, (line, r.stdout)


def test_thunderbird_document_reads_back(lab):
    doc = export(lab, "thunderbird", "ivan@inbox.ru")
    path = os.path.join(lab.dir, "config.xml")
    with open(path, "w") as f:
        f.write(doc)
    assert subprocess.run(["xmllint", "--noout", path]).returncode == 0
    assert "<username>%EMAILADDRESS%</username>" in doc
    # published as a domain's own autoconfig, smtpdoctor finds the same settings
    lab.web.route("https", "autoconfig.export.test", "/mail/config-v1.1.xml", body=doc)
    r = lab.run("discover", "--json", "--no-probe", "--ispdb-url", "none", "--timeout", "2", "ann@export.test")
    got = [(c["host"], c["port"], c["security"], c["username"]) for c in r.json["candidates"]]
    assert got == [("smtp.mail.ru", 465, "tls", "ann@export.test"), ("smtp.mail.ru", 587, "starttls", "ann@export.test")], got
    incoming = [(c["protocol"], c["host"]) for c in r.json["incoming"]]
    assert incoming == [("imap", "imap.mail.ru"), ("pop3", "pop.mail.ru")], incoming


def test_mutt_git_postfix_env(lab):
    mutt = export(lab, "mutt", "ivan@inbox.ru")
    assert 'set smtp_url = "smtps://ivan%40inbox.ru@smtp.mail.ru:465/"' in mutt, mutt
    assert 'set folder = "imaps://ivan%40inbox.ru@imap.mail.ru:993/"' in mutt
    icloud = export(lab, "mutt", "me@icloud.com")
    assert 'smtp://me%40icloud.com@smtp.mail.me.com:587/' in icloud and "set ssl_starttls = yes" in icloud
    git = export(lab, "git")
    assert "git config --global sendemail.smtpServer 'smtp.gmail.com'\n" in git
    assert "sendemail.smtpEncryption ssl\n" in git and "sendemail.smtpUser 'you@gmail.com'\n" in git
    pf = export(lab, "postfix")
    assert "relayhost = [smtp.gmail.com]:465\nsmtp_tls_wrappermode = yes\n" in pf, pf
    assert "[smtp.gmail.com]:465 you@gmail.com:YOUR_PASSWORD" in pf
    env = export(lab, "env", "you@gmail.com", "--user", "o'brien")
    assert env.splitlines() == ["SMTP_HOST='smtp.gmail.com'", "SMTP_PORT=465", "SMTP_SECURE=true",
                                "SMTP_STARTTLS=false", "SMTP_USER='o'\\''brien'", "SMTP_FROM='you@gmail.com'"], env
    # what the shell makes of it is exactly the user name
    r = subprocess.run(["sh", "-c", env + '\nprintf %s "$SMTP_USER"'], capture_output=True, text=True)
    assert r.stdout == "o'brien", r.stdout


def test_unknown_format_is_a_usage_error(lab):
    r = lab.run("discover", "--format", "word", "you@gmail.com")
    assert r.rc == 2 and "--format" in r.err


def test_batch_keeps_order_and_survives_bad_lines(lab):
    path = os.path.join(lab.dir, "addresses")
    with open(path, "w") as f:
        f.write("# customers\nuser@ac.test\nnot an address\n\nuser@srv.test\nuser@none.test\n")
    r = lab.run("discover", "--batch", path, "-j", "3", "--timeout", "3")
    lines = r.out.splitlines()
    assert len(lines) == 4, r
    import json
    docs = [json.loads(l) for l in lines]
    assert docs[0]["address"] == "user@ac.test" and docs[0]["settings"]["host"] == "smtp.ac.test"
    assert docs[1]["input"] == "not an address" and "name@domain" in docs[1]["error"]
    assert docs[2]["address"] == "user@srv.test" and docs[2]["settings"]["host"] == "mail.srv.test"
    assert docs[3]["diagnosis"]["code"] == "discover.none"
    assert r.rc == 1, "some addresses had no settings"
    r = lab.run("discover", "--batch", "-", "--timeout", "3", stdin="user@wk.test\n")
    assert r.rc == 0 and json.loads(r.out)["settings"]["host"] == "smtp.wk.test", r


def test_batch_input_is_bounded(lab):
    """/dev/zero as a batch file ends at once with a usage error; a NUL byte
    in a line makes that line a bad line, not the end of the input."""
    r = lab.run("discover", "--batch", "/dev/zero", "--timeout", "1", timeout=30)
    assert r.rc == 2 and "more than" in r.err and r.out == "", r
    path = os.path.join(lab.dir, "nul-addresses")
    with open(path, "wb") as f:
        f.write(b"user@ac\x00.test\nuser@wk.test\n")
    r = lab.run("discover", "--batch", path, "--timeout", "3")
    import json
    docs = [json.loads(l) for l in r.out.splitlines()]
    assert [d.get("error", "") != "" for d in docs] == [True, False], docs
    assert docs[1]["settings"]["host"] == "smtp.wk.test", docs


def test_error_quotes_at_most_80_characters_of_the_input(lab):
    r = lab.run("discover", "x" * 100000 + "@\x1b[2Jexample.com")
    assert r.rc == 2 and len(r.err) < 300 and "\x1b" not in r.err, r.err[:400]


def test_colour_only_on_a_terminal_and_never_with_no_color(lab):
    from lab import BINARY
    cmd = f"{BINARY} discover --timeout 1 --dns-server {DEAD_DNS_IP} you@gmail.com"
    env = dict(os.environ, TERM="xterm")
    env.pop("NO_COLOR", None)
    tty = subprocess.run(["script", "-qec", cmd, "/dev/null"], capture_output=True, text=True, env=env)
    assert "\033[1m" in tty.stdout, "colour on a terminal"
    env["NO_COLOR"] = "1"
    tty = subprocess.run(["script", "-qec", cmd, "/dev/null"], capture_output=True, text=True, env=env)
    assert "\033[" not in tty.stdout, "NO_COLOR is honoured"
    pipe = subprocess.run(cmd.split(), capture_output=True, text=True, env=dict(env, NO_COLOR=""))
    assert "\033[" not in pipe.stdout, "no colour into a pipe"


def test_man_page_renders_without_warnings(lab):
    from lab import ROOT
    page = os.path.join(ROOT, "doc", "smtpdoctor.1")
    r = subprocess.run(["groff", "-man", "-ww", "-z", page], capture_output=True, text=True)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    r = subprocess.run(["man", "-l", page], capture_output=True, text=True, env=dict(os.environ, MANWIDTH="80"))
    assert r.returncode == 0 and "--trust-discovered" in r.stdout.replace("‐", "-"), r.stderr
    text = open(page).read().replace("\\-", "-")
    for option in ("--json", "--format", "--dns-server", "--ca-file", "--timeout", "--insecure", "--user",
                   "--password-file", "--password-stdin", "--oauth2-token-file", "--auth-mech", "--send-to",
                   "--from", "--reply-to", "--bcc", "--trust-discovered", "--allow-plaintext-auth", "--host",
                   "--port", "--security", "--ispdb-url", "--no-probe", "--incoming", "--batch", "--jobs",
                   "--verbose", "--quiet", "--version"):
        assert option in text, option


def test_help_fits_one_screen(lab):
    for command in ([], ["discover"], ["diag"], ["presets"]):
        r = lab.run(*command, "--help", dns=None, ca=False)
        lines = r.out.splitlines()
        assert r.rc == 0 and len(lines) <= 24, (command, len(lines))
        assert max(len(l) for l in lines) <= 80, (command, max(lines, key=len))
    r = lab.run("--version", dns=None, ca=False)
    assert r.rc == 0 and "OpenSSL" in r.out and "c-ares" in r.out and "libcurl" in r.out
