# SPDX-License-Identifier: MIT
"""The diagnosis, one fault at a time, each made for real in the lab: a
filtered port, a refused one, a reset, certificates that are expired, not yet
valid, self-signed, for another host, without their intermediate, from an
unknown or an intercepting CA, a TLS-1.0-only server, the two mode mix-ups,
an HTTP server on an SMTP port, a refusing greeting, silence."""
import os
import ssl
import subprocess

from lab import DEAD_DNS_IP
from smtpd import SmtpBehaviour

SERVFAIL_DNS = "127.0.0.96"
NXDOMAIN_DNS = "127.0.0.93"     # says "no such name" to everything
INSPECTED_DNS = "127.0.0.92"    # leads smtp.gmail.com to a server behind an inspection root
AD_DNS = "127.0.0.95"


def server(lab, host, ip, port, mode="starttls", greeting=None, **cert_kw):
    lab.host(host, ip)
    names = cert_kw.pop("names", [host])
    cert = lab.cert_for(*names, **cert_kw)
    lab.smtp(ip, port, SmtpBehaviour(mode, name=host, cert=cert, greeting=greeting))
    return cert


def world(lab):
    # a healthy server: 465 with implicit TLS, 587 with STARTTLS, full chain
    server(lab, "ok.diag.test", "127.0.1.1", 465, "tls")
    server(lab, "ok.diag.test", "127.0.1.1", 587, "starttls")
    server(lab, "nostarttls.diag.test", "127.0.1.2", 587, "plain")
    server(lab, "expired.diag.test", "127.0.1.3", 465, "tls", not_before_days=-400, days=365)
    server(lab, "future.diag.test", "127.0.1.4", 465, "tls", not_before_days=10, days=365)
    server(lab, "selfsigned.diag.test", "127.0.1.5", 465, "tls", self_signed=True)
    server(lab, "wronghost.diag.test", "127.0.1.6", 465, "tls", names=["server.sharedhost.test"])
    # ... the shared-hosting case: the address's reverse DNS names the
    # certificate's host, and that name leads back to the address
    lab.host("server.sharedhost.test", "127.0.1.6")
    lab.ptr("127.0.1.6", "server.sharedhost.test")
    # a valid certificate for a name nothing in the user's setup vouches for
    server(lab, "foreigncert.diag.test", "127.0.1.22", 465, "tls", names=["www.attacker.test"])
    # the user's host is an alias (CNAME) of the certificate's host
    server(lab, "mail.hoster2.test", "127.0.1.23", 465, "tls")
    lab.cname("alias.diag.test", "mail.hoster2.test")
    # (its reverse DNS names another host, so only the alias can tell)
    lab.ptr("127.0.1.23", "customer-23.hoster2.test")
    # ... through two hops, and found by the default command through the
    # domain's own SRV record (the diagnosis goes on in the probe's session)
    lab.cname("alias2.diag.test", "alias.diag.test")
    lab.cname("smtp.aliased.test", "alias2.diag.test")
    lab.srv("_submissions._tcp.aliased.test", "smtp.aliased.test", 465)
    # a provider's server (iCloud's preset) answering with a relay's
    # certificate: the network redirected the connection
    server(lab, "smtp.mail.me.com", "127.0.1.24", 587, "starttls", names=["relay.webhost.test"])
    server(lab, "nochain.diag.test", "127.0.1.7", 465, "tls", with_chain=False)
    other_ca = lab.certs._ca("otherroot", "Some Private Root CA", None)
    server(lab, "untrusted.diag.test", "127.0.1.8", 465, "tls", issuer=other_ca)
    avast = lab.certs._ca("avast", "Avast Web/Mail Shield Root", None)
    server(lab, "intercept.diag.test", "127.0.1.9", 465, "tls", issuer=avast)
    server(lab, "expiring.diag.test", "127.0.1.10", 465, "tls", days=5)
    server(lab, "weakkey.diag.test", "127.0.1.20", 465, "tls", rsa_bits=1024)
    server(lab, "sha1.diag.test", "127.0.1.21", 465, "tls", digest="sha1")
    lab.host("tls10.diag.test", "127.0.1.11")
    lab.smtp("127.0.1.11", 465, SmtpBehaviour("tls", name="tls10.diag.test", cert=lab.cert_for("tls10.diag.test"),
                                              tls_min=ssl.TLSVersion.TLSv1, tls_max=ssl.TLSVersion.TLSv1))
    # port 25 filtered, 587 fine: the classic "your ISP blocks port 25"
    server(lab, "filtered.diag.test", "127.0.1.12", 587, "starttls")
    lab.nft("ip daddr 127.0.1.12 tcp dport 25 drop")
    # nothing on 587, 465 fine
    server(lab, "refused.diag.test", "127.0.1.13", 465, "tls")
    server(lab, "http.diag.test", "127.0.1.14", 587, "http")
    server(lab, "rejected.diag.test", "127.0.1.15", 587, "starttls",
           greeting="554 5.7.1 rejected.diag.test: no SMTP service for you")
    server(lab, "silent.diag.test", "127.0.1.16", 587, "silent")
    server(lab, "reset.diag.test", "127.0.1.17", 587, "reset")
    lab.host("unreachable.diag.test", "127.0.1.18")
    lab.nft("ip daddr 127.0.1.18 tcp dport 587 reject with icmp type host-unreachable")
    server(lab, "imap.diag.test", "127.0.1.19", 587, "starttls", greeting="* OK [CAPABILITY IMAP4rev1] ready")
    lab.mx("noaddress.diag.test", "ok.diag.test")
    # names the user's system knows without DNS: localhost, and a host only
    # in the hosts file; and a LAN name of one label completed by the search
    # domain
    lab.smtp("127.0.0.1", 2525, SmtpBehaviour("starttls", name="localhost", cert=lab.cert_for("localhost")))
    lab.smtp("::1", 2526, SmtpBehaviour("tls", name="localhost", cert=lab.cert_for("localhost")))
    lab.smtp("127.0.1.30", 587, SmtpBehaviour("starttls", name="mail.intranet.test",
                                              cert=lab.cert_for("mail.intranet.test")))
    server(lab, "relay.corp.test", "127.0.1.31", 587, "starttls")
    lab.dns_responder(SERVFAIL_DNS, {}, default_rcode=2)
    lab.dns_responder(NXDOMAIN_DNS, {}, default_rcode=3)
    # where every lab certificate says its issuer can be fetched (AIA), as a
    # public CA publishes its intermediates: DER over plain http
    der = subprocess.run(["openssl", "x509", "-in", lab.certs.inter_cert, "-outform", "DER"],
                         capture_output=True, check=True).stdout
    lab.route("http", "ca.lab.test", "/issuer.crt", body=der, content_type="application/pkix-cert")
    # a provider's server whose certificate verifies (the lab's root is
    # trusted) but carries no Certificate Transparency proof: what a
    # company's TLS inspection with its root installed looks like
    server(lab, "smtp.fastmail.com", "127.0.1.26", 465, "tls", sct=False)
    # smtp.gmail.com behind a root that is not Google's (the lab's own
    # intermediate), reached through a resolver of its own
    lab.smtp("127.0.1.27", 465, SmtpBehaviour("tls", name="smtp.gmail.com", cert=lab.cert_for("smtp.gmail.com")))
    lab.dns_responder(INSPECTED_DNS, {("smtp.gmail.com", "A"): (0, ["127.0.1.27"], False)})
    # the usual server name of an address's own domain, for typos of it
    server(lab, "smtp.typo.test", "127.0.1.25", 587, "starttls")
    # a validating resolver's answers (AD bit) for the trust rule of discovery
    lab.dns_responder(AD_DNS, {
        ("_submissions._tcp.signed.test", "SRV"): (0, [(0, 0, 465, "ok.diag.test")], True),
        ("_submissions._tcp.unsigned.test", "SRV"): (0, [(0, 0, 465, "ok.diag.test")], False),
        ("ok.diag.test", "A"): (0, ["127.0.1.1"], True),
    })


