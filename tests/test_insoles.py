"""Insole catalogue and k-NN matcher: catalogue physics, oracle, constraints, missing data."""

from __future__ import annotations

import csv
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from footfit import (
    FootMeasurements,
    InsoleMatcher,
    NotFittedError,
    classify_arch_index,
    classify_foot,
    load_insole_catalog,
)
from footfit.exceptions import InvalidMeasurementError
from footfit.insoles import FEATURES, STYLES, InsoleCatalog, InvalidCatalogError
from footfit.insoles.features import load_insole_design

ROOT = Path(__file__).resolve().parent.parent
CSV = ROOT / "footfit" / "data" / "insoles.csv"


@pytest.fixture(scope="module")
def catalog():
    return load_insole_catalog()


@pytest.fixture(scope="module")
def matcher():
    return InsoleMatcher().fit()


def _rows(path=CSV):
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _write(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return path


def _feet(rng, n):
    fl = rng.uniform(200.0, 330.0, n)
    return {
        "foot_length_mm": fl,
        "ball_width_mm": 22.3 + 0.291 * fl + rng.normal(0, 5, n),
        "heel_width_mm": 15.6 + 0.21 * fl + rng.normal(0, 5, n),
        "arch_index": rng.uniform(0.12, 0.34, n),
        "hallux_valgus_angle_deg": rng.uniform(0.0, 30.0, n),
    }


# ---------------------------------------------------------------- catalogue
def test_catalogue_size_and_columns(catalog):
    assert len(catalog) >= 120
    assert len(set(catalog.skus)) == len(catalog)
    uses = set(catalog.column("use"))
    assert uses == {"running", "walking", "casual", "dress", "work", "children"}


def test_apex_height_does_not_grow_with_length(catalog):
    # Hill 2017: arch height does not scale with foot length -> constant within a product.
    fam = np.array([s.rsplit("-", 1)[0] for s in catalog.skus])
    apex = catalog.column("arch_apex_height_mm")
    for f in np.unique(fam):
        assert np.ptp(apex[fam == f]) == 0.0, f


def test_widths_follow_population_and_larger_is_relatively_narrower(catalog):
    design = load_insole_design()
    a, b = design["lines"]["ball_width_mm"]
    c = catalog.columns
    adult = (c["width_fitting"] == "normal") & (c["use"] == "running") & (
        c["arch_support"] == "medium") & (c["rearfoot_post"] == "neutral")
    mid = 0.5 * (c["length_min_mm"][adult] + c["length_max_mm"][adult])
    width = c["forefoot_width_mm"][adult]
    assert np.all(np.abs(width - (a + b * mid)) <= 0.25 + 1e-9)  # rounded to 0.5 mm
    ratio = width / mid
    assert np.all(np.diff(ratio[np.argsort(mid)]) < 0)
    for use in ("running", "walking"):
        for fit_a, fit_b in (("narrow", "normal"), ("normal", "wide")):
            na = (c["use"] == use) & (c["width_fitting"] == fit_a)
            nb = (c["use"] == use) & (c["width_fitting"] == fit_b)
            assert np.all(c["forefoot_width_mm"][na] < c["forefoot_width_mm"][nb])


def test_size_columns_match_domain_formulas(catalog):
    c = catalog.columns
    adult = c["use"] != "children"
    lo, hi = c["length_min_mm"][adult], c["length_max_mm"][adult]
    # DOMAIN.md section 4: EU = 0.15 FL + 2, UK = 3 FL / 25.4 - 23, half sizes, half up
    def half_up(x):
        return np.floor(x * 2 + 0.5) / 2

    assert np.array_equal(c["eu_min"][adult], half_up(0.15 * lo + 2))
    assert np.array_equal(c["eu_max"][adult], half_up(0.15 * (hi - 0.1) + 2))
    assert np.array_equal(c["uk_min"][adult], half_up(3 * lo / 25.4 - 23))
    assert np.array_equal(c["us_women_max"][adult], half_up(3 * (hi - 0.1) / 25.4 - 21))


def test_length_ranges_tile_without_gaps_or_overlap(catalog):
    c = catalog.columns
    for use in np.unique(c["use"]):
        m = c["use"] == use
        edges = np.unique(np.column_stack([c["length_min_mm"][m], c["length_max_mm"][m]]),
                          axis=0)
        assert np.all(edges[1:, 0] == edges[:-1, 1]), use


def test_generator_reproduces_committed_csv(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("make_insoles",
                                                  ROOT / "tools" / "make_insoles.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    monkeypatch.setattr(mod, "OUT", tmp_path / "insoles.csv")
    assert mod.main() == 0
    assert (tmp_path / "insoles.csv").read_text() == CSV.read_text()


def test_arch_support_targets_agree_with_foot_class_cutoffs():
    targets = load_insole_design()["weights"]["arch_support_targets"]
    for support in ("low", "medium", "high"):
        t = targets[support]
        assert classify_arch_index(t["arch_index"]) == t["foot_arch_type"]


def test_style_table_lists_exactly_the_styles():
    doc = json.loads((ROOT / "footfit" / "data" / "style_uses.json").read_text())
    assert set(doc["styles"]) == set(STYLES)


# ------------------------------------------------------------ CSV errors
@pytest.mark.parametrize(
    ("row", "column", "value", "match"),
    [
        (2, "forefoot_width_mm", "wide", r"row 2 \(line 3\), column 'forefoot_width_mm': "
                                         r"expected a number; got 'wide'"),
        (1, "use", "hiking", r"row 1 \(line 2\), column 'use': 'hiking' is not one of"),
        (3, "length_max_mm", "100", r"row 3 \(line 4\), column 'length_max_mm': 100 mm is"),
        (2, "rearfoot_post_deg", "3", r"row 2 \(line 3\), column 'rearfoot_post_deg': a neutr"),
        (2, "sku", "RUN-LN-195", r"row 2 \(line 3\), column 'sku': duplicate SKU 'RUN-LN-19"),
        (1, "arch_apex_height_mm", "nan", r"row 1 \(line 2\), column 'arch_apex_height_mm': "
                                          r"nan is outside"),
        (1, "name", "", r"row 1 \(line 2\), column 'name': empty value"),
    ],
)
def test_bad_value_names_file_row_and_column(tmp_path, row, column, value, match):
    rows = _rows()[:5]
    if column == "rearfoot_post_deg":
        rows[row - 1]["rearfoot_post"] = "neutral"
    rows[row - 1][column] = value
    path = _write(tmp_path / "bad.csv", rows)
    with pytest.raises(InvalidCatalogError, match="bad.csv: " + match):
        load_insole_catalog(path)


def test_bad_columns(tmp_path):
    rows = _rows()[:3]
    for r in rows:
        r["colour"] = "red"
    with pytest.raises(InvalidCatalogError, match=r"bad.csv: unknown column 'colour'"):
        load_insole_catalog(_write(tmp_path / "bad.csv", rows))
    rows = [{k: v for k, v in r.items() if k not in ("colour", "volume")} for r in rows]
    with pytest.raises(InvalidCatalogError, match=r"bad.csv: missing column\(s\) 'volume'"):
        load_insole_catalog(_write(tmp_path / "bad.csv", rows))
    rows = [dict(r, notes="ok", volume="low") for r in rows]
    assert len(load_insole_catalog(_write(tmp_path / "ok.csv", rows))) == 3
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(InvalidCatalogError, match="empty.csv: empty file"):
        load_insole_catalog(tmp_path / "empty.csv")


def test_short_row_and_blank_lines_report_file_lines(tmp_path):
    text = CSV.read_text().splitlines()
    bad = [text[0], text[1], "", text[2].rsplit(",", 2)[0]]
    (tmp_path / "short.csv").write_text("\n".join(bad) + "\n")
    with pytest.raises(InvalidCatalogError, match=r"short.csv: row 2 \(line 4\).*has 27 fields"):
        load_insole_catalog(tmp_path / "short.csv")


# ------------------------------------------------------------------ oracle
def _eligible(cat, ok, ai):
    """The insole rules, written out for the oracle (no FPI given, no overload evidence):
    the FPI-like proxy is 6 x the arch item, so it reaches the +6 post cut-off exactly when
    the arch item is +1 or more (AI >= 0.26, footfit/data/insole_rules.json); cavus is
    AI <= 0.21.
    """
    post = np.asarray(cat.column("rearfoot_post"))
    pad = np.asarray(cat.column("metatarsal_pad")) != "none"
    cushion = np.asarray(cat.column("cushion")) == "full_length"
    pronated = bool(np.isfinite(ai) and ai >= 0.26)
    cavus = bool(np.isfinite(ai) and ai <= 0.21)
    ok = ok & ~pad & (post != "lateral")
    if not pronated:
        ok &= post != "medial"
    elif (ok & (post == "medial")).any():
        ok &= post == "medial"
    if cavus and (ok & cushion).any():
        ok &= cushion
    return ok


def _brute(m: InsoleMatcher, raw_row, style, k):
    """Brute force: filter by the hard constraints, then weighted standardized distances."""
    design = m.design_
    cat = m.catalog_
    fl = raw_row[0]
    uses = design["style_uses"][style]
    ok = (cat.column("length_min_mm") <= fl) & (fl < cat.column("length_max_mm"))
    ok &= np.isin(cat.column("use"), uses)
    ok = _eligible(cat, ok, raw_row[3])
    (a, b), (c, d) = design["lines"]["ball_width_mm"], design["lines"]["heel_width_mm"]
    foot = np.array(raw_row, float)
    foot[1] -= a + b * fl
    foot[2] -= c + d * fl
    present = np.isfinite(foot)
    w = np.where(present, m.weights_, 0.0)
    w = w / w.sum()
    diff = (m.targets_ - np.where(present, foot, 0.0)) / m.scale_
    if m.metric == "manhattan":
        dist = (w * np.abs(diff)).sum(axis=1)
    else:
        dist = np.sqrt((w * diff**2).sum(axis=1))
    rows = np.flatnonzero(ok)
    return rows[np.argsort(dist[rows], kind="stable")][:k], np.sort(dist[rows])[:k], dist, ok


def _check_oracle(batch_idx, batch_dist, brute):
    """The k distances equal brute force's k smallest, and each chosen row is admissible and
    at its reported distance (rows may differ only between exact ties).
    """
    rows, dist, all_dist, ok = brute
    np.testing.assert_allclose(batch_dist[: len(dist)], dist, atol=1e-9)
    got = batch_idx[: len(rows)]
    assert ok[got].all()
    np.testing.assert_allclose(all_dist[got], batch_dist[: len(rows)], atol=1e-9)
    assert len(set(got.tolist())) == len(got)
    assert np.all(batch_idx[len(rows):] == -1)


def test_knn_matches_brute_force(matcher, rng):
    feet = _feet(rng, 60)
    feet["arch_index"][::4] = np.nan  # some with a missing arch index
    feet["hallux_valgus_angle_deg"][1::3] = np.nan  # rule input only: never in the distance
    k = 4
    for style in ("sport", "dress_pointed", "boot"):
        batch = matcher.match_many(feet, k, style=style)
        for i in range(60):
            raw = [feet[f][i] for f in FEATURES]
            _check_oracle(batch.indices[i], batch.distances[i], _brute(matcher, raw, style, k))
            one = matcher.match({f: feet[f][i] for f in FEATURES}, k, style=style)
            assert [x.sku for x in one] == list(batch.skus[i, : len(one)])


@pytest.mark.parametrize("metric", ["euclidean", "manhattan"])
def test_small_catalogue_oracle_is_exact(tmp_path, rng, metric):
    rows = _rows()
    pick = rng.choice(len(rows), size=25, replace=False)
    small = [rows[i] for i in sorted(pick)]
    m = InsoleMatcher(n_neighbors=2, metric=metric).fit(_write(tmp_path / "s.csv", small))
    assert len(m.catalog_) == 25
    feet = _feet(rng, 200)
    batch = m.match_many(feet, 2, style="boot")
    for i in range(200):
        brute = _brute(m, [feet[f][i] for f in FEATURES], "boot", 2)
        assert batch.n_candidates[i] == brute[3].sum()
        _check_oracle(batch.indices[i], batch.distances[i], brute)


# ------------------------------------------------------------- constraints
@pytest.mark.parametrize("style", STYLES)
def test_hard_constraints_hold_for_every_match(matcher, rng, style):
    feet = _feet(rng, 300)
    batch = matcher.match_many(feet, 3, style=style)
    uses = matcher.design_["style_uses"][style]
    cat = matcher.catalog_
    idx = batch.indices
    ok = idx >= 0
    assert ok[:, 0].all()
    fl = np.repeat(feet["foot_length_mm"][:, None], 3, axis=1)
    assert np.all((cat.column("length_min_mm")[idx] <= fl)[ok])
    assert np.all((fl < cat.column("length_max_mm")[idx])[ok])
    assert np.all(np.isin(cat.column("use")[idx][ok], uses))
    assert np.all(np.diff(batch.distances, axis=1)[ok[:, 1:]] >= 0)
    assert np.all((batch.fit_scores[ok] > 0) & (batch.fit_scores[ok] <= 100))


def test_use_restriction_and_errors(matcher):
    foot = {"foot_length_mm": 250.0, "ball_width_mm": 95.0, "arch_index": 0.22}
    got = matcher.match(foot, 5, style="sport", use="walking")
    assert {g.device["use"] for g in got} == {"walking"}
    with pytest.raises(ValueError, match="`use` 'dress' does not suit style 'sport'"):
        matcher.match(foot, style="sport", use="dress")
    with pytest.raises(ValueError, match="`style` must be one of"):
        matcher.match(foot, style="stiletto")
    with pytest.raises(ValueError, match=r"`k` must be an int >= 1; got 0"):
        matcher.match(foot, 0)
    with pytest.raises(InvalidMeasurementError, match="no pre-made insole for style "
                                                      "'dress_pointed'.*150.0 mm"):
        matcher.match(dict(foot, foot_length_mm=150.0), style="dress_pointed")
    with pytest.raises(InvalidMeasurementError, match="foot_length_mm is required"):
        matcher.match({"ball_width_mm": 95.0})
    with pytest.raises(InvalidMeasurementError, match=r"arch_index must be within 0-1"):
        matcher.match(dict(foot, arch_index=1.5))
    batch = matcher.match_many({"foot_length_mm": [150.0, 250.0]}, 2, style="dress_pointed")
    assert batch.matched.tolist() == [False, True]
    assert batch.skus[0].tolist() == ["", ""] and np.isinf(batch.distances[0]).all()
    # children's feet get children's insoles in sports shoes
    kid = matcher.match({"foot_length_mm": 150.0, "arch_index": 0.24}, 1)[0]
    assert kid.device["use"] == "children" and kid.device["arch_support"] == "medium"


def test_not_fitted_and_bad_settings():
    with pytest.raises(NotFittedError, match="not fitted"):
        InsoleMatcher().match({"foot_length_mm": 250.0})
    with pytest.raises(ValueError, match="`metric` must be one of"):
        InsoleMatcher(metric="cosine").fit()
    with pytest.raises(ValueError, match="`n_neighbors` must be an int >= 1"):
        InsoleMatcher(n_neighbors=0).fit()
    with pytest.raises(ValueError, match="`weights key` must be one of"):
        InsoleMatcher(weights={"shoe_size": 1.0}).fit()
    m = InsoleMatcher(weights={"arch_index": 0.0})
    assert m.weights == {"arch_index": 0.0} and not hasattr(m, "nn_")  # __init__ only stores


# ---------------------------------------------------------- missing values
def test_missing_arch_index_is_dropped_renormalized_and_said(matcher):
    base = FootMeasurements(side="right", foot_length_mm=262.0, ball_width_mm=99.0,
                            heel_width_mm=70.0, arch_index=0.30,
                            hallux_valgus_angle_deg=11.0)
    full = matcher.match(base, 1)[0]
    assert full.device["arch_support"] == "low" and full.dropped_features == ()
    flat = "arch index 0.30 -> flat (Cavanagh & Rodgers 1987 cut-offs)"
    assert any(flat in r for r in full.reasons)
    no_arch = FootMeasurements(side="right", foot_length_mm=262.0, ball_width_mm=99.0,
                               heel_width_mm=70.0, hallux_valgus_angle_deg=11.0,
                               missing={"arch_index": "no plantar surface in the scan"})
    got = matcher.match(no_arch, 3)
    assert all(g.dropped_features == ("arch_index",) for g in got)
    assert any("no plantar surface in the scan" in r for r in got[0].reasons)
    assert any("left out of the distance" in r for r in got[0].reasons)
    # with nothing to tell the arches apart, the device for a typical (normal) arch wins
    assert got[0].device["arch_support"] == "medium"
    # renormalized: the distance is the weighted RMS over what is present
    rows, dist, _, _ = _brute(matcher, [262.0, 99.0, 70.0, np.nan], "sport", 3)
    np.testing.assert_allclose([g.distance for g in got], dist, atol=1e-9)


def test_missing_widths_in_a_table(matcher):
    table = {"foot_length_mm": np.array([240.0, 280.0]),
             "ball_width_mm": np.array([90.0, None], dtype=object)}
    batch = matcher.match_many(table, 1)
    assert batch.dropped.tolist() == [[False, False, True, True],
                                      [False, True, True, True]]
    assert batch.matched.all()


# -------------------------------------------------------------- reasons, io
def test_reasons_words_and_numbers_and_classification(matcher):
    m = FootMeasurements(side="left", foot_length_mm=265.0, ball_width_mm=100.0,
                         heel_width_mm=71.0, arch_index=0.29, hallux_valgus_angle_deg=19.0)
    best = matcher.match(m, 1, classification=classify_foot(m, rule="cn_retail"))[0]
    text = " | ".join(best.reasons)
    assert "arch index 0.29 -> flat (Chinese retail scanner cut-offs (0.22-0.27 normal))" in text
    assert "apex 12 mm" in text and "medial post 4 deg" in text
    # the post comes from the posture proxy (a flat arch: FPI-like +6), not the hallux angle
    assert "FPI-like +6 -> pronated" in text
    assert "hallux angle 19 deg (surface proxy) -> mild: give toe-box room" in text
    assert "EU 41-42.5" in text and "ball width 100.0 mm" in text
    assert best.kind == "pre-made" and best.rank == 1
    d = json.loads(json.dumps(best.to_dict()))
    assert d["sku"] == best.sku and d["device"]["arch_support"] == "low"


def test_deterministic_and_order_independent(matcher, rng):
    feet = _feet(rng, 500)
    a = matcher.match_many(feet, 3, style="casual")
    b = InsoleMatcher().fit().match_many(feet, 3, style="casual")
    assert np.array_equal(a.indices, b.indices)
    perm = rng.permutation(500)
    c = matcher.match_many({k: v[perm] for k, v in feet.items()}, 3, style="casual")
    assert np.array_equal(c.indices, a.indices[perm])
    styles = np.asarray(STYLES)[rng.integers(0, len(STYLES), 500)]
    mixed = matcher.match_many(feet, 3, style=styles)
    for s in ("sport", "boot"):
        sel = styles == s
        assert np.array_equal(mixed.indices[sel], matcher.match_many(
            {k: v[sel] for k, v in feet.items()}, 3, style=s).indices)


def test_catalogue_from_rows_and_fit_with_object(catalog):
    rows = [catalog.row(i) for i in range(12)]
    small = InsoleCatalog.from_rows(rows)
    assert small.skus == catalog.skus[:12]
    m = InsoleMatcher(1).fit(small)
    assert m.match({"foot_length_mm": 200.0})[0].sku in small.skus


def test_threads_share_one_matcher(rng):
    from concurrent.futures import ThreadPoolExecutor

    m = InsoleMatcher().fit()
    feet = _feet(rng, 40)
    feet["arch_index"][::2] = np.nan  # patterns built at first use, from several threads
    queries = [{f: feet[f][i] for f in FEATURES} for i in range(40)]
    with ThreadPoolExecutor(4) as ex:
        par = list(ex.map(lambda q: [x.sku for x in m.match(q, style="boot")], queries))
    ser = [[x.sku for x in InsoleMatcher().fit().match(q, style="boot")] for q in queries]
    assert par == ser


def test_length_ranges_are_half_open(matcher):
    at = matcher.match({"foot_length_mm": 205.0}, 1, style="dress_pointed")[0]
    below = matcher.match({"foot_length_mm": 204.99}, 1, style="dress_pointed")[0]
    assert at.device["length_min_mm"] == 205.0
    assert below.device["length_max_mm"] == 205.0


def test_match_many_takes_a_sequence_of_feet(matcher):
    feet = [FootMeasurements(side="right", foot_length_mm=250.0, ball_width_mm=95.0,
                             arch_index=0.18),
            {"foot_length_mm": 280.0, "arch_index": 0.3}]
    batch = matcher.match_many(feet, 2)
    assert len(batch) == 2 and batch.indices.shape == (2, 2)
    assert batch.skus[0, 0] == matcher.match(feet[0], 1)[0].sku
    assert batch.skus[1, 0] == matcher.match(feet[1], 1)[0].sku
    one = matcher.match_many(feet[:1], 1)  # k == 1 keeps the 2-d shape (STYLE.md item 7)
    assert one.indices.shape == (1, 1)


def test_cli_insoles(capsys, tmp_path):
    from footfit.app.cli import main

    assert main(["insoles", "265", "--ball-width", "100", "--arch-index", "0.29", "-k", "2",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out) == 2 and out[0]["device"]["arch_support"] == "low"
    assert out[0]["dropped_features"] == ["heel_width_mm"]
    assert main(["insoles", "--check"]) == 0
    assert "SKUs OK" in capsys.readouterr().out
    assert main(["insoles", "150", "--style", "dress_pointed"]) == 2
    assert "no pre-made insole for style 'dress_pointed'" in capsys.readouterr().err
    rows = _rows()[:3]
    rows[1]["volume"] = "huge"
    assert main(["insoles", "--check", "--catalog", str(_write(tmp_path / "c.csv", rows))]) == 2
    err = capsys.readouterr().err
    assert "c.csv: row 2 (line 3), column 'volume': 'huge' is not one of" in err


def test_columnwise_parse_equals_the_cell_by_cell_parse(tmp_path):
    """The fast column-wise parse of a clean catalogue gives the cell-by-cell columns."""
    import csv

    from footfit.insoles import catalog as mod

    with CSV.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    header = [h.strip() for h in rows[0]]
    # padded cells and a float written in another way parse as before
    rows[1] = [f" {v} " for v in rows[1]]
    rows[2][header.index("length_min_mm")] = "1.9e2"
    fast = mod._columns_fast(header, rows[1:])
    slow = mod._columns_by_cell(header, rows[1:], path="x", lines=None)
    assert fast is not None and list(fast) == list(slow)
    for name in header:
        assert fast[name].dtype == slow[name].dtype, name
        assert (fast[name] == slow[name]).all(), name
    # a cell either rule refuses sends the table down the cell-by-cell path
    for name, bad in (("use", "hiking"), ("heel_cup_depth_mm", "inf"), ("name", "  "),
                      ("eu_min", "x"), ("top_cover_mm", "11")):
        broken = [list(r) for r in rows[1:]]
        broken[5][header.index(name)] = bad
        assert mod._columns_fast(header, broken) is None, name
    assert mod._columns_fast(header, [r[:-1] for r in rows[1:]]) is None
    typed = [list(r) for r in rows[1:]]
    typed[0][header.index("eu_min")] = 38.0  # not text (from_rows): checked cell by cell
    assert mod._columns_fast(header, typed) is None


def test_catalogue_cache_is_keyed_by_content_and_equals_the_parse(tmp_path, monkeypatch):
    """The checked catalogue kept in the table cache: same columns, never stale."""
    from footfit.insoles import catalog as mod

    monkeypatch.setenv("FOOTFIT_CACHE", str(tmp_path / "cache"))
    rows = [dict(r, notes="n", x_colour="red") for r in _rows()[:30]]
    path = _write(tmp_path / "cat.csv", rows)
    want = mod._parse_catalog(path, path.read_bytes())

    def same(cat):
        assert list(cat.columns) == list(want.columns) and cat.path == str(path)
        for name, col in want.columns.items():
            got = cat.columns[name]
            assert got.dtype == col.dtype and (got == col).all() and not got.flags.writeable
            assert type(got[0]) is type(col[0])

    same(mod._read_catalog(path))  # parsed, then kept
    tables = tmp_path / "cache" / "tables"
    assert len(list(tables.glob("insoles-*.npy"))) == 1
    same(mod._read_catalog(path))  # from the cache
    rows[2]["forefoot_width_mm"] = "99.5"  # an edit is read, not the cached value
    _write(path, rows)
    assert mod._read_catalog(path).column("forefoot_width_mm")[2] == 99.5
    rows[2]["forefoot_width_mm"] = "wide"  # and a bad edit refused
    _write(path, rows)
    with pytest.raises(InvalidCatalogError, match="row 3 .*'forefoot_width_mm'"):
        mod._read_catalog(path)
    rows[2]["forefoot_width_mm"] = "99.5"
    _write(path, rows)
    for f in tables.glob("insoles-*.npy"):
        f.write_bytes(b"\x93NUMPY broken")  # a damaged file is read as absent
    assert mod._read_catalog(path).column("forefoot_width_mm")[2] == 99.5
    monkeypatch.setenv("FOOTFIT_CACHE", "off")
    rows[2]["forefoot_width_mm"] = "98.5"
    assert mod._read_catalog(_write(path, rows)).column("forefoot_width_mm")[2] == 98.5
    assert len(list(tables.glob("insoles-*.npy"))) == 2
