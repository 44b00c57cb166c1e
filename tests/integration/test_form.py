# SPDX-License-Identifier: MIT
"""The form filled in from the diagnosis: the settings that work, each
changed field marked against what the user has, or the next step when
nothing works; the "Do not verify TLS certificate" box only for a server of
the address's own domain; the text output, the form and the JSON agree. And
the words of the text output: the test message's queue id, the provider's
status said plainly, the address as the user typed it."""
import os

from lab import DEAD_DNS_IP
from smtpd import SmtpBehaviour

USER, PASSWORD = "ann@formok.test", "form-lab-secret-3"


def world(lab):
    # a healthy server of the address's own domain: 465 and 587
    lab.host("mail.formok.test", "127.0.17.2")
    for port, mode in ((465, "tls"), (587, "starttls")):
        lab.smtp("127.0.17.2", port, SmtpBehaviour(mode, name="mail.formok.test", cert=lab.cert_for("mail.formok.test"),
                                                   users={USER: PASSWORD}))
    lab.srv("_submissions._tcp.formok.test", "mail.formok.test", 465)
    # a company's own server with an expired certificate, found through SRV
    lab.host("mail.formco.test", "127.0.17.1")
    lab.smtp("127.0.17.1", 465, SmtpBehaviour("tls", name="mail.formco.test",
                                              cert=lab.cert_for("mail.formco.test", not_before_days=-400, days=365)))
    lab.srv("_submissions._tcp.formco.test", "mail.formco.test", 465)
    # nothing on 587, SSL/TLS on 465
    lab.host("only465.formok.test", "127.0.17.3")
    lab.smtp("127.0.17.3", 465, SmtpBehaviour("tls", name="only465.formok.test",
                                              cert=lab.cert_for("only465.formok.test")))


def password_file(lab, password=PASSWORD):
    path = os.path.join(lab.dir, "form-password")
    with open(path, "w") as f:
        f.write(password + "\n")
    return path


def diag(lab, host, port, security, *extra, fmt=None):
    args = ["diag", "--timeout", "3", "--host", host, "--port", str(port), "--security", security, *extra]
    if fmt:
        args += ["--format", fmt]
    r = lab.run(*args)
    j = lab.run(*args[:1], "--json", *args[1:])
    assert j.json is not None, j
    assert r.rc == j.rc, (r, j)
    return r, j.json


def form_of(out):
    """The form: what follows the diagnosis's text, whose last part is the
    layer checks ("Checked HOST port N with ...:" and one line a check)."""
    start = out.index("\n\n", out.index("\nChecked ")) + 2
    return out[start:]


def test_diag_form_of_working_settings(lab):
    r, j = diag(lab, "mail.formok.test", 587, "starttls", "--user", USER, "--password-file", password_file(lab),
                "--send-to", "bob@formok.test", fmt="form")
    assert r.rc == 0 and j["diagnosis"]["status"] == "ok", r
    form = form_of(r.out).splitlines()
    assert form[0] == "These settings work: the server accepted the login and the test message.", form
    assert form[2:9] == [
        "SMTP server:          mail.formok.test",
        "Port:                 587",
        "Encryption:           STARTTLS",
        "Username:             ann@formok.test",
        "Password:             your email password",
        "Authentication:       Normal password",
        "Do not verify TLS certificate: leave unchecked",
    ], form
    assert "change it" not in r.out
    # the text names the accepted message as the JSON does
    assert j["queue_id"] == "4LabQ1d"
    assert "The test message was accepted; the server named it 4LabQ1d." in r.out, r.out


def test_diag_form_marks_the_port_to_change(lab):
    """Nothing on 587: the form holds 465 with SSL/TLS, each marked against
    what the user typed, as the JSON's working settings say."""
    r, j = diag(lab, "only465.formok.test", 587, "starttls", fmt="form")
    assert r.rc == 1 and j["diagnosis"]["code"] == "tcp.refused", j["diagnosis"]
    w = j["diagnosis"]["working_settings"]
    assert (w["port"], w["security"]) == (465, "tls"), w
    form = form_of(r.out).splitlines()
    assert form[0] == "Your settings do not work. Change the marked fields:", form
    assert "SMTP server:          only465.formok.test" in form, form
    assert "Port:                 465   (you have 587: change it)" in form, form
    assert "Encryption:           SSL/TLS   (you have STARTTLS: change it)" in form, form
    assert "Do not verify TLS certificate: leave unchecked" in form
    # another format after a diagnosis writes the settings that work too
    m, _ = diag(lab, "only465.formok.test", 587, "starttls", fmt="msmtp")
    assert "host only465.formok.test\nport 465\ntls on\ntls_starttls off\n" in m.out, m.out


def test_diag_form_corrects_the_mode(lab):
    r, j = diag(lab, "mail.formok.test", 465, "starttls", fmt="form")
    assert j["diagnosis"]["code"] == "tls.implicit_expected" and r.rc == 1, j["diagnosis"]
    form = form_of(r.out)
    assert "Port:                 465\n" in form, form
    assert "Encryption:           SSL/TLS   (you have STARTTLS: change it)" in form, form


