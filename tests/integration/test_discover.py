# SPDX-License-Identifier: MIT
"""Discovery, one source at a time and together, in the lab.

Each domain of the world below publishes its settings through one source
(or several that disagree); the tests check exactly what `smtpdoctor
discover` makes of them."""
from lab import DEAD_DNS_IP, Lab
from smtpd import SmtpBehaviour

ISPDB_PATH = "/autoconfig/v1.1/"
EARLY_DELAY = Lab.seconds(2)


def autoconfig(*servers, username="%EMAILADDRESS%", extra=""):
    """A config-v1.1.xml document with the given (host, port, socketType)."""
    out = ['<?xml version="1.0"?>\n<clientConfig version="1.1"><emailProvider id="lab">',
           "<domain>lab.test</domain>"]
    for host, port, sock in servers:
        out.append(f'<outgoingServer type="smtp"><hostname>{host}</hostname><port>{port}</port>'
                   f"<socketType>{sock}</socketType><username>{username}</username>"
                   "<authentication>password-cleartext</authentication></outgoingServer>")
    out.append(extra)
    out.append("</emailProvider></clientConfig>\n")
    return "".join(out)


def smtp_pair(lab, host, ip, tls=True, starttls=True, issuer=None):
    """SMTP listeners for host: 465 with implicit TLS, 587 with STARTTLS."""
    lab.host(host, ip)
    cert = lab.cert_for(host, issuer=issuer) if issuer else lab.cert_for(host)
    if tls:
        lab.smtp(ip, 465, SmtpBehaviour("tls", name=host, cert=cert))
    if starttls:
        lab.smtp(ip, 587, SmtpBehaviour("starttls", name=host, cert=cert))


