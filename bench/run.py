#!/usr/bin/env python3
"""Speed and memory figures (a report, never a pass/fail test), measured in
the lab's network namespace:

  start-up     smtpdoctor --help, and an offline preset answer
  peers        diag of one endpoint against msmtp --serverinfo, swaks and
               openssl s_client on the same lab server: wall, CPU, peak RSS
  discovery    smtpdoctor discover and smtpdoctor ADDRESS on a lab domain
  batch        N lab domains through discover --batch -j 64

Run: bench/run.py [--domains N]   (as root; it creates its own namespace)
Not measured yet: added network latency (this kernel has no netem; a delaying
proxy is the plan), and the critical-path ratio of issue 7."""
import argparse
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
    """Median wall seconds, CPU seconds and peak RSS (KiB, via GNU time)."""
    walls, cpus, rss = [], [], 0
    for _ in range(repeat):
        out = "/tmp/smtpdoctor-bench-time"
        start = time.monotonic()
        subprocess.run(["/usr/bin/time", "-f", "%M %U %S", "-o", out] + cmd, input=stdin,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True, timeout=300)
        walls.append(time.monotonic() - start)
        m, u, s = open(out).read().split()[-3:]
        rss = max(rss, int(m))
        cpus.append(float(u) + float(s))
    walls.sort()
    cpus.sort()
    return walls[len(walls) // 2], cpus[len(cpus) // 2], rss


def row(name, figures, base=None):
    wall, cpu, rss = figures
    ratio = f"{wall / base[0]:6.2f}x" if base else "      "
    print(f"  {name:44s} {wall * 1000:8.1f} ms {cpu * 1000:8.1f} ms cpu {rss / 1024:7.1f} MiB {ratio}")


def main():
    if os.environ.get("SMTPDOCTOR_LAB_NETNS") != "1":
        env = dict(os.environ, SMTPDOCTOR_LAB_NETNS="1")
        return subprocess.call(["unshare", "--net", sys.executable, __file__, *sys.argv[1:]], env=env)
    ap = argparse.ArgumentParser()
    ap.add_argument("--domains", type=int, default=1000)
    args = ap.parse_args()
    from lab import Lab, DNS_IP, DEAD_DNS_IP
    from smtpd import SmtpBehaviour
    import test_discover
    lab = Lab()
    test_discover.world(lab)
    for i in range(args.domains):          # batch domains: each an autoconfig document
        lab.route("https", f"autoconfig.b{i}.test", "/mail/config-v1.1.xml",
                  body=test_discover.autoconfig(("smtp.ac.test", 465, "SSL")))
    lab.start()
    bin_ = os.path.join(ROOT, "smtpdoctor")
    base = [bin_, "--dns-server", DNS_IP, "--ca-file", lab.ca_file, "--timeout", "5"]
    try:
        print("start-up")
        row("smtpdoctor --help", measure([bin_, "--help"]))
        row("discover you@gmail.com (no DNS: presets)",
            measure([bin_, "--dns-server", DEAD_DNS_IP, "--timeout", "1", "discover", "you@gmail.com"]))
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
        print("discovery")
        row("discover user@disagree.test (SRV, autoconfig, ISPDB)", measure(base + ["discover", "user@disagree.test"]))
        row("smtpdoctor user@ac.test (discover + diagnose)", measure(base + ["user@ac.test"]))
        print(f"batch: {args.domains} domains, -j 64")
        path = os.path.join(lab.dir, "batch")
        with open(path, "w") as f:
            f.write("".join(f"user@b{i}.test\n" for i in range(args.domains)))
        figures = measure(base + ["discover", "--batch", path, "-j", "64", "--no-probe", "--ispdb-url", "none"],
                          repeat=1)
        row(f"discover --batch ({args.domains / figures[0]:.0f} addresses/s)", figures)
    finally:
        lab.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
