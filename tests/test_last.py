"""Tests of footfit.last: last parameters, styles, the graded stock library, nearest stock last."""

from __future__ import annotations

import csv
import json
import shutil
from collections import defaultdict

import numpy as np
import pytest

from footfit import FootMeasurements, InvalidMeasurementError
from footfit._data import model_path
from footfit.last import (
    LAST_DIMENSIONS,
    STYLE_NAMES,
    LastParameters,
    available_styles,
    generate_last,
    heel_height_class,
    load_stock_lasts,
    nearest_stock_last,
    stock_last_parameters,
)
from footfit.sizes import standard_foot


def _foot(fl=265.0, girth=250.0, **kw):
    return FootMeasurements(side=kw.pop("side", "right"), foot_length_mm=fl,
                            ball_girth_mm=girth, **kw)


FULL = dict(ball_width_mm=100.0, heel_width_mm=68.0, ball_length_mm=193.0,
            instep_girth_mm=252.0, instep_height_mm=66.0)


def _json(name):
    return json.loads(model_path(name).read_text(encoding="utf-8"))


# ----------------------------------------------------------------------------- parameters
@pytest.mark.parametrize("style", STYLE_NAMES)
def test_longer_foot_gives_longer_last(style):
    a = generate_last(_foot(250.0, 240.0, **FULL), style=style, sex="male")
    b = generate_last(_foot(270.0, 240.0, **FULL), style=style, sex="male")
    assert b.bottom_length_mm - a.bottom_length_mm == pytest.approx(20.0)
    for name in ("toe_tip_position_mm", "hallux_bulge_position_mm", "waist_position_mm",
                 "heel_centre_position_mm", "toe_thickness_mm"):
        assert getattr(b, name) > getattr(a, name), name
    # landmarks in anatomical order along the bottom
    p = b
    order = [p.heel_centre_position_mm, p.waist_position_mm, p.instep_position_mm,
             p.mth5_position_mm, p.mth1_position_mm, p.hallux_bulge_position_mm,
             p.toe_tip_position_mm]
    assert np.all(np.diff(order) > 0)
    assert p.toe_tip_position_mm == p.bottom_length_mm
    assert p.bottom_width_ball_mm == pytest.approx(
        p.width_mth1_medial_mm + p.width_mth5_lateral_mm)
    assert p.waist_width_mm < p.bottom_width_ball_mm
    assert p.bottom_length_mm == pytest.approx(
        p.foot_length_mm + p.toe_allowance_mm - p.heel_allowance_mm)


@pytest.mark.parametrize("style", STYLE_NAMES)
def test_fit_preference_shifts_girth_by_documented_amounts(style):
    prefs = _json("fit_preferences.json")["preferences"]
    lasts = {fit: generate_last(_foot(**FULL), style=style, fit=fit)
             for fit in ("snug", "standard", "roomy")}
    assert lasts["snug"].ball_girth_mm < lasts["standard"].ball_girth_mm \
        < lasts["roomy"].ball_girth_mm
    for fit, p in lasts.items():
        assert p.ball_girth_mm - lasts["standard"].ball_girth_mm == pytest.approx(
            prefs[fit]["ball_girth_shift_mm"])
        assert p.instep_girth_mm - lasts["standard"].instep_girth_mm == pytest.approx(
            prefs[fit]["instep_girth_shift_mm"])
        assert p.bottom_length_mm == lasts["standard"].bottom_length_mm


