# SPDX-License-Identifier: MIT
"""One deadline for the run's network work: a server that answers every
line just before the step timeout cannot stretch a run. The deadline is
three times --timeout (cli/main.c); the step that it ends is reported as
run.deadline, in its own layer, and the exit status is 1."""
import os

from lab import Lab
from smtpd import SmtpBehaviour

SLOW_IP = "127.0.13.1"
PACED_IP = "127.0.13.2"     # 0.6 s before each reply: slow enough to watch, within the deadline
TIMEOUT = 2                 # seconds; the lab stretches it under valgrind
USER, PASSWORD = "kim@deadline.test", "slow but steady 42"


def world(lab):
    lab.host("slow.deadline.test", SLOW_IP)
    cert = lab.cert_for("slow.deadline.test")
    # each reply 80 % of the step timeout: no step times out, but greeting,
    # EHLO, STARTTLS, EHLO, AUTH, MAIL, RCPT, DATA and the message would
    # take about seven times the timeout in all
    delay = Lab.seconds(TIMEOUT) * 0.8
    lab.smtp(SLOW_IP, 587, SmtpBehaviour("starttls", name="slow.deadline.test", cert=cert,
                                         users={USER: PASSWORD}, greeting_delay=delay, reply_delay=delay))
    lab.host("paced.deadline.test", PACED_IP)
    paced = Lab.seconds(0.6)
    lab.smtp(PACED_IP, 587, SmtpBehaviour("starttls", name="paced.deadline.test",
                                          cert=lab.cert_for("paced.deadline.test"),
                                          greeting_delay=paced, reply_delay=paced))
    # a domain whose own SRV record names that server
    lab.srv("_submission._tcp.slowdisc.test", "slow.deadline.test", 587)


def test_discovery_and_diagnosis_share_the_deadline(lab):
    """smtpdoctor ADDRESS: the probe of the slow server that the domain's SRV
    names counts against the same deadline as the diagnosis after it."""
    path = os.path.join(lab.dir, "deadline-password-2")
    with open(path, "w") as f:
        f.write(PASSWORD + "\n")
    r = lab.run("--json", "--timeout", str(TIMEOUT), "--ispdb-url", "none", "--user", USER,
                "--password-file", path, "--send-to", "someone@deadline.test", "kim@slowdisc.test")
    assert r.json is not None, r
    d = r.json["diagnosis"]
    assert (r.rc, d["code"]) == (1, "run.deadline"), (d, r.json["checks"])
    # the probe itself (greeting, EHLO, STARTTLS, EHLO: 6.4 s) was cut at
    # the 6 s deadline, so the candidate is not verified
    c = r.json["candidates"][0]
    assert (c["host"], c["verified"]) == ("slow.deadline.test", False), c
    assert r.elapsed < Lab.seconds(10), f"{r.elapsed:.1f}s"


def test_a_server_that_answers_just_in_time_cannot_stretch_the_run(lab):
    path = os.path.join(lab.dir, "deadline-password")
    with open(path, "w") as f:
        f.write(PASSWORD + "\n")
    r = lab.run("diag", "--json", "--timeout", str(TIMEOUT), "--host", "slow.deadline.test", "--port", "587",
                "--security", "starttls", "--user", USER, "--password-file", path,
                "--send-to", "someone@deadline.test")
    assert r.json is not None, r
    d = r.json["diagnosis"]
    assert (r.rc, d["status"], d["code"]) == (1, "fail", "run.deadline"), (d, r.json["checks"])
    ended = [c for c in r.json["checks"] if c["code"] == "run.deadline"]
    assert len(ended) == 1 and ended[0]["layer"] in ("tls", "smtp", "auth", "send"), r.json["checks"]
    assert ended[0]["status"] == "fail", ended
    assert not [c for c in r.json["checks"] if c["code"] == "send.ok"], "the message was not sent"
    # the run ended at its deadline (3 x 2 s), not after all its steps (~14 s)
    assert r.elapsed < Lab.seconds(10), f"{r.elapsed:.1f}s"


def test_progress_line_on_a_terminal_only(lab):
    """On a terminal, one line says which step runs and for how long, and is
    wiped before the result; without a terminal nothing of it is printed."""
    from test_gate import Terminal
    t = Terminal(lab, "diag", "--timeout", str(TIMEOUT), "--host", "paced.deadline.test", "--port", "587",
                 "--security", "starttls")
    try:
        seen = t.read_until(["paced.deadline.test port 587: EHLO..."], 15)
        rc = t.finish()
    finally:
        t.close()
    import re
    assert seen and re.search(r"port 587: EHLO\.\.\. \d+ s", t.text), \
        f"no progress line naming the step and the time; the terminal showed:\n{t.text!r}"
    assert "checking paced.deadline.test port 587: waiting for the greeting..." in t.text, repr(t.text)
    assert "TLS handshake..." in t.text, repr(t.text)
    # wiped before the result: a carriage return, blanks, a carriage return
    assert re.search(r"\r {30,}\r", t.text), repr(t.text)
    assert rc in (0, 1), rc
    r = lab.run("diag", "--timeout", str(TIMEOUT), "--host", "paced.deadline.test", "--port", "587",
                "--security", "starttls")
    assert "checking" not in r.err and "\r" not in r.err + r.out, r
