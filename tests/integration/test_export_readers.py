# SPDX-License-Identifier: MIT
"""Exports are read by programs that run commands or expand variables:
msmtp hands passwordeval to a shell, a shell sources the env file, git
config lines are shell commands, neomutt expands backquotes and $ in double
quotes, Postfix reads main.cf and a lookup table. Hostile values (a user
name and an address local part full of what those readers act on) are fed
to the real readers, which must get them back as plain data and run
nothing. A reader that is missing fails the test: it is never skipped."""
import os
import re
import shutil
import subprocess

from lab import DEAD_DNS_IP

USER = "a$(touch PWNED)b`touch PWNED2`\"c\\d'e;f|g&h{i}"
ADDRESS = "o'b$HOME`id`x@gmail.com"       # every character is allowed in a local part


def world(lab):
    # a domain's document whose username template would run a command in
    # any reader that evaluates it
    lab.route("https", "autoconfig.hostileuser.test", "/mail/config-v1.1.xml", body=(
        '<?xml version="1.0"?><clientConfig version="1.1"><emailProvider id="h"><domain>hostileuser.test</domain>'
        '<outgoingServer type="smtp"><hostname>smtp.hostileuser.test</hostname><port>465</port>'
        '<socketType>SSL</socketType><username>$(touch PWNED)%EMAILADDRESS%</username>'
        '<authentication>password-cleartext</authentication></outgoingServer></emailProvider></clientConfig>'))


def test_a_discovered_username_that_would_act_is_ignored(lab):
    r = lab.run("discover", "--json", "--no-probe", "--ispdb-url", "none", "--timeout", "2", "ann@hostileuser.test")
    assert r.json is not None, r
    assert r.json["settings"]["username"] == "ann@hostileuser.test", r.json["settings"]
    assert any("username" in n for n in r.json.get("notes", [])), r.json.get("notes")


def export(lab, fmt, user=USER):
    r = lab.run("discover", "--format", fmt, "--timeout", "2", "--user", user, ADDRESS, dns=DEAD_DNS_IP)
    assert r.rc == 0, r
    return r.out


