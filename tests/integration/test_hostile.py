# SPDX-License-Identifier: MIT
"""Hostile and broken peers: each run must end within its bounds with a
clear finding, no crash, and a peak memory under 64 MiB."""
import os

from lab import Lab, VALGRIND
from smtpd import SmtpBehaviour

HOSTILE_DNS = "127.0.0.94"
MAX_RSS_KB = 64 * 1024


def world(lab):
    edns_world(lab)
    def smtp(name, ip, mode, port=587, **kw):
        lab.host(name, ip)
        lab.smtp(ip, port, SmtpBehaviour(mode, name=name, cert=lab.cert_for(*kw.pop("names", [name])), **kw))

    smtp("endless.hostile.test", "127.0.4.1", "endless")
    smtp("longline.hostile.test", "127.0.4.2", "longline")
    smtp("trickle.hostile.test", "127.0.4.3", "trickle")
    sans = ["manynames.hostile.test"] + [f"n{i}.hostile.test" for i in range(999)]
    smtp("manynames.hostile.test", "127.0.4.4", "tls", port=465, names=sans)
    lab.route("https", "autoconfig.huge.test", "/mail/config-v1.1.xml", body=b"<clientConfig>" + b" " * (50 << 20))
    lab.route("https", "autoconfig.xxe.test", "/mail/config-v1.1.xml", body=(
        '<?xml version="1.0"?><!DOCTYPE c [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        '<clientConfig><emailProvider id="x"><outgoingServer type="smtp"><hostname>&x;</hostname>'
        '<port>465</port><socketType>SSL</socketType><username>&x;</username></outgoingServer>'
        '</emailProvider></clientConfig>'))
    lab.route("https", "autoconfig.laughs.test", "/mail/config-v1.1.xml", body=(
        '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
        + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
        + ']><clientConfig><emailProvider id="l"><outgoingServer type="smtp"><hostname>&j;</hostname>'
        '</outgoingServer></emailProvider></clientConfig>'))
    lab.route("https", "autoconfig.loop.test", "/mail/config-v1.1.xml", status=302,
              location="https://autoconfig.loop.test/mail/config-v1.1.xml?again")
    lab.dns_responder(HOSTILE_DNS, {
        ("a.cnameloop.test", "A"): (0, [("RR", "a.cnameloop.test", "CNAME", "b.cnameloop.test"),
                                        ("RR", "b.cnameloop.test", "CNAME", "a.cnameloop.test")], False),
        ("a.cnameloop.test", "AAAA"): (0, [("RR", "a.cnameloop.test", "CNAME", "b.cnameloop.test"),
                                           ("RR", "b.cnameloop.test", "CNAME", "a.cnameloop.test")], False),
        ("_submissions._tcp.manysrv.test", "SRV"): (0, [(i, 0, 465, f"s{i}.manysrv.test") for i in range(500)], False),
    })


def bounded(r, limit):
    assert r.elapsed < Lab.seconds(limit), f"took {r.elapsed:.1f}s"
    assert r.rc in (0, 1), r
    # ASan's shadow memory and valgrind's own are not ours: the plain pass checks
    if os.environ.get("SMTPDOCTOR_SANITIZED") != "1" and not VALGRIND:
        assert r.max_rss_kb < MAX_RSS_KB, f"peak memory {r.max_rss_kb} KiB"


def diag(lab, host, *args):
    r = lab.run("diag", "--json", "--timeout", "2", "--host", host, *args, measure=True)
    assert r.json is not None, r
    return r


def test_endless_multiline_reply(lab):
    r = diag(lab, "endless.hostile.test", "--port", "587")
    bounded(r, 10)
    assert r.json["diagnosis"]["code"] == "smtp.not_smtp", r.json["diagnosis"]


def test_one_megabyte_line(lab):
    r = diag(lab, "longline.hostile.test", "--port", "587")
    bounded(r, 10)
    assert r.json["diagnosis"]["code"] == "smtp.not_smtp", r.json["diagnosis"]


def test_one_byte_per_second(lab):
    r = diag(lab, "trickle.hostile.test", "--port", "587")
    bounded(r, 8)
    assert r.json["diagnosis"]["code"] in ("smtp.no_greeting", "smtp.not_smtp"), r.json["diagnosis"]


def test_certificate_with_a_thousand_names(lab):
    r = diag(lab, "manynames.hostile.test", "--port", "465")
    bounded(r, 10)
    assert r.json["diagnosis"]["status"] == "ok", r.json["diagnosis"]


