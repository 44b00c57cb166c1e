# SPDX-License-Identifier: MIT
"""A real MTA in the lab: Postfix for submission on 587 (STARTTLS required)
and 465 (implicit TLS), optionally on 25 too (an MX's smtpd, STARTTLS not
offered), Dovecot for SASL authentication, delivery to a maildir per user.
Both run with configuration folders of their own inside the lab's network
namespace. Postfix refuses a sender that is not the logged-in user
(reject_sender_login_mismatch), as many providers do. Postfix logs to
maillog_file, which log() reads.

Variants are more smtpd servers of the same Postfix, each on an address of
its own with main.cf parameters overridden for it (-o in master.cf): the
same MTA as administrators set it up in ways that refuse mail (relay rules,
size limits, greylisting)."""
import email
import grp
import os
import pwd
import shutil
import subprocess

# What each kind of variant server is: submission (587, STARTTLS required
# before anything, AUTH) or a port 25 server (STARTTLS offered, AUTH after it).
VARIANT_PORTS = {
    "submission": {"smtpd_tls_security_level": "encrypt", "smtpd_sasl_auth_enable": "yes"},
    "smtp": {"smtpd_tls_security_level": "may", "smtpd_sasl_auth_enable": "yes"},
}

MASTER_CF = """\
{ip}:submission inet n - n - - smtpd -o smtpd_tls_security_level=encrypt -o smtpd_sasl_auth_enable=yes
{ip}:submissions inet n - n - - smtpd -o smtpd_tls_wrappermode=yes -o smtpd_sasl_auth_enable=yes
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""


class PostfixMta:
    def __init__(self, workdir, ip, hostname, domain, users, cert, name="mta", smtp_port=False):
        # name: the folder of this instance, so that a lab can run several
        self.dir = os.path.join(workdir, name)
        self.smtp_port = smtp_port
        self.ip, self.hostname, self.domain = ip, hostname, domain
        self.users = users                  # address -> password
        self.cert_chain, self.key = cert
        self.mail = os.path.join(self.dir, "mail")
        self.variant_lines = []             # master.cf lines of the variant servers
        self.variant_ips = []
        self.tables = {}                    # file name -> text, written at start()

    def table(self, name, text):
        """A lookup table written at start(); returns its name for main.cf
        (texthash:PATH)."""
        self.tables[name] = text
        return "texthash:" + os.path.join(self.dir, "postfix", name)

    def variant(self, ip, cert, port="submission", **params):
        """One more smtpd of this Postfix, on ip and port ("submission" or
        "smtp", see VARIANT_PORTS) with its own certificate (chain, key) and
        main.cf parameters overridden for it: e.g.
        variant(ip, cert, message_size_limit=5000000). Before start()."""
        opts = dict(VARIANT_PORTS[port], smtpd_tls_cert_file=cert[0], smtpd_tls_key_file=cert[1], **params)
        for value in opts.values():
            if " " in str(value):
                raise ValueError("master.cf -o values cannot hold spaces: separate list items with commas")
        self.variant_lines.append(f"{ip}:{port} inet n - n - - smtpd" +
                                  "".join(f" -o {k}={v}" for k, v in opts.items()) + "\n")
        if ip not in self.variant_ips:
            self.variant_ips.append(ip)

    def _write(self, path, text):
        with open(path, "w") as f:
            f.write(text)

    def start(self):
        for tool in ("postfix", "dovecot"):
            if not shutil.which(tool):
                raise RuntimeError(f"{tool} is not installed: the README's test command installs it")
        pf, dv = os.path.join(self.dir, "postfix"), os.path.join(self.dir, "dovecot")
        for d in (pf, dv, os.path.join(dv, "run"), os.path.join(dv, "state"), self.mail,
                  os.path.join(pf, "queue"), os.path.join(pf, "data")):
            os.makedirs(d, exist_ok=True)
        nobody = pwd.getpwnam("nobody").pw_uid
        nogroup = grp.getgrnam("nogroup").gr_gid
        os.chown(self.mail, nobody, nogroup)
        os.chown(os.path.join(pf, "data"), pwd.getpwnam("postfix").pw_uid, -1)
        for ip in [self.ip] + self.variant_ips:
            subprocess.run(["ip", "addr", "add", f"{ip}/32", "dev", "lo"], check=True)
        # Dovecot: SASL only (no mail protocols)
        self._write(os.path.join(dv, "passwd"),
                    "".join(f"{u}:{{PLAIN}}{p}\n" for u, p in self.users.items()))
        self._write(os.path.join(dv, "dovecot.conf"), f"""\