def test_style_ordering_like_a_last_maker():
    foot = _foot(**FULL)
    bare = {"forefoot_mm": 0.0, "heel_mm": 0.0}  # no insole: the style's own girth ease
    last = {s: generate_last(foot, style=s, sex="male", insole=bare) for s in STYLE_NAMES}
    sock = 5.0  # LASTS.md section 7: the sock allowance is in every girth
    assert last["dress_pointed"].toe_allowance_mm > last["dress_round"].toe_allowance_mm
    assert last["dress_pointed"].bottom_length_mm > last["dress_round"].bottom_length_mm
    assert last["open_sandal"].toe_allowance_mm < last["closed_sandal"].toe_allowance_mm \
        < last["sport"].toe_allowance_mm
    # girth ease (LASTS.md section 2): dress -5..0, sport 0..+5, lined boots +5..+15
    ease = {k: p.ball_girth_mm - sock - 250.0 for k, p in last.items()}
    assert -5.0 <= ease["dress_round"] < 0.0 <= ease["sport"] <= 5.0
    assert 5.0 <= ease["boot"] <= 15.0
    # toe spring grows with sole stiffness: sneakers low, boots high
    assert last["boot"].toe_spring_mm > last["dress_round"].toe_spring_mm \
        > last["sport"].toe_spring_mm
    # adult 265 mm foot -> 283.5 mm sport inner (bottom) length (factory chart, LASTS.md 1)
    assert last["sport"].bottom_length_mm == 283.5


def test_children_chart_and_heel_allowance_by_sex():
    child = {s: generate_last(_foot(100.0, 115.0), style=s)
             for s in ("open_sandal", "closed_sandal", "sport")}
    # the children's chart gives the inner (bottom) length (LASTS.md section 1)
    inner = {s: p.bottom_length_mm for s, p in child.items()}
    assert inner == pytest.approx({"open_sandal": 107.0, "closed_sandal": 111.0, "sport": 112.0})
    assert all(p.child and p.group == "child" for p in child.values())
    assert child["sport"].size_label.startswith("100(")
    assert generate_last(_foot(), style="casual", sex="male").heel_allowance_mm == 5.0
    assert generate_last(_foot(), style="casual", sex="female").heel_allowance_mm == 4.5
    p = generate_last(_foot(), style="casual")
    assert p.group == "unisex" and any("sex not given" in n for n in p.notes)


def test_toe_shape_and_heel_height():
    pointed = {t: generate_last(_foot(toe_shape=t), style="dress_pointed")
               for t in ("egyptian", "greek", "roman")}
    assert pointed["egyptian"].toe_allowance_mm < pointed["greek"].toe_allowance_mm \
        < pointed["roman"].toe_allowance_mm
    assert generate_last(_foot(toe_shape="roman"), style="sport").toe_allowance_mm == \
        generate_last(_foot(), style="sport").toe_allowance_mm
    low = generate_last(_foot(), style="dress_pointed", sex="female", heel_height_mm=20)
    high = generate_last(_foot(), style="dress_pointed", sex="female", heel_height_mm=80)
    default = generate_last(_foot(), style="dress_pointed", sex="female")
    assert default.heel_height_mm == 55.0 and default.heel_height_class == "high"
    assert high.toe_spring_mm < default.toe_spring_mm < low.toe_spring_mm
    assert high.toe_spring_mm >= 3.0 and high.heel_height_class == "very_high"
    assert any("shank curve" in n for n in high.notes)
    assert [heel_height_class(h) for h in (0, 14.9, 15, 29.9, 30, 50, 80, 120)] == [
        "flat", "flat", "low", "low", "medium", "high", "very_high", "very_high"]


def test_measured_values_used_and_fallbacks_said():
    full = generate_last(_foot(**FULL), style="sport", sex="male")
    assert not any("standard foot value" in n for n in full.notes)
    wide_heel = generate_last(_foot(**{**FULL, "heel_width_mm": 74.0}), style="sport",
                              sex="male")
    # the seat stays a fixed 4.5 mm under the foot's heel (LASTS.md section 3: 3-6 for grip)
    assert wide_heel.heel_seat_width_mm - full.heel_seat_width_mm == pytest.approx(6.0)
    later_ball = generate_last(_foot(**{**FULL, "ball_length_mm": 200.0}), style="sport")
    assert later_ball.mth1_position_mm - generate_last(_foot(**FULL), style="sport") \
        .mth1_position_mm == pytest.approx(7.0)
    bare = generate_last({"side": "left", "foot_length_mm": 265.0, "ball_girth_mm": 250.0,
                          "missing": {"heel_width_mm": "heel cut off"}}, style="sport",
                         sex="male")
    assert bare.side == "left"
    assert any(n.startswith("heel_width_mm heel cut off: standard foot value")
               for n in bare.notes)
    assert all(getattr(bare, d) is not None for d in LAST_DIMENSIONS)
    d = bare.to_dict()
    json.dumps(d)
    assert set(LAST_DIMENSIONS) <= set(d) and d["size_label"] == "265(三)"


