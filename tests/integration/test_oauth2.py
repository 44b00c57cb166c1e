# SPDX-License-Identifier: MIT
"""--oauth2: the sign-in against the lab's own identity provider (idp.py),
as a provider's preset describes it (a user's preset file, so a provider
is added as data), then the token used for XOAUTH2 or OAUTHBEARER on an
SMTP server that accepts only the tokens the identity provider issued. The
test plays the person: it approves, declines or lets the code expire
through the identity provider's hooks, and plays the browser of the PKCE
flow by following the printed address to the loopback redirect."""
import http.client
import os
import re
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

from smtpd import SmtpBehaviour

IDP_NAME, IDP_IP = "idp.oauth.test", "127.0.20.1"
USER = "alice@oauthmail.test"
CLIENT, SECRET = "lab-client", "lab-client-secret"
IDP = {}


def preset_text():
    base = f"https://{IDP_NAME}"
    return f"""# SPDX-License-Identifier: MIT
[lab-device]
name = Lab Mail (device sign-in)
domains = oauthmail.test
smtp = smtp.oauthmail.test 587 starttls
auth = OAUTHBEARER XOAUTH2
help = https://{IDP_NAME}/help
oauth2_flow = device
oauth2_device = {base}/devicecode
oauth2_token = {base}/token
oauth2_scope = https://outlook.office.com/SMTP.Send

[lab-pkce]
name = Lab Mail (browser sign-in)
domains = pkcemail.test
smtp = smtp.pkcemail.test 465 tls
auth = XOAUTH2
help = https://{IDP_NAME}/help
oauth2_flow = pkce
oauth2_authorize = {base}/authorize
oauth2_token = {base}/token
oauth2_scope = https://mail.google.com/

[lab-refused]
name = Lab Mail (refuses tokens)
domains = tokenrefused.test
smtp = smtp.tokenrefused.test 587 starttls
help = https://{IDP_NAME}/help
oauth2_flow = device
oauth2_device = {base}/devicecode
oauth2_token = {base}/token
oauth2_scope = https://outlook.office.com/SMTP.Send
"""


def world(lab):
    idp = lab.identity_provider(IDP_NAME, IDP_IP, {CLIENT: None, "lab-desktop": SECRET})
    IDP["idp"] = idp
    for name, ip, port, mode, auth, tokens, extra in (
            ("smtp.oauthmail.test", "127.0.20.2", 587, "starttls", "OAUTHBEARER XOAUTH2", idp.issued, {}),
            ("smtp.pkcemail.test", "127.0.20.3", 465, "tls", "XOAUTH2", idp.issued, {}),
            ("smtp.tokenrefused.test", "127.0.20.4", 587, "starttls", "OAUTHBEARER", set(), {
                "oauth_error": '{"status":"invalid_token","schemes":"bearer","scope":"https://outlook.office.com/SMTP.Send"}',
                "auth_reply": ["535 5.7.3 Authentication unsuccessful"]})):
        lab.host(name, ip)
        lab.smtp(ip, port, SmtpBehaviour(mode, name=name, auth=auth, tokens=tokens, cert=lab.cert_for(name), **extra))
    xdg = os.path.join(lab.dir, "oauth2-xdg")
    os.makedirs(os.path.join(xdg, "smtpdoctor", "presets"))
    with open(os.path.join(xdg, "smtpdoctor", "presets", "lab.conf"), "w") as f:
        f.write(preset_text())
    IDP["env"] = {"XDG_CONFIG_HOME": xdg, "DISPLAY": "", "WAYLAND_DISPLAY": ""}


def diag_args(host, port, security, *extra, client=CLIENT, user=USER):
    return ("diag", "--json", "-v", "--timeout", "5", "--host", host, "--port", str(port), "--security", security,
            "--user", user, "--oauth2", "--oauth2-client-id", client, *extra)


