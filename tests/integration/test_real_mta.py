# SPDX-License-Identifier: MIT
"""Against a real MTA: Postfix for submission with Dovecot SASL, delivering
to maildirs. A healthy run passes every layer; the test message arrives and
is read back; Postfix's own refusals get their codes, and remedies that fit
the situation: the same Postfix set up as administrators do it in ways that
refuse mail (relay rules without logged-in users, small size limits,
greylisting), one smtpd each on an address of its own."""
import os
import re

ALICE, PASSWORD = "alice@mta.test", "Postfix-lab-secret-42"
MTA = {}

# name -> (address, ports, main.cf parameters for its smtpd)
VARIANTS = {
    # relaying only to the MTA's own domain, also for logged-in users
    "relay": ("127.0.3.2", ["submission"], {"smtpd_relay_restrictions": "reject_unauth_destination",
                                             "smtpd_sender_restrictions": ""}),
    # a limit smaller than the test message, not announced in EHLO
    "big": ("127.0.3.3", ["submission"], {"message_size_limit": "300", "smtpd_discard_ehlo_keywords": "size"}),
    # ... and announced (SIZE 300)
    "tiny": ("127.0.3.4", ["submission"], {"message_size_limit": "300"}),
    # 5 MB: the test message fits, an invoice with attachments does not
    "small": ("127.0.3.5", ["submission"], {"message_size_limit": "5000000"}),
    # greylisting for every recipient, logged in or not
    "grey": ("127.0.3.6", ["submission", "smtp"], {"smtpd_recipient_restrictions": "check_recipient_access,{greylist}"}),
}
GREYLIST = "mta.test 450 4.2.0 Greylisted, see http://postgrey.lab.test/help/mta.test.html\n"


def world(lab):
    m = MTA["m"] = lab.postfix("127.0.3.1", "mta.lab.test", "mta.test",
                               {ALICE: PASSWORD, "bob@mta.test": "bob-secret", "archive@mta.test": "archive-secret"})
    greylist = m.table("greylist", GREYLIST)
    for name, (ip, ports, params) in VARIANTS.items():
        host = f"{name}.mta.lab.test"
        lab.host(host, ip)
        for port in ports:
            m.variant(ip, lab.cert_for(host), port,
                      **{k: v.format(greylist=greylist) for k, v in params.items()})
    # the domain publishes its settings (autoconfig over https: trusted)
    lab.route("https", "autoconfig.mta.test", "/mail/config-v1.1.xml", body=(
        '<clientConfig version="1.1"><emailProvider id="mta.test"><domain>mta.test</domain>'
        '<outgoingServer type="smtp"><hostname>mta.lab.test</hostname><port>465</port>'
        '<socketType>SSL</socketType><username>%EMAILADDRESS%</username>'
        '<authentication>password-cleartext</authentication></outgoingServer>'
        '<outgoingServer type="smtp"><hostname>mta.lab.test</hostname><port>587</port>'
        '<socketType>STARTTLS</socketType><username>%EMAILADDRESS%</username>'
        '<authentication>password-cleartext</authentication></outgoingServer>'
        '</emailProvider></clientConfig>'))


def password_file(lab, secret=PASSWORD):
    path = os.path.join(lab.dir, "mta-password")
    with open(path, "w") as f:
        f.write(secret + "\n")
    return path


def test_healthy_submission_on_587_and_465(lab):
    for port, security in ((587, "starttls"), (465, "tls")):
        r = lab.run("diag", "--json", "--timeout", "5", "--host", "mta.lab.test", "--port", str(port),
                    "--user", ALICE, "--password-file", password_file(lab))
        assert r.rc == 0, r
        assert r.json["settings"]["security"] == security
        assert [c["status"] for c in r.json["checks"]] == ["pass"] * len(r.json["checks"]), r.json["checks"]
        assert r.json["diagnosis"]["code"] == "auth.ok", r.json["diagnosis"]
        assert "Postfix" in [c for c in r.json["checks"] if c["layer"] == "smtp"][0]["message"]


