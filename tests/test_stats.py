"""``footfit stats`` (issue #19): population tables over a batch results folder.

The population is a 1,000-foot synthetic batch (ANSUR II feet classified and sized, written as
batch records), and one real batch of the sample scans for the record shape.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest

from footfit.app.cli import main
from footfit.sizes import compute_sizes
from footfit.stats import (
    compute_population_stats,
    count_sizes,
    plan_stock,
    read_population,
    width_coverage,
    write_synthetic_results,
)

SAMPLES = Path(__file__).resolve().parent.parent / "sample_scans"
SEED = int(os.environ.get("FOOTFIT_SEED", "0"))


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synthetic")
    write_synthetic_results(out, 1000, rng=SEED)
    return out


@pytest.fixture(scope="module")
def pop(batch):
    return read_population(batch)


def _records(out: Path) -> list[dict]:
    return [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]


def test_synthetic_batch_has_the_batch_record_shape(batch, tmp_path):
    recs = _records(batch)
    assert sum(len(r["report"]["feet"]) for r in recs) == 1000
    real_keys = {"scan", "key", "status", "exit_code", "report", "seconds", "worker"}
    assert all(set(r) == real_keys for r in recs)
    foot = recs[0]["report"]["feet"][0]
    assert {"side", "measurements", "missing", "classification"} <= set(foot)
    assert recs[0]["report"]["sizes"]["cn_label"].startswith(recs[0]["report"]["sizes"]["cn"])


@pytest.mark.parametrize("system", ["cn", "us", "jp"])
def test_size_width_table_sums_to_the_feet_and_matches_sizes(batch, pop, system):
    rows = count_sizes(pop, system=system)
    assert sum(r["feet"] for r in rows) == 1000 == pop.n_feet
    # oracle: size every foot of the records again with footfit.sizes, independently
    size_key, width_key = {"cn": ("cn", "cn_width_type"), "us": (None, "us_width"),
                           "jp": ("jp_cm", "jp_width")}[system]
    expected: Counter = Counter()
    for rec in _records(batch):
        sex = rec["report"]["options"]["sex"]
        for f in rec["report"]["feet"]:
            m = f["measurements"]
            s = compute_sizes(m["foot_length_mm"], ball_girth_mm=m["ball_girth_mm"], sex=sex)
            size = (s.us_women if sex == "female" else s.us_men) if size_key is None \
                else getattr(s, size_key)
            expected[(sex, f"{size:g}" if isinstance(size, float) else size,
                      getattr(s, width_key))] += 1
    assert {(r["sex"], r["size"], r["width"]): r["feet"] for r in rows} == dict(expected)
    by_sex = Counter()
    for r in rows:
        by_sex[r["sex"]] += r["feet"]
    assert by_sex == Counter(pop.feet["sex"])


def _customer_cells(batch):
    return [(r["report"]["sizes"]["cn"], r["report"]["sizes"]["cn_width_type"])
            for r in _records(batch)]


@pytest.mark.parametrize("coverage", [0.5, 0.8, 0.9, 0.95, 1.0])
def test_stock_plan_covers_the_asked_share(batch, pop, coverage):
    plan = plan_stock(pop, coverage=coverage)
    kept = {(r["size"], r["width"]) for r in plan["rows"]}
    cells = _customer_cells(batch)
    covered = sum(c in kept for c in cells)
    assert plan["customers"] == len(cells) and plan["covered"] == covered
    assert covered >= coverage * len(cells)
    assert plan["covered_share"] == pytest.approx(covered / len(cells))
    # every size on its own, and no kept width could be dropped: the plan is the fewest
    # widths per size (the least common kept one is needed)
    per_size = Counter(z for z, _ in cells)
    counts = Counter(cells)
    for z, n in per_size.items():
        mine = sorted(counts[(z, w)] for zz, w in kept if zz == z)
        assert sum(mine) >= coverage * n - 1e-9
        assert sum(mine) - mine[0] < coverage * n - 1e-9
    assert sum(r["per_1000"] for r in plan["rows"]) == pytest.approx(
        1000 * covered / len(cells), abs=0.05 * len(plan["rows"]))
    if coverage == 1.0:
        assert covered == len(cells)


def test_width_coverage_grows_with_k_to_all_feet(pop):
    cov = width_coverage(pop, k_max=6)
    overall = cov["overall"]
    assert cov["feet"] == 1000
    assert all(a <= b for a, b in zip(overall, overall[1:], strict=False))
    assert overall[-1] == pytest.approx(1.0)  # five types: six widths cover every foot
    for r in cov["by_size"]:
        assert r["feet"] == sum(n for _, n in r["widths"])
        assert r["cumulative_share"][0] == pytest.approx(r["widths"][0][1] / r["feet"])
    # more feet share the most common types than one type alone would hold
    assert 0.2 < overall[0] < overall[2] < 1.0


def test_left_right_differences_count_the_pairs(batch, pop):
    stats = compute_population_stats(pop)
    pairs = sum(len(r["report"]["feet"]) == 2 for r in _records(batch))
    lr = stats["left_right"]
    assert lr["pairs"] == pairs > 0
    assert len(lr["foot_length_differences"]) == pairs
    d = lr["measures"]["foot_length_mm"]
    # the other foot is drawn 2 mm (SD) apart: the median absolute difference ~1.35 mm
    assert 0.8 < d["abs_p50"] < 2.0
    m = stats["measures"]["foot_length_mm"]
    assert m["all"]["n"] == 1000 and m["missing"] == 0
    assert m["female"]["p50"] < m["male"]["p50"]


def test_stats_cli_json_html_parquet(batch, tmp_path, capsys):
    pq = pytest.importorskip("pyarrow.parquet")
    html, parquet = tmp_path / "stats.html", tmp_path / "feet.parquet"
    code = main(["stats", str(batch), "--json", "--html", str(html), "--parquet",
                 str(parquet), "--coverage", "0.8"])
    out = capsys.readouterr().out
    assert code == 0
    stats = json.loads(out)
    assert stats["feet"] == 1000 and stats["stock_plan"]["coverage"] == 0.8
    assert stats["stock_plan"]["covered_share"] >= 0.8
    page = html.read_text(encoding="utf-8")
    # stock, coverage, 7 measures (instep girth is not in the population), left-right
    assert page.count("<svg") == 10
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in page and "<script" not in page
    assert "三" in page and "2E" in page
    table = pq.read_table(parquet)
    assert table.num_rows == 1000
    assert {"foot_length_mm", "cn", "cn_width_type", "jp_width", "sex"} <= set(
        table.column_names)
    assert sorted(table.column("foot_length_mm").to_pylist()) == sorted(
        read_population(batch).feet["foot_length_mm"])


def test_stats_of_a_real_batch(tmp_path, capsys):
    from footfit.app.batch import run_batch

    scans = tmp_path / "scans"
    scans.mkdir()
    for name in ("demo_two_feet.ply", "left_f_high.pcd"):
        (scans / name).write_bytes((SAMPLES / name).read_bytes())
    (scans / "corrupt.ply").write_bytes(b"ply\nformat ascii 1.0\nend_header\n")
    run_batch(scans, tmp_path / "out", workers=1)
    pop = read_population(tmp_path / "out")
    assert (pop.scans, pop.failed, pop.n_feet, pop.n_customers) == (3, 1, 3, 2)
    stats = compute_population_stats(tmp_path / "out")
    assert sum(r["feet"] for r in stats["size_width_counts"]["cn"]) == 3
    assert stats["left_right"]["pairs"] == 1
    assert set(pop.feet["sex"]) == {"unknown"}  # batch run without --sex
    assert main(["stats", str(tmp_path / "out")]) == 0
    assert "3 feet from 3 scans (1 failed)" in capsys.readouterr().out


def test_stats_errors(tmp_path, capsys):
    assert main(["stats", str(tmp_path)]) == 2
    assert "no batch results" in capsys.readouterr().err
    with pytest.raises(ValueError, match="`coverage` must be a share in"):
        plan_stock(read_population_of_one(tmp_path), coverage=1.5)
    assert main(["stats", str(tmp_path), "--coverage", "0"]) == 2
    assert "--coverage must be a share" in capsys.readouterr().err


def read_population_of_one(tmp_path: Path):
    write_synthetic_results(tmp_path / "one", 1, rng=1)
    return read_population(tmp_path / "one")