def diag(lab, host, *args, timeout="2"):
    r = lab.run("diag", "--json", "--timeout", timeout, "--host", host, *args)
    assert r.json is not None, r
    return r


def check(r, code):
    found = [c for c in r.json["checks"] if c["code"] == code]
    assert found, (code, [c["code"] for c in r.json["checks"]])
    return found[0]


def expect(r, code, status="fail", rc=1):
    d = r.json["diagnosis"]
    assert (d["status"], d["code"]) == (status, code), (d, r.json["checks"])
    assert r.rc == rc, r
    assert d["summary"] and (d["remedy"] or status == "ok"), d
    return d


def test_healthy_server_passes_every_layer(lab):
    for port, security in ((465, "tls"), (587, "starttls")):
        r = diag(lab, "ok.diag.test", "--port", str(port), "--security", security)
        d = expect(r, "smtp.ok", "ok", 0)
        layers = [(c["layer"], c["status"]) for c in r.json["checks"]]
        assert layers[:4] == [("dns", "pass"), ("tcp", "pass"), ("tls", "pass"), ("tls", "pass")], layers
        assert ("smtp", "pass") in layers and layers[-1] == ("auth", "skip"), layers
        assert check(r, "auth.skipped")["status"] == "skip"
        assert r.json["settings"]["auth"] == ["PLAIN", "LOGIN"], r.json["settings"]
        assert d["remedy"] is None


