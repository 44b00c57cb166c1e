# SPDX-License-Identifier: MIT
"""smtpdoctor speaks the user's language: the common journeys (works,
wrong password, app password needed, wrong mode, blocked port with a working
alternative, expired certificate) in every language of po/LINGUAS, chosen
through LANG as a user's locale chooses it: the verdict and what to change
are in that language, the finding codes and exit status are the English
run's. --lang, LANGUAGE and LANG=C as gettext users expect; JSON's text
fields follow the language while its keys and codes do not; right-to-left
text keeps host names whole; --help fits 80x24 in every language. The
servers are those of test_diag and test_auth (as in test_journeys)."""
import json
import os
import re
import unicodedata

from lab import VALGRIND

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PASSWORD = "correct horse battery staple"   # test_auth's account
USER = "alice@auth.test"
LRI, PDI = "\u2066", "\u2069"

# The locale a person of each language would have (locales-all provides
# them; without it, smtpdoctor still takes the language from LANG).
LOCALES = {"bn": "bn_BD.UTF-8", "ur": "ur_PK.UTF-8", "sw": "sw_KE.UTF-8", "sq": "sq_AL.UTF-8",
           "ru": "ru_RU.UTF-8", "es": "es_ES.UTF-8", "pt_BR": "pt_BR.UTF-8", "fr": "fr_FR.UTF-8",
           "de": "de_DE.UTF-8"}
# Languages whose script shows at a glance that the text is theirs.
SCRIPTS = {"bn": "BENGALI", "ur": "ARABIC", "ru": "CYRILLIC"}


def world(lab):
    pass


def languages():
    """Every language of po/LINGUAS; under valgrind or a sanitizer, which
    look for memory errors rather than wording, one language of each
    direction (the plain pass runs them all)."""
    if VALGRIND or os.environ.get("SMTPDOCTOR_SANITIZED") == "1":
        return ["ru", "ur"]
    with open(os.path.join(ROOT, "po", "LINGUAS"), encoding="utf-8") as f:
        return [w for line in f if not line.startswith("#") for w in line.split()]


def password_file(lab, password):
    path = os.path.join(lab.dir, "language-password")
    with open(path, "w") as f:
        f.write(password + "\n")
    return path


def login(lab, password):
    return ["--user", USER, "--password-file", password_file(lab, password)]


JOURNEYS = {
    "works": (["ok.auth.test", "587", "starttls"], PASSWORD),
    "wrong password": (["ok.auth.test", "587", "starttls"], "not the password"),
    "app password needed": (["auth-lab.gmail.com", "587", "starttls"], PASSWORD),
    "wrong mode": (["ok.diag.test", "587", "tls"], None),
    "blocked port, another works": (["filtered.diag.test", "25", "starttls"], None),
    "expired certificate": (["expired.diag.test", "465", "tls"], PASSWORD),
}


def journey(lab, name, env=None, extra=()):
    (host, port, security), password = JOURNEYS[name]
    args = ["diag", "--timeout", "3", "--host", host, "--port", port, "--security", security, "-v"]
    if password:
        args += login(lab, password)
    r = lab.run(*args, *extra, env=env)
    assert PASSWORD not in r.out + r.err, "the password must never be printed"
    return r


def verdict(r):
    """The verdict and what to change: the lines without timings."""
    return r.out.splitlines()[:2]


def codes(out):
    """The finding codes of a -v text output: the diagnosis's, then each
    failing check's, as printed in parentheses."""
    return re.findall(r"\(([a-z_]+\.[a-z_]+)\)", out)


def words_of(text):
    """The words of a text, at least 4 characters with a letter, without
    names (host names, addresses, SSL/TLS appear in every language). Split
    at spaces and punctuation only: a vowel sign or virama (Bengali) stays
    inside its word."""
    text = re.sub(r"\S*\.\S*|\S*@\S*|SSL/TLS|STARTTLS", " ", text)
    tokens = re.split(r"[\s.,;:!?()\[\]«»“”„\"'’\-—/=<>|।۔،]+", text)
    return [t.lower() for t in tokens if len(t) >= 4 and any(c.isalpha() for c in t)]


# words that many languages write as English does
INTERNATIONAL = {"port", "server", "smtp", "login", "google", "gmail", "microsoft", "outlook", "thunderbird"}


def english_words(text):
    return set(words_of(text))


def assert_in_language(lang, line, english, what):
    assert line.strip(), (lang, what, "empty")
    assert line != english, (lang, what, "is the English text", line)
    words = words_of(line)
    assert words, (lang, what, "no words", line)
    shared = [w for w in words if w in english_words(english) - INTERNATIONAL]
    assert len(shared) * 2 < len(words), (lang, what, "mostly English words", shared, line)
    if lang in SCRIPTS:
        assert any(unicodedata.name(c, "").startswith(SCRIPTS[lang]) for c in line), (lang, what, line)