def start(lab, *args, env=None, stdin=subprocess.DEVNULL):
    e = dict(IDP["env"], **(env or {}))
    return lab.popen(*args, env=e, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def read_until(proc, pattern, seen):
    """Lines of stderr until one matches pattern; returns the match."""
    while True:
        line = proc.stderr.readline()
        assert line, "smtpdoctor ended before printing " + pattern + ":\n" + "".join(seen)
        seen.append(line)
        m = re.search(pattern, line)
        if m:
            return m


def wait_for(condition, what, limit=60):
    until = time.monotonic() + lab_seconds(limit)
    while not condition():
        assert time.monotonic() < until, "waited in vain for " + what
        time.sleep(0.05)


def lab_seconds(s):
    from lab import SLOWDOWN
    return s * SLOWDOWN


def finish(lab, proc, seen):
    out, err = proc.communicate(timeout=lab_seconds(120))
    lab.finished(proc)
    return proc.returncode, out, "".join(seen) + err


def device_code(lab, proc, seen):
    return read_until(proc, r"open (\S+) in a browser on any device and enter the code (\S+)", seen).group(2)


def no_token_anywhere(*texts):
    for token in IDP["idp"].issued:
        for t in texts:
            assert token not in t, "an access token was printed"


def auth_check(doc):
    return [c for c in doc["checks"] if c["layer"] == "auth"][-1]


def test_device_flow_succeeds_after_two_pending_polls(lab):
    import json
    idp, seen = IDP["idp"], []
    proc = start(lab, *diag_args("smtp.oauthmail.test", 587, "starttls"))
    code = device_code(lab, proc, seen)
    grant = idp.grant(code)
    wait_for(lambda: len(grant.polls) >= 2, "two polls")
    idp.approve(code)
    rc, out, err = finish(lab, proc, seen)
    assert grant.answers[:2] == ["authorization_pending", "authorization_pending"], grant.answers
    assert grant.answers[-1] == "token" and grant.too_fast == 0, (grant.answers, grant.too_fast)
    doc = json.loads(out)
    assert rc == 0 and auth_check(doc)["code"] == "auth.ok", (rc, doc["checks"], err)
    assert doc["auth_mechanism"] == "OAUTHBEARER", doc
    assert "AUTH OAUTHBEARER <redacted>" in out, "the -v transcript shows the command, not the token"
    no_token_anywhere(out, err)
    scope = [r for r in idp.requests if r[1] == "/devicecode"][-1][2]["scope"]
    assert scope == "https://outlook.office.com/SMTP.Send", scope


def test_device_flow_slow_down_adds_five_seconds(lab):
    idp, seen = IDP["idp"], []
    proc = start(lab, *diag_args("smtp.oauthmail.test", 587, "starttls"))
    code = device_code(lab, proc, seen)
    grant = idp.grant(code)
    idp.slow_down(code)
    wait_for(lambda: len(grant.polls) >= 2, "a poll after slow_down")
    idp.approve(code)
    rc, out, err = finish(lab, proc, seen)
    assert grant.answers[0] == "slow_down" and grant.answers[-1] == "token", grant.answers
    # the identity provider counts polls sooner than the interval it asked for
    assert grant.too_fast == 0 and grant.interval == 6, (grant.too_fast, grant.interval)
    assert rc == 0, (rc, out, err)
    no_token_anywhere(out, err)


def test_device_flow_denied(lab):
    idp, seen = IDP["idp"], []
    proc = start(lab, *diag_args("smtp.oauthmail.test", 587, "starttls"))
    code = device_code(lab, proc, seen)
    idp.deny(code)
    rc, out, err = finish(lab, proc, seen)
    assert rc == 1 and out == "", (rc, out, err)
    assert "declined in the browser (access_denied)" in err, err


def test_device_flow_expired(lab):
    idp, seen = IDP["idp"], []
    proc = start(lab, *diag_args("smtp.oauthmail.test", 587, "starttls"))
    code = device_code(lab, proc, seen)
    idp.expire(code)
    rc, out, err = finish(lab, proc, seen)
    assert rc == 1 and "code expired" in err and "expired_token" in err, (rc, err)


def test_unknown_client_is_said_plainly(lab):
    r = lab.run(*diag_args("smtp.oauthmail.test", 587, "starttls", client="nobody-registered-this"),
                env=IDP["env"], stdin="")
    assert r.rc == 1, r
    assert "does not accept client ID nobody-registered-this (invalid_client" in r.err, r.err


def play_browser(url, lab, state=None):
    """Fetches the authorization address as a browser would (the lab CA,
    the lab's name for the identity provider) and returns the redirect's
    Location, its state replaced when `state` is given."""
    parts = urllib.parse.urlsplit(url)
    assert parts.scheme == "https" and parts.hostname == IDP_NAME, url
    ctx = ssl.create_default_context(cafile=lab.ca_file)
    conn = http.client.HTTPSConnection(IDP_NAME, 443, context=ctx)
    conn.sock = ctx.wrap_socket(socket.create_connection((IDP_IP, 443), timeout=10), server_hostname=IDP_NAME)
    conn.request("GET", parts.path + "?" + parts.query)
    resp = conn.getresponse()
    location = resp.getheader("Location")
    conn.close()
    assert resp.status == 302 and location, (resp.status, location)
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
    for key in ("code_challenge", "state"):
        assert key in dict(urllib.parse.parse_qsl(parts.query)), url
    if state is not None:
        query["state"] = state
        location = location.split("?")[0] + "?" + urllib.parse.urlencode(query)
    return location


def pkce_run(lab, state=None, paste=False):
    seen = []
    proc = start(lab, *diag_args("smtp.pkcemail.test", 465, "tls", client="lab-desktop"),
                 env={"SMTPDOCTOR_OAUTH2_CLIENT_SECRET": SECRET}, stdin=subprocess.PIPE if paste else subprocess.DEVNULL)
    url = read_until(proc, r"(https://\S+/authorize\?\S+)", seen).group(1)
    location = play_browser(url, lab, state)
    status = None
    if paste:
        proc.stdin.write(location + "\n")
        proc.stdin.flush()
    else:
        try:
            with urllib.request.urlopen(location, timeout=lab_seconds(30)) as resp:
                status = resp.status
        except urllib.error.HTTPError as e:
            status = e.code
    rc, out, err = finish(lab, proc, seen)
    return status, rc, out, err, url


def test_pkce_flow_with_the_right_state(lab):
    import json
    status, rc, out, err, url = pkce_run(lab)
    assert status == 200, (status, err)
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
    assert query["code_challenge_method"] == "S256" and query["scope"] == "https://mail.google.com/", query
    assert query["redirect_uri"].startswith("http://127.0.0.1:"), query
    assert query["login_hint"] == USER, query
    doc = json.loads(out)
    assert rc == 0 and auth_check(doc)["code"] == "auth.ok", (rc, doc["checks"], err)
    assert doc["auth_mechanism"] == "XOAUTH2" and "AUTH XOAUTH2 <redacted>" in out, doc
    assert SECRET not in out + err, "the client secret is a secret too"
    no_token_anywhere(out, err)


def test_pkce_flow_refuses_a_wrong_state(lab):
    before = set(IDP["idp"].issued)
    status, rc, out, err, _ = pkce_run(lab, state="not-the-state-of-this-run")
    assert status == 400, status
    assert rc == 1 and "state differs" in err and "refused" in err, (rc, err)
    assert IDP["idp"].issued == before, "no code was exchanged for a token"


def test_pkce_flow_takes_a_pasted_address(lab):
    import json
    status, rc, out, err, _ = pkce_run(lab, paste=True)
    doc = json.loads(out)
    assert rc == 0 and auth_check(doc)["code"] == "auth.ok", (rc, err)
    no_token_anywhere(out, err)


def test_token_refused_by_the_server(lab):
    import json
    idp, seen = IDP["idp"], []
    proc = start(lab, *diag_args("smtp.tokenrefused.test", 587, "starttls", user="bob@tokenrefused.test"))
    code = device_code(lab, proc, seen)
    idp.approve(code)
    rc, out, err = finish(lab, proc, seen)
    doc = json.loads(out)
    check = auth_check(doc)
    assert rc == 1 and check["status"] == "fail", (rc, doc["checks"])
    assert "invalid_token" in check["message"], check
    assert "token" in doc["diagnosis"]["remedy"] and "SMTP.Send" in doc["diagnosis"]["remedy"], doc["diagnosis"]
    no_token_anywhere(out, err)


def test_default_command_signs_in_for_the_address(lab):
    import json
    idp, seen = IDP["idp"], []
    proc = start(lab, "--json", "-v", "--timeout", "5", "--ispdb-url", "none", "--oauth2", USER,
                 env={"SMTPDOCTOR_OAUTH2_CLIENT_ID": CLIENT})
    code = device_code(lab, proc, seen)
    idp.approve(code)
    rc, out, err = finish(lab, proc, seen)
    doc = json.loads(out)
    assert rc == 0 and auth_check(doc)["code"] == "auth.ok", (rc, doc["checks"], err)
    no_token_anywhere(out, err)


def test_usage(lab):
    r = lab.run("diag", "--host", "smtp.oauthmail.test", "--user", USER, "--oauth2", env=IDP["env"])
    assert r.rc == 2 and "--oauth2-client-id" in r.err, r
    token = os.path.join(lab.dir, "oauth2-token")
    with open(token, "w") as f:
        f.write("x\n")
    r = lab.run("diag", "--host", "smtp.oauthmail.test", "--user", USER, "--oauth2", "--oauth2-client-id", CLIENT,
                "--oauth2-token-file", token, env=IDP["env"])
    assert r.rc == 2 and "use one of them" in r.err, r
    r = lab.run("diag", "--host", "smtp.nowhere.test", "--user", USER, "--oauth2", "--oauth2-client-id", CLIENT,
                env=IDP["env"], stdin="")
    assert r.rc == 1 and "no preset says how to sign in" in r.err, r
