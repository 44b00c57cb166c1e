# SPDX-License-Identifier: MIT
"""The smtpdoctor test lab: a real DNS server (dnsmasq), a web server for
autoconfig documents and a fake central ISPDB, and scripted SMTP servers, all
on loopback addresses inside a network namespace that the test run creates.

Use:
    lab = Lab()                       # a fresh work folder
    lab.host("smtp.example.test", "127.0.0.20")
    lab.web.route("https", "autoconfig.example.test", "/mail/config-v1.1.xml", body=...)
    lab.smtp("127.0.0.20", 465, SmtpBehaviour("tls", cert=lab.cert_for("smtp.example.test")))
    lab.start()
    result = lab.run("discover", "--json", "user@example.test")
    lab.stop()                        # nothing is left behind
"""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

from certs import CertFactory
from httpd import WebServer
from smtpd import SmtpServers

DNS_IP = "127.0.0.53"
WEB_IP = "127.0.0.80"
DEAD_DNS_IP = "127.0.0.99"      # nothing listens there: an unreachable DNS server

# SMTPDOCTOR_VALGRIND=1 runs every invocation under valgrind memcheck, which
# makes the program some twenty times slower in CPU: the timeouts the tests
# give it, and the time limits they assert, stretch by SLOWDOWN.
VALGRIND = os.environ.get("SMTPDOCTOR_VALGRIND") == "1"
SLOWDOWN = 6 if VALGRIND else 1
VALGRIND_COMMAND = ["valgrind", "--leak-check=full", "--show-leak-kinds=definite",
                    "--errors-for-leak-kinds=definite", "--num-callers=30"]

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.environ.get("SMTPDOCTOR", os.path.join(ROOT, "smtpdoctor"))


def in_namespace():
    return os.environ.get("SMTPDOCTOR_LAB_NETNS") == "1"


class Result:
    def __init__(self, proc, elapsed, max_rss_kb=0):
        self.rc = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr
        self.elapsed = elapsed
        self.max_rss_kb = max_rss_kb
        try:
            self.json = json.loads(self.out)
        except ValueError:
            self.json = None

    def __repr__(self):
        return f"rc={self.rc} elapsed={self.elapsed:.2f}s\nstdout:\n{self.out}\nstderr:\n{self.err}"


