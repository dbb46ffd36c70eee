"""footfit.conventions: one table, every figure with its source, typed and frozen."""

from __future__ import annotations

import dataclasses
import json
from importlib import resources

import pytest

from footfit.conventions import CONTACT_HEIGHT_MM, CONVENTIONS, TOE_CUT_FRACTION, load_conventions


def _doc():
    return json.loads(resources.files("footfit").joinpath("data/conventions.json").read_text())


def test_every_entry_has_a_source():
    doc = _doc()
    for group, entries in doc.items():
        if group.startswith("_"):
            continue
        for key, entry in entries.items():
            src = entry.get("source", "")
            assert len(src) > 20, f"{group}.{key} has no source"
            assert any(tag in src for tag in ("DOMAIN.md", "LASTS.md", "MC ", "[U]")), key
    assert set(CONVENTIONS.sources) >= {"contact_height_mm", "windows.heel_width"}


def test_frozen_and_typed():
    with pytest.raises(dataclasses.FrozenInstanceError):
        CONVENTIONS.contact_height_mm = 4.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        CONVENTIONS.sources["x"] = "y"  # type: ignore[index]
    assert CONTACT_HEIGHT_MM == 3.0 and TOE_CUT_FRACTION == 0.8
    assert isinstance(CONVENTIONS.windows.heel_width.y_fl[0], float)


def test_every_window_in_the_file_is_a_field():
    doc = _doc()
    names = {f.name for f in dataclasses.fields(type(CONVENTIONS.windows))}
    assert names == set(doc["windows"])


def test_a_missing_entry_is_refused():
    doc = _doc()
    del doc["heights"]["contact_height_mm"]["source"]
    with pytest.raises(KeyError):
        load_conventions(doc)


@pytest.mark.parametrize("name, expected", [
    ("heel_width", "no points at 5-20 % of the foot length below 40 mm"),
    ("arch_height", "no points at 50 % of the foot length"),
    ("instep", "no instep point (no points at 55 % of the foot length)"),
    ("hallux_valgus_heel", "medial heel, MTH1 or hallux point not found"),
])
def test_missing_reasons_are_the_measure_stages(name, expected):
    """The reasons are the sentences footfit.measure reports (same text, one source)."""
    assert getattr(CONVENTIONS.windows, name).missing() == expected


def test_window_in_mm():
    lo, hi = CONVENTIONS.windows.malleoli.y_mm(250.0, pternion_y=-3.0)
    assert (lo, hi) == pytest.approx((22.0, 84.5))
    assert CONVENTIONS.windows.ankle.missing(top=90.4) == "the scan stops at 90 mm, below 95 mm"