def check_journeys(lab, langs, environment):
    english = {name: journey(lab, name) for name in JOURNEYS}
    for name, r in english.items():
        assert r.out.splitlines()[0] and codes(r.out), (name, r.out)
    for lang in langs:
        for name in JOURNEYS:
            r = journey(lab, name, env=environment(lang))
            e = english[name]
            assert r.rc == e.rc, (lang, name, r.rc, e.rc, r.err)
            assert codes(r.out) == codes(e.out), (lang, name, codes(r.out), codes(e.out))
            lines, english_lines = r.out.splitlines(), e.out.splitlines()
            assert_in_language(lang, lines[0], english_lines[0], name + ": the verdict")
            if len(english_lines) > 1 and english_lines[1].startswith("What to change:"):
                assert_in_language(lang, lines[1], english_lines[1], name + ": what to change")
            assert r.err == e.err == "", (lang, name, r.err)


def test_the_journeys_follow_lang_in_every_language(lab):
    check_journeys(lab, languages(), lambda lang: {"LANG": LOCALES.get(lang, lang + ".UTF-8")})


def test_lang_option_works_from_the_c_utf8_locale(lab):
    e = journey(lab, "wrong mode")
    r = journey(lab, "wrong mode", env={"LANG": "C.UTF-8"}, extra=("--lang", "ru"))
    assert r.rc == e.rc == 1, r
    assert_in_language("ru", r.out.splitlines()[0], e.out.splitlines()[0], "--lang ru from C.UTF-8")
    r = journey(lab, "wrong mode", env={"LANG": "C"}, extra=("--lang=ru",))
    assert_in_language("ru", r.out.splitlines()[0], e.out.splitlines()[0], "--lang=ru from C")


def test_lang_overrides_the_locale_and_c_is_english(lab):
    e = journey(lab, "wrong mode")
    r = journey(lab, "wrong mode", env={"LANG": "ru_RU.UTF-8"}, extra=("--lang", "C"))
    assert verdict(r) == verdict(e), r.out
    r = journey(lab, "wrong mode", env={"LANG": "ru_RU.UTF-8"}, extra=("--lang", "de"))
    german = journey(lab, "wrong mode", env={"LANG": "de_DE.UTF-8"})
    assert verdict(r) == verdict(german) != verdict(e), (r.out, german.out)


def test_language_variable_comes_first_and_lang_c_stays_english(lab):
    e = journey(lab, "wrong mode")
    german = journey(lab, "wrong mode", env={"LANG": "de_DE.UTF-8"})
    r = journey(lab, "wrong mode", env={"LANG": "fr_FR.UTF-8", "LANGUAGE": "de"})
    assert verdict(r) == verdict(german) != verdict(e), r.out
    # gettext ignores LANGUAGE under the C locale: LANG=C is English
    r = journey(lab, "wrong mode", env={"LANG": "C", "LANGUAGE": "de"})
    assert verdict(r) == verdict(e), r.out
    r = journey(lab, "wrong mode", env={"LC_ALL": "ru_RU.UTF-8", "LANG": "de_DE.UTF-8"})
    assert_in_language("ru", r.out.splitlines()[0], e.out.splitlines()[0], "LC_ALL before LANG")


def test_a_language_without_a_catalog_says_so_and_stays_english(lab):
    e = journey(lab, "wrong mode")
    r = journey(lab, "wrong mode", extra=("--lang", "ja"))
    assert r.rc == e.rc and verdict(r) == verdict(e), r.out
    assert r.err == "smtpdoctor: there are no messages in the language 'ja' yet; English is used\n", r.err


def test_lang_takes_c_utf8_and_abbreviations(lab):
    e = journey(lab, "wrong mode")
    r = journey(lab, "wrong mode", env={"LANG": "ru_RU.UTF-8"}, extra=("--lang", "C.UTF-8"))
    assert r.rc == 1 and verdict(r) == verdict(e), r.out
    for option in (("--lan", "ru"), ("--la=ru",)):
        r = journey(lab, "wrong mode", extra=option)
        assert_in_language("ru", r.out.splitlines()[0], e.out.splitlines()[0], " ".join(option))


def test_numbers_are_read_the_same_in_every_locale(lab):
    # a German or Russian locale writes 1,5: --timeout still takes 1.5
    for lang in ("de", "ru", "fr"):
        r = lab.run("diag", "--timeout", "1.5", "--host", "ok.diag.test", "--port", "587", "--security", "tls",
                    env={"LANG": LOCALES[lang]})
        assert r.rc == 1 and r.err == "", (lang, r.rc, r.err)