def test_address_end_to_end_delivers_the_test_message(lab):
    """smtpdoctor ADDRESS --user U --send-to R: discovery, every layer, and a
    message that really arrives, with its Bcc copy."""
    m = MTA["m"]
    r = lab.run("--json", "--timeout", "5", "--user", ALICE, "--password-file", password_file(lab),
                "--send-to", "bob@mta.test", "--reply-to", "help@mta.test", "--bcc", "archive@mta.test", ALICE)
    assert r.rc == 0, (r, m.log())
    assert r.json["settings"]["host"] == "mta.lab.test" and r.json["settings"]["source"] == "autoconfig"
    assert r.json["diagnosis"]["code"] == "send.ok", r.json["diagnosis"]
    queue_id = r.json["queue_id"]
    assert queue_id and queue_id in m.log(), (queue_id, m.log())
    m.flush()
    got = [x for x in m.delivered("bob@mta.test") if queue_id in x.get("Received", "")]
    assert len(got) == 1, (queue_id, [x.get("Received") for x in m.delivered("bob@mta.test")])
    msg = got[0]
    assert msg["From"] == "<alice@mta.test>" and msg["To"] == "<bob@mta.test>", (msg["From"], msg["To"])
    assert msg["Reply-To"] == "<help@mta.test>"
    assert msg["Subject"] == "smtpdoctor test: mta.lab.test port 465 with SSL/TLS", msg["Subject"]
    assert msg["Message-ID"].endswith("@mta.test>") and msg["Date"]
    assert msg["Bcc"] is None
    assert "sending with these settings works" in msg.get_payload()
    copies = [x for x in m.delivered("archive@mta.test") if queue_id in x.get("Received", "")]
    assert len(copies) == 1, "the Bcc copy arrives"
    assert PASSWORD not in r.out + r.err


def test_the_test_message_stays_english_and_ascii_in_another_language(lab):
    """A person reading Russian gets Russian output, but the test message's
    headers stay RFC 5322 ASCII (an English Date, whatever LC_TIME the
    environment names) and its text English; and --timeout 1.5 is read with
    a dot in a locale whose decimal separator is a comma."""
    m = MTA["m"]
    r = lab.run("--json", "--timeout", "5.5", "--user", ALICE, "--password-file", password_file(lab),
                "--send-to", "bob@mta.test", ALICE, env={"LANG": "ru_RU.UTF-8", "LC_TIME": "ru_RU.UTF-8"})
    assert r.rc == 0, (r, m.log())
    assert r.json["diagnosis"]["code"] == "send.ok", r.json["diagnosis"]
    assert any("\u0400" <= c <= "\u04ff" for c in r.json["diagnosis"]["summary"]), r.json["diagnosis"]
    m.flush()
    got = [x for x in m.delivered("bob@mta.test") if r.json["queue_id"] in x.get("Received", "")]
    assert len(got) == 1, r.json["queue_id"]
    msg = got[0]
    assert re.fullmatch(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                        r"\d{4} \d\d:\d\d:\d\d [+-]\d{4}", msg["Date"]), msg["Date"]
    assert msg["Subject"] == "smtpdoctor test: mta.lab.test port 465 with SSL/TLS", msg["Subject"]
    assert "sending with these settings works" in msg.get_payload()


def test_wrong_password_is_refused_by_postfix(lab):
    r = lab.run("diag", "--json", "--timeout", "5", "--host", "mta.lab.test", "--port", "587",
                "--user", ALICE, "--password-file", password_file(lab, "not-the-password"))
    d = r.json["diagnosis"]
    assert (r.rc, d["code"]) == (1, "auth.failed"), d
    assert "535 5.7.8" in d["server_reply"], d