def test_port_and_security_are_inferred(lab):
    r = diag(lab, "ok.diag.test", "--port", "465")
    assert (r.json["settings"]["port"], r.json["settings"]["security"]) == (465, "tls")
    r = diag(lab, "ok.diag.test", "--security", "starttls")
    assert (r.json["settings"]["port"], r.json["settings"]["security"]) == (587, "starttls")
    assert r.rc == 0


def test_implicit_tls_expected(lab):
    # a timeout far above what the answer takes, so that a busy machine
    # cannot make the answer look like a waited-out timeout
    r = diag(lab, "ok.diag.test", "--port", "465", "--security", "starttls", timeout="12")
    d = expect(r, "tls.implicit_expected")
    assert "465" in d["summary"] and "SSL/TLS" in d["summary"] and "STARTTLS" in d["summary"], d
    assert "SSL/TLS" in d["remedy"], d
    assert d["working_settings"] == {"host": "ok.diag.test", "port": 587, "security": "starttls"}, d
    assert r.elapsed < lab.seconds(6), "the parallel handshake answers before the greeting wait runs out"


def test_starttls_expected(lab):
    r = diag(lab, "ok.diag.test", "--port", "587", "--security", "tls")
    d = expect(r, "tls.starttls_expected")
    assert "STARTTLS" in d["remedy"], d
    assert check(r, "tls.starttls_expected")["layer"] == "tls"


def test_starttls_unavailable(lab):
    r = diag(lab, "nostarttls.diag.test", "--port", "587", "--security", "starttls")
    expect(r, "tls.starttls_unavailable")


def test_tls_setting_on_a_port_without_any_encryption(lab):
    """The port greets in plain text and offers no STARTTLS either: the
    remedy must not be "set the encryption to none"."""
    d = expect(diag(lab, "nostarttls.diag.test", "--port", "587", "--security", "tls"), "tls.starttls_expected")
    assert "no encryption" in d["summary"], d
    assert d["remedy"].startswith("Do not turn encryption off: port 587 offers none at all"), d
    assert "465 with SSL/TLS" in d["remedy"], d


def test_plain_setting_when_starttls_is_offered(lab):
    r = diag(lab, "ok.diag.test", "--port", "587", "--security", "plain")
    expect(r, "tls.not_used", "warn", 0)


def test_expired_certificate(lab):
    r = diag(lab, "expired.diag.test", "--port", "465")
    d = expect(r, "cert.expired")
    assert "expired" in check(r, "cert.expired")["message"]


def test_not_yet_valid_certificate(lab):
    expect(diag(lab, "future.diag.test", "--port", "465"), "cert.not_yet_valid")


def test_self_signed_certificate(lab):
    expect(diag(lab, "selfsigned.diag.test", "--port", "465"), "cert.self_signed")


def test_hostname_mismatch_suggests_the_certificate_name(lab):
    r = diag(lab, "wronghost.diag.test", "--port", "465")
    d = expect(r, "cert.hostname_mismatch")
    assert d["suggested_host"] == "server.sharedhost.test", d
    assert "server.sharedhost.test" in d["remedy"], d


