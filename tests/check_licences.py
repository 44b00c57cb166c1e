#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Every file of the project says its licence: an SPDX-License-Identifier
line near its top (anywhere in a Markdown file, whose first lines are for
the reader). Fuzz seeds and the licence text itself are exempt. Prints
"licences: N passed, N failed"."""
import os
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXEMPT_PREFIXES = ("tests/fuzz/corpus/",)
# po/smtpdoctor.pot is written whole by xgettext (make update-po): its
# messages are the sources', under the sources' licence.
EXEMPT = {"LICENSE", ".gitignore", "m4/.keep", "po/smtpdoctor.pot"}
KNOWN = {"MIT", "MPL-2.0"}


def licence_of(path):
    with open(os.path.join(TOP, path), encoding="utf-8", errors="replace") as f:
        lines = f.read().splitlines()
    head = lines if path.endswith(".md") else lines[:5]
    for line in head:
        if "SPDX-License-Identifier:" in line:
            words = line.split("SPDX-License-Identifier:", 1)[1].replace("-->", "").replace("*/", "").split()
            return words[0] if words else ""
    return None


def main():
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=TOP,
                           capture_output=True, text=True, check=True).stdout.splitlines()
    passed = failed = 0
    for path in sorted(files):
        if path in EXEMPT or path.startswith(EXEMPT_PREFIXES) or not os.path.isfile(os.path.join(TOP, path)):
            continue
        found = licence_of(path)
        if found in KNOWN:
            passed += 1
        else:
            failed += 1
            print(f"FAIL {path}: " + ("no SPDX-License-Identifier line" if found is None else f"unknown licence {found!r}"))
    print(f"licences: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