def test_sender_not_owned_by_the_login(lab):
    r = lab.run("diag", "--json", "--timeout", "5", "--host", "mta.lab.test", "--port", "587",
                "--user", ALICE, "--password-file", password_file(lab), "--send-to", "bob@mta.test",
                "--from", "bob@mta.test")
    d = r.json["diagnosis"]
    assert (r.rc, d["code"]) == (1, "send.sender_rejected"), (d, r.json["checks"])
    assert "not owned by user alice@mta.test" in d["server_reply"], d


# -- remedies that fit the situation --------------------------------------------

def diag(lab, host, *args, port=587, login=True):
    """diag of the MTA or a variant of it, logged in as alice (login=False:
    no password), sending a test message as the arguments say."""
    creds = ["--user", ALICE, "--password-file", password_file(lab)] if login else []
    r = lab.run("diag", "--json", "-v", "--timeout", "5", "--host", host, "--port", str(port),
                "--security", "starttls", *creds, *args)
    assert r.json is not None, r
    assert PASSWORD not in r.out + r.err
    return r


def checks(r, code):
    return [c for c in r.json["checks"] if c["code"] == code]


def outcome(r):
    d = r.json["diagnosis"]
    return r.rc, d["status"], d["code"]


def test_relay_denied_after_login_is_for_the_administrator(lab):
    """Postfix's relay rules without permit_sasl_authenticated: the login
    works, RCPT to another domain gets "Relay access denied". Logging in is
    no remedy then: the user must ask whoever runs the server."""
    r = diag(lab, "relay.mta.lab.test", "--send-to", "someone@elsewhere.test")
    assert outcome(r) == (1, "fail", "send.relay_denied"), (r.json["diagnosis"], r.json["checks"])
    assert [c["status"] for c in checks(r, "auth.ok")] == ["pass"], r.json["checks"]
    d = r.json["diagnosis"]
    assert "554 5.7.1 <someone@elsewhere.test>: Relay access denied" in d["server_reply"], d
    assert d["remedy"] == (
        "The server accepted your login but still will not send mail to other domains for you. That is a setting "
        "of the server, not of your program: ask whoever runs relay.mta.lab.test to allow sending for logged-in "
        "users (on Postfix: permit_sasl_authenticated in smtpd_relay_restrictions)."), d


def test_relay_denied_without_login_asks_for_the_login(lab):
    r = diag(lab, "relay.mta.lab.test", "--from", "someone@elsewhere.test", "--send-to", "someone@elsewhere.test", login=False)
    assert outcome(r) == (1, "fail", "send.relay_denied"), (r.json["diagnosis"], r.json["checks"])
    assert [c["status"] for c in checks(r, "auth.skipped")] == ["skip"], r.json["checks"]
    assert r.json["diagnosis"]["remedy"] == ("The server relays only for logged-in users: turn on authentication "
                                             "in your program (and log in) before sending.")


def test_message_over_the_limit_at_data(lab):
    """message_size_limit below the test message, SIZE not announced:
    Postfix takes the message and refuses it at the end of DATA."""
    r = diag(lab, "big.mta.lab.test", "--send-to", "bob@mta.test")
    assert outcome(r) == (1, "fail", "send.message_too_big"), (r.json["diagnosis"], r.json["checks"])
    d = r.json["diagnosis"]
    assert "552 5.3.4 Error: message file too big" in d["server_reply"], d
    assert d["remedy"] == ("The server refused the message as too big: send large files as a link instead of an "
                           "attachment, or ask the server's administrator what its limit is and to raise it."), d
    assert not checks(r, "smtp.size_limit_small"), "no SIZE was announced"