def test_a_certificate_name_nothing_vouches_for_is_not_suggested(lab):
    """Any server can show a valid certificate for its own name: without
    evidence from the user's own DNS, that name is never suggested."""
    r = diag(lab, "foreigncert.diag.test", "--port", "465")
    d = expect(r, "cert.hostname_mismatch")
    assert d.get("suggested_host") is None, d
    assert "www.attacker.test" not in d["remedy"], d
    assert "www.attacker.test" in d["summary"], "the evidence is shown, not suggested"


def test_hostname_mismatch_suggests_the_alias_target(lab):
    r = diag(lab, "alias.diag.test", "--port", "465")
    d = expect(r, "cert.hostname_mismatch")
    assert d["suggested_host"] == "mail.hoster2.test" and "mail.hoster2.test" in d["remedy"], d


def test_hostname_mismatch_follows_the_whole_alias_chain(lab):
    """alias2 -> alias -> mail.hoster2.test: the end of the chain, not its
    first hop, is the name the certificate is for."""
    r = diag(lab, "alias2.diag.test", "--port", "465")
    d = expect(r, "cert.hostname_mismatch")
    assert d["suggested_host"] == "mail.hoster2.test", d


def test_default_command_suggests_the_alias_target(lab):
    """The default command diagnoses in the session discovery's probe
    opened, and still knows where the host's CNAME chain ends."""
    r = lab.run("--json", "--timeout", "3", "--ispdb-url", "none", "user@aliased.test")
    assert r.json["settings"]["host"] == "smtp.aliased.test", r.json["settings"]
    d = expect(r, "cert.hostname_mismatch")
    assert d["suggested_host"] == "mail.hoster2.test", d


def test_provider_server_with_a_foreign_certificate_is_interception(lab):
    """smtp.mail.me.com is iCloud's: a certificate for relay.webhost.test
    means the connection was redirected; the relay's name is never offered."""
    r = diag(lab, "smtp.mail.me.com", "--port", "587")
    d = expect(r, "cert.intercepted")
    assert d.get("suggested_host") is None, d
    assert "relay.webhost.test" not in d["remedy"], d
    assert "redirected" in d["summary"] and "smtp.mail.me.com" in d["remedy"], d
    assert not [c for c in r.json["checks"] if c.get("suggested_host")], r.json["checks"]


def test_chain_incomplete(lab):
    """The intermediate the server leaves out is fetched from the address
    its certificate names, and completes the chain: said with certainty,
    and still a failure (mail programs do not fetch it)."""
    d = expect(diag(lab, "nochain.diag.test", "--port", "465"), "cert.chain_incomplete")
    assert "fetched from http://ca.lab.test/issuer.crt the chain is complete" in d["summary"], d
    assert "browser" in d["remedy"], d


def test_provider_certificate_from_another_ca_family_is_inspection(lab):
    """Gmail's certificates come from Google's own CA family; one that
    verifies through another root (the lab's own intermediate here, as a
    company's inspection root would) is a warning. A resolver of its own
    leads smtp.gmail.com to that server."""
    r = lab.run("diag", "--json", "--timeout", "2", "--host", "smtp.gmail.com", "--port", "465")
    d = expect(r, "smtp.ok", "ok", 0)
    assert not [c for c in r.json["checks"] if c["code"] == "cert.intercepted"], r.json["checks"]
    r = lab.run("diag", "--json", "--timeout", "2", "--host", "smtp.gmail.com", "--port", "465", "--dns-server",
                INSPECTED_DNS)
    d = expect(r, "cert.intercepted", "warn", 0)
    assert "not by Google Trust Services" in d["summary"], d


def test_provider_certificate_without_transparency_is_inspection(lab):
    r = diag(lab, "smtp.fastmail.com", "--port", "465")
    d = expect(r, "cert.intercepted", "warn", 0)
    assert "extra root" in d["summary"] and "Thunderbird" in d["remedy"], d
    assert [c["status"] for c in r.json["checks"] if c["code"] == "cert.intercepted"] == ["warn"], r.json["checks"]


def test_untrusted_root(lab):
    d = expect(diag(lab, "untrusted.diag.test", "--port", "465"), "cert.untrusted")
    assert "Some Private Root CA" in d["summary"], d


