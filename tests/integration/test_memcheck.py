"""The main paths under valgrind memcheck: discovery, a diagnosis with
login and test message, and the default command. No memory errors and no
definite leaks. Always the ordinary build: valgrind cannot run one built
with AddressSanitizer."""
import os
import subprocess

from lab import ROOT, DNS_IP


def world(lab):
    pass            # uses the servers of test_discover and test_auth


def memcheck(lab, *args):
    env = dict(os.environ, NO_COLOR="1", XDG_CONFIG_HOME=os.path.join(lab.dir, "xdg"))
    cmd = ["valgrind", "--leak-check=full", "--errors-for-leak-kinds=definite", "--error-exitcode=99",
           os.path.join(ROOT, "smtpdoctor"), "--dns-server", DNS_IP, "--ca-file", lab.ca_file, "--timeout", "20", *args]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert "ERROR SUMMARY: 0 errors" in r.stderr, r.stderr[-3000:]
    assert r.returncode == 0, (r.returncode, r.stdout, r.stderr[-2000:])


def test_discovery_under_memcheck(lab):
    memcheck(lab, "discover", "--json", "user@disagree.test")


def test_login_and_send_under_memcheck(lab):
    import test_auth
    path = os.path.join(lab.dir, "memcheck-password")
    with open(path, "w") as f:
        f.write(test_auth.PASSWORD + "\n")
    memcheck(lab, "diag", "--host", "ok.auth.test", "--port", "587", "--user", test_auth.USER,
             "--password-file", path, "--send-to", "bob@auth.test")


def test_default_command_under_memcheck(lab):
    memcheck(lab, "-v", "user@ac.test")
