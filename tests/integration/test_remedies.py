# SPDX-License-Identifier: MIT
"""Remedies that fit the server: a provider's advice only for replies of its
own servers (the same words from another provider's server or an unknown one
get the generic advice), Microsoft's refusals of a password told apart by
their words, and greylisting after a login on port 465. Scripted servers on
127.0.11.x; the providers' servers carry names in the providers' own
domains, which no other module gives an address."""
import os

from smtpd import SmtpBehaviour

USER, PASSWORD = "carol@remedies.test", "remedies-lab-secret-7"

# the finding's own remedy, for a refusal that no provider's rule explains
GENERIC_AUTH_FAILED = ("Check the username (often the full address) and the password; many providers want an app "
                       "password for mail programs.")

GOOGLE_BAD_CREDENTIALS = ["535-5.7.8 Username and Password not accepted. Learn more at",
                          "535 5.7.8  https://support.google.com/mail/?p=BadCredentials a1-20020a17 - gsmtp"]
RFC_BAD_CREDENTIALS = ["535 5.7.8 Authentication credentials invalid"]
GMX_BAD_CREDENTIALS = ["535 Authentication credentials invalid"]

# Microsoft's answers to AUTH, as Exchange Online gives them
M365 = {
    "basic": ["550 5.7.30 Basic authentication is not supported for Client Submission."],
    "basicoff": ["535 5.7.139 Authentication unsuccessful, basic authentication is disabled. "
                 "[BM1P287CA0015.INDP287.PROD.OUTLOOK.COM]"],
    "tenant": ["535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. "
               "Visit https://aka.ms/smtp_auth_disabled for more information. [MN2PR05CA0004.namprd05.prod.outlook.com]"],
    "mailbox": ["535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox. "
                "Visit https://aka.ms/smtp_auth_disabled for more information. [AM0PR01CA0001.eurprd01.prod.exchangelabs.com]"],
    "defaults": ["535 5.7.139 Authentication unsuccessful, user is locked by your organization's security defaults "
                 "policy. Contact your administrator."],
    "conditional": ["535 5.7.139 Authentication unsuccessful, user is blocked by Conditional Access. "
                    "Contact your administrator."],
    "wrongpassword": ["535 5.7.139 Authentication unsuccessful, the user credentials were incorrect. "
                      "[CH2PR15CA0029.namprd15.prod.outlook.com]"],
}

# host -> (address, port, mode, scripted replies)
SERVERS = {
    # the same refusal of a password, from servers of three kinds
    "unknown.remedies.test": ("127.0.11.1", 587, "starttls", {"auth_reply": RFC_BAD_CREDENTIALS}),
    "smtp.lab.gmx.net": ("127.0.11.2", 587, "starttls", {"auth_reply": GMX_BAD_CREDENTIALS}),
    "google.remedies.test": ("127.0.11.3", 587, "starttls", {"auth_reply": GOOGLE_BAD_CREDENTIALS}),
    "smtp.lab.web.de": ("127.0.11.4", 587, "starttls", {"auth_reply": GOOGLE_BAD_CREDENTIALS}),
    "smtp.lab.gmail.com": ("127.0.11.5", 587, "starttls", {"auth_reply": GMX_BAD_CREDENTIALS}),
    # Microsoft's words from a server that is not Microsoft's
    "notmicrosoft.remedies.test": ("127.0.11.6", 587, "starttls", {"auth_reply": M365["tenant"]}),
    # greylisting after a login on the implicit-TLS submission port
    "grey.remedies.test": ("127.0.11.7", 465, "tls", {"rcpt_reply": [
        "450 4.2.0 <dave@remedies.test>: Recipient address rejected: Greylisted, "
        "see http://postgrey.remedies.test/help/remedies.test.html"]}),
}
for n, (case, reply) in enumerate(M365.items()):
    SERVERS[f"{case}.lab.office365.com"] = (f"127.0.11.{20 + n}", 587, "starttls", {"auth_reply": reply})


def world(lab):
    for host, (ip, port, mode, replies) in SERVERS.items():
        lab.host(host, ip)
        lab.smtp(ip, port, SmtpBehaviour(mode, name=host, cert=lab.cert_for(host), users={USER: PASSWORD},
                                         auth="PLAIN LOGIN", **replies))


def run(lab, host, *args):
    ip, port, mode, _ = SERVERS[host]
    path = os.path.join(lab.dir, "remedies-password")
    with open(path, "w") as f:
        f.write(PASSWORD + "\n")
    r = lab.run("diag", "--json", "--timeout", "3", "--host", host, "--port", str(port), "--security", mode,
                "--user", USER, "--password-file", path, *args)
    assert r.json is not None, r
    assert PASSWORD not in r.out + r.err
    return r


def outcome(r):
    d = r.json["diagnosis"]
    return r.rc, d["status"], d["code"]


# -- a provider's advice only for its own servers ------------------------------

def test_a_generic_wrong_password_gets_no_providers_advice(lab):
    """RFC 4954's own words for a wrong password, from an unknown server:
    not GMX's "turn on POP3/IMAP access"."""
    r = run(lab, "unknown.remedies.test")
    assert outcome(r) == (1, "fail", "auth.failed"), r.json["diagnosis"]
    assert r.json["diagnosis"]["remedy"] == GENERIC_AUTH_FAILED, r.json["diagnosis"]