def world(lab):
    # SRV records (RFC 6186 / RFC 8314)
    lab.srv("_submissions._tcp.srv.test", "mail.srv.test", 465)
    lab.srv("_submission._tcp.srv.test", "mail.srv.test", 587)
    lab.srv("_imaps._tcp.srv.test", "mail.srv.test", 993)
    smtp_pair(lab, "mail.srv.test", "127.0.0.11")

    # the domain's own autoconfig host, listing STARTTLS before SSL: the
    # provider's order is kept (both ports work)
    lab.route("https", "autoconfig.ac.test", "/mail/config-v1.1.xml",
              body=autoconfig(("smtp.ac.test", 587, "STARTTLS"), ("smtp.ac.test", 465, "SSL"),
                              username="%EMAILLOCALPART%"))
    smtp_pair(lab, "smtp.ac.test", "127.0.0.12")

    # .well-known on the domain itself
    lab.route("https", "wk.test", "/.well-known/autoconfig/mail/config-v1.1.xml",
              body=autoconfig(("smtp.wk.test", 465, "SSL")))
    smtp_pair(lab, "smtp.wk.test", "127.0.0.13", starttls=False)

    # only the central ISPDB knows it (served at the default ISPDB address)
    lab.route("https", "live.thunderbird.net", ISPDB_PATH + "ispdb.test",
              body=autoconfig(("smtp.ispdb.test", 465, "SSL")))
    smtp_pair(lab, "smtp.ispdb.test", "127.0.0.14", starttls=False)

    # autoconfig only over plain http: used, but not trusted
    lab.route("http", "autoconfig.httponly.test", "/mail/config-v1.1.xml",
              body=autoconfig(("smtp.httponly.test", 465, "SSL")))
    smtp_pair(lab, "smtp.httponly.test", "127.0.0.21", starttls=False)

    # https that redirects to http: refused
    lab.route("https", "autoconfig.downgrade.test", "/mail/config-v1.1.xml", status=302,
              location="http://autoconfig.downgrade.test/evil.xml")
    lab.route("http", "autoconfig.downgrade.test", "/evil.xml",
              body=autoconfig(("evil.downgrade.test", 465, "SSL")))

    # a custom domain whose MX points at a hoster with its own autoconfig
    lab.mx("mxhosted.test", "mx1.mailhost.test")
    lab.route("https", "autoconfig.mailhost.test", "/mail/config-v1.1.xml",
              body=autoconfig(("smtp.mailhost.test", 465, "SSL")))
    smtp_pair(lab, "smtp.mailhost.test", "127.0.0.22", starttls=False)

    # a custom domain at Google Workspace, known by its MX
    lab.mx("gworkspace.test", "aspmx.l.google.com")
    # Gmail's server, with a certificate from a CA of Google's own family
    smtp_pair(lab, "smtp.gmail.com", "127.0.0.15", issuer=lab.certs.provider_ca("Google Trust Services"))

    # Exchange Autodiscover (POX)
    lab.route("https", "autodiscover.ad.test", "/autodiscover/autodiscover.xml", body=(
        '<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.microsoft.com/'
        'exchange/autodiscover/responseschema/2006"><Response xmlns="http://schemas.microsoft.com/'
        'exchange/autodiscover/outlook/responseschema/2006a"><Account><AccountType>email</AccountType>'
        '<Action>settings</Action><Protocol><Type>SMTP</Type><Server>smtp.ad.test</Server>'
        '<Port>587</Port><SSL>on</SSL></Protocol></Account></Response></Autodiscover>'))
    smtp_pair(lab, "smtp.ad.test", "127.0.0.16", tls=False)

    # nothing published: guessing finds smtp.guess.test
    smtp_pair(lab, "smtp.guess.test", "127.0.0.17")

    # 465 (ranked first) and 25 (ranked last) are dropped; 587 works
    lab.route("https", "autoconfig.silent.test", "/mail/config-v1.1.xml",
              body=autoconfig(("smtp.silent.test", 465, "SSL"), ("smtp.silent.test", 587, "STARTTLS"),
                              ("smtp.silent.test", 25, "STARTTLS")))
    smtp_pair(lab, "smtp.silent.test", "127.0.6.1", tls=False)
    lab.nft("ip daddr 127.0.6.1 tcp dport { 25, 465 } drop")

    # SRV answers at once, the autoconfig document (same server) only after
    # EARLY_DELAY seconds: the SRV server's probe must not wait for it
    lab.srv("_submission._tcp.early.test", "smtp.early.test", 587)
    lab.route("https", "autoconfig.early.test", "/mail/config-v1.1.xml", delay=EARLY_DELAY,
              body=autoconfig(("smtp.early.test", 587, "STARTTLS")))
    smtp_pair(lab, "smtp.early.test", "127.0.6.2", tls=False)

    # SRV names a working server; the autoconfig host's address drops every
    # packet: once the server is verified, that source is not waited for
    lab.srv("_submission._tcp.deadsource.test", "smtp.deadsource.test", 587)
    smtp_pair(lab, "smtp.deadsource.test", "127.0.6.3", tls=False)
    lab.host("autoconfig.deadsource.test", "127.0.6.4")
    lab.nft("ip daddr 127.0.6.4 tcp dport { 80, 443 } drop")

    # sources that disagree
    lab.srv("_submission._tcp.disagree.test", "smtp.disagree.test", 587)
    lab.route("https", "autoconfig.disagree.test", "/mail/config-v1.1.xml",
              body=autoconfig(("smtp.disagree.test", 465, "SSL")))
    lab.route("https", "live.thunderbird.net", ISPDB_PATH + "disagree.test",
              body=autoconfig(("mail.disagree.test", 465, "SSL"), ("smtp.disagree.test", 465, "SSL")))
    smtp_pair(lab, "smtp.disagree.test", "127.0.0.18")
    smtp_pair(lab, "mail.disagree.test", "127.0.0.19", starttls=False)

    # the document's first choice is dead: the probe puts the working one first
    lab.route("https", "autoconfig.refused.test", "/mail/config-v1.1.xml",
              body=autoconfig(("smtp.refused.test", 465, "SSL"), ("smtp.refused.test", 587, "STARTTLS")))
    smtp_pair(lab, "smtp.refused.test", "127.0.0.23", tls=False)

    # an internationalised domain: bücher.test
    lab.route("https", "autoconfig.xn--bcher-kva.test", "/mail/config-v1.1.xml",
              body=autoconfig(("smtp.xn--bcher-kva.test", 465, "SSL")))
    smtp_pair(lab, "smtp.xn--bcher-kva.test", "127.0.0.24", starttls=False)

    # a domain that exists (it has an MX to itself) but publishes nothing
    lab.mx("none.test", "mx.none.test")
    lab.host("mx.none.test", "127.0.0.25")


def discover(lab, address, *extra, timeout="5"):
    r = lab.run("discover", "--json", "--timeout", timeout, *extra, address)
    assert r.json is not None, f"no JSON: {r}"
    return r


def smtp_candidates(r):
    return [(c["host"], c["port"], c["security"]) for c in r.json["candidates"]]


