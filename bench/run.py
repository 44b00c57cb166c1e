#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Speed and memory figures (a report, never a pass/fail test), measured in
the lab's network namespace:

  start-up     smtpdoctor --help, offline answers from the presets and from
               the built-in ISPDB snapshot, and one address in the lab:
               each against its target (--help under 25 ms, an offline
               answer under 30 ms, one address under 16 MiB peak RSS)
  peers        diag of one endpoint against msmtp --serverinfo, swaks and
               openssl s_client on the same lab server: wall, CPU, peak RSS
  discovery    smtpdoctor discover and smtpdoctor ADDRESS on a lab domain
  batch        N lab domains through discover --batch -j 64
  latency      the same lab with every packet held 50 ms (a 100 ms round
               trip; tests/lab/nfdelay.c, as this kernel has no netem): a
               domain with SRV, autoconfig and MX, two candidate ports
               filtered; wall time against the critical path of round trips
               and against the serial sum of every step; then the batch again
  polite       what listening before a ClientHello costs: settings that say
               STARTTLS on a port that wants TLS from the first byte, an
               SSL/TLS only inferred from port 465, and a discovery whose
               guesses find TLS on 465, each beside the case that speaks first

Run: bench/run.py [--domains N] [--only SECTION] [--binary PATH]   (as root;
it makes its own network namespace). --binary measures another build, e.g.
an older commit's, for a before and after."""
import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "lab"))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))


