"""Derive ``footfit/data/width_calibration.json`` from ANSUR II.

Run: ``python tools/calibrate_widths.py``.

ANSUR II (US Army Anthropometric Survey 2012; 4,082 men, 1,986 women; tape and caliper, mm) is
read in place from ``../shared/realscans/ansur2/`` (or ``$FOOTFIT_REALSCANS/ansur2``) and never
copied: only the regression coefficients below are written into the project.

For each sex and for both pooled, ordinary least squares of

* ball girth (``balloffootcircumference``),
* ball width (``footbreadthhorizontal``),
* heel width (``heelbreadth``),
* ball length (``balloffootlength``)

on foot length (``footlength``), plus the partial slope of ball width on ball girth at fixed
length (how much the bottom width of a last changes per width type). The regression line of
ball girth is the centre of the width classes: the middle Chinese type (三 for adults) and the
medium US/UK width letter sit on it, and each type / letter step adds a fixed girth (7 mm per
Chinese type, GB/T 43293-2022; 6.35 mm per US letter and 6.5 mm per UK fitting, DOMAIN.md
section 4 [S]). The coverage figures say which share of ANSUR falls inside the five types.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "footfit" / "data"
OUT = DATA / "width_calibration.json"
COLUMNS = {
    "foot_length_mm": "footlength",
    "ball_girth_mm": "balloffootcircumference",
    "ball_width_mm": "footbreadthhorizontal",
    "heel_width_mm": "heelbreadth",
    "ball_length_mm": "balloffootlength",
}


def _ansur_dir() -> Path:
    env = os.environ.get("FOOTFIT_REALSCANS")
    base = Path(env) if env else HERE.parent.parent / "shared" / "realscans"
    return base / "ansur2"


def _read(path: Path) -> dict[str, np.ndarray]:
    with path.open(encoding="latin-1", newline="") as fh:
        rows = list(csv.DictReader(fh))
    if not rows:
        raise SystemExit(f"{path}: no rows")
    out = {}
    for name, col in COLUMNS.items():
        if col not in rows[0]:
            raise SystemExit(f"{path}: column {col!r} missing")
        out[name] = np.array([float(r[col]) for r in rows])
    return out


def _ols(x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    slope, intercept = np.polyfit(x, y, 1)
    resid = y - (intercept + slope * x)
    return {
        "intercept": round(float(intercept), 3),
        "slope": round(float(slope), 5),
        "residual_sd": round(float(resid.std(ddof=2)), 3),
        "r": round(float(np.corrcoef(x, y)[0, 1]), 4),
    }


def _group(data: dict[str, np.ndarray]) -> dict:
    fl = data["foot_length_mm"]
    out: dict = {
        "n": int(fl.size),
        "foot_length_mean_mm": round(float(fl.mean()), 2),
        "foot_length_sd_mm": round(float(fl.std(ddof=1)), 2),
        "foot_length_range_mm": [float(fl.min()), float(fl.max())],
    }
    for name in ("ball_girth_mm", "ball_width_mm", "heel_width_mm", "ball_length_mm"):
        out[name] = _ols(fl, data[name])
    # Partial slope of width on girth at fixed length: width ~ 1 + FL + girth.
    design = np.column_stack([np.ones_like(fl), fl, data["ball_girth_mm"]])
    coef, *_ = np.linalg.lstsq(design, data["ball_width_mm"], rcond=None)
    out["ball_width_per_girth_at_fixed_length"] = round(float(coef[2]), 4)
    # Share of the sample inside the five Chinese types (centre +- 2.5 types of 7 mm).
    g = out["ball_girth_mm"]
    resid = data["ball_girth_mm"] - (g["intercept"] + g["slope"] * fl)
    out["share_within_five_types"] = round(float(np.mean(np.abs(resid) <= 17.5)), 4)
    out["share_within_three_types"] = round(float(np.mean(np.abs(resid) <= 10.5)), 4)
    return out


TABLE_SIZES = {"male": (230, 305), "female": (210, 275), "pooled": (210, 305),
               "child": (100, 200)}


def _girth_table(doc: dict) -> dict:
    """Ball girth of every Chinese width type per size (the table GB/T 3293 would give)."""
    cn = doc["cn_width_types"]
    out: dict = {"_about": (
        "Ball girth (mm) of each width type per Chinese size, from the centre lines above: "
        "what footfit's width classes use (type boundaries half a type, 3.5 mm, either side)."
    )}
    for group, (lo, hi) in TABLE_SIZES.items():
        kind = "child" if group == "child" else "adult"
        names = cn[kind]["names"]
        centre = names.index(cn[kind]["centre"])
        line = (doc["child"] if group == "child" else doc["groups"][group])["ball_girth_mm"]
        rows = {}
        for size in range(lo, hi + 1, 5):
            mid = line["intercept"] + line["slope"] * size
            rows[str(size)] = {n: round(mid + (k - centre) * cn["step_girth_mm"], 1)
                               for k, n in enumerate(names)}
        out[group] = rows
    return out


def main() -> int:
    """Compute the regressions and write ``width_calibration.json``."""
    folder = _ansur_dir()
    paths = {s: folder / f"ANSUR_II_{s.upper()}_Public.csv" for s in ("male", "female")}
    for p in paths.values():
        if not p.is_file():
            print(f"{p}: not found (set FOOTFIT_REALSCANS)", file=sys.stderr)
            return 1
    data = {s: _read(p) for s, p in paths.items()}
    pooled = {k: np.concatenate([data["male"][k], data["female"][k]]) for k in COLUMNS}
    groups = {"male": _group(data["male"]), "female": _group(data["female"])}
    groups["pooled"] = _group(pooled)
    doc = {
        "_about": (
            "Centre lines of footfit's width classes (ball girth vs foot length) and the "
            "standard-foot lines used to grade the stock last library. Generated by "
            "tools/calibrate_widths.py; do not edit by hand."
        ),
        "source": (
            "ANSUR II public release (Gordon et al. 2014, US Army Natick; 4,082 men and "
            "1,986 women, 2012), columns footlength, balloffootcircumference, "
            "footbreadthhorizontal, heelbreadth, balloffootlength; OLS on foot length, "
            "computed in place from ../shared/realscans/ansur2 (not redistributed)."
        ),
        "limitations": (
            "US Army adults only (18-60 y, fit); Chinese and children's feet differ (no "
            "children's data to hand); GB/T 3293-2017's own base-girth table was not "
            "available, so the Chinese type centres are this calibration, not the standard. "
            "ANSUR heelbreadth is a caliper breadth of the heel, close to but not the same "
            "as footfit's outline heel width."
        ),
        "groups": groups,
        "child": {
            "source": (
                "design choice [U]: no children's foot data to hand. Straight lines chosen "
                "so that a 100 mm foot has ball girth 115 mm and ball width 50 mm (infant "
                "feet are relatively wide and round) and the lines meet the ANSUR female "
                "lines near 215 mm. Replace with a children's survey when one is available."
            ),
            "ball_girth_mm": {"intercept": 33.0, "slope": 0.82},
            "ball_width_mm": {"intercept": 18.0, "slope": 0.32},
            "heel_width_mm": {"intercept": 12.0, "slope": 0.23},
            "ball_length_mm": {"intercept": 0.0, "slope": 0.725},
            "ball_width_per_girth_at_fixed_length": 0.3,
        },
        "cn_width_types": {
            "source": (
                "GB/T 43293-2022 via DOMAIN.md section 4 [V]: five types for adults "
                "(一 narrowest .. 五 widest), three for children, 7 mm ball girth per type, "
                "3.5 mm per half type. Centre type on the regression line: design choice."
            ),
            "adult": {"names": ["一", "二", "三", "四", "五"], "centre": "三"},
            "child": {"names": ["一", "二", "三"], "centre": "二"},
            "step_girth_mm": 7.0,
            "half_step_girth_mm": 3.5,
        },
        "us_width": {
            "source": (
                "Letters and medium widths: US retail convention (men D, women B, children "
                "M) [S]; step 6.35 mm (1/4 in) ball girth per letter [U], the same figure "
                "DOMAIN.md gives for US whole-size grading. Unknown sex uses the men's "
                "(unisex) scale."
            ),
            "step_girth_mm": 6.35,
            "adult_letters": ["4A", "3A", "2A", "A", "B", "C", "D", "E", "2E", "3E", "4E",
                              "5E", "6E"],
            "child_letters": ["XN", "N", "M", "W", "XW"],
            "centre": {"male": "D", "female": "B", "pooled": "D", "child": "M"},
        },
        "uk_width": {
            "source": (
                "UK fittings A-H, about 6.5 mm ball girth per fitting (DOMAIN.md section 4 "
                "[S]); standard fitting men F, women D, children F (traditional British "
                "practice, design choice [U]; some makers use G for men)."
            ),
            "step_girth_mm": 6.5,
            "adult_letters": ["A", "B", "C", "D", "E", "F", "G", "H"],
            "child_letters": ["C", "D", "E", "F", "G", "H"],
            "centre": {"male": "F", "female": "D", "pooled": "F", "child": "F"},
        },
        "jp_width": {
            "source": (
                "JIS S 5037 width letters A-G with 6 mm ball girth per letter (DOMAIN.md "
                "section 4 [S]); medium widths men 2E, women E, children 2E (the widths most "
                "Japanese shops stock, design choice [U])."
            ),
            "step_girth_mm": 6.0,
            "adult_letters": ["A", "B", "C", "D", "E", "2E", "3E", "4E", "F", "G"],
            "child_letters": ["C", "D", "E", "2E", "3E", "4E"],
            "centre": {"male": "2E", "female": "E", "pooled": "2E", "child": "2E"},
        },
    }
    doc["cn_base_girth_table_mm"] = _girth_table(doc)
    OUT.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")
    for s, g in groups.items():
        bg = g["ball_girth_mm"]
        print(f"{s}: n={g['n']} girth = {bg['intercept']} + {bg['slope']} FL "
              f"(sd {bg['residual_sd']}); within five types {g['share_within_five_types']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