def test_a_malformed_language_code_is_a_usage_error(lab):
    for bad in ("../../etc", "RU", "r"):
        r = lab.run("--lang", bad, "presets", dns=None, ca=False)
        assert r.rc == 2, r
        assert r.err == (f"smtpdoctor: --lang takes a language code such as ru, pt_BR or C, not '{bad}' "
                         "(see smtpdoctor --help)\n"), r.err


def test_json_text_follows_the_language_keys_and_codes_do_not(lab):
    (host, port, security), _ = JOURNEYS["wrong mode"]
    args = ["diag", "--json", "--timeout", "3", "--host", host, "--port", port, "--security", security]
    e = json.loads(lab.run(*args).out)
    for lang in ("ru", "ur", "es"):
        r = lab.run(*args, env={"LANG": LOCALES[lang]})
        d = json.loads(r.out)
        assert sorted(d) == sorted(e), (lang, sorted(d))
        assert d["diagnosis"]["code"] == e["diagnosis"]["code"] == "tls.starttls_expected", d
        assert [c["code"] for c in d["checks"]] == [c["code"] for c in e["checks"]], d
        assert [c["status"] for c in d["checks"]] == [c["status"] for c in e["checks"]], d
        assert_in_language(lang, d["diagnosis"]["summary"], e["diagnosis"]["summary"], "JSON summary")
        assert_in_language(lang, d["diagnosis"]["remedy"], e["diagnosis"]["remedy"], "JSON remedy")
        assert LRI not in r.out and PDI not in r.out, "JSON carries no directional isolates"


def test_right_to_left_text_keeps_host_names_whole(lab):
    r = journey(lab, "wrong mode", env={"LANG": LOCALES["ur"]})
    verdict = r.out.splitlines()[0]
    # the remedy names port numbers and the verdict the settings: every
    # name or number in the templates is isolated, the text itself is in
    # logical order (the Urdu text starts the line, not a reversed copy)
    assert LRI + "587" + PDI in r.out, r.out
    # the sentence starts in the right-to-left script, not in a reversed copy
    assert unicodedata.bidirectional(next(c for c in verdict if c.isalpha())) in ("AL", "R"), verdict
    assert verdict.count(LRI) == verdict.count(PDI) >= 1, verdict
    for line in r.out.splitlines():
        assert "\x1b" not in line and "\u202e" not in line, "no overrides or escapes: only isolates"


def display_width(text):
    width = 0
    for c in text:
        if unicodedata.category(c) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(c) in ("W", "F") else 1
    return width


def test_help_fits_80_by_24_in_every_language(lab):
    for lang in ["C"] + languages():
        for command in ([], ["discover"], ["diag"], ["presets"]):
            r = lab.run(*command, "--help", "--lang", lang, dns=None, ca=False)
            assert r.rc == 0, r
            lines = r.out.splitlines()
            assert len(lines) <= 24, (lang, command, len(lines), r.out)
            wide = [l for l in lines if display_width(l) > 79]
            assert not wide, (lang, command, wide)
            if lang != "C":
                english = lab.run(*command, "--help", dns=None, ca=False).out
                assert r.out != english, (lang, command)


def test_the_form_lines_up_in_every_language(lab):
    """Every field of the form starts its value in one column (after the
    widest label, its colon and a space), except the checkbox line, which is
    a sentence."""
    for lang in ["C"] + languages():
        r = lab.run("discover", "--no-probe", "you@gmail.com", "--format", "form", "--lang", lang, dns=None)
        assert r.rc in (0, 1), r
        block = r.out.split("\n\n")[1].splitlines()   # the fields, after the headline
        assert len(block) == 8, (lang, r.out)
        starts = [display_width(re.match(r"^(\S.*?: +)\S", l).group(1)) for l in block]
        labels = [display_width(re.match(r"^(\S.*?:) ", l).group(1)) for l in block]
        column = max(set(starts), key=starts.count)
        odd = [l for l, s in zip(block, starts) if s != column]
        assert len(odd) <= 1, (lang, column, odd)
        assert all(w < column for l, w in zip(block, labels) if l not in odd), (lang, r.out)
        if lang == "C":
            continue
        english = lab.run("discover", "--no-probe", "you@gmail.com", "--format", "form", dns=None).out
        assert r.out.splitlines()[0] != english.splitlines()[0], (lang, r.out)


def test_suggested_settings_line_up_in_every_language(lab):
    for lang in languages():
        r = lab.run("discover", "--no-probe", "you@gmail.com", "--lang", lang, dns=None)
        lines = r.out.splitlines()
        block = lines[2:9]   # the seven fields after the heading and a blank line
        starts = {display_width(re.match(r"^(  \S.*?  +)\S", l).group(1)) for l in block}
        assert len(starts) == 1, (lang, starts, r.out)
        assert "smtp.gmail.com" in lines[2], (lang, r.out)
