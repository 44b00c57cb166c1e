# SPDX-License-Identifier: MIT
"""The command line: a word where a command goes that is none gets a usage
error that names the commands, not an address error."""


def world(lab):
    pass


def one_line_usage_error(r):
    assert (r.rc, r.out) == (2, ""), r
    assert r.err.startswith("smtpdoctor: ") and len(r.err.strip().splitlines()) == 1, r.err
    return r.err


def test_unknown_commands_name_the_commands(lab):
    for args in (["help"], ["frob", "you@example.com"], ["send", "--json", "you@example.com"]):
        err = one_line_usage_error(lab.run(*args))
        assert f"there is no command '{args[0]}'" in err, err
        assert "discover, diag or presets" in err and "not a usable address" not in err, err


def test_a_command_in_capitals_is_named_as_meant(lab):
    err = one_line_usage_error(lab.run("Discover", "you@example.com"))
    assert "there is no command 'Discover': did you mean 'discover'?" in err, err


def test_a_domain_alone_is_still_an_address_error(lab):
    err = one_line_usage_error(lab.run("gmail.com"))
    assert "'gmail.com' is not a usable address" in err, err


def accepted_options():
    """The long options the program accepts, read from its table."""
    import os
    import re
    top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    source = open(os.path.join(top, "cli", "options.c")).read()
    table = source[source.index("long_options[]"):]
    table = table[:table.index("};")]
    return top, sorted(set(re.findall(r'\{"([a-z0-9-]+)"', table)))


def test_every_option_is_documented(lab):
    """doc/reference.md and the manual page name every option the program
    takes (--password only to say it does not exist)."""
    import os
    top, options = accepted_options()
    assert len(options) > 20, options
    reference = open(os.path.join(top, "doc", "reference.md")).read()
    manual = open(os.path.join(top, "doc", "smtpdoctor.1")).read().replace("\\-", "-")
    missing = [o for o in options if o != "password" and f"--{o}" not in reference]
    assert not missing, f"not in doc/reference.md: {missing}"
    missing = [o for o in options if o != "password" and f"--{o}" not in manual]
    assert not missing, f"not in doc/smtpdoctor.1: {missing}"
