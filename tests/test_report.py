"""The text summary of a fit report (what ``footfit process`` prints)."""

from __future__ import annotations

import re
from pathlib import Path

from footfit.pipeline import process
from footfit.report import _readable, format_summary

SAMPLES = Path(__file__).resolve().parent.parent / "sample_scans"


def test_readable_names_measurement_keys_in_words():
    text = "left foot: chippaux_smirak_index not measurable; arch_index too"
    assert _readable(text) == "left foot: Chippaux-Smirak index not measurable; arch index too"
    assert _readable("arch_index_x stays") == "arch_index_x stays"  # whole keys only


def test_summary_shows_no_raw_keys_where_json_has_them():
    # no sole in this scan: the arch indices are missing, and their warnings name them
    report = process(SAMPLES / "left_f_normal_noplantar_in.ply")
    assert any("arch_index" in w for w in report.warnings)  # the JSON keeps the keys
    text = format_summary(report).replace(str(SAMPLES), "")
    raw = re.findall(r"\b[a-z]+(?:_[a-z0-9]+)+\b", text)
    assert [r for r in raw if r != "left_f_normal_noplantar_in"] == []
    assert "Chippaux-Smirak index not measurable" in text
