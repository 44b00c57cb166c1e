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
