#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Runs the integration tests in the lab, inside a network namespace of
their own (created here with `unshare --net`, so nothing outside loopback
is ever reached), and prints "integration: N passed, N failed"."""
import importlib
import os
import subprocess
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "lab"))
sys.path.insert(0, HERE)


def main():
    if os.environ.get("SMTPDOCTOR_LAB_NETNS") != "1":
        env = dict(os.environ, SMTPDOCTOR_LAB_NETNS="1")
        return subprocess.call(["unshare", "--net", sys.executable, __file__, *sys.argv[1:]], env=env)
    from lab import Lab
    only = sys.argv[1] if len(sys.argv) > 1 else None
    modules = sorted(f[:-3] for f in os.listdir(HERE) if f.startswith("test_") and f.endswith(".py"))
    lab = Lab()
    tests = []
    for name in modules:
        mod = importlib.import_module(name)
        mod.world(lab)
        tests += [(f"{name}.{t}", getattr(mod, t)) for t in dir(mod) if t.startswith("test_")]
    passed = failed = 0
    try:
        lab.start()
        for name, fn in tests:
            if only and only not in name:
                continue
            start = time.monotonic()
            try:
                fn(lab)
                passed += 1
                print(f"ok   {name} ({time.monotonic() - start:.2f}s)", flush=True)
            except Exception:
                failed += 1
                print(f"FAIL {name}", flush=True)
                print("    " + traceback.format_exc().replace("\n", "\n    "), flush=True)
    finally:
        lab.stop()
    print(f"integration: {passed} passed, {failed} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