base_dir = {dv}/run
state_dir = {dv}/state
protocols =
listen = {self.ip}
log_path = {dv}/dovecot.log
ssl = no
auth_mechanisms = plain login cram-md5
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {dv}/passwd
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={self.mail}/%u
}}
service auth {{
  unix_listener {dv}/auth {{
    mode = 0666
  }}
}}
""")
        # daemons must not inherit our stdout, or a pipe reading it never ends
        with open(os.path.join(dv, "start.log"), "w") as log:
            r = subprocess.run(["dovecot", "-c", os.path.join(dv, "dovecot.conf")],
                               stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        if r.returncode != 0:
            raise RuntimeError("dovecot did not start: " + open(os.path.join(dv, "start.log")).read())
        mailboxes = "".join(f"{u} {u.split('@')[0]}/\n" for u in self.users)
        self._write(os.path.join(pf, "vmailbox"), mailboxes)
        self._write(os.path.join(pf, "senders"), "".join(f"{u} {u}\n" for u in self.users))
        for name, text in self.tables.items():
            self._write(os.path.join(pf, name), text)
        self._write(os.path.join(pf, "main.cf"), f"""\
compatibility_level = 3.6
queue_directory = {pf}/queue
data_directory = {pf}/data
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = {self.ip}
inet_protocols = ipv4
myhostname = {self.hostname}
mydomain = {self.hostname}
mydestination =
alias_maps =
alias_database =
virtual_mailbox_domains = {self.domain}
virtual_mailbox_base = {self.mail}
virtual_mailbox_maps = texthash:{pf}/vmailbox
virtual_uid_maps = static:{nobody}
virtual_gid_maps = static:{nogroup}
smtpd_tls_cert_file = {self.cert_chain}
smtpd_tls_key_file = {self.key}
smtpd_sasl_type = dovecot
smtpd_sasl_path = {dv}/auth
smtpd_sender_login_maps = texthash:{pf}/senders
smtpd_sender_restrictions = reject_sender_login_mismatch
smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
maillog_file = {pf}/maillog
maillog_file_prefixes = {self.dir}
smtputf8_enable = yes
""")
        smtp = f"{self.ip}:smtp inet n - n - - smtpd\n" if self.smtp_port else ""
        self._write(os.path.join(pf, "master.cf"),
                    smtp + MASTER_CF.format(ip=self.ip) + "".join(self.variant_lines))
        for action in ("check", "start"):
            with open(os.path.join(pf, "start.log"), "w") as log:
                r = subprocess.run(["postfix", "-c", pf, action], stdin=subprocess.DEVNULL, stdout=log,
                                   stderr=log, timeout=60)
            if r.returncode != 0:
                raise RuntimeError(f"postfix {action} failed: {open(os.path.join(pf, 'start.log')).read()}{self.log()}")

    def log(self):
        try:
            return open(os.path.join(self.dir, "postfix", "maillog")).read()
        except OSError:
            return ""

    def delivered(self, address):
        """The messages in a user's maildir, parsed."""
        folder = os.path.join(self.mail, address.split("@")[0], "new")
        if not os.path.isdir(folder):
            return []
        out = []
        for name in sorted(os.listdir(folder)):
            with open(os.path.join(folder, name), "rb") as f:
                out.append(email.message_from_binary_file(f))
        return out

    def flush(self):
        """Waits until the queue is empty (delivery is asynchronous)."""
        import time
        for _ in range(100):
            r = subprocess.run(["postqueue", "-c", os.path.join(self.dir, "postfix"), "-p"],
                               capture_output=True, text=True)
            if "Mail queue is empty" in r.stdout:
                return
            time.sleep(0.05)

    def stop(self):
        subprocess.run(["postfix", "-c", os.path.join(self.dir, "postfix"), "stop"], capture_output=True)
        conf = os.path.join(self.dir, "dovecot", "dovecot.conf")
        if os.path.exists(conf):
            subprocess.run(["dovecot", "-c", conf, "stop"], stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