def system_bundle(lab, name, extra=""):
    """A trust bundle as SSL_CERT_FILE names one: the system's anchors when
    there are any, then `extra`; and an empty hashed directory beside it."""
    system = "/etc/ssl/certs/ca-certificates.crt"
    path = os.path.join(lab.dir, name)
    with open(path, "w") as f:
        f.write(open(system).read() if os.path.exists(system) else "")
        f.write(extra)
    empty = os.path.join(lab.dir, "empty-cert-dir")
    os.makedirs(empty, exist_ok=True)
    return {"SSL_CERT_FILE": path, "SSL_CERT_DIR": empty}


def test_system_trust_bundle(lab):
    """Without --ca-file the root must come from the system's store, here a
    bundle file: found whether it sits in the bundle as a CERTIFICATE or as a
    TRUSTED CERTIFICATE (trust settings attached), and missed without it."""
    root = open(lab.ca_file).read()
    trusted = subprocess.run(["openssl", "x509", "-in", lab.ca_file, "-trustout", "-addtrust", "serverAuth"],
                             capture_output=True, text=True, check=True).stdout
    assert "BEGIN TRUSTED CERTIFICATE" in trusted
    for name, extra in (("bundle-plain.pem", root), ("bundle-trusted.pem", trusted)):
        r = lab.run("diag", "--json", "--timeout", "2", "--host", "ok.diag.test", "--port", "465",
                    ca=False, env=system_bundle(lab, name, extra))
        expect(r, "smtp.ok", "ok", 0)
    r = lab.run("diag", "--json", "--timeout", "2", "--host", "ok.diag.test", "--port", "465",
                ca=False, env=system_bundle(lab, "bundle-without.pem"))
    d = expect(r, "cert.untrusted")
    assert "smtpdoctor Lab Root CA" in d["summary"], d


def test_interception_by_antivirus(lab):
    d = expect(diag(lab, "intercept.diag.test", "--port", "465"), "cert.intercepted")
    assert "Avast" in d["summary"] and "Mail Shield" in d["remedy"], d


def test_insecure_turns_certificate_failures_into_warnings(lab):
    r = diag(lab, "selfsigned.diag.test", "--port", "465", "--insecure")
    expect(r, "cert.self_signed", "warn", 0)
    assert "only for a server you run yourself" in check(r, "cert.self_signed")["message"]


def test_expiring_soon_is_a_warning(lab):
    r = diag(lab, "expiring.diag.test", "--port", "465")
    expect(r, "cert.expiring_soon", "warn", 0)


def test_weak_key_and_signature(lab):
    """Modern clients (and OpenSSL at its default level) refuse these: a failure."""
    r = diag(lab, "weakkey.diag.test", "--port", "465")
    expect(r, "cert.weak_key")
    assert "1024 bits" in check(r, "cert.weak_key")["message"]
    r = diag(lab, "sha1.diag.test", "--port", "465")
    expect(r, "cert.weak_signature")
    assert "sha1" in check(r, "cert.weak_signature")["message"].lower()


def test_tls_version_too_old(lab):
    r = diag(lab, "tls10.diag.test", "--port", "465")
    d = expect(r, "tls.version_too_old")
    assert "TLSv1" in check(r, "tls.version_too_old")["message"]


def test_localhost_needs_no_dns(lab):
    """localhost is the loopback without asking DNS (RFC 6761); the DNS
    server given here does not even answer. HOST:PORT works as in swaks."""
    for args in (("--host", "localhost", "--port", "2525"), ("--host", "localhost:2525")):
        r = lab.run("diag", "--json", "--timeout", "2", *args, dns=DEAD_DNS_IP)
        expect(r, "smtp.ok", "ok", 0)
        assert check(r, "dns.ok")["message"] == "localhost resolves to ::1 and 1 more address", r.json["checks"]
        assert (r.json["settings"]["host"], r.json["settings"]["port"]) == ("localhost", 2525), r.json["settings"]
    r = lab.run("diag", "--json", "--host", "localhost:2525", "--port", "587")
    assert r.rc == 2 and r.out == "", r
    assert r.err == "smtpdoctor: --host names port 2525 but --port says 587 (see smtpdoctor --help)\n", r