def test_fifty_megabyte_document(lab):
    r = lab.run("discover", "--json", "--no-probe", "--ispdb-url", "none", "--timeout", "5", "u@huge.test", measure=True)
    bounded(r, 15)
    assert r.json["settings"] is None
    ac = [s for s in r.json["sources"] if "autoconfig.huge.test" in s["query"] and s["query"].startswith("https")]
    assert ac and "larger than 1 MiB" in ac[0]["result"], ac


def test_redirect_loop(lab):
    r = lab.run("discover", "--json", "--no-probe", "--ispdb-url", "none", "--timeout", "5", "u@loop.test", measure=True)
    bounded(r, 15)
    ac = [s for s in r.json["sources"] if "autoconfig.loop.test" in s["query"] and s["query"].startswith("https")]
    assert ac and "too many redirects" in ac[0]["result"], ac


def test_five_hundred_srv_records(lab):
    r = lab.run("discover", "--json", "--ispdb-url", "none", "--timeout", "2", "u@manysrv.test", dns=HOSTILE_DNS, measure=True)
    bounded(r, 15)
    assert 0 < len(r.json["candidates"]) <= 64, len(r.json["candidates"])
    assert r.json["candidates"][0]["host"] == "s0.manysrv.test", [c["host"] for c in r.json["candidates"][:5]]


def test_cname_loop(lab):
    r = lab.run("diag", "--json", "--timeout", "2", "--host", "a.cnameloop.test", dns=HOSTILE_DNS, measure=True)
    bounded(r, 10)
    assert r.json["diagnosis"]["code"].startswith("dns."), r.json["diagnosis"]


def test_external_entity_reads_nothing(lab):
    r = lab.run("discover", "--json", "-v", "--no-probe", "--ispdb-url", "none", "--timeout", "3", "u@xxe.test",
                measure=True)
    bounded(r, 10)
    assert "root:" not in r.out + r.err and "/bin/" not in r.out, "nothing from the local file system"
    assert r.json["settings"] is None
    ac = [x for x in r.json["sources"] if x["query"].startswith("https://autoconfig.xxe.test")]
    assert "entities" in ac[0]["result"], ac


def test_billion_laughs(lab):
    r = lab.run("discover", "--json", "--no-probe", "--ispdb-url", "none", "--timeout", "3", "u@laughs.test",
                measure=True)
    bounded(r, 10)
    assert r.json["settings"] is None


EDNS_DNS = "127.0.0.91"


def edns_world(lab):
    """An SRV answer of 20 records, about 900 bytes: more than DNS's classic
    512 over UDP, within the 1232 that EDNS queries advertise. TCP to this
    resolver is refused, as on networks that block DNS over TCP."""
    lab.dns_responder(EDNS_DNS, {
        ("_submissions._tcp.bigsrv.test", "SRV"): (0, [(i, 0, 465, f"mailserver-{i:02d}.bigsrv.test") for i in range(20)],
                                                   False),
        # too large even for EDNS: only TCP could carry it, and TCP is refused
        ("_submissions._tcp.hugesrv.test", "SRV"): (0, [(i, 0, 465, f"s{i}.hugesrv.test") for i in range(200)], False),
        ("_submission._tcp.hugesrv.test", "SRV"): (0, [(0, 0, 587, "mail.hugesrv.test")], False),
    })
    lab.nft(f"ip daddr {EDNS_DNS} tcp dport 53 reject with tcp reset")


def test_large_answer_over_udp_with_edns(lab):
    r = lab.run("discover", "--json", "--no-probe", "--ispdb-url", "none", "--timeout", "3", "u@bigsrv.test",
                dns=EDNS_DNS)
    assert r.json is not None, r
    hosts = [c["host"] for c in r.json["candidates"] if c["source"] == "srv"]
    assert len(hosts) == 20 and hosts[0] == "mailserver-00.bigsrv.test", (hosts, r.json.get("sources"))


def test_one_failing_query_does_not_fail_the_others(lab):
    """An answer only TCP could carry, with TCP refused: that query fails,
    the others on the same resolver still get their answers."""
    r = lab.run("discover", "--json", "--no-probe", "--ispdb-url", "none", "--timeout", "3", "u@hugesrv.test",
                dns=EDNS_DNS)
    assert r.json is not None, r
    got = [(c["host"], c["port"]) for c in r.json["candidates"] if c["source"] == "srv"]
    assert ("mail.hugesrv.test", 587) in got, (got, r.json.get("sources"))
