# SPDX-License-Identifier: MIT
"""What smtpdoctor prints cannot act: a server whose greeting and EHLO
carry terminal control sequences (an OSC 52 clipboard write, cursor
movement, a bell, a C1 CSI) and bytes that are not UTF-8 (a Latin-1
greeting) reaches neither the terminal raw nor breaks a JSON reader."""
import json
import socket
import subprocess
import threading

from lab import Lab

RAW_IP = "127.0.4.20"
OSC52 = b"\x1b]52;c;ZXZpbA==\x07"
GREETING = b"220 raw.output.test ESMTP caf\xe9 " + OSC52 + b"\x1b[2J\x9b31m\x7f ready"
EHLO = [b"250-raw.output.test greets \x1b[1A you", b"250 8BITMIME"]


def world(lab):
    lab.host("raw.output.test", RAW_IP)


def handle(conn):
    """One plaintext SMTP session that says what it is told, bytes as they
    are, until QUIT or the client goes."""
    with conn:
        try:
            conn.settimeout(Lab.seconds(10))
            conn.sendall(GREETING + b"\r\n")
            data = b""
            while b"\n" not in data:
                chunk = conn.recv(1024)
                if not chunk:
                    return
                data += chunk
            conn.sendall(b"\r\n".join(EHLO) + b"\r\n")
            while True:
                chunk = conn.recv(1024)
                if not chunk:
                    return
                if chunk.upper().startswith(b"QUIT"):
                    conn.sendall(b"221 bye\r\n")
                    return
                conn.sendall(b"502 no\r\n")
        except OSError:
            pass


SERVER = []


def raw_server():
    """The raw peer, started once for the module's tests, each session in a
    thread of its own (a run may open more than one connection)."""
    if SERVER:
        return
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((RAW_IP, 587))
    s.listen()
    SERVER.append(s)

    def accept_all():
        while True:
            try:
                conn, _ = s.accept()
            except OSError:
                return
            threading.Thread(target=handle, args=(conn,), daemon=True).start()
    threading.Thread(target=accept_all, daemon=True).start()


def raw_run(lab, *args):
    """The program's stdout and stderr as bytes, exactly as a terminal or a
    pipe would get them."""
    raw_server()
    proc = lab.popen("diag", "--timeout", "2", "--host", "raw.output.test", "--port", "587",
                     "--security", "plain", *args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                     stderr=subprocess.PIPE)
    out, err = proc.communicate(timeout=Lab.seconds(60))
    Lab.finished(proc)
    return proc.returncode, out, err


def test_text_output_has_no_control_characters(lab):
    rc, out, err = raw_run(lab, "-v")
    text = (out + err).decode("utf-8")          # strict: valid UTF-8 or this fails
    assert "raw.output.test ESMTP caf" in text, text
    for bad in ("\x1b", "\x07", "\x9b", "\x7f"):
        assert bad not in text, (bad, text)
    assert "\ufffd" in text, "the Latin-1 byte is shown as U+FFFD"


def test_json_is_valid_utf8_without_raw_controls(lab):
    rc, out, err = raw_run(lab, "--json", "-v")
    doc = json.loads(out.decode("utf-8"))       # strict UTF-8, as Python's reader wants
    greeting = [c["message"] for c in doc["checks"] if c["message"].startswith("greeting:")]
    assert greeting and "caf\ufffd" in greeting[0], doc["checks"]
    assert not [c for c in json.dumps(doc, ensure_ascii=False) if ord(c) < 0x20 and c not in "\n\t"]
    assert b"\x1b" not in out and b"\\u001b" not in out, out
