"""The CLI for people: help everywhere, options checked before any scan is read, --lang."""

import argparse
import re

import pytest

from footfit.app.cli import build_parser, main


def _subparsers():
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {c.dest: c.help for c in sub._choices_actions}
    return sub.choices, helps


def test_every_command_and_option_has_help():
    commands, helps = _subparsers()
    for name, p in commands.items():
        assert helps.get(name), f"footfit {name}: no help line"
        assert p.description, f"footfit {name}: no description"
        for action in p._actions:
            assert action.help, f"footfit {name} {action.option_strings or action.dest}"
    profile = next(a for a in commands["process"]._actions if "--profile" in a.option_strings)
    assert "iso_us_standard" in profile.help and "cn_retail" in profile.help


@pytest.mark.parametrize("option, value, word", [("--style", "slipper", "style"),
                                                  ("--profile", "us", "profile")])
def test_bad_option_is_refused_before_the_scan_is_read(tmp_path, capsys, option, value, word):
    missing = tmp_path / "not_there.ply"  # were the scan read first, this would be the error
    code = main(["process", str(missing), option, value])
    err = capsys.readouterr().err
    assert code == 2
    assert f"`{word}` must be one of" in err and "not_there" not in err


def test_lang_choices_and_chinese_summary(samples, capsys):
    assert main(["process", str(samples / "demo_right_m.ply"), "--lang", "fr"]) == 2
    assert "invalid choice: 'fr'" in capsys.readouterr().err
    assert main(["process", str(samples / "demo_right_m.ply"), "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert "脚长" in out and "您的鞋码" in out
    assert not re.findall(r"\b[a-z]+(?:_[a-z0-9]+)+\b", out.replace("demo_right_m", ""))


def test_size_command_children_are_not_men_or_women(capsys):
    assert main(["size", "150"]) == 0
    out = capsys.readouterr().out
    assert "US men" not in out and "US women" not in out and "US children 7.5" in out
    assert main(["size", "265", "--ball-girth", "250"]) == 0
    out = capsys.readouterr().out
    assert "US men 9.5 D" in out and "四型" in out and "EU 42 " in out