def test_srv_records(lab):
    r = discover(lab, "user@srv.test")
    s = r.json["settings"]
    assert r.rc == 0, r
    assert (s["host"], s["port"], s["security"], s["source"]) == ("mail.srv.test", 465, "tls", "srv"), s
    assert s["trusted"] is False, "SRV answers without DNSSEC are not trusted"
    assert s["verified"] is True, s
    assert s["username"] == "user@srv.test"
    assert smtp_candidates(r) == [("mail.srv.test", 465, "tls"), ("mail.srv.test", 587, "starttls")]
    assert r.json["candidates"][1]["verified"] is True
    incoming = [(c["protocol"], c["host"], c["port"]) for c in r.json["incoming"]]
    assert incoming == [("imap", "mail.srv.test", 993)], incoming


def test_autoconfig_host(lab):
    r = discover(lab, "jane.doe@ac.test")
    s = r.json["settings"]
    assert (s["host"], s["port"], s["security"], s["source"]) == ("smtp.ac.test", 587, "starttls", "autoconfig"), \
        "the document's first server, as the provider ordered them"
    assert s["trusted"] is True and s["verified"] is True, s
    assert s["username"] == "jane.doe", "the document's username form (%EMAILLOCALPART%) is used"
    assert s["auth"] == ["PLAIN", "LOGIN"], s["auth"]
    assert smtp_candidates(r)[1] == ("smtp.ac.test", 465, "tls")
    asked = lab.web.requests_for("autoconfig.ac.test", "/mail/config-v1.1.xml")
    assert any(q[0] == "https" and "emailaddress=jane.doe%40ac.test" in q[4] for q in asked), asked


def test_well_known(lab):
    r = discover(lab, "user@wk.test")
    s = r.json["settings"]
    assert (s["host"], s["port"], s["source"], s["trusted"]) == ("smtp.wk.test", 465, "wellknown", True), s


def test_central_ispdb(lab):
    r = discover(lab, "user@ispdb.test")
    s = r.json["settings"]
    assert (s["host"], s["port"], s["security"], s["source"]) == ("smtp.ispdb.test", 465, "tls", "ispdb"), s
    assert s["trusted"] is True and s["verified"] is True, s
    assert lab.web.requests_for("live.thunderbird.net", ISPDB_PATH + "ispdb.test")


def test_ispdb_can_be_turned_off(lab):
    r = discover(lab, "user@ispdb.test", "--ispdb-url", "none", "--no-probe")
    assert r.json["settings"] is None, r.json["settings"]
    assert r.json["diagnosis"]["code"] == "discover.none"
    assert r.rc == 1


def test_http_only_is_not_trusted(lab):
    r = discover(lab, "user@httponly.test")
    s = r.json["settings"]
    assert (s["host"], s["source"], s["trusted"]) == ("smtp.httponly.test", "autoconfig", False), s


def test_https_to_http_redirect_is_refused(lab):
    r = discover(lab, "user@downgrade.test", "--no-probe")
    assert r.json["settings"] is None, r.json["settings"]
    assert r.rc == 1
    assert any("https to http" in n for n in r.json["notes"]), r.json["notes"]
    assert not lab.web.requests_for("autoconfig.downgrade.test", "/evil.xml") or \
        all(q[0] == "http" for q in lab.web.requests_for("autoconfig.downgrade.test", "/evil.xml"))
    assert "evil" not in r.out


def test_mx_based_hoster(lab):
    r = discover(lab, "user@mxhosted.test")
    s = r.json["settings"]
    assert (s["host"], s["port"], s["source"], s["verified"]) == ("smtp.mailhost.test", 465, "mx", True), s
    assert s["trusted"] is False, "an MX answer without DNSSEC is not trusted"
    assert r.json["mx"] == "mx1.mailhost.test"


def test_mx_reveals_google_workspace(lab):
    r = discover(lab, "boss@gworkspace.test")
    s = r.json["settings"]
    assert (s["host"], s["port"], s["security"], s["source"]) == ("smtp.gmail.com", 465, "tls", "mx"), s
    assert r.json["provider"]["id"] == "google-workspace" and r.json["provider"]["via_mx"] is True
    assert any("app password" in h for h in r.json["hints"]), r.json["hints"]
    assert s["verified"] is True


