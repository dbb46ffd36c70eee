"""Words for people: one vocabulary (en/zh), the text summary, the size line, the advice."""

import re
from collections import Counter

import pytest

from footfit.advice import insole_advice, size_line
from footfit.pipeline import FootFitter
from footfit.report import format_summary
from footfit.words import (
    LANGUAGES,
    check_language,
    default_language,
    format_value,
    load_vocabulary,
    measure_name,
    readable,
)

IDENT = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
CHINESE_TERMS = ("脚长", "跖围", "跗围", "足弓", "鞋垫", "鞋楦", "型")


@pytest.fixture(scope="module")
def fitter():
    return FootFitter()


@pytest.fixture(scope="module")
def demo(fitter, samples):
    return fitter.process(str(samples / "demo_two_feet.ply"))


def test_every_word_exists_in_every_language():
    v = load_vocabulary()
    for block in ("measures", "classes", "rules", "sides", "styles", "fits", "zones", "ui",
                  "quality", "cautions", "size_systems", "verdicts"):
        entries = v[block].values() if block != "classes" else [
            e for kind in v[block].values() for e in kind.values()]
        for entry in entries:
            for lang in LANGUAGES:
                assert entry.get(lang), (block, entry)
    # one name per measure, none of them an identifier
    names = [e["en"] for e in v["measures"].values()]
    assert len(set(names)) == len(names)
    assert not any(IDENT.search(n) for n in names)
    assert measure_name("arch_height_mm") != "arch height"  # not the medial arch


def test_language_from_locale_and_validation():
    assert default_language({"LC_ALL": "zh_CN.UTF-8", "LANG": "en_US"}) == "zh"
    assert default_language({"LANG": "en_GB.UTF-8"}) == "en"
    assert check_language("ZH") == "zh"
    with pytest.raises(ValueError, match="`lang` must be one of en, zh; got 'fr'"):
        check_language("fr")


def test_one_decimal_rule_per_unit():
    assert format_value(259.73, "mm") == "259.7 mm"
    assert format_value(260.0, "mm") == "260.0 mm"
    assert format_value(0.2342, "index") == "0.234"
    assert format_value(41.0, "size") == "41" and format_value(40.5, "size") == "40.5"
    assert format_value(-0.04, "mm") == "0.0 mm"
    assert format_value(float("nan"), "mm") == "–"


def test_readable_translates_and_leaves_no_identifier():
    text = "left foot: chippaux_smirak_index not measurable (no plantar surface in the scan)"
    assert readable(text) == ("left foot: Chippaux-Smirak index not measurable "
                              "(no sole in the scan)")
    assert readable(text, "zh") == "左脚：Chippaux-Smirak 足弓指数无法测量（扫描中没有脚底）"
    assert not IDENT.search(readable("rule cavanagh_rodgers_1987, zone toe_box, foo_bar"))


def test_summary_en_and_zh_show_the_same_numbers(demo):
    en, zh = format_summary(demo, lang="en"), format_summary(demo, lang="zh")
    numbers = re.compile(r"-?\d+(?:\.\d+)?")
    assert Counter(numbers.findall(en)) == Counter(numbers.findall(zh))
    for term in CHINESE_TERMS:
        assert term in zh
    name = "demo_two_feet"
    for text in (en, zh):
        assert [w for w in IDENT.findall(text) if w != name] == []


def test_size_line_carries_width_letters(demo):
    s = demo.to_dict()["sizes"]
    line = size_line(s)
    assert f"US men {format_value(s['us_men'], 'size')} {s['us_width']}" in line
    assert f"UK {format_value(s['uk'], 'size')} {s['uk_width']}" in line
    assert f"JIS {format_value(s['jp_cm'], 'size')} {s['jp_width']}" in line
    assert f"{s['cn_width_type']}型" in line
    assert "EU 41.0" not in line
    assert line in format_summary(demo)


def test_children_sizes_are_not_men_and_women():
    from footfit.sizes import compute_sizes

    child = compute_sizes(150.0, ball_girth_mm=150.0).to_dict()
    line = size_line(child)
    assert "US men" not in line and "US women" not in line
    assert "US children" in line and "UK children" in line


def test_low_scoring_insole_is_not_sold(demo):
    d = demo.to_dict()
    assert insole_advice(d)["sell"] is (min(d["pair_insole"]["fit_scores"].values()) >= 40)
    low = dict(d, pair_insole=dict(d["pair_insole"], fit_scores={"left": 37.0, "right": 60.0}))
    advice = insole_advice(low)
    assert advice["sell"] is False
    assert advice["headline"] == "No pre-made insole fits well"
    assert "37/100 for the left foot" in advice["detail"]
    # a threshold carried by the report wins over footfit's default
    strict = dict(d, pair_insole=dict(d["pair_insole"], threshold=99))
    assert insole_advice(strict)["sell"] is False
    none = insole_advice(dict(d, pair_insole=None), "zh")
    assert none["sell"] is False and none["headline"] == "没有合适的成品鞋垫"