def test_bad_inputs_name_field_and_value():
    with pytest.raises(InvalidMeasurementError, match="ball_girth_mm is missing"):
        generate_last(_foot(girth=None), style="sport")
    with pytest.raises(InvalidMeasurementError, match="foot_length_mm is missing"):
        generate_last({"side": "right", "ball_girth_mm": 250.0}, style="sport")
    with pytest.raises(InvalidMeasurementError, match="foot_length_mm .*got 400"):
        generate_last(_foot(400.0), style="sport")
    with pytest.raises(InvalidMeasurementError, match="foot_length_mm .*got 60"):
        generate_last(_foot(60.0, 60.0), style="sport")
    with pytest.raises(InvalidMeasurementError, match=r"ball_girth_mm must be within .*got 120"):
        generate_last(_foot(girth=120.0), style="sport")
    with pytest.raises(InvalidMeasurementError, match=r"heel_width_mm must be within .*got 200"):
        generate_last(_foot(heel_width_mm=200.0), style="sport")
    with pytest.raises(InvalidMeasurementError, match="ball_girth_mm must be a number"):
        generate_last(_foot(girth="wide"), style="sport")
    with pytest.raises(ValueError, match="`style` must be one of .*got 'sneaker'"):
        generate_last(_foot(), style="sneaker")
    with pytest.raises(ValueError, match="`fit` must be one of .*got 'tight'"):
        generate_last(_foot(), style="sport", fit="tight")
    with pytest.raises(ValueError, match="`heel_height_mm` must be within 0-120 mm; got 150"):
        generate_last(_foot(), style="sport", heel_height_mm=150)
    with pytest.raises(ValueError, match="`toe_shape` must be one of"):
        generate_last(_foot(toe_shape="square"), style="sport")
    with pytest.raises(TypeError, match="`measurements` must be"):
        generate_last([265.0, 250.0], style="sport")


def test_styles_table_complete_with_sources(tmp_path, monkeypatch):
    assert set(STYLE_NAMES) <= set(available_styles())
    doc = _json("styles.json")
    for name, spec in doc["styles"].items():
        for key, value in spec.items():
            if isinstance(value, (int, float, dict)) and key != "sources":
                assert spec["sources"].get(key), f"{name}.{key} has no source"
    # a table with a figure lacking its source is refused, naming it
    shutil.copytree(model_path("styles.json").parent, tmp_path / "models")
    del doc["styles"]["boot"]["sources"]["toe_spring_mm"]
    (tmp_path / "models" / "styles.json").write_text(json.dumps(doc), encoding="utf-8")
    monkeypatch.setenv("FOOTFIT_MODELS", str(tmp_path / "models"))
    with pytest.raises(ValueError, match=r"styles\.boot\.sources\.toe_spring_mm: no source"):
        generate_last(_foot(), style="boot")