def test_ipv6_address_as_host(lab):
    """An IPv6 literal typed as the server: reached without DNS, shown in
    brackets, and the certificate, which names localhost, says to use that."""
    r = lab.run("diag", "--json", "--timeout", "2", "--host", "[::1]:2526", "--security", "tls", dns=DEAD_DNS_IP)
    d = expect(r, "cert.hostname_mismatch")
    assert d["suggested_host"] == "localhost", d
    assert (r.json["settings"]["host"], r.json["settings"]["port"], r.json["settings"]["security"]) == \
        ("::1", 2526, "tls"), r.json["settings"]
    assert {c["target"] for c in r.json["checks"] if c["layer"] != "dns"} == {"[::1]:2526"}, r.json["checks"]


def test_hosts_file_is_read_with_the_system_resolver(lab):
    """As the user's mail program would, with the system's resolver the hosts
    file comes first; with --dns-server the user asked those servers."""
    hosts = os.path.join(lab.dir, "hosts")
    with open(hosts, "w") as f:
        f.write("127.0.0.1 localhost\n127.0.1.30 mail.intranet.test\n")
    r = lab.run("diag", "--json", "--timeout", "2", "--host", "mail.intranet.test", "--port", "587",
                dns=None, hosts_file=hosts)
    expect(r, "smtp.ok", "ok", 0)
    assert check(r, "dns.ok")["message"] == "mail.intranet.test resolves to 127.0.1.30", r.json["checks"]
    r = lab.run("diag", "--json", "--timeout", "2", "--host", "mail.intranet.test", "--port", "587",
                hosts_file=hosts)
    expect(r, "dns.nxdomain")


def test_one_label_host_gets_the_search_domain(lab):
    """An SMTP form that says only "relay" on a LAN whose search domain is
    corp.test: the name is found as relay.corp.test, and the certificate,
    which names relay.corp.test and not "relay", says which name to use."""
    r = lab.run("diag", "--json", "--timeout", "2", "--host", "relay", "--port", "587",
                env={"LOCALDOMAIN": "corp.test"})
    d = expect(r, "cert.hostname_mismatch")
    assert d["suggested_host"] == "relay.corp.test", d
    assert check(r, "dns.ok")["message"] == "relay resolves to 127.0.1.31", r.json["checks"]


def test_filtered_port_25_with_587_working(lab):
    r = diag(lab, "filtered.diag.test", "--port", "25", timeout="1")
    d = expect(r, "tcp.timeout")
    assert d["working_settings"] == {"host": "filtered.diag.test", "port": 587, "security": "starttls"}, d
    assert "587" in d["remedy"] and "drops" in d["remedy"], d


def test_refused_port(lab):
    r = diag(lab, "refused.diag.test", "--port", "587")
    d = expect(r, "tcp.refused")
    assert d["working_settings"]["port"] == 465, d


def test_unreachable(lab):
    expect(diag(lab, "unreachable.diag.test", "--port", "587"), "tcp.unreachable")


def test_reset_after_connect(lab):
    expect(diag(lab, "reset.diag.test", "--port", "587"), "tcp.reset")


def test_http_server_on_smtp_port(lab):
    r = diag(lab, "http.diag.test", "--port", "587", timeout="1")
    d = expect(r, "smtp.not_smtp")
    assert "HTTP" in d["summary"], d


def test_imap_server_on_smtp_port(lab):
    d = expect(diag(lab, "imap.diag.test", "--port", "587"), "smtp.not_smtp")
    assert "IMAP" in d["summary"], d


def test_refusing_greeting(lab):
    d = expect(diag(lab, "rejected.diag.test", "--port", "587"), "smtp.rejected")
    assert d["server_reply"] == "554 5.7.1 rejected.diag.test: no SMTP service for you", d


def test_no_greeting(lab):
    expect(diag(lab, "silent.diag.test", "--port", "587", timeout="1"), "smtp.no_greeting")


def test_dns_that_denies_every_name_is_not_a_typo(lab):
    """A resolver that says "no such name" to everything: smtp.gmail.com (a
    provider's server) and smtp.gmial.com alike. The diagnosis is the
    network's DNS, and no "did you mean" leads anywhere."""
    for host in ("smtp.gmial.com", "smtp.gmail.com"):
        r = lab.run("diag", "--json", "--timeout", "2", "--host", host, dns=NXDOMAIN_DNS)
        d = expect(r, "dns.servfail")
        assert d.get("suggested_host") is None, (host, d)
        assert "DNS on this network is not working" in d["summary"], (host, d)
        assert "smtp.gmail.com" in r.json["checks"][0]["message"], r.json["checks"]


