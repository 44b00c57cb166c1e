# SPDX-License-Identifier: MIT
"""Discovery with no network at all: every domain of the ISPDB snapshot and
every preset domain answers from the built-in knowledge, and the answer is
the one the project expects (tests/data/ispdb-expectations.txt, written
from the ISPDB by scripts/ispdb-expectations: the file's first SMTP server
and username form, unless a preset says otherwise with its 'ispdb =' reason).

And in the lab: the snapshot is what answers only when the live sources
do not, the live ISPDB replaces it, and a preset host that does not exist
loses to a server another source named and a probe verified."""
import glob
import json
import os
import re

from lab import DEAD_DNS_IP, ROOT
from test_discover import ISPDB_PATH, autoconfig, smtp_pair

EXPECTATIONS = os.path.join(ROOT, "tests", "data", "ispdb-expectations.txt")
SNAPSHOT = os.path.join(ROOT, "presets", "ispdb", "snapshot.conf")


def world(lab):
    # ziggo.nl is in the ISPDB snapshot, and no preset knows it. The live
    # ISPDB knows it too, with a server of the lab's that works.
    lab.route("https", "live.thunderbird.net", ISPDB_PATH + "ziggo.nl",
              body=autoconfig(("smtp.live-ziggo.test", 465, "SSL")))
    smtp_pair(lab, "smtp.live-ziggo.test", "127.0.7.1", starttls=False)

    # a custom domain whose MX is at ziggo.nl, which only the ISPDB knows
    lab.mx("atziggo.test", "mx.ziggo.nl")

    # a preset (the user's, below) names a host that does not exist; the
    # provider behind the domain's MX names one that works
    lab.mx("nxpreset.test", "mx1.nxhost.test")
    lab.route("https", "autoconfig.nxhost.test", "/mail/config-v1.1.xml",
              body=autoconfig(("smtp.nxhost.test", 465, "SSL")))
    smtp_pair(lab, "smtp.nxhost.test", "127.0.7.2", starttls=False)

    # the provider's own order: its document lists STARTTLS first, and
    # both ports work
    lab.route("https", "live.thunderbird.net", ISPDB_PATH + "order.test",
              body=autoconfig(("smtp.order.test", 587, "STARTTLS"), ("smtp.order.test", 465, "SSL")))
    smtp_pair(lab, "smtp.order.test", "127.0.7.3")


def snapshot_date():
    return re.search(r"^# date: (\S+)$", open(SNAPSHOT, encoding="utf-8").read(), re.M).group(1)