# ----------------------------------------------------------------------------- stock library
def _csv_rows():
    with model_path("lasts.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_library_is_graded_additively_as_the_table_says():
    grading = _json("last_grading.json")
    step = grading["step_mm"]
    rows = _csv_rows()
    series = defaultdict(list)
    for r in rows:
        series[(r["style"], r["group"], r["cn_width_type"])].append(r)
    assert {k[0] for k in series} == set(STYLE_NAMES)
    n_checked = 0
    for (style, group, _wtype), items in series.items():
        items.sort(key=lambda r: int(r["size_mm"]))
        inc = grading["styles"][style][group]["per_size_step"]
        sizes = np.array([int(r["size_mm"]) for r in items])
        assert set(np.diff(sizes)) == {step}
        for dim in LAST_DIMENSIONS:
            vals = np.array([float(r[dim]) for r in items])
            np.testing.assert_allclose(np.diff(vals), inc[dim], atol=0.0101, err_msg=dim)
            n_checked += len(vals) - 1
        if group == "child":  # allowances in proportion to the foot: still constant steps
            assert inc["bottom_length_mm"] > step
        else:  # adults: length graded 5 mm per half size
            assert inc["bottom_length_mm"] == step
        # additive, not proportional: larger lasts are relatively narrower
        ratio = (np.array([float(r["bottom_width_ball_mm"]) for r in items])
                 / np.array([float(r["bottom_length_mm"]) for r in items]))
        assert np.all(np.diff(ratio) < 0)
    assert n_checked > 10000
    # width types: the table's per-type increment, 7 mm of ball girth (GB/T 43293-2022)
    for style in STYLE_NAMES:
        for group, spec in grading["groups"].items():
            inc = grading["styles"][style][group]["per_width_type"]
            assert inc["ball_girth_mm"] == 7.0 and inc["bottom_length_mm"] == 0.0
            mid = str(grading["groups"][group]["middle_size_mm"])
            by_type = {r["cn_width_type"]: r for r in rows if r["style"] == style
                       and r["group"] == group and r["size_mm"] == mid}
            types = spec["width_types"]
            for a, b in zip(types, types[1:], strict=False):
                for dim in LAST_DIMENSIONS:
                    assert float(by_type[b][dim]) - float(by_type[a][dim]) == pytest.approx(
                        inc[dim], abs=0.0101)


def test_stock_lasts_are_the_generator_on_the_standard_foot():
    lib = load_stock_lasts()
    rng = np.random.default_rng(1)
    groups = _json("last_grading.json")["groups"]
    for i in rng.choice(len(lib), size=40, replace=False):
        row = lib.rows[int(i)]
        g = groups[row["group"]]
        foot = standard_foot(row["size_mm"], width_type=row["cn_width_type"], sex=g["sex"],
                             child=g["child"])
        p = generate_last({"side": "right", **foot}, style=row["style"], sex=g["sex"],
                          child=g["child"], width_band=False)
        for dim in LAST_DIMENSIONS:
            assert p.dimensions()[dim] == pytest.approx(row[dim], abs=0.1), (row["id"], dim)
        match = nearest_stock_last(p, library=lib)[0]
        assert match.id == row["id"] and match.distance < 0.2
        assert match.modifications == ()


def test_nearest_stock_last_matches_brute_force(rng):
    lib = load_stock_lasts()
    cfg = _json("stock_matching.json")
    feats = list(cfg["features"])
    w = np.array([cfg["features"][f] for f in feats])
    for _ in range(25):
        style = str(rng.choice(STYLE_NAMES))
        fl = float(rng.uniform(200, 320))
        girth = standard_foot(fl, sex="male")["ball_girth_mm"] + float(rng.normal(0, 9))
        p = generate_last(_foot(fl, girth, heel_width_mm=float(rng.uniform(55, 75))),
                          style=style, sex=str(rng.choice(["male", "female"])),
                          fit=str(rng.choice(["snug", "standard", "roomy"])))
        k = int(rng.integers(1, 6))
        group = str(rng.choice(["auto", "any"]))
        got = nearest_stock_last(p, library=lib, k=k, group=group)
        assert isinstance(got, list) and len(got) == k
        rows = lib.select(style, p.group if group == "auto" else None)
        assert all(m.stock_last["group"] == p.group for m in got) or group == "any"
        x = np.array([[r[f] for f in feats] for r in rows]) * w
        q = np.array([p.dimensions()[f] for f in feats]) * w
        brute = np.sort(np.sqrt(((x - q) ** 2).sum(axis=1)))
        np.testing.assert_allclose([m.distance for m in got], brute[:k], rtol=0, atol=1e-9)
        # the nearest is never farther than any other last of the style
        assert got[0].distance <= brute.min() + 1e-9
        assert all(m.stock_last["style"] == style for m in got)
        for m in got:
            for dim in LAST_DIMENSIONS:
                assert m.deltas[dim] == pytest.approx(p.dimensions()[dim] - m.stock_last[dim])


def test_modifications_text_and_group_filter():
    p = generate_last(_foot(263.0, 256.0, heel_width_mm=66.0, ball_width_mm=99.0),
                      style="sport", sex="male")
    m = nearest_stock_last(p)[0]
    assert m.stock_last["group"] == "male" and m.stock_last["size_mm"] in (260, 265)
    assert nearest_stock_last(p, group="female")[0].stock_last["group"] == "female"
    unisex = generate_last(_foot(263.0, 256.0), style="sport")
    assert {x.stock_last["group"] for x in nearest_stock_last(unisex, k=30)} <= {
        "male", "female"}
    child = generate_last(_foot(150.0, 150.0), style="sport")
    assert nearest_stock_last(child)[0].stock_last["group"] == "child"
    assert m.modifications
    for text in m.modifications:
        sign, rest = text[0], text[1:]
        assert sign in "+-" and " mm " in rest
    d = m.to_dict()
    json.dumps(d)
    assert d["id"] == m.id and d["modifications"] == list(m.modifications)
    # largest change first
    sizes = [abs(float(t.split(" mm ")[0])) for t in m.modifications]
    assert sizes == sorted(sizes, reverse=True)
    with pytest.raises(ValueError, match="`k` must be an int >= 1; got 0"):
        nearest_stock_last(p, k=0)
    with pytest.raises(ValueError, match="`group` must be one of"):
        nearest_stock_last(p, group="men")
    with pytest.raises(TypeError, match="`params` must be LastParameters"):
        nearest_stock_last(3.0)
    assert isinstance(p, LastParameters)


@pytest.mark.parametrize(("edit", "message"), [
    (lambda rows: rows[2].__setitem__("ball_girth_mm", "wide"),
     r"row 4, column 'ball_girth_mm': not a number \('wide'\)"),
    (lambda rows: rows[0].__setitem__("style", "sneaker"),
     r"row 2, column 'style': unknown style 'sneaker'"),
    (lambda rows: rows[1].__setitem__("id", rows[0]["id"]),
     r"row 3, column 'id': duplicate of row 2"),
    (lambda rows: rows[3].__setitem__("heel_height_mm", "-5"),
     r"row 5, column 'heel_height_mm': must be a finite number >= 0"),
    (lambda rows: rows[0].__setitem__("cn_width_type", "六"),
     r"row 2, column 'cn_width_type'"),
    (lambda rows: rows[4].__setitem__("width_index", "6"),
     r"row 6, column 'width_index': must be 1-5; got '6'"),
])
def test_load_stock_lasts_names_file_row_and_column(tmp_path, edit, message):
    rows = _csv_rows()[:6]
    edit(rows)
    path = tmp_path / "bad_lasts.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(ValueError, match=rf"bad_lasts\.csv: {message}"):
        load_stock_lasts(path)


def test_load_stock_lasts_missing_column_and_file(tmp_path):
    rows = _csv_rows()[:3]
    path = tmp_path / "short.csv"
    cols = [c for c in rows[0] if c != "instep_girth_mm"]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=cols, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(ValueError, match=r"short\.csv: column 'instep_girth_mm' missing"):
        load_stock_lasts(path)
    with pytest.raises(FileNotFoundError, match="nope.csv"):
        load_stock_lasts(tmp_path / "nope.csv")
    lib = load_stock_lasts()
    assert len(lib) == len(_csv_rows()) and set(lib.styles()) == set(STYLE_NAMES)


def test_cli_last_params_command(capsys):
    from footfit.app.cli import main

    assert main(["last-params", "265", "--ball-girth", "250", "--style", "boot",
                 "--sex", "male", "-k", "2", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["last"]["style"] == "boot" and len(d["stock_lasts"]) == 2
    assert d["stock_lasts"][0]["distance"] <= d["stock_lasts"][1]["distance"]
    assert main(["last-params", "265", "--ball-girth", "250", "--style", "sneaker"]) == 2
    assert "`style` must be one of" in capsys.readouterr().err
    assert main(["last-params", "265", "--ball-girth", "90"]) == 2
    assert "ball_girth_mm must be within" in capsys.readouterr().err


@pytest.mark.realscans
def test_every_ansur_foot_gets_sizes_and_a_last(realscans):
    """No real adult foot of ANSUR II is refused as outside the human range."""
    from footfit.sizes import compute_sizes

    for sex in ("male", "female"):
        path = realscans / "ansur2" / f"ANSUR_II_{sex.upper()}_Public.csv"
        if not path.is_file():
            pytest.skip(f"{path} absent")
        with path.open(encoding="latin-1", newline="") as fh:
            rows = list(csv.DictReader(fh))
        types = []
        for i, r in enumerate(rows):
            foot = {"side": "right", "foot_length_mm": float(r["footlength"]),
                    "ball_girth_mm": float(r["balloffootcircumference"]),
                    "ball_width_mm": float(r["footbreadthhorizontal"]),
                    "heel_width_mm": float(r["heelbreadth"]),
                    "ball_length_mm": float(r["balloffootlength"])}
            s = compute_sizes(foot["foot_length_mm"], ball_girth_mm=foot["ball_girth_mm"],
                              sex=sex)
            types.append(s.cn_width_type)
            if i % 10 == 0:
                p = generate_last(foot, style="casual", sex=sex)
                assert p.bottom_length_mm > foot["foot_length_mm"]
        # the middle three types hold most people; every type is used
        share = {t: types.count(t) / len(types) for t in "一二三四五"}
        assert share["二"] + share["三"] + share["四"] > 0.6 and min(share.values()) > 0.02


def test_parameters_round_trip_and_stock_rows_as_parameters():
    p = generate_last(_foot(**FULL), style="boot", sex="female", heel_height_mm=45)
    d = json.loads(json.dumps({**p.to_dict(), "stock_last": None, "modifications": []}))
    assert LastParameters.from_dict(d) == p
    with pytest.raises(ValueError, match="lack ball_girth_mm"):
        LastParameters.from_dict({k: v for k, v in d.items() if k != "ball_girth_mm"})
    lib = load_stock_lasts()
    for row in lib.select("dress_pointed")[::97]:
        q = stock_last_parameters(row, side="left")
        assert q.side == "left" and q.style == "dress_pointed" and q.group == row["group"]
        assert q.dimensions() == {d: row[d] for d in LAST_DIMENSIONS}
        assert q.foot_length_mm == pytest.approx(row["size_mm"], abs=0.05)
        # a stock last is its own nearest stock last
        m = nearest_stock_last(q, library=lib)[0]
        assert m.id == row["id"] and m.distance == 0.0 and m.parameters() == \
            stock_last_parameters(row)


def test_every_stock_last_is_a_plausible_shape():
    """Widths positive and ordered, landmarks in anatomical order, for every size and style."""
    lib = load_stock_lasts()
    x = {d: np.array([r[d] for r in lib.rows]) for d in LAST_DIMENSIONS}
    np.testing.assert_allclose(x["width_mth1_medial_mm"] + x["width_mth5_lateral_mm"],
                               x["bottom_width_ball_mm"], atol=0.02)
    assert np.all(x["waist_width_mm"] > 0.5 * x["bottom_width_ball_mm"])
    assert np.all(x["heel_seat_width_mm"] < x["bottom_width_ball_mm"])
    assert np.all(x["width_hallux_medial_mm"] > 0.6 * x["width_mth1_medial_mm"])
    assert np.all(x["width_toe5_lateral_mm"] > 0.6 * x["width_mth5_lateral_mm"])
    order = ["heel_centre_position_mm", "waist_position_mm", "instep_position_mm",
             "mth5_position_mm", "mth1_position_mm", "hallux_bulge_position_mm",
             "toe_tip_position_mm"]
    assert np.all(np.diff(np.stack([x[o] for o in order]), axis=0) > 0)
    assert np.all(x["toe_thickness_mm"] >= 10) and np.all(x["toe_spring_mm"] >= 2)
    assert np.all(x["back_height_mm"] < x["top_cut_height_mm"])
    assert np.all(x["ball_girth_mm"] > 2 * x["bottom_width_ball_mm"])


def test_impossible_shape_is_refused(tmp_path, monkeypatch):
    shutil.copytree(model_path("styles.json").parent, tmp_path / "models")
    doc = _json("styles.json")
    doc["global"]["waist_width_fraction_of_basic_width"]["lateral"] = 1.5
    (tmp_path / "models" / "styles.json").write_text(json.dumps(doc), encoding="utf-8")
    monkeypatch.setenv("FOOTFIT_MODELS", str(tmp_path / "models"))
    with pytest.raises(InvalidMeasurementError, match=r"impossible casual last \(waist width"):
        generate_last(_foot(), style="casual")
    with pytest.raises(InvalidMeasurementError, match=r"ball_length_mm must be within"):
        generate_last(_foot(ball_length_mm=160.0), style="sport")


def test_candidates_around_the_formula_size():
    lib = load_stock_lasts()
    p = generate_last(_foot(265.0, 250.0), style="sport", sex="male")  # 265(三)
    rows = lib.around(p)
    assert {(r["size_mm"], r["width_index"]) for r in rows} == {
        (s, w) for s in (260, 265, 270) for w in (2, 3, 4)}
    assert all(r["group"] == "male" and r["style"] == "sport" for r in rows)
    wide = lib.around(p, sizes=0, types=2)
    assert [r["width_index"] for r in wide] == [1, 2, 3, 4, 5]
    edge = generate_last(_foot(236.0, 230.0), style="boot", sex="male")
    assert min(r["size_mm"] for r in lib.around(edge)) == 235  # library edge: fewer sizes


def test_measured_ball_height_is_carried_and_optional():
    from footfit.last import foot_ball_height

    plain = generate_last(_foot(**FULL), style="sport", sex="male")
    assert plain.ball_height_mm is None
    ease = _json("styles.json")["styles"]["sport"]["instep_height_ease_mm"]
    with_kw = generate_last(_foot(**FULL), style="sport", sex="male", ball_height_mm=50.0)
    from_map = generate_last({"side": "right", "foot_length_mm": 265.0, "ball_girth_mm": 250.0,
                              **FULL, "ball_height_mm": 50.0}, style="sport", sex="male")
    # the foot stands on the insole (the style's sock liner): its height over MTH1 rises too
    assert with_kw.ball_height_mm == from_map.ball_height_mm == pytest.approx(
        50.0 + ease + with_kw.insole_forefoot_mm)
    assert with_kw.dimensions() == plain.dimensions()  # not a stock-library dimension
    d = json.loads(json.dumps(with_kw.to_dict()))
    assert LastParameters.from_dict(d) == with_kw
    d.pop("ball_height_mm")  # reports written before the field read back as None
    assert LastParameters.from_dict(d).ball_height_mm is None
    with pytest.raises(InvalidMeasurementError, match="ball_height_mm"):
        generate_last(_foot(**FULL), style="sport", ball_height_mm=5.0)
    with pytest.raises(InvalidMeasurementError, match="ball_height_mm"):
        generate_last(_foot(**FULL), style="sport", ball_height_mm="high")
    pts = np.array([[0.0, 190.0 + dy, z] for dy in (-0.8, 0.0, 0.8) for z in (0.0, 30.0, 47.5)])
    assert foot_ball_height(pts, ball_length_mm=190.0) == 47.5
    assert foot_ball_height(pts, ball_length_mm=250.0) is None  # nothing in the slice


def _write_lasts(path, rows):
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_stock_rows_cache_is_keyed_by_content_and_equals_the_parse(tmp_path, monkeypatch):
    """The binary cache of the checked rows: same rows, never stale, rebuilt when broken."""
    from footfit.last import stock_table

    monkeypatch.setenv("FOOTFIT_CACHE", str(tmp_path / "cache"))
    rows = _csv_rows()[:40]
    path = _write_lasts(tmp_path / "lasts.csv", rows)
    want = stock_table._rows_by_row(path, path.read_text(encoding="utf-8"))
    first = stock_table.read_stock_rows(path)  # parsed, then kept
    files = list((tmp_path / "cache" / "tables").glob("lasts-*.npy"))
    assert len(files) == 1
    second = stock_table.read_stock_rows(path)  # from the cache
    for got in (first, second):
        assert got == want and [list(r) for r in got] == [list(r) for r in want]
        assert all(type(r[k]) is type(w[k]) for r, w in zip(got, want, strict=True) for k in w)
    # an edited table is another file: its new value is read, not the cached one
    rows[3]["ball_girth_mm"] = "251.25"
    _write_lasts(path, rows)
    assert stock_table.read_stock_rows(path)[3]["ball_girth_mm"] == 251.25
    assert len(list((tmp_path / "cache" / "tables").glob("lasts-*.npy"))) == 2
    # a bad edit is refused even though a good version of the table is cached
    rows[3]["ball_girth_mm"] = "wide"
    _write_lasts(path, rows)
    with pytest.raises(ValueError, match="row 5, column 'ball_girth_mm'"):
        stock_table.read_stock_rows(path)
    # a damaged cache file is read as absent and written again
    rows[3]["ball_girth_mm"] = "251.25"
    _write_lasts(path, rows)
    cached = stock_table._cache_file(path.read_bytes())
    cached.write_bytes(b"not a numpy file")
    assert stock_table.read_stock_rows(path)[3]["ball_girth_mm"] == 251.25
    assert stock_table._read_cache(cached) is not None
    # FOOTFIT_CACHE=off: nothing written
    monkeypatch.setenv("FOOTFIT_CACHE", "off")
    rows[3]["ball_girth_mm"] = "252.5"
    assert stock_table.read_stock_rows(_write_lasts(path, rows))[3]["ball_girth_mm"] == 252.5
    assert len(list((tmp_path / "cache" / "tables").glob("lasts-*.npy"))) == 2


def test_stock_rows_column_wise_parse_equals_the_row_by_row_parse():
    """The shipped table through both parsers: the same rows, types and key order."""
    from footfit.last import stock_table

    path = model_path("lasts.csv")
    text = path.read_text(encoding="utf-8")
    fast = stock_table._parse(path, text)
    slow = stock_table._rows_by_row(path, text)
    assert fast == slow and [list(r) for r in fast] == [list(r) for r in slow]
    assert all(type(r[k]) is type(w[k]) for r, w in zip(fast, slow, strict=True) for k in w)


def test_stock_rows_are_made_at_first_use_and_select_as_plain_dicts():
    """StockRows (lazy dicts) behaves as the tuple of dicts it replaces."""
    from footfit.last import StockLastLibrary
    from footfit.last.stock_table import StockRows

    lib = load_stock_lasts()
    assert isinstance(lib.rows, StockRows)
    plain = StockLastLibrary(path=lib.path, rows=tuple(dict(r) for r in lib.rows))
    assert lib.rows == plain.rows and len(lib) == len(plain)
    assert lib.rows[5] is lib.rows[5] and lib.rows[-1] == plain.rows[-1]
    assert lib.rows[3:6] == plain.rows[3:6] and isinstance(lib.rows[3:6], tuple)
    assert lib.styles() == plain.styles()
    for style in lib.styles():
        for group in (None, "male", ("female", "unisex")):
            assert lib.select(style, group) == plain.select(style, group)
    fresh = StockRows({k: [r[k] for r in plain.rows] for k in plain.rows[0]})
    assert fresh._dicts.count(None) == len(plain)  # nothing made yet
    fresh[10]
    assert fresh._dicts.count(None) == len(plain) - 1
    with pytest.raises(IndexError):
        fresh[len(plain)]
