"""Generate the pre-made insole line ``models/insoles.csv``.

Run: ``python models/make_insoles.py`` (after ``calibrate_widths.py`` changes the ANSUR II
width lines). The CSV is the data users edit; this script records how the first version of
the line was designed, so it can be regenerated and audited.

How the line is designed (see the "Insole catalogue" section of ``models/README.md``):

1. **Families** = uses (running, walking, casual, dress, work, children). Each family has a
   fixed design per arch-support class (apex height, posting) and a set of width fittings.
2. **Size ranges**: adults in pairs of whole EU sizes (2 Paris points = 13.33 mm of foot
   length) from EU 33 (205 mm) to EU 52 (338.3 mm), plus one 195-205 mm range for small adult
   feet; children in pairs of children's EU sizes (EU = 0.162 FL: last = foot x 1.08) from
   97.3 mm to 196 mm (edges rounded up to 0.1 mm). EU/UK/US sizes of each range are computed with
   :func:`footfit.sizes.compute_sizes` (profile ``iso``, DOMAIN.md section 4) at both ends.
3. **Widths follow the population**: the forefoot width of a device is the ANSUR II pooled
   ball width expected at the middle of its length range (``width_calibration.json``, groups
   ``pooled``; the ``child`` lines for the children's family) plus ``WIDTH_Z`` residual SDs
   (narrow -2, normal 0, wide +2: the midpoints between fittings fall on the +-1 SD
   boundaries of the width class in ``foot_classes.json``). The heel cup is the expected heel
   width plus the part of the heel residual that goes with the ball residual (partial
   correlation ``HEEL_BALL_PARTIAL_R`` given length, ANSUR II men 0.33). Larger sizes are
   therefore relatively narrower (additive regression lines, never proportional scaling).
4. **Arch apex height does not grow with length** (Hill 2017, DOMAIN.md section 3): it is
   fixed per family and arch class, the same in every size.

Every design figure below is a design choice [S] unless its comment gives a source.
"""

from __future__ import annotations

import csv
import json
import math
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from footfit.sizes import compute_sizes  # noqa: E402

OUT = HERE / "insoles.csv"

COLUMNS = (
    "sku", "name", "use", "length_min_mm", "length_max_mm",
    "eu_min", "eu_max", "uk_min", "uk_max", "us_men_min", "us_men_max",
    "us_women_min", "us_women_max", "width_fitting", "forefoot_width_mm",
    "heel_cup_width_mm", "heel_cup_depth_mm", "arch_support", "arch_apex_height_mm",
    "arch_apex_position_pct", "rearfoot_post", "rearfoot_post_deg", "metatarsal_pad",
    "volume", "top_cover_mm",
)

#: Width fittings as residual SDs of ball width given length (design choice).
WIDTH_Z = {"narrow": -2.0, "normal": 0.0, "wide": 2.0}
#: Partial correlation of heel and ball width given foot length, ANSUR II men:
#: (0.5206 - 0.5887 * 0.4834) / sqrt((1 - 0.5887^2)(1 - 0.4834^2)) = 0.33
#: (correlations of models/population_ansur2.json).
HEEL_BALL_PARTIAL_R = 0.33

# family code, use, brand name, width fittings, heel cup depth mm, volume, top cover mm,
# metatarsal pad, apex height mm per arch support {low, medium, high} (constant over sizes),
# rearfoot post per arch support (signed deg: + medial, - lateral), apex position % length.
FAMILIES = (
    dict(code="RUN", use="running", brand="PaceRun", widths=("narrow", "normal", "wide"),
         cup_depth=16.0, volume="medium", cover=3.0, met="none",
         apex={"low": 12.0, "medium": 16.0, "high": 20.0},
         post={"low": 4.0, "medium": 0.0, "high": -2.0}, apex_pos=41.0),
    dict(code="WLK", use="walking", brand="DayWalk", widths=("narrow", "normal", "wide"),
         cup_depth=14.0, volume="medium", cover=3.5, met="pad",
         apex={"low": 12.0, "medium": 15.0, "high": 19.0},
         post={"low": 4.0, "medium": 0.0, "high": -2.0}, apex_pos=41.0),
    dict(code="CAS", use="casual", brand="EasyStep", widths=("normal",),
         cup_depth=12.0, volume="medium", cover=3.0, met="none",
         apex={"low": 10.0, "medium": 14.0, "high": 18.0},
         post={"low": 3.0, "medium": 0.0, "high": 0.0}, apex_pos=41.0),
    dict(code="DRS", use="dress", brand="SlimLine", widths=("narrow", "normal", "wide"),
         cup_depth=8.0, volume="low", cover=1.5, met="pad",
         apex={"low": 8.0, "medium": 11.0, "high": 14.0},
         post={"low": 2.0, "medium": 0.0, "high": 0.0}, apex_pos=41.0),
    dict(code="WRK", use="work", brand="ShiftGuard", widths=("normal", "wide"),
         cup_depth=18.0, volume="high", cover=4.0, met="none",
         apex={"low": 12.0, "medium": 16.0, "high": 20.0},
         post={"low": 4.0, "medium": 0.0, "high": -2.0}, apex_pos=41.0),
    dict(code="KID", use="children", brand="KidStep", widths=("normal",),
         cup_depth=12.0, volume="low", cover=2.0, met="none",
         apex={"low": 7.0, "medium": 10.0, "high": 13.0},
         post={"low": 3.0, "medium": 0.0, "high": 0.0}, apex_pos=40.0),
)
ARCH_WORD = {"low": "low", "medium": "medium", "high": "high"}