def test_gmx_gets_its_own_advice(lab):
    r = run(lab, "smtp.lab.gmx.net")
    assert outcome(r) == (1, "fail", "auth.failed"), r.json["diagnosis"]
    assert r.json["diagnosis"]["remedy"] == (
        "Check the password, and turn on POP3/IMAP access in your mailbox's settings at GMX, WEB.DE or mail.com "
        "(it is off by default, and sending needs it too)."), r.json["diagnosis"]


def test_googles_words_from_other_servers_get_no_gmail_advice(lab):
    for host in ("google.remedies.test", "smtp.lab.web.de"):
        r = run(lab, host)
        assert outcome(r) == (1, "fail", "auth.failed"), (host, r.json["diagnosis"])
        assert r.json["diagnosis"]["remedy"] == GENERIC_AUTH_FAILED, (host, r.json["diagnosis"])


def test_gmx_words_from_gmail_get_no_gmx_advice(lab):
    r = run(lab, "smtp.lab.gmail.com")
    assert outcome(r) == (1, "fail", "auth.failed"), r.json["diagnosis"]
    assert r.json["diagnosis"]["remedy"] == GENERIC_AUTH_FAILED, r.json["diagnosis"]


# -- Microsoft ---------------------------------------------------------------------

def test_microsoft_basic_authentication_not_supported_needs_oauth(lab):
    r = run(lab, "basic.lab.office365.com")
    assert outcome(r) == (1, "fail", "auth.oauth_required"), r.json["diagnosis"]
    d = r.json["diagnosis"]
    assert d["summary"] == "The provider accepts no password login here, only a sign-in with OAuth2.", d
    assert "550 5.7.30 Basic authentication is not supported for Client Submission" in d["server_reply"], d
    for says in ('choose "Sign in with Microsoft" (OAuth2) in your program', "an app password does not help",
                 "Only an administrator of your organisation can allow password logins for SMTP again",
                 "off by default from the end of December 2026"):
        assert says in d["remedy"], (says, d)


def test_microsoft_basic_authentication_disabled_needs_oauth(lab):
    r = run(lab, "basicoff.lab.office365.com")
    assert outcome(r) == (1, "fail", "auth.oauth_required"), r.json["diagnosis"]
    d = r.json["diagnosis"]
    for says in ('choose "Sign in with Microsoft" (OAuth2)', "an administrator can allow basic authentication for "
                 "SMTP AUTH again", "the end of December 2026"):
        assert says in d["remedy"], (says, d)


def test_microsoft_reasons_behind_5_7_139(lab):
    for case, says in (
        ("tenant", 'clear "Turn off SMTP AUTH protocol for your organization"'),
        ("mailbox", "ask an administrator to turn on Authenticated SMTP for it"),
        ("defaults", "Your organisation's Security Defaults block password logins"),
        ("conditional", "A Conditional Access policy of your organisation blocks this login"),
    ):
        r = run(lab, f"{case}.lab.office365.com")
        assert outcome(r) == (1, "fail", "auth.disabled_by_provider"), (case, r.json["diagnosis"])
        assert says in r.json["diagnosis"]["remedy"], (case, r.json["diagnosis"])
    # switched off SMTP AUTH stops OAuth2 as well: no advice to use it instead
    for case in ("tenant", "mailbox"):
        r = run(lab, f"{case}.lab.office365.com")
        assert 'not even "Sign in with Microsoft" (OAuth2)' in r.json["diagnosis"]["remedy"], r.json["diagnosis"]


def test_microsoft_wrong_password_is_a_wrong_password(lab):
    """Of the reasons behind 5.7.139, one is the password itself: no
    administrator needed for that."""
    r = run(lab, "wrongpassword.lab.office365.com")
    assert outcome(r) == (1, "fail", "auth.failed"), r.json["diagnosis"]
    assert r.json["diagnosis"]["remedy"].startswith(
        "Microsoft says the username or password is wrong: use the full address as the username"), r.json["diagnosis"]


def test_microsofts_words_from_another_server_are_a_plain_refusal(lab):
    r = run(lab, "notmicrosoft.remedies.test")
    assert outcome(r) == (1, "fail", "auth.failed"), r.json["diagnosis"]
    assert r.json["diagnosis"]["remedy"] == GENERIC_AUTH_FAILED, r.json["diagnosis"]


# -- greylisting after a login ---------------------------------------------------------

def test_greylisting_after_login_on_465(lab):
    r = run(lab, "grey.remedies.test", "--send-to", "dave@remedies.test")
    assert outcome(r) == (0, "warn", "send.temporary_failure"), (r.json["diagnosis"], r.json["checks"])
    assert r.json["diagnosis"]["remedy"].startswith(
        "The server greylists you even after your login on a submission port, which it should not do: ask whoever "
        "runs grey.remedies.test to exempt logged-in users on ports 587 and 465 from greylisting"), r.json["diagnosis"]
