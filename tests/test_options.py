"""footfit/options.py: the line's options, declared and validated in one place."""

from __future__ import annotations

import dataclasses
import pickle

import pytest

from footfit.exceptions import FootfitError, InvalidParameterError
from footfit.options import FitOptions, OptionTypeError


def test_defaults_are_the_documented_ones():
    o = FitOptions()
    assert (o.style, o.fit, o.units, o.sex, o.profile, o.n_insoles, o.leg_cut_height_mm,
            o.heel_height_mm, o.simulate_fit) == ("sport", "standard", "auto", None, "iso", 3,
                                                  100.0, None, True)
    assert o.report_options() == {"style": "sport", "fit": "standard", "units": "auto",
                                  "sex": None, "profile": "iso", "heel_height_mm": None}


@pytest.mark.parametrize("field, value, words", [
    ("style", "stiletto", "`style` must be one of"),
    ("fit", "tight", "`fit` must be one of 'snug', 'standard', 'roomy'; got 'tight'"),
    ("units", "furlong", "`units` must be one of"),
    ("sex", "x", "`sex` must be one of None, 'male', 'female'; got 'x'"),
    ("profile", "uk_only", "`profile` must be one of"),
    ("n_insoles", 0, "`n_insoles` must be an int >= 1; got 0"),
    ("leg_cut_height_mm", -5.0, "`leg_cut_height_mm` must be a finite number > 0; got -5.0"),
    ("heel_height_mm", float("nan"), "`heel_height_mm` must be a finite number >= 0"),
    ("foot_posture_index", 20, "`foot_posture_index` must be None, a number within -12 to 12"),
    ("foot_posture_index", {"middle": 3}, "`foot_posture_index` keys must be 'left' or "
                                          "'right'"),
    ("forefoot_overload", "yes", "`forefoot_overload` must be None, True or False"),
])
def test_a_bad_value_is_refused_in_one_line_naming_it(field, value, words):
    with pytest.raises(InvalidParameterError) as info:
        FitOptions(**{field: value})
    message = str(info.value)
    assert words in message and "\n" not in message
    assert isinstance(info.value, ValueError) and isinstance(info.value, FootfitError)


@pytest.mark.parametrize("field, value", [
    ("simulate_fit", "yes"), ("style", 3), ("heel_height_mm", "tall"), ("n_insoles", True),
])
def test_a_wrong_type_is_a_type_error_too(field, value):
    with pytest.raises((TypeError, InvalidParameterError), match=f"`{field}`"):
        FitOptions(**{field: value})
    with pytest.raises(FootfitError):
        FitOptions(**{field: value})


def test_unknown_options_are_named():
    with pytest.raises(OptionTypeError, match="colour") as info:
        FitOptions.coerce({"colour": "red"})
    assert isinstance(info.value, TypeError)
    with pytest.raises(TypeError, match="colour"):
        FitOptions().replace(colour="red")


def test_coerce_replace_and_per_side_values():
    base = FitOptions(style="casual")
    assert FitOptions.coerce(base) is base
    assert FitOptions.coerce(base, fit="snug") == FitOptions(style="casual", fit="snug")
    assert FitOptions.coerce({"style": "boot"}, units="cm").units == "cm"
    assert FitOptions.coerce(None) == FitOptions()
    o = FitOptions(foot_posture_index={"left": 7, "right": None}, forefoot_overload=True)
    assert o.for_side("foot_posture_index", "left") == 7
    assert o.for_side("foot_posture_index", "right") is None
    assert o.for_side("forefoot_overload", "right") is True
    with pytest.raises(InvalidParameterError, match="`fit`"):
        base.replace(fit="tight")


def test_frozen_comparable_and_picklable_for_workers():
    o = FitOptions(style="boot", foot_posture_index={"left": 6})
    with pytest.raises(dataclasses.FrozenInstanceError):
        o.style = "sport"  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(o)) == o
    assert FitOptions.coerce(o.to_dict()) == o


def test_the_fitter_and_process_validate_with_fit_options():
    from footfit.pipeline import FootFitter

    with pytest.raises(InvalidParameterError, match="`style`"):
        FootFitter(style="stiletto")
    with pytest.raises(TypeError, match="simulate_fit"):
        FootFitter(options=FitOptions(), simulate_fit="yes")
    assert FootFitter(FitOptions(fit="roomy"), style="casual").options == FitOptions(
        style="casual", fit="roomy")


def test_the_command_line_refuses_a_bad_option_before_reading_the_scan(tmp_path, capsys):
    from footfit.app.cli import main

    code = main(["process", str(tmp_path / "missing.ply"), "--style", "stiletto"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("footfit: error: `style` must be one of") and err.count("\n") == 1