def test_exchange_autodiscover(lab):
    r = discover(lab, "user@ad.test")
    s = r.json["settings"]
    assert (s["host"], s["port"], s["security"], s["source"]) == ("smtp.ad.test", 587, "starttls", "autodiscover"), s
    posts = [q for q in lab.web.requests_for("autodiscover.ad.test") if q[1] == "POST"]
    assert posts and b"<EMailAddress>user@ad.test</EMailAddress>" in posts[0][5], posts


def test_guessing(lab):
    r = discover(lab, "user@guess.test")
    s = r.json["settings"]
    assert r.rc == 0, r
    assert (s["host"], s["port"], s["security"], s["source"]) == ("smtp.guess.test", 465, "tls", "guess"), s
    assert s["trusted"] is False and s["verified"] is True
    assert ("smtp.guess.test", 587, "starttls") in smtp_candidates(r), smtp_candidates(r)
    assert len(smtp_candidates(r)) == 2, "nothing else answers"


def test_sources_that_disagree(lab):
    r = discover(lab, "user@disagree.test")
    c = r.json["candidates"]
    got = [(x["host"], x["port"], x["security"], x["source"]) for x in c]
    assert got == [("smtp.disagree.test", 465, "tls", "autoconfig"),
                   ("smtp.disagree.test", 587, "starttls", "srv"),
                   ("mail.disagree.test", 465, "tls", "ispdb")], got
    assert c[0]["sources"] == ["autoconfig", "ispdb"], "one candidate with all the sources that named it"


def test_dead_ports_cost_less_than_a_timeout(lab):
    r = discover(lab, "user@silent.test", "--ispdb-url", "none", timeout="20")
    assert r.rc == 0, r
    c = {x["port"]: x for x in r.json["candidates"]}
    assert (r.json["settings"]["port"], r.json["settings"]["verified"]) == (587, True), r.json["settings"]
    # ranked above the answer: not waited for until the timeout, said to be filtered
    assert c[465]["verified"] is False and "probably filtered" in c[465]["note"], c[465]
    assert "port 587 of the same host answered" in c[465]["note"], c[465]
    # ranked below it: cancelled, and said so
    assert c[25]["verified"] is False and c[25]["note"] == "not checked: a server ranked above it answered first", c[25]
    # one that failed (silent) ranks below one that was not checked
    assert [x["port"] for x in r.json["candidates"]] == [587, 25, 465], r.json["candidates"]
    assert r.elapsed < Lab.seconds(10), f"{r.elapsed:.1f}s: the 20 s timeout was waited for"


def test_probe_starts_before_the_slowest_source_answers(lab):
    r = discover(lab, "user@early.test", "--ispdb-url", "none")
    assert r.rc == 0, r
    s = r.json["settings"]
    assert (s["host"], s["port"], s["verified"], sorted(s["sources"])) == \
        ("smtp.early.test", 587, True, ["autoconfig", "srv"]), s
    asked = lab.web.request_times_for("https", "autoconfig.early.test", "/mail/config-v1.1.xml")
    connected = [t for (ip, port, t) in lab.smtp_servers.connected_at if (ip, port) == ("127.0.6.2", 587)]
    assert len(asked) == 1 and len(connected) == 1, (asked, connected)
    # the document was answered EARLY_DELAY after it was asked for; the probe
    # of the server SRV named had connected long before
    assert connected[0] < asked[0] + EARLY_DELAY / 2, connected[0] - asked[0]


def test_a_source_that_cannot_connect_is_not_waited_for(lab):
    r = lab.run("discover", "--json", "--timeout", "20", "--ispdb-url", "none", "user@deadsource.test")
    assert r.rc == 0, r
    s = r.json["settings"]
    assert (s["host"], s["port"], s["verified"]) == ("smtp.deadsource.test", 587, True), s
    cut = [x for x in r.json["sources"] if x["query"].startswith(("https://autoconfig.deadsource.test/",
                                                                  "http://autoconfig.deadsource.test/"))]
    assert len(cut) == 2, r.json["sources"]
    for x in cut:
        assert x["found"] is False and x["result"] == \
            "no connection in 2000 ms while a server was already verified: not waited for", x
    assert r.elapsed < Lab.seconds(10), f"{r.elapsed:.1f}s: the 20 s timeout was waited for"


def test_failed_probe_ranks_lower(lab):
    r = discover(lab, "user@refused.test")
    got = [(x["host"], x["port"], x["verified"]) for x in r.json["candidates"]]
    assert got == [("smtp.refused.test", 587, True), ("smtp.refused.test", 465, False)], got
    assert "tcp.refused" in r.json["candidates"][1]["note"] or "refused" in r.json["candidates"][1]["note"]