def test_diag_form_after_a_wrong_password(lab):
    """The server is right, the password is not: the settings are shown as
    reaching the server, and the first thing to do is the remedy."""
    r, j = diag(lab, "mail.formok.test", 587, "starttls", "--user", USER, "--password-file",
                password_file(lab, "wrong"), fmt="form")
    assert j["diagnosis"]["code"] == "auth.failed" and r.rc == 1, j["diagnosis"]
    form = form_of(r.out).splitlines()
    assert form[0] == ("These settings reach the server, but do not work yet. First: "
                       + j["diagnosis"]["remedy"]), form
    assert "Port:                 587" in form and "These settings work" not in r.out, form


def test_expired_certificate_of_the_own_domain_gets_the_box_with_its_warning(lab):
    r, j = diag(lab, "mail.formco.test", 465, "tls", "ann@formco.test", fmt="form")
    assert j["diagnosis"]["code"] == "cert.expired" and r.rc == 1, j["diagnosis"]
    form = form_of(r.out)
    assert form.startswith("Nothing works with the certificate checked. mail.formco.test is a server of your "
                           "own domain"), form
    assert "Do not verify TLS certificate: check it, for this server only (see the warning)" in form, form
    assert "Warning: with \"Do not verify TLS certificate\" checked" in form, form
    # the other formats do not write settings that need the check off
    m, _ = diag(lab, "mail.formco.test", 465, "tls", "ann@formco.test", fmt="msmtp")
    assert "host mail.formco.test" not in m.out and "no settings that work" in m.err, m


def test_expired_certificate_of_another_domain_never_gets_the_box(lab):
    r, j = diag(lab, "mail.formco.test", 465, "tls", "bob@elsewhere.test", fmt="form")
    assert j["diagnosis"]["code"] == "cert.expired" and r.rc == 1
    form = form_of(r.out)
    assert form.startswith("No settings that work were found. First: "), form
    assert "check it" not in form and "SMTP server:" not in form, form


def test_provider_host_never_gets_the_box(lab):
    """iCloud's server answered by another certificate (test_diag's world):
    interception, and never the box, even for an address of icloud.com."""
    r, j = diag(lab, "smtp.mail.me.com", 587, "starttls", "me@icloud.com", fmt="form")
    assert j["diagnosis"]["code"] == "cert.intercepted", j["diagnosis"]
    form = form_of(r.out)
    assert "check it" not in form and "relay.webhost.test" not in form, form


def test_discover_form_does_not_present_failed_settings(lab):
    args = ("discover", "--timeout", "3", "--ispdb-url", "none", "ann@formco.test")
    form = lab.run(*args[:1], "--format", "form", *args[1:])
    text = lab.run(*args)
    j = lab.run(*args[:1], "--json", *args[1:])
    assert j.json["settings"]["host"] == "mail.formco.test"
    assert (form.rc, text.rc, j.rc) == (1, 1, 1), (form, text, j)
    assert j.json["diagnosis"]["status"] == "fail", j.json["diagnosis"]
    assert form.out.startswith("The settings found do not work: mail.formco.test port 465 with SSL/TLS"), form.out
    assert "leave unchecked" not in form.out and "SMTP server:" not in form.out, form.out
    assert "certificate" in form.out and "What to do:" in form.out, form.out


def test_default_command_form(lab):
    r = lab.run("--timeout", "3", "--ispdb-url", "none", "--format", "form", "ann@formok.test")
    j = lab.run("--timeout", "3", "--ispdb-url", "none", "--json", "ann@formok.test")
    assert r.rc == 0 == j.rc and j.json["diagnosis"]["status"] == "ok", (r, j.json["diagnosis"])
    s = j.json["settings"]
    form = form_of(r.out)
    assert form.startswith("These settings work (the login was not checked).\n"), form
    assert f"SMTP server:          {s['host']}\nPort:                 {s['port']}\n" in form, form


def test_discover_text_words(lab):
    r = lab.run("discover", "--no-probe", "--timeout", "1", "you@gmail.com", dns=DEAD_DNS_IP)
    assert "Gmail: a setting must be changed on the Gmail web site first:" in r.out, r.out
    assert "(preparation)" not in r.out and "  Auth          PLAIN, LOGIN, XOAUTH2, OAUTHBEARER" in r.out, r.out
    assert "from the built-in preset" in r.out and "(preset)" not in r.out, r.out
    v = lab.run("discover", "--no-probe", "-v", "--timeout", "1", "you@gmail.com", dns=DEAD_DNS_IP)
    assert "status: preparation" in v.out and "(preset)" in v.out, v.out
    j = lab.run("discover", "--no-probe", "--json", "--timeout", "1", "you@gmail.com", dns=DEAD_DNS_IP)
    assert j.json["settings"]["auth"][0] == "XOAUTH2" and j.json["provider"]["status"] == "preparation"


def test_idn_address_is_shown_as_typed(lab):
    r = lab.run("discover", "--no-probe", "--timeout", "1", "--ispdb-url", "none", "user@bücher.test",
                dns=DEAD_DNS_IP)
    assert "user@bücher.test" in r.out and "xn--" not in r.out, r.out
    v = lab.run("discover", "--no-probe", "-v", "--timeout", "1", "--ispdb-url", "none", "user@bücher.test",
                dns=DEAD_DNS_IP)
    assert "user@bücher.test (user@xn--bcher-kva.test)" in v.out, v.out
