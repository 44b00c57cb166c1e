#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The catalogs of po/ are complete and faithful: every message of the
sources and data files (po/smtpdoctor.pot, itself checked to be current) is
translated in every language of po/LINGUAS, nothing is fuzzy, msgfmt --check
accepts the catalog (printf formats, plural forms, header), every {placeholder}
of a data string survives, and no translation is the English text unless the
message is on the reviewed list po/same-in-every-language (host names,
protocol names, codes). Prints "catalogs: N passed, N failed".

usage: check_catalogs.py [LANG ...]   (default: every language of LINGUAS)
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PO = os.path.join(TOP, "po")
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def unquote(s):
    out, i = [], 0
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            out.append(escapes.get(s[i + 1], s[i + 1]))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def parse_po(path):
    """Entries as dicts: msgid, msgid_plural, msgstr (list), flags, obsolete."""
    entries, cur, field = [], None, None

    def finish():
        if cur is not None and "msgid" in cur:
            entries.append(cur)

    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.rstrip("\n")
            obsolete = line.startswith("#~")
            if obsolete:
                line = line[2:].lstrip()
            if not line.strip():
                finish()
                cur, field = None, None
                continue
            if cur is None:
                cur = {"msgstr": {}, "flags": set(), "obsolete": False}
            cur["obsolete"] |= obsolete
            if line.startswith("#,"):
                cur["flags"] |= {w.strip() for w in line[2:].split(",")}
                continue
            if line.startswith("#"):
                continue
            m = re.match(r'^(msgid|msgid_plural|msgctxt|msgstr(?:\[(\d+)\])?)\s+"(.*)"$', line)
            if m:
                key, index, text = m.group(1), m.group(2), unquote(m.group(3))
                if key.startswith("msgstr"):
                    field = ("msgstr", int(index) if index else 0)
                    cur["msgstr"][field[1]] = text
                else:
                    field = (key, None)
                    cur[key] = text
                continue
            m = re.match(r'^"(.*)"$', line)
            if m and field:
                if field[0] == "msgstr":
                    cur["msgstr"][field[1]] += unquote(m.group(1))
                else:
                    cur[field[0]] += unquote(m.group(1))
    finish()
    return entries


def messages(entries):
    return {(e.get("msgctxt"), e["msgid"]): e for e in entries if e["msgid"] and not e["obsolete"]}


def current_pot(keep=None):
    """The messages the sources and data hold now, extracted afresh (and
    the .pot written to keep, when given)."""
    with open(os.path.join(PO, "POTFILES.in"), encoding="utf-8") as f:
        files = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "data-strings.c")
        conf = sorted(os.path.join(d, n) for d in ("presets/knowledge", "presets/providers")
                      for n in os.listdir(os.path.join(TOP, d)) if n.endswith(".conf"))
        with open(data, "w", encoding="utf-8") as out:
            subprocess.run([os.path.join(TOP, "scripts/extract-data-strings")] + conf, cwd=TOP, stdout=out,
                           check=True)
        files = [data if f == "po/data-strings.c" else f for f in files]
        pot = os.path.join(tmp, "fresh.pot")
        subprocess.run(["xgettext", "--from-code=UTF-8", "--keyword=_", "--keyword=N_", "--keyword=P_:1,2",
                        "--add-comments=TRANSLATORS:", "-o", pot] + files, cwd=TOP, check=True, capture_output=True)
        if keep:
            with open(pot, encoding="utf-8") as src, open(keep, "w", encoding="utf-8") as dst:
                dst.write(src.read())
        return messages(parse_po(pot))


def check(lang, pot, pot_file, same_ok, report):
    path = os.path.join(PO, lang + ".po")
    if not os.path.exists(path):
        report(False, f"{lang}: po/{lang}.po is missing")
        return
    r = subprocess.run(["msgfmt", "--check", "-o", os.devnull, path], capture_output=True, text=True)
    report(r.returncode == 0, f"{lang}: msgfmt --check" + (":\n" + r.stderr.strip() if r.returncode else ""))
    # the format flags as the sources give them, not as the catalog says:
    # a hand-made entry without "c-format" must still keep its conversions
    merged = subprocess.run(["msgmerge", "--quiet", "--no-fuzzy-matching", "-o", "-", path, pot_file],
                            capture_output=True, text=True)
    r = subprocess.run(["msgfmt", "--check-format", "-o", os.devnull, "-"], input=merged.stdout,
                       capture_output=True, text=True)
    report(merged.returncode == 0 and r.returncode == 0,
           f"{lang}: conversions as the sources' format flags want them" +
           (":\n" + (merged.stderr + r.stderr).strip() if merged.returncode or r.returncode else ""))
    cat = messages(parse_po(path))
    missing = [k[1] for k in pot if k not in cat]
    report(not missing, f"{lang}: {len(missing)} messages of the sources missing" +
           "".join(f"\n    {m!r}" for m in missing[:5]))
    untranslated, fuzzy, english, lost = [], [], [], []
    for key in pot:
        e = cat.get(key)
        if not e:
            continue
        forms = [e["msgstr"][i] for i in sorted(e["msgstr"])]
        if not forms or any(not f for f in forms):
            untranslated.append(key[1])
            continue
        if "fuzzy" in e["flags"]:
            fuzzy.append(key[1])
        plural = e.get("msgid_plural")
        if any(f in (key[1], plural) and f not in same_ok for f in forms):
            english.append(key[1])
        want = sorted(PLACEHOLDER.findall(key[1]))
        for f in forms:
            if sorted(PLACEHOLDER.findall(f)) != want:
                lost.append(f"{key[1]!r} -> {f!r}")
                break
    for what, items in (("untranslated", untranslated), ("fuzzy", fuzzy),
                        ("left in English (not on po/same-in-every-language)", english),
                        ("with placeholders lost or changed", lost)):
        report(not items, f"{lang}: {len(items)} messages {what}" + "".join(f"\n    {m}" for m in items[:5]))


def main():
    passed = failed = 0

    def report(ok, what):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
            print("FAIL " + what)

    with open(os.path.join(PO, "LINGUAS"), encoding="utf-8") as f:
        linguas = [w for l in f if not l.startswith("#") for w in l.split()]
    with open(os.path.join(PO, "same-in-every-language"), encoding="utf-8") as f:
        same_ok = {unquote(l.rstrip("\n")) for l in f if l.strip() and not l.startswith("#")}
    tmp = tempfile.mkdtemp()
    pot_file = os.path.join(tmp, "fresh.pot")
    pot = current_pot(keep=pot_file)
    committed = messages(parse_po(os.path.join(PO, "smtpdoctor.pot")))
    stale = [k[1] for k in pot if k not in committed]
    report(not stale, f"po/smtpdoctor.pot lacks {len(stale)} messages of the sources (run make update-po)" +
           "".join(f"\n    {m!r}" for m in stale[:5]))
    for lang in sys.argv[1:] or linguas:
        check(lang, pot, pot_file, same_ok, report)
    shutil.rmtree(tmp)
    print(f"catalogs: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