def adult_ranges() -> list[tuple[float, float]]:
    """Adult foot-length ranges: EU pairs (EU = 0.15 FL + 2, half up) from EU 33 to 52."""
    edges = [195.0] + [(eu - 0.25 - 2.0) / 0.15 for eu in range(33, 54, 2)]
    return list(zip(edges[:-1], edges[1:], strict=True))


def child_ranges() -> list[tuple[float, float]]:
    """Children's ranges: pairs of children's EU sizes (EU = 1.5 x 1.08 FL(cm)) 16-31."""
    edges = [(eu - 0.25) / 0.162 for eu in range(16, 34, 2)]
    return list(zip(edges[:-1], edges[1:], strict=True))


def _sizes(fl: float, child: bool) -> dict[str, float]:
    s = compute_sizes(fl, profile="iso", child=child)
    return {"eu": s.eu, "uk": s.uk, "us_men": s.us_men, "us_women": s.us_women}


def _fmt(x: float) -> str:
    return f"{x:g}"


def main() -> int:
    calib = json.loads((HERE / "width_calibration.json").read_text(encoding="utf-8"))
    pooled = calib["groups"]["pooled"]
    child = calib["child"]
    rows = []
    for fam in FAMILIES:
        is_child = fam["use"] == "children"
        ranges = child_ranges() if is_child else adult_ranges()
        if is_child:
            bw_line, hw_line = child["ball_width_mm"], child["heel_width_mm"]
            # No children's residual SD to hand: scale the pooled one by length (design).
            sd_b = sd_h = None
        else:
            bw_line, hw_line = pooled["ball_width_mm"], pooled["heel_width_mm"]
            sd_b, sd_h = bw_line["residual_sd"], hw_line["residual_sd"]
        for lo, hi in ranges:
            # Edges rounded up to 0.1 mm so that each edge falls in the upper size; a range
            # is half-open [min, max), its last foot length max - 0.1 mm.
            lo, hi = math.ceil(lo * 10 - 1e-6) / 10, math.ceil(hi * 10 - 1e-6) / 10
            mid = 0.5 * (lo + hi)
            s_lo = _sizes(lo, is_child)
            s_hi = _sizes(hi - 0.1, is_child)
            for arch in ("low", "medium", "high"):
                for width in fam["widths"]:
                    z = WIDTH_Z[width]
                    bw = bw_line["intercept"] + bw_line["slope"] * mid
                    hw = hw_line["intercept"] + hw_line["slope"] * mid
                    if sd_b is not None:
                        bw += z * sd_b
                        hw += HEEL_BALL_PARTIAL_R * z * sd_h
                    post = fam["post"][arch]
                    side = "neutral" if post == 0 else ("medial" if post > 0 else "lateral")
                    eu = f"{_fmt(s_lo['eu'])}-{_fmt(s_hi['eu'])}"
                    wcode = {"narrow": "N", "normal": "R", "wide": "W"}[width]
                    sku = f"{fam['code']}-{arch[0].upper()}{wcode}-{int(lo):03d}"
                    wname = "" if width == "normal" else f", {width}"
                    name = f"{fam['brand']} {ARCH_WORD[arch]} arch{wname}, EU {eu}"
                    rows.append({
                        "sku": sku, "name": name, "use": fam["use"],
                        "length_min_mm": f"{lo:.1f}", "length_max_mm": f"{hi:.1f}",
                        "eu_min": _fmt(s_lo["eu"]), "eu_max": _fmt(s_hi["eu"]),
                        "uk_min": _fmt(s_lo["uk"]), "uk_max": _fmt(s_hi["uk"]),
                        "us_men_min": _fmt(s_lo["us_men"]), "us_men_max": _fmt(s_hi["us_men"]),
                        "us_women_min": _fmt(s_lo["us_women"]),
                        "us_women_max": _fmt(s_hi["us_women"]),
                        "width_fitting": width,
                        "forefoot_width_mm": f"{round(bw * 2) / 2:.1f}",
                        "heel_cup_width_mm": f"{round(hw * 2) / 2:.1f}",
                        "heel_cup_depth_mm": f"{fam['cup_depth']:.1f}",
                        "arch_support": arch,
                        "arch_apex_height_mm": f"{fam['apex'][arch]:.1f}",
                        "arch_apex_position_pct": f"{fam['apex_pos']:.1f}",
                        "rearfoot_post": side,
                        "rearfoot_post_deg": f"{abs(post):.1f}",
                        "metatarsal_pad": fam["met"],
                        "volume": fam["volume"],
                        "top_cover_mm": f"{fam['cover']:.1f}",
                    })
    skus = [r["sku"] for r in rows]
    if len(set(skus)) != len(skus):
        raise SystemExit("duplicate SKUs generated")
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {OUT} ({len(rows)} SKUs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