def measure(cmd, stdin=None, repeat=5):
    """Median wall seconds, CPU seconds and peak RSS (KiB). GNU time reports
    the peak RSS (a child of this Python process would carry its size from
    before its exec); wall and CPU come from wait4 itself, to the
    microsecond: subprocess's wait with a timeout polls with growing sleeps,
    which rounded every figure up to 31.5, 63.5, 113.5... ms."""
    walls, cpus, rss = [], [], 0
    out = "/tmp/smtpdoctor-bench-time"
    for _ in range(repeat):
        start = time.monotonic()
        p = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", out] + cmd, text=True,
                             stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if stdin:
            p.stdin.write(stdin)
            p.stdin.close()
        _, status, usage = os.wait4(p.pid, 0)     # GNU time's and its child's usage
        walls.append(time.monotonic() - start)
        p.returncode = os.waitstatus_to_exitcode(status)
        cpus.append(usage.ru_utime + usage.ru_stime)
        rss = max(rss, int(open(out).read().split()[-1]))
    walls.sort()
    cpus.sort()
    return walls[len(walls) // 2], cpus[len(cpus) // 2], rss


def row(name, figures, base=None):
    wall, cpu, rss = figures
    ratio = f"{wall / base[0]:6.2f}x" if base else "      "
    print(f"  {name:44s} {wall * 1000:8.1f} ms {cpu * 1000:8.1f} ms cpu {rss / 1024:7.1f} MiB {ratio}")


RTT_MS = 100            # 50 ms each way
TIMEOUT_S = 5

# The critical path of `smtpdoctor discover user@lat.test`: the steps that
# must follow each other. The SRV answer names the server; its address comes
# next; then TCP (connect, and the greeting sent after the handshake's last
# ACK: 2 round trips), EHLO, STARTTLS, the TLS 1.3 handshake and EHLO again.
# The autoconfig fetch (DNS, TCP, TLS, GET: 4) and the ISPDB fetch (4) run
# alongside and end sooner. A diagnosis without a password needs nothing
# the probe did not already see, so the default command has the same bound.
# The bound is the network's, not quite the program's: the document names
# port 465, which ranks above 587 and is dropped, and a silent port is taken
# for filtered only after 3 connect times + 200 ms beyond the moment it had
# had as long as 587 took to connect: 4 + 1 + 3 round trips + 200 ms = 1000
# ms before the answer is decided, then the QUIT to 587 (1 more).
CRITICAL_PATH = [("DNS SRV _submission._tcp", 1), ("DNS A smtp.lat.test", 1), ("TCP + greeting", 2),
                 ("EHLO", 1), ("STARTTLS", 1), ("TLS 1.3 handshake", 1), ("EHLO", 1)]


def latency_world(lab, batch):
    """lat.test publishes SRV, autoconfig and MX; its autoconfig also lists
    ports 465 and 25, which a filter drops. b0.test..bN.test the same."""
    import test_discover
    from smtpd import SmtpBehaviour
    lab.host("smtp.lat.test", "127.0.5.1")
    lab.smtp("127.0.5.1", 587, SmtpBehaviour("starttls", name="smtp.lat.test", cert=lab.cert_for("smtp.lat.test")))
    lab.nft("ip daddr 127.0.5.1 tcp dport { 25, 465 } drop")
    doc = test_discover.autoconfig(("smtp.lat.test", 587, "STARTTLS"), ("smtp.lat.test", 465, "SSL"),
                                   ("smtp.lat.test", 25, "STARTTLS"))
    for domain in ["lat.test"] + [f"b{i}.lat.test" for i in range(batch)]:
        lab.srv(f"_submission._tcp.{domain}", "smtp.lat.test", 587)
        lab.mx(domain, "mx.lat.test")
        lab.route("https", f"autoconfig.{domain}", "/mail/config-v1.1.xml", body=doc)
    lab.host("mx.lat.test", "127.0.5.2")


def serial_sum_ms(report):
    """Every step of a discovery one after another: each source as long as it
    took (the JSON reports it), then each candidate's probe as a serial tool
    would wait for it: the 6 round trips of a STARTTLS dialogue when it
    answers, the whole timeout when it does not."""
    steps = sum(src["ms"] for src in report.get("sources", []))
    for c in report.get("candidates", []):
        steps += 6 * RTT_MS if c.get("verified") else TIMEOUT_S * 1000
    return steps


def latency_section(lab, base, batch):
    bound = sum(n for _, n in CRITICAL_PATH)
    print(f"latency lab: 50 ms each way, {RTT_MS} ms round trip, --timeout {TIMEOUT_S}")
    print(f"  critical path: {' -> '.join(f'{name} ({n})' for name, n in CRITICAL_PATH)}")
    print(f"  = {bound} round trips = {bound * RTT_MS} ms")
    serial = None
    for name, args in (("smtpdoctor discover user@lat.test", ["discover", "--json", "user@lat.test"]),
                       ("smtpdoctor user@lat.test", ["--json", "user@lat.test"])):
        if serial is None:      # the default command's steps are discovery's: its probe is reused
            out = subprocess.run(base + args, capture_output=True, text=True, timeout=120).stdout
            serial = serial_sum_ms(json.loads(out)) / 1000
        wall, cpu, rss = measure(base + args, repeat=3)
        print(f"  {name:36s} {wall * 1000:7.1f} ms {rss / 1024:5.1f} MiB  {wall * 1000 / RTT_MS:4.1f} round trips  "
              f"{wall * 1000 / (bound * RTT_MS):4.2f}x the critical path  {wall / serial:4.2f}x the serial sum "
              f"({serial * 1000:.0f} ms)")
    if batch:
        path = os.path.join(lab.dir, "latency-batch")
        with open(path, "w") as f:
            f.write("".join(f"user@b{i}.lat.test\n" for i in range(batch)))
        figures = measure(base + ["discover", "--batch", path, "-j", "64"], repeat=1)
        row(f"discover --batch {batch} domains -j 64 ({batch / figures[0]:.0f}/s)", figures)


def polite_section(base):
    """The session listens 1.5 s on port 465 before it sends a ClientHello
    where a plaintext greeting is possible (net/session.h): what that costs
    where the port does want TLS, beside what speaking first costs."""
    print("polite probing: smtp.ac.test has TLS on 465 and STARTTLS on 587; guess.test publishes nothing")
    for name, args in (
            ("diag :465 --security tls (speaks first)",
             ["diag", "--host", "smtp.ac.test", "--port", "465", "--security", "tls"]),
            ("diag :465, security inferred (listens)", ["diag", "--host", "smtp.ac.test", "--port", "465"]),
            ("diag :465 --security starttls (mismatch)",
             ["diag", "--host", "smtp.ac.test", "--port", "465", "--security", "starttls"]),
            ("diag :587 --security starttls (plaintext)",
             ["diag", "--host", "smtp.ac.test", "--port", "587", "--security", "starttls"]),
            ("discover user@guess.test (465 is TLS)",
             ["discover", "--ispdb-url", "none", "user@guess.test"])):
        row(name, measure(base + args, repeat=3))


def main():
    if os.environ.get("SMTPDOCTOR_LAB_NETNS") != "1":
        env = dict(os.environ, SMTPDOCTOR_LAB_NETNS="1")
        # a mount namespace too: msmtp --configure asks the resolver that
        # /etc/resolv.conf names, which is pointed at the lab's for it
        return subprocess.call(["unshare", "--net", "--mount", sys.executable, __file__, *sys.argv[1:]], env=env)
    ap = argparse.ArgumentParser()
    ap.add_argument("--domains", type=int, default=1000)
    ap.add_argument("--only", choices=["startup", "peers", "discovery", "batch", "latency", "polite"])
    ap.add_argument("--binary", default=os.path.join(ROOT, "smtpdoctor"))
    args = ap.parse_args()
    want = lambda section: args.only in (None, section)
    from lab import Lab, DNS_IP, DEAD_DNS_IP
    import test_discover
    lab = Lab()
    test_discover.world(lab)
    if want("batch"):
        for i in range(args.domains):          # batch domains: each an autoconfig document
            lab.route("https", f"autoconfig.b{i}.test", "/mail/config-v1.1.xml",
                      body=test_discover.autoconfig(("smtp.ac.test", 465, "SSL")))
    latency_world(lab, args.domains if want("latency") else 0)
    lab.start()
    bin_ = os.path.abspath(args.binary)
    base = [bin_, "--dns-server", DNS_IP, "--ca-file", lab.ca_file, "--timeout", str(TIMEOUT_S)]
    try:
        if want("startup"):
            startup_section(bin_, base, DEAD_DNS_IP)
        if want("peers"):
            peers(lab, base)
        if want("discovery"):
            print("discovery")
            row("discover user@disagree.test (SRV, autoconfig, ISPDB)", measure(base + ["discover", "user@disagree.test"]))
            row("smtpdoctor user@ac.test (discover + diagnose)", measure(base + ["user@ac.test"]))
        if want("batch"):
            print(f"batch: {args.domains} domains, -j 64")
            path = os.path.join(lab.dir, "batch")
            with open(path, "w") as f:
                f.write("".join(f"user@b{i}.test\n" for i in range(args.domains)))
            figures = measure(base + ["discover", "--batch", path, "-j", "64", "--no-probe", "--ispdb-url", "none"],
                              repeat=1)
            row(f"discover --batch --no-probe ({args.domains / figures[0]:.0f} addresses/s)", figures)
        if want("polite"):
            polite_section(base)
        if want("latency"):
            lab.add_latency(RTT_MS / 2)
            latency_section(lab, base, args.domains)
    finally:
        lab.stop()
    return 0


# What one address may cost on this machine (issue 18): the figures the
# start-up section sets against them.
TARGETS = {"help_ms": 25, "offline_ms": 30, "rss_mib": 16}


def startup_section(bin_, base, dead_dns):
    """--help, an offline answer from the presets and one from the built-in
    ISPDB snapshot (parsed only then), and one address's whole run in the
    lab (discovery and diagnosis): wall time and peak RSS against TARGETS."""
    print("start-up")
    offline = [bin_, "--dns-server", dead_dns, "--timeout", "1", "discover"]
    help_ = measure([bin_, "--help"])
    row("smtpdoctor --help", help_)
    preset = measure(offline + ["you@gmail.com"])
    row("discover you@gmail.com (no DNS: presets)", preset)
    snapshot = measure(offline + ["you@ziggo.nl"])
    row("discover you@ziggo.nl (no DNS: snapshot)", snapshot)
    one = measure(base + ["user@ac.test"])
    row("smtpdoctor user@ac.test (one address, lab)", one)
    worst_offline = max(preset[0], snapshot[0])
    worst_rss = max(f[2] for f in (help_, preset, snapshot, one)) / 1024
    for what, value, limit, unit in (("--help", help_[0] * 1000, TARGETS["help_ms"], "ms"),
                                     ("offline answer", worst_offline * 1000, TARGETS["offline_ms"], "ms"),
                                     ("peak RSS of one address", worst_rss, TARGETS["rss_mib"], "MiB")):
        print(f"  target: {what:28s} {value:8.1f} {unit} (under {limit} {unit}: "
              f"{'yes' if value < limit else 'NO'})")


def peers(lab, base):
    print("one endpoint, smtp.ac.test:587 STARTTLS (ratio to smtpdoctor diag)")
    ours = measure(base + ["diag", "--host", "smtp.ac.test", "--port", "587", "--security", "starttls"])
    row("smtpdoctor diag", ours, ours)
    rc = os.path.join(lab.dir, "msmtprc")
    with open(rc, "w") as f:
        f.write(f"account lab\nhost 127.0.0.12\nport 587\ntls on\ntls_starttls on\ntls_trust_file {lab.ca_file}\n"
                "tls_host_override smtp.ac.test\naccount default : lab\n")
    os.chmod(rc, 0o600)
    if shutil.which("msmtp"):
        row("msmtp --serverinfo", measure(["msmtp", "-C", rc, "--serverinfo"]), ours)
    if shutil.which("swaks"):
        row("swaks --quit-after AUTH", measure(["swaks", "-s", "127.0.0.12", "-p", "587", "-tls",
                                                "--quit-after", "AUTH", "-t", "x@ac.test"]), ours)
    row("openssl s_client -starttls smtp", measure(
        ["openssl", "s_client", "-starttls", "smtp", "-connect", "127.0.0.12:587", "-servername",
         "smtp.ac.test", "-CAfile", lab.ca_file], stdin="QUIT\n"), ours)
    if shutil.which("msmtp"):
        from lab import DNS_IP
        print("settings from SRV records, srv.test (ratio to smtpdoctor discover --no-probe)")
        resolv = os.path.join(lab.dir, "resolv.conf")
        with open(resolv, "w") as f:
            f.write(f"nameserver {DNS_IP}\n")
        subprocess.run(["mount", "--bind", resolv, "/etc/resolv.conf"], check=True)
        ours = measure(base + ["discover", "--no-probe", "--ispdb-url", "none", "user@srv.test"])
        row("smtpdoctor discover --no-probe", ours, ours)
        row("smtpdoctor discover (every source, probed)", measure(base + ["discover", "user@srv.test"]), ours)
        row("msmtp --configure (SRV only)", measure(["msmtp", "--configure", "user@srv.test"]), ours)


if __name__ == "__main__":
    sys.exit(main())