def test_message_larger_than_the_announced_size_is_not_sent(lab):
    r = diag(lab, "tiny.mta.lab.test", "--send-to", "bob@mta.test")
    assert outcome(r) == (1, "fail", "send.message_too_big"), (r.json["diagnosis"], r.json["checks"])
    send = checks(r, "send.message_too_big")[0]
    assert send["message"].endswith("is larger than the 300 bytes the server takes (EHLO SIZE 300), so it was "
                                    "not sent"), send
    assert send["remedy"].startswith("This server takes messages up to 300 bytes: "), send
    assert r.json["diagnosis"]["remedy"] == send["remedy"]
    assert not [l for l in r.json["transcript"] if l.startswith(("C: MAIL", "C: RCPT", "C: DATA"))], \
        r.json["transcript"]
    assert [c["status"] for c in checks(r, "smtp.size_limit_small")] == ["warn"], r.json["checks"]


def test_small_size_limit_is_a_warning(lab):
    """SIZE 5000000: the test message goes through, and the settings work,
    but invoices with attachments will bounce: exit 0, with a warning."""
    r = diag(lab, "small.mta.lab.test", "--send-to", "bob@mta.test")
    assert outcome(r) == (0, "warn", "smtp.size_limit_small"), (r.json["diagnosis"], r.json["checks"])
    assert [c["status"] for c in checks(r, "send.ok")] == ["pass"], r.json["checks"]
    warn = checks(r, "smtp.size_limit_small")[0]
    assert (warn["layer"], warn["status"]) == ("smtp", "warn"), warn
    assert warn["message"] == ("the server takes messages only up to 5 MB (EHLO SIZE 5000000): messages over 5 MB, "
                               "such as invoices with attachments, will be refused"), warn
    assert r.json["diagnosis"]["remedy"] == (
        "Nothing to change in your settings, but messages over 5 MB will bounce: send big files as links, or ask "
        "the server's administrator to raise the limit (10 MB or more is usual)."), r.json["diagnosis"]
    # said without a test message too: the EHLO tells it
    r = diag(lab, "small.mta.lab.test")
    assert outcome(r) == (0, "warn", "smtp.size_limit_small"), (r.json["diagnosis"], r.json["checks"])


def test_sender_mismatch_is_refused_at_rcpt(lab):
    """reject_sender_login_mismatch is a sender restriction, but Postfix
    evaluates it at RCPT TO: the check says where the refusal came."""
    r = diag(lab, "mta.lab.test", "--send-to", "bob@mta.test", "--from", "bob@mta.test")
    assert outcome(r) == (1, "fail", "send.sender_rejected"), (r.json["diagnosis"], r.json["checks"])
    send = checks(r, "send.sender_rejected")[0]
    assert send["message"] == ("at RCPT TO:<bob@mta.test> (where this server checks the sender): 553 5.7.1 "
                               "<bob@mta.test>: Sender address rejected: not owned by user alice@mta.test"), send
    assert "MAIL FROM" not in r.json["diagnosis"]["summary"], r.json["diagnosis"]


def test_greylisting_after_login_on_submission_is_the_servers_mistake(lab):
    r = diag(lab, "grey.mta.lab.test", "--send-to", "bob@mta.test")
    assert outcome(r) == (0, "warn", "send.temporary_failure"), (r.json["diagnosis"], r.json["checks"])
    d = r.json["diagnosis"]
    assert "450 4.2.0 <bob@mta.test>: Recipient address rejected: Greylisted" in d["server_reply"], d
    assert d["remedy"] == (
        "The server greylists you even after your login on a submission port, which it should not do: ask whoever "
        "runs grey.mta.lab.test to exempt logged-in users on ports 587 and 465 from greylisting (on Postfix: "
        "permit_sasl_authenticated before the greylisting check). Meanwhile a real mail program gets through when "
        "it retries some minutes later."), d


def test_greylisting_on_port_25_without_login_means_wait(lab):
    r = diag(lab, "grey.mta.lab.test", "--from", "someone@elsewhere.test", "--send-to", "bob@mta.test", port=25, login=False)
    assert outcome(r) == (0, "warn", "send.temporary_failure"), (r.json["diagnosis"], r.json["checks"])
    assert r.json["diagnosis"]["remedy"] == ("The server greylists: a real mail program retries after a few minutes "
                                             "and then gets through; nothing to change.")