def test_dns_nxdomain_suggests_a_name_of_the_own_domain(lab):
    r = lab.run("diag", "--json", "--timeout", "2", "--host", "smtp.tyop.test", "ann@typo.test")
    d = expect(r, "dns.nxdomain")
    assert d["suggested_host"] == "smtp.typo.test" and "smtp.typo.test" in d["remedy"], d
    # without the address nothing ties the name to the user
    r = lab.run("diag", "--json", "--timeout", "2", "--host", "smtp.tyop.test")
    d = expect(r, "dns.nxdomain")
    assert d.get("suggested_host") is None, d


def test_dns_nxdomain_suggests_the_known_name(lab):
    r = diag(lab, "smtp.gmial.com")
    d = expect(r, "dns.nxdomain")
    assert d["suggested_host"] == "smtp.gmail.com" and "smtp.gmail.com" in d["remedy"], d
    assert [c["layer"] for c in r.json["checks"]] == ["dns"], "nothing after a failed DNS layer"


def test_dns_no_address(lab):
    expect(diag(lab, "noaddress.diag.test"), "dns.no_address")


def test_dns_timeout(lab):
    r = lab.run("diag", "--json", "--timeout", "1", "--host", "ok.diag.test", dns=DEAD_DNS_IP)
    expect(r, "dns.timeout")


def test_dns_servfail(lab):
    r = lab.run("diag", "--json", "--timeout", "2", "--host", "ok.diag.test", dns=SERVFAIL_DNS)
    expect(r, "dns.servfail")


def test_default_command_on_a_healthy_domain(lab):
    """smtpdoctor ADDRESS: discovery, then every layer up to AUTH."""
    r = lab.run("--json", "--timeout", "3", "user@ac.test")
    assert r.rc == 0, r
    assert r.json["settings"]["host"] == "smtp.ac.test" and r.json["settings"]["source"] == "autoconfig"
    assert r.json["diagnosis"]["status"] == "ok", r.json["diagnosis"]
    assert [c["status"] for c in r.json["checks"] if c["layer"] != "auth"] == ["pass"] * 6, r.json["checks"]
    assert len(r.json["candidates"]) == 2


def test_default_command_reuses_the_probe(lab):
    """The diagnosis goes on in the session discovery's probe opened: one
    connection to the best server, not two."""
    before = [x for x in lab.smtp_servers.sessions if x[0] == "127.0.0.12" and x[1] == 587]
    r = lab.run("--json", "--timeout", "3", "user@ac.test")
    after = [x for x in lab.smtp_servers.sessions if x[0] == "127.0.0.12" and x[1] == 587]
    assert (r.json["settings"]["port"], r.json["diagnosis"]["status"]) == (587, "ok"), r.json["diagnosis"]
    assert len(after) - len(before) == 1, f"{len(after) - len(before)} connections to smtp.ac.test:587"


def test_default_command_text(lab):
    r = lab.run("--timeout", "3", "-v", "user@ac.test")
    assert r.rc == 0, r
    for text in ("Settings for user@ac.test", "PASS dns", "PASS tcp", "PASS tls", "PASS smtp", "SKIP auth",
                 "Diagnosis: ok", "Certificate chain", "S: 220 smtp.ac.test", "C: EHLO"):
        assert text in r.out, (text, r.out)


def test_dnssec_validated_srv_is_trusted(lab):
    r = lab.run("discover", "--json", "--no-probe", "--ispdb-url", "none", "--timeout", "2", "u@signed.test", dns=AD_DNS)
    s = r.json["settings"]
    assert (s["source"], s["trusted"]) == ("srv", True), s
    r = lab.run("discover", "--json", "--no-probe", "--ispdb-url", "none", "--timeout", "2", "u@unsigned.test", dns=AD_DNS)
    s = r.json["settings"]
    assert (s["source"], s["trusted"]) == ("srv", False), s