def sandbox(lab, name):
    """An empty folder as the readers' working and home directory: nothing
    may appear in it but what the test writes."""
    path = os.path.join(lab.dir, name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def nothing_ran(folder):
    assert not [f for f in os.listdir(folder) if f.startswith("PWNED")], os.listdir(folder)


def reader(name):
    path = shutil.which(name)
    assert path, f"{name} is needed for this test (the README's test command installs it)"
    return path


def test_msmtp_passwordeval_gets_the_user_name_as_one_word(lab):
    home = sandbox(lab, "msmtp")
    rc_file = os.path.join(home, "msmtprc")
    config = export(lab, "msmtp")
    # to make msmtp evaluate passwordeval, it must want a password: send to
    # the lab's server that offers AUTH (its certificate is the lab's)
    config = config.replace("host smtp.gmail.com", "host 127.0.2.1").replace("port 465", "port 587")
    config = config.replace("tls_starttls off", "tls_starttls on").replace(
        "tls_trust_file system", f"tls_trust_file {lab.ca_file}\ntls_host_override ok.auth.test")
    with open(rc_file, "w") as f:
        f.write(config)
    os.chmod(rc_file, 0o600)
    bin_dir = os.path.join(home, "bin")
    os.makedirs(bin_dir)
    with open(os.path.join(bin_dir, "secret-tool"), "w") as f:
        f.write('#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done > "$SECRET_TOOL_ARGS"\necho not-the-password\n')
    os.chmod(os.path.join(bin_dir, "secret-tool"), 0o755)
    args_file = os.path.join(home, "args")
    env = dict(os.environ, PATH=bin_dir + ":" + os.environ["PATH"], HOME=home, SECRET_TOOL_ARGS=args_file)
    reader("msmtp")
    r = subprocess.run(["msmtp", "-C", rc_file, "--pretend", "bob@auth.test"], capture_output=True, text=True,
                       env=env, cwd=home, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    assert f"user = {USER}\n" in r.stdout and f"from = {ADDRESS}\n" in r.stdout, r.stdout
    r = subprocess.run(["msmtp", "-C", rc_file, "bob@auth.test"], capture_output=True, text=True, env=env,
                       cwd=home, input="Subject: t\n\nt\n", timeout=30)
    assert os.path.exists(args_file), ("passwordeval never ran", r.stderr)
    assert open(args_file).read().splitlines() == ["lookup", "service", "smtp", "user", USER]
    nothing_ran(home)


def test_env_file_sources_to_the_same_values(lab):
    home = sandbox(lab, "env")
    path = os.path.join(home, "smtp.env")
    with open(path, "w") as f:
        f.write(export(lab, "env"))
    assert subprocess.run(["sh", "-n", path]).returncode == 0
    r = subprocess.run(["sh", "-c", 'set -u; . "$0"; printf "%s\\n%s\\n%s" "$SMTP_HOST" "$SMTP_USER" "$SMTP_FROM"', path],
                       capture_output=True, text=True, cwd=home)
    assert r.returncode == 0 and r.stdout.split("\n") == ["smtp.gmail.com", USER, ADDRESS], (r.stdout, r.stderr)
    nothing_ran(home)


def test_git_config_lines_store_the_values(lab):
    home = sandbox(lab, "git")
    script = export(lab, "git")
    env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=os.path.join(home, ".config"))
    reader("git")
    r = subprocess.run(["sh", "-c", script], capture_output=True, text=True, env=env, cwd=home)
    assert r.returncode == 0, r.stderr
    def get(key):
        return subprocess.run(["git", "config", "--global", "--get", key], capture_output=True, text=True,
                              env=env).stdout.rstrip("\n")
    assert (get("sendemail.smtpServer"), get("sendemail.smtpUser"), get("sendemail.from")) == \
        ("smtp.gmail.com", USER, ADDRESS)
    nothing_ran(home)


def test_neomutt_reads_the_address_as_it_is(lab):
    home = sandbox(lab, "mutt")
    rc = os.path.join(home, "muttrc")
    with open(rc, "w") as f:
        f.write(export(lab, "mutt"))
    reader("neomutt")
    env = dict(os.environ, HOME=home)
    env.pop("MAIL", None)
    r = subprocess.run(["neomutt", "-n", "-F", rc, "-Q", "from", "-Q", "smtp_url"], capture_output=True, text=True,
                       env=env, cwd=home, stdin=subprocess.DEVNULL, timeout=30)
    assert r.returncode == 0, (r.stdout, r.stderr)
    # neomutt answers "set NAME = "VALUE"" for each
    values = {m.group(1): m.group(2) for m in (re.match(r'set (\w+) = "(.*)"$', l) for l in r.stdout.splitlines()) if m}
    assert values.get("from") == ADDRESS, r.stdout
    assert values.get("smtp_url", "").endswith("@smtp.gmail.com:465/"), r.stdout
    assert "uid=" not in r.stdout, "a backquote ran a command"
    nothing_ran(home)


def test_postfix_reads_relayhost_and_the_password_map(lab):
    home = sandbox(lab, "postfix")
    # a lookup table's key and value end at white space: a user name with a
    # blank is not written there at all (the file says why)
    assert "cannot hold" in export(lab, "postfix") and USER not in export(lab, "postfix")
    user = USER.replace(" ", "_")
    text = export(lab, "postfix", user)
    main_cf, _, passwd = text.partition("# /etc/postfix/sasl_passwd")
    with open(os.path.join(home, "main.cf"), "w") as f:
        f.write(main_cf)
    reader("postconf")
    r = subprocess.run(["postconf", "-c", home, "-h", "relayhost", "smtp_sasl_password_maps"], capture_output=True,
                       text=True)
    assert r.returncode == 0 and r.stdout.splitlines() == ["[smtp.gmail.com]:465", "hash:/etc/postfix/sasl_passwd"], \
        (r.stdout, r.stderr)
    lines = [l for l in passwd.splitlines() if l and not l.startswith(" (") and not l.startswith("#")]
    table = os.path.join(home, "sasl_passwd")
    with open(table, "w") as f:
        f.write("\n".join(lines) + "\n")
    assert subprocess.run(["postmap", "-c", home, f"hash:{table}"], capture_output=True).returncode == 0
    r = subprocess.run(["postmap", "-c", home, "-q", "[smtp.gmail.com]:465", f"hash:{table}"], capture_output=True,
                       text=True)
    assert r.stdout.rstrip("\n") == f"{user}:YOUR_PASSWORD", (r.stdout, r.stderr)