def test_internationalised_domain(lab):
    r = discover(lab, "user@bücher.test")
    assert r.json["address"] == "user@xn--bcher-kva.test"
    s = r.json["settings"]
    assert (s["host"], s["source"], s["verified"]) == ("smtp.xn--bcher-kva.test", "autoconfig", True), s


def test_nothing_found(lab):
    r = discover(lab, "user@none.test")
    assert r.rc == 1, r
    assert r.json["settings"] is None and r.json["candidates"] == []
    d = r.json["diagnosis"]
    assert (d["status"], d["code"]) == ("fail", "discover.none"), d
    assert d["remedy"]


def test_offline_presets(lab):
    """No DNS server answers: the built-in presets still do."""
    r = lab.run("discover", "--json", "--timeout", "2", "someone@gmail.com", dns=DEAD_DNS_IP)
    assert r.rc == 0, r
    s = r.json["settings"]
    assert (s["host"], s["port"], s["security"], s["source"], s["trusted"]) == \
        ("smtp.gmail.com", 465, "tls", "preset", True), s
    assert r.json["provider"]["id"] == "gmail"
    assert r.json["hints"][0].startswith("Gmail needs an app password")
    assert all(not c["verified"] for c in r.json["candidates"])
    mailru = lab.run("discover", "--json", "--timeout", "2", "ivan@inbox.ru", dns=DEAD_DNS_IP)
    s = mailru.json["settings"]
    assert (s["host"], s["port"], s["security"]) == ("smtp.mail.ru", 465, "tls"), s


def test_unreachable_dns_server(lab):
    """A domain no preset knows, with no DNS: nothing found, quickly, exit 1."""
    r = lab.run("discover", "--json", "--timeout", "2", "user@srv.test", dns=DEAD_DNS_IP)
    assert r.rc == 1, r
    assert r.json["diagnosis"]["code"] == "discover.none"
    srv = [x for x in r.json["sources"] if x["source"] == "srv"]
    assert srv and all(not x["found"] for x in srv), srv


def test_text_output(lab):
    r = lab.run("discover", "-v", "user@ac.test")
    assert r.rc == 0, r
    assert "SMTP server   smtp.ac.test" in r.out and "Port          587" in r.out, r.out
    assert "Encryption    STARTTLS" in r.out
    assert "Sources" in r.out and "autoconfig" in r.out
    assert "\033[" not in r.out, "no colour when not on a terminal"


def test_bad_input(lab):
    for args, fragment in [
        (["discover", "not-an-address"], "name@domain"),
        (["discover", "user@exa mple.test"], "not a usable address"),
        (["discover", "--frobnicate", "user@ac.test"], "unknown option"),
        (["discover", "--timeout", "soon", "user@ac.test"], "--timeout"),
        (["discover", "--password", "hunter2", "user@ac.test"], "no --password option"),
        (["discover", "--password-file", "/nonexistent/file", "user@ac.test"], "password file"),
        (["discover", "--dns-server", "not an address", "user@ac.test"], "--dns-server"),
        (["discover"], "address is needed"),
    ]:
        r = lab.run(*args)
        assert r.rc == 2, (args, r)
        assert fragment in r.err, (args, r.err)
        assert len(r.err.strip().splitlines()) == 1, ("one line", args, r.err)
        assert "hunter2" not in r.err + r.out


def test_presets_command(lab):
    r = lab.run("presets", "list")
    assert r.rc == 0 and "gmail" in r.out and "mailru" in r.out
    r = lab.run("presets", "show", "bk.ru", "--json")
    assert r.rc == 0 and r.json["id"] == "mailru"
    assert {"protocol": "smtp", "host": "smtp.mail.ru", "port": 465, "security": "tls"} in r.json["servers"]
    r = lab.run("presets", "show", "nowhere.test")
    assert r.rc == 1


def test_user_preset_overrides(lab):
    import os
    folder = os.path.join(lab.dir, "xdg", "smtpdoctor", "presets")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "corp.conf"), "w") as f:
        f.write("[corp]\nname = Corp\ndomains = corp.test\nsmtp = smtp.ac.test 465 tls\nusername = localpart\n")
    try:
        r = discover(lab, "ann@corp.test")
        s = r.json["settings"]
        assert (s["host"], s["source"], s["username"], s["verified"]) == ("smtp.ac.test", "preset", "ann", True), s
    finally:
        os.remove(os.path.join(folder, "corp.conf"))