def read_expectations():
    """domain -> (host, port, security, username template, file)."""
    out = {}
    for line in open(EXPECTATIONS, encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        domain, name, host, port, security, username = line.split()
        out[domain] = (host, int(port) if port.isdigit() else port, security, username, name)
    return out


def preset_reasons():
    """The ids of the presets that say why they differ from the ISPDB."""
    ids, current = set(), None
    for path in glob.glob(os.path.join(ROOT, "presets", "providers", "*.conf")):
        for line in open(path, encoding="utf-8"):
            m = re.match(r"\[([^\]]+)\]", line)
            if m:
                current = m.group(1)
            elif re.match(r"ispdb\s*=\s*\S", line):
                ids.add(current)
    return ids


def expand(template, local, domain):
    if template == "-":
        return f"{local}@{domain}"
    return (template.replace("%EMAILADDRESS%", f"{local}@{domain}").replace("%EMAILLOCALPART%", local)
            .replace("%EMAILDOMAIN%", domain))


def first_smtp(preset):
    return next(((s["host"], s["port"], s["security"]) for s in preset["servers"] if s["protocol"] == "smtp"),
                None)


def test_every_known_domain_answers_offline(lab):
    """One batch of every ISPDB and preset domain, with no DNS server that
    answers and no live ISPDB; every miss is listed."""
    expected = read_expectations()
    presets = lab.run("presets", "list", "--json").json
    reasons = preset_reasons()
    by_domain = {}
    for p in presets:
        for d in p["domains"]:
            by_domain[d.replace("*.", "tenant.")] = p
    domains = sorted(set(expected) | set(by_domain))
    batch = os.path.join(lab.dir, "offline-addresses")
    with open(batch, "w") as f:
        f.write("".join(f"user@{d}\n" for d in domains))
    r = lab.run("discover", "--batch", batch, "-j", "32", "--no-probe", "--ispdb-url", "none",
                "--timeout", "2", dns=DEAD_DNS_IP, timeout=300)
    answers = [json.loads(line) for line in r.out.splitlines()]
    assert len(answers) == len(domains), (len(answers), len(domains), r.err)
    date, misses = snapshot_date(), []
    for domain, doc in zip(domains, answers):
        s = doc.get("settings")
        preset = by_domain.get(domain)
        if preset:
            want = first_smtp(preset)
            want_user = expand(preset["username"] or "-", "user", domain)
            if domain in expected and preset["id"] not in reasons:
                host, port, security, username, _ = expected[domain]
                if (host, port, security, expand(username, "user", domain)) != (*want, want_user):
                    misses.append(f"{domain}: preset {preset['id']} differs from the ISPDB and says no why")
        else:
            host, port, security, username, name = expected[domain]
            want, want_user = (host, port, security), expand(username, "user", domain)
        if want is None:
            if s is not None:
                misses.append(f"{domain}: no SMTP server is known, yet {s['host']} was suggested")
            continue
        if s is None:
            misses.append(f"{domain}: nothing found offline (expected {want[0]}:{want[1]})")
            continue
        got = (s["host"], s["port"], s["security"])
        if got != want or s["username"] != want_user:
            misses.append(f"{domain}: {got} as {s['username']}, expected {want} as {want_user}")
        elif s["trusted"] is not True or s["verified"] is not False:
            misses.append(f"{domain}: trusted {s['trusted']}, verified {s['verified']}")
        elif not preset and (s["source"], s.get("ispdb_snapshot")) != ("ispdb", date):
            misses.append(f"{domain}: source {s['source']}, snapshot {s.get('ispdb_snapshot')}")
        elif preset and s["source"] != "preset":
            misses.append(f"{domain}: source {s['source']}, expected the preset")
    assert not misses, f"{len(misses)} of {len(domains)} domains miss:\n" + "\n".join(misses)


def test_offline_text_says_where_the_settings_come_from(lab):
    r = lab.run("discover", "--timeout", "2", "--ispdb-url", "none", "user@ziggo.nl", dns=DEAD_DNS_IP)
    assert r.rc == 0, r
    assert "SMTP server   smtp.ziggo.nl" in r.out, r.out
    # one sentence, wrapped to the terminal's 80 columns
    assert "These settings come from the built-in knowledge (the Thunderbird ISPDB as of " \
        f"{snapshot_date()}) and could not be checked from here." in " ".join(r.out.split()), r.out
    assert all(len(line) <= 79 for line in r.out.splitlines() if "built-in knowledge" in line), r.out


def test_snapshot_answers_when_the_live_sources_fail(lab):
    """No DNS: neither the live ISPDB nor anything else answers; the
    snapshot does, trusted, and says so with its date."""
    r = lab.run("discover", "--json", "--timeout", "2", "user@ziggo.nl", dns=DEAD_DNS_IP)
    assert r.rc == 0, r
    s = r.json["settings"]
    assert (s["host"], s["source"], s["trusted"], s["verified"]) == ("smtp.ziggo.nl", "ispdb", True, False), s
    assert s["ispdb_snapshot"] == snapshot_date(), s
    assert s["vouched_by"] == "ispdb", s
    asked = [x for x in r.json["sources"] if x["source"] == "ispdb"]
    assert any(x["query"].startswith("https://live.thunderbird.net/") and not x["found"] for x in asked), asked


def test_live_ispdb_replaces_the_snapshot(lab):
    r = lab.run("discover", "--json", "--timeout", "5", "user@ziggo.nl")
    assert r.rc == 0, r
    s = r.json["settings"]
    assert (s["host"], s["source"], s["verified"]) == ("smtp.live-ziggo.test", "ispdb", True), s
    assert "ispdb_snapshot" not in s, s
    hosts = [c["host"] for c in r.json["candidates"]]
    assert "smtp.ziggo.nl" not in hosts, hosts
    assert any(n.startswith("the live ISPDB answered: its servers replace the built-in ISPDB of ")
               for n in r.json["notes"]), r.json["notes"]


def test_no_live_ispdb_leaves_the_snapshot(lab):
    """--ispdb-url none turns off only the live look-up."""
    before = len(lab.web.requests_for("live.thunderbird.net", ISPDB_PATH + "ziggo.nl"))
    r = lab.run("discover", "--json", "--timeout", "5", "--ispdb-url", "none", "--no-probe", "user@ziggo.nl")
    s = r.json["settings"]
    assert (s["host"], s["source"], s["ispdb_snapshot"]) == ("smtp.ziggo.nl", "ispdb", snapshot_date()), s
    assert len(lab.web.requests_for("live.thunderbird.net", ISPDB_PATH + "ziggo.nl")) == before


def test_snapshot_knows_the_provider_behind_the_mx(lab):
    """As with the presets, the MX's parent domain is looked up in the
    snapshot; the live ISPDB's answer for it replaces the snapshot's."""
    r = lab.run("discover", "--json", "--timeout", "5", "--ispdb-url", "none", "--no-probe", "user@atziggo.test")
    s = r.json["settings"]
    assert (s["host"], s["source"], s["trusted"]) == ("smtp.ziggo.nl", "mx", False), s
    assert s["ispdb_snapshot"] == snapshot_date(), s
    r = lab.run("discover", "--json", "--timeout", "5", "user@atziggo.test")
    s = r.json["settings"]
    assert (s["host"], s["source"], s["verified"]) == ("smtp.live-ziggo.test", "mx", True), s
    assert "smtp.ziggo.nl" not in [c["host"] for c in r.json["candidates"]], r.json["candidates"]


def test_nxdomain_preset_host_loses_to_a_verified_server(lab):
    folder = os.path.join(lab.dir, "xdg", "smtpdoctor", "presets")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "nxpreset.conf")
    with open(path, "w") as f:
        f.write("[nxpreset]\nname = Gone\ndomains = nxpreset.test\nsmtp = smtp.gone.nxpreset.test 465 tls\n")
    try:
        r = lab.run("discover", "--json", "--timeout", "5", "user@nxpreset.test")
    finally:
        os.remove(path)
    assert r.rc == 0, r
    s = r.json["settings"]
    assert (s["host"], s["port"], s["source"], s["verified"]) == ("smtp.nxhost.test", 465, "mx", True), s
    gone = [c for c in r.json["candidates"] if c["host"] == "smtp.gone.nxpreset.test"]
    assert gone and "does not exist (NXDOMAIN)" in gone[0]["note"], r.json["candidates"]


def test_provider_order_is_respected(lab):
    """The ISPDB file lists STARTTLS on 587 first: that, not implicit TLS,
    is the answer while it works."""
    r = lab.run("discover", "--json", "--timeout", "5", "user@order.test")
    assert r.rc == 0, r
    got = [(c["host"], c["port"], c["verified"]) for c in r.json["candidates"]]
    assert got[0] == ("smtp.order.test", 587, True), got