class Lab:
    def __init__(self):
        if not in_namespace():
            raise RuntimeError("the lab runs only inside its own network namespace (tests/run)")
        self.dir = tempfile.mkdtemp(prefix="smtpdoctor-lab-")
        os.chmod(self.dir, 0o755)      # the MTA's own users must reach their folders
        self.certs = CertFactory(self.dir)
        self.records = []          # dnsmasq configuration lines
        self.web_names = set()
        self.web = WebServer(WEB_IP)
        self.smtp_servers = SmtpServers()
        self.pending_smtp = []
        self.dnsmasq = None
        self._leafs = {}
        self.nft_rules = []
        self.fault_dns = []
        self.mtas = []
        self.delayer = None
        self.extra_addresses = []
        self.idps = []

    # -- DNS ------------------------------------------------------------
    def host(self, name, ip):
        self.records.append(f"host-record={name},{ip}")

    def srv(self, name, target, port, priority=0, weight=0):
        self.records.append(f"srv-host={name},{target},{port},{priority},{weight}")

    def mx(self, domain, host, preference=10):
        self.records.append(f"mx-host={domain},{host},{preference}")

    def ptr(self, ip, name):
        """The reverse DNS of an IPv4 address (it wins over the PTR that a
        host record makes)."""
        self.records.append(f"ptr-record={'.'.join(reversed(ip.split('.')))}.in-addr.arpa,{name}")

    def cname(self, name, target):
        self.records.append(f"cname={name},{target}")

    def web_host(self, name):
        """A name served by the lab's web server (http and https)."""
        if name.lower() not in self.web_names:
            self.web_names.add(name.lower())
            self.host(name, WEB_IP)

    def _web_certificates(self):
        """The web server's certificates: at most 100 names each, as public
        CAs issue them (a bench's thousand domains would otherwise share one
        certificate of a thousand names, slow to send and to check)."""
        names = sorted(self.web_names) or ["web.lab.test"]
        groups = [names[i:i + 100] for i in range(0, len(names), 100)]
        return [(g, *self.certs.leaf("web" if i == 0 else f"web{i}", g)) for i, g in enumerate(groups)]

    def route(self, scheme, host, path, **kw):
        """Serves a document at scheme://host/path (scheme: http, https or
        both); the host is added to DNS and to the web certificate."""
        self.web_host(host)
        self.web.route(scheme, host, path, **kw)

    def nft(self, rule):
        """A packet filter rule on the lab's input chain, e.g.
        'ip daddr 127.0.1.12 tcp dport 25 drop'."""
        self.nft_rules.append(rule)

    def postfix(self, ip, hostname, domain, users):
        """A real MTA (Postfix with Dovecot SASL) for submission on ip."""
        from mta import PostfixMta
        self.host(hostname, ip)
        m = PostfixMta(self.dir, ip, hostname, domain, users, self.cert_for(hostname))
        self.mtas.append(m)
        return m

    def add_latency(self, ms_each_way, queue=7):
        """From now on every loopback packet arrives ms_each_way late, so a
        round trip costs twice that. This kernel has no netem: iptables hands
        each packet to tests/lab/nfdelay.c, which holds it for that long."""
        here = os.path.dirname(os.path.abspath(__file__))
        exe = os.path.join(self.dir, "nfdelay")
        flags = subprocess.run(["pkg-config", "--cflags", "--libs", "libnetfilter_queue"],
                               capture_output=True, text=True, check=True).stdout.split()
        subprocess.run(["cc", "-O2", "-o", exe, os.path.join(here, "nfdelay.c"), *flags], check=True)
        self.delayer = subprocess.Popen([exe, str(queue), str(ms_each_way)], stdin=subprocess.DEVNULL,
                                        stdout=subprocess.PIPE, text=True)
        if self.delayer.stdout.readline().strip() != "ready":
            raise RuntimeError("nfdelay did not start")
        self.delay_rule = ["OUTPUT", "-o", "lo", "-j", "NFQUEUE", "--queue-num", str(queue), "--queue-bypass"]
        subprocess.run(["iptables", "-A", *self.delay_rule], check=True)
        # A packet held in the queue still counts as not yet sent by the host,
        # and TCP's autocorking then holds a sender's next write back until
        # it leaves: a round trip added to every second write, which a real
        # link's delay (after the network card) never causes.
        self._write_sysctl("net/ipv4/tcp_autocorking", "0")

    @staticmethod
    def _write_sysctl(name, value):
        with open(os.path.join("/proc/sys", name), "w") as f:
            f.write(value)

    def remove_latency(self):
        if self.delayer:
            subprocess.run(["iptables", "-D", *self.delay_rule], check=True)
            self._write_sysctl("net/ipv4/tcp_autocorking", "1")
            self.delayer.terminate()
            self.delayer.wait(timeout=10)
            self.delayer = None

    def address(self, ip):
        """One more address for the namespace, given to lo at start(): a
        server that is not on loopback (127.0.0.0/8) to the program, e.g.
        192.0.2.53. This kernel has no dummy interfaces; the namespace, and
        the address with it, ends with the test run."""
        self.extra_addresses.append(ip)

    def identity_provider(self, name, ip, clients):
        """An OAuth2 identity provider (see idp.py) at https://name/ on ip."""
        from idp import IdentityProvider
        self.host(name, ip)
        p = IdentityProvider(ip, name, self.cert_for(name), clients)
        self.idps.append(p)
        return p

    def dns_responder(self, ip, answers, default_rcode=3):
        """A DNS server on ip with hand-made answers (see dnsfault.py)."""
        from dnsfault import FaultDns
        self.fault_dns.append(FaultDns(ip, answers, default_rcode))

    # -- certificates and servers ----------------------------------------
    def cert_for(self, *hosts, **kw):
        key = (hosts, tuple(sorted(kw.items())))
        if key not in self._leafs:
            self._leafs[key] = self.certs.leaf(f"leaf{len(self._leafs)}", list(hosts), **kw)
        return self._leafs[key]

    def smtp(self, ip, port, behaviour):
        self.pending_smtp.append((ip, port, behaviour))

    @property
    def ca_file(self):
        return self.certs.ca_file

    # -- life cycle ------------------------------------------------------
    def start(self):
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
        for ip in self.extra_addresses:
            subprocess.run(["ip", "addr", "add", f"{ip}/32", "dev", "lo"], check=True)
        if self.nft_rules:
            script = "table inet lab {\n chain input {\n  type filter hook input priority 0;\n"
            script += "".join(f"  {r}\n" for r in self.nft_rules) + " }\n}\n"
            subprocess.run(["nft", "-f", "-"], input=script, text=True, check=True)
        for d in self.fault_dns:
            d.start()
        conf = os.path.join(self.dir, "dnsmasq.conf")
        with open(conf, "w") as f:
            f.write("no-resolv\nno-hosts\nbind-interfaces\nlocal=/#/\n")
            f.write(f"listen-address={DNS_IP}\nport=53\nlog-facility={self.dir}/dnsmasq.log\n")
            f.write("\n".join(self.records) + "\n")
        self.dnsmasq = subprocess.Popen(["dnsmasq", "--keep-in-foreground", "-C", conf,
                                         f"--pid-file={self.dir}/dnsmasq.pid"],
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        self.web.start(self._web_certificates())
        for p in self.idps:
            p.start()
        self.smtp_servers.start()
        for ip, port, b in self.pending_smtp:
            self.smtp_servers.add(ip, port, b)
        for m in self.mtas:
            m.start()
        self._wait_for_dns()

    def _wait_for_dns(self):
        import socket
        for _ in range(100):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                s.connect((DNS_IP, 53))
                s.send(b"\x00\x01\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x04test\x00\x00\x01\x00\x01")
                s.settimeout(0.1)
                s.recv(512)
                return
            except OSError:
                time.sleep(0.05)
            finally:
                s.close()
        raise RuntimeError("dnsmasq did not start")

    def stop(self):
        """Ends everything the lab started, also after a start that failed."""
        self.remove_latency()
        for m in self.mtas:
            m.stop()
        self.web.stop()
        for p in self.idps:
            p.stop()
        if self.smtp_servers.thread.is_alive():
            self.smtp_servers.stop()
        for d in self.fault_dns:
            d.stop()
        if self.dnsmasq:
            self.dnsmasq.send_signal(signal.SIGTERM)
            self.dnsmasq.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)

    # -- running the program ---------------------------------------------
    def command(self, *args, dns=DNS_IP, ca=True):
        """The command line of one run: the lab's resolver and CA, then args."""
        cmd = [BINARY]
        if dns:
            cmd += ["--dns-server", dns]
        if ca:
            cmd += ["--ca-file", self.ca_file]
        return cmd + self._scaled(args)

    def environment(self, env=None):
        """The environment of one run: no password from outside, no colour,
        English."""
        e = dict(os.environ)
        e.pop("SMTPDOCTOR_PASSWORD", None)
        # English unless a test asks for a language: whatever the machine's
        # locale, the assertions on English wording hold.
        for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
            e.pop(var, None)
        e["LANG"] = "C.UTF-8"
        e["XDG_CONFIG_HOME"] = os.path.join(self.dir, "xdg")
        e["NO_COLOR"] = "1"
        e.update(env or {})
        return e

    def _prefix(self):
        """What runs the program: SMTPDOCTOR_WRAPPER, and valgrind (with an
        empty folder for its logs) when SMTPDOCTOR_VALGRIND=1."""
        prefix = os.environ.get("SMTPDOCTOR_WRAPPER", "").split()
        logs = os.path.join(self.dir, "valgrind")
        if VALGRIND:
            shutil.rmtree(logs, ignore_errors=True)
            os.makedirs(logs)
            prefix = VALGRIND_COMMAND + [f"--log-file={logs}/%p.log"] + prefix
        return prefix, logs

    def popen(self, *args, dns=DNS_IP, ca=True, env=None, **popen_kw):
        """One run started in the background, as run() would start it
        (subprocess.Popen keywords in popen_kw: stdin, stdout, preexec_fn, ...).
        Under valgrind the process is valgrind's (the program runs inside
        it). Once it has ended, lab.finished(proc) checks valgrind's logs."""
        cmd = self.command(*args, dns=dns, ca=ca)
        prefix, logs = self._prefix()
        proc = subprocess.Popen(prefix + cmd, env=self.environment(env), **popen_kw)
        proc.lab_command, proc.lab_logs = cmd, logs
        return proc

    @staticmethod
    def finished(proc):
        """After a popen() run has ended: its valgrind logs are clean."""
        if VALGRIND:
            check_valgrind_logs(proc.lab_logs, proc.lab_command)

    def run(self, *args, dns=DNS_IP, ca=True, timeout=60, stdin=None, env=None, measure=False, hosts_file=None):
        cmd = self.command(*args, dns=dns, ca=ca)
        e = self.environment(env)
        prefix, logs = self._prefix()
        rss_file = os.path.join(self.dir, "rss")
        if measure:
            # GNU time forks a small process and reports the peak memory of
            # what it runs; measured from Python, a child would carry the
            # test runner's own size from before its exec.
            prefix = ["/usr/bin/time", "-f", "%M", "-o", rss_file] + prefix
        if hosts_file:
            # the system's hosts file, replaced for this one run in a mount
            # namespace of its own (outermost, so that valgrind still runs
            # the program itself)
            prefix = ["unshare", "--mount", "sh", "-c", 'mount --bind "$0" /etc/hosts && exec "$@"',
                      hosts_file] + prefix
        start = time.monotonic()
        proc = subprocess.run(prefix + cmd, capture_output=True, text=True, timeout=timeout * SLOWDOWN,
                              input=stdin, env=e)
        rss = int(open(rss_file).read().split()[-1]) if measure else 0
        if VALGRIND:
            check_valgrind_logs(logs, cmd)
        return Result(proc, time.monotonic() - start, rss)

    @staticmethod
    def _scaled(args):
        """The arguments, with every --timeout stretched by SLOWDOWN."""
        args = list(args)
        for i in range(len(args) - 1):
            if args[i] == "--timeout" and SLOWDOWN != 1:
                try:
                    args[i + 1] = f"{float(args[i + 1]) * SLOWDOWN:g}"
                except ValueError:
                    pass            # a test of the option's own error message
        return args

    @staticmethod
    def seconds(limit):
        """A time limit a test asserts, stretched like the program's timeouts."""
        return limit * SLOWDOWN


def check_valgrind_logs(folder, cmd):
    """Each log of the run must report no memory error and no definite leak."""
    for name in os.listdir(folder):
        text = open(os.path.join(folder, name), errors="replace").read()
        if "ERROR SUMMARY: 0 errors" not in text:
            raise AssertionError(f"valgrind memcheck of {' '.join(cmd)}:\n{text[-4000:]}")
