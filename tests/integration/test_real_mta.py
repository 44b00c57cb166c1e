"""Against a real MTA: Postfix for submission with Dovecot SASL, delivering
to maildirs. A healthy run passes every layer; the test message arrives and
is read back; Postfix's own refusals get their codes."""
import os

ALICE, PASSWORD = "alice@mta.test", "Postfix-lab-secret-42"
MTA = {}


def world(lab):
    MTA["m"] = lab.postfix("127.0.3.1", "mta.lab.test", "mta.test",
                           {ALICE: PASSWORD, "bob@mta.test": "bob-secret", "archive@mta.test": "archive-secret"})
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


def test_wrong_password_is_refused_by_postfix(lab):
    r = lab.run("diag", "--json", "--timeout", "5", "--host", "mta.lab.test", "--port", "587",
                "--user", ALICE, "--password-file", password_file(lab, "not-the-password"))
    d = r.json["diagnosis"]
    assert (r.rc, d["code"]) == (1, "auth.failed"), d
    assert "535 5.7.8" in d["summary"], d


def test_sender_not_owned_by_the_login(lab):
    r = lab.run("diag", "--json", "--timeout", "5", "--host", "mta.lab.test", "--port", "587",
                "--user", ALICE, "--password-file", password_file(lab), "--send-to", "bob@mta.test",
                "--from", "bob@mta.test")
    d = r.json["diagnosis"]
    assert (r.rc, d["code"]) == (1, "send.sender_rejected"), (d, r.json["checks"])
    assert "not owned by user alice@mta.test" in d["summary"], d
