"""Generate the pre-made insole line ``footfit/data/insoles.csv``.

Run: ``python tools/make_insoles.py`` (after ``calibrate_widths.py`` changes the ANSUR II
width lines). The CSV is the data users edit; this script records how the first version of
the line was designed, so it can be regenerated and audited.

How the line is designed (see the "Insole catalogue" section of ``footfit/data/README.md``):

1. **Families** = uses (running, walking, casual, dress, work, children). Each family has a
   fixed design per arch variant (``ARCH_VARIANTS``: low and medium support, each unposted and
   medially posted, and a cushioned full-contact high support with no post; LASTS.md section
   7), a set of width fittings and, for walking and dress, a metatarsal-pad variant.
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
5. **Thickness** (what the last leaves room for): ``forefoot = forefoot base + top cover``,
   ``arch = shell + top cover``, ``heel = shell + top cover + mean post wedge``; shell,
   covers and bases per family below, with their sources (``footfit/data/README.md``, "Insole
   thickness").

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

DATA = HERE.parent / "footfit" / "data"
OUT = DATA / "insoles.csv"

COLUMNS = (
    "sku", "name", "use", "length_min_mm", "length_max_mm",
    "eu_min", "eu_max", "uk_min", "uk_max", "us_men_min", "us_men_max",
    "us_women_min", "us_women_max", "width_fitting", "forefoot_width_mm",
    "heel_cup_width_mm", "heel_cup_depth_mm", "arch_support", "arch_apex_height_mm",
    "arch_apex_position_pct", "rearfoot_post", "rearfoot_post_deg", "metatarsal_pad",
    "volume", "top_cover_mm", "cushion", "forefoot_thickness_mm", "arch_thickness_mm",
    "heel_thickness_mm",
)

#: Width fittings as residual SDs of ball width given length (design choice).
WIDTH_Z = {"narrow": -2.0, "normal": 0.0, "wide": 2.0}
#: Partial correlation of heel and ball width given foot length, ANSUR II men:
#: (0.5206 - 0.5887 * 0.4834) / sqrt((1 - 0.5887^2)(1 - 0.4834^2)) = 0.33
#: (correlations of footfit/data/population_ansur2.json).
HEEL_BALL_PARTIAL_R = 0.33

# family code, use, brand name, width fittings, heel cup depth mm, volume, top cover mm,
# metatarsal pad variants, apex height mm per arch support {low, medium, high} (constant over
# sizes), apex position % of length, shell (polypropylene) mm, forefoot base mm (full-length
# foam layer under the metatarsal heads; 0 = a 3/4-length shell with only the top cover there),
# cushioned cover mm of the high-arch (cavus) devices.
# Sources (footfit/data/README.md "Insole thickness"): shell 3.0-4.5 mm polypropylene by body
# weight, thinner for a cavoid foot [V, LASTS.md 7 ref 51]; top cover 1.5-3 mm [U]; full-length
# cushioned (Poron) cover for painful pes cavus [V, ref 50]; work 4.5 mm shell (the thick end
# of ref 51, for heavy wearers), children 2.0 mm and the forefoot bases: design choices [U].
FAMILIES = (
    dict(code="RUN", use="running", brand="PaceRun", widths=("narrow", "normal", "wide"),
         cup_depth=16.0, volume="medium", cover=3.0, met=("none",),
         apex={"low": 12.0, "medium": 16.0, "high": 20.0}, apex_pos=41.0,
         shell=3.0, forefoot_base=1.5, cushion_cover=4.0),
    dict(code="WLK", use="walking", brand="DayWalk", widths=("narrow", "normal", "wide"),
         cup_depth=14.0, volume="medium", cover=3.5, met=("none", "pad"),
         apex={"low": 12.0, "medium": 15.0, "high": 19.0}, apex_pos=41.0,
         shell=3.0, forefoot_base=1.5, cushion_cover=4.0),
    dict(code="CAS", use="casual", brand="EasyStep", widths=("normal",),
         cup_depth=12.0, volume="medium", cover=3.0, met=("none",),
         apex={"low": 10.0, "medium": 14.0, "high": 18.0}, apex_pos=41.0,
         shell=3.0, forefoot_base=1.0, cushion_cover=3.5),
    dict(code="DRS", use="dress", brand="SlimLine", widths=("narrow", "normal", "wide"),
         cup_depth=8.0, volume="low", cover=1.5, met=("none", "pad"),
         apex={"low": 8.0, "medium": 11.0, "high": 14.0}, apex_pos=41.0,
         shell=3.0, forefoot_base=0.0, cushion_cover=2.5),
    dict(code="WRK", use="work", brand="ShiftGuard", widths=("normal", "wide"),
         cup_depth=18.0, volume="high", cover=4.0, met=("none",),
         apex={"low": 12.0, "medium": 16.0, "high": 20.0}, apex_pos=41.0,
         shell=4.5, forefoot_base=2.0, cushion_cover=4.5),
    dict(code="KID", use="children", brand="KidStep", widths=("normal",),
         cup_depth=12.0, volume="low", cover=2.0, met=("none",),
         apex={"low": 7.0, "medium": 10.0, "high": 13.0}, apex_pos=40.0,
         shell=2.0, forefoot_base=1.0, cushion_cover=3.0),
)
#: Arch variants: (code, arch support, medial rear-foot post deg). Posting follows a pronated
#: foot posture (LASTS.md section 7: FPI-6 +6 and above), never the arch or hallux alone, so
#: the low and medium supports come both unposted and with a medial post; the high support
#: (cavus) is a cushioned full-contact device with no lateral post (ref 50).
ARCH_VARIANTS = (
    ("L", "low", 0.0), ("LP", "low", 4.0), ("M", "medium", 0.0), ("MP", "medium", 4.0),
    ("H", "high", 0.0),
)
#: Medial post of each family's posted variants, deg (dress devices are low-profile).
POST_DEG = {"running": 4.0, "walking": 4.0, "casual": 3.0, "dress": 2.0, "work": 4.0,
            "children": 3.0}
#: A cavoid foot takes a thinner shell (ref 51): the high-arch devices' shell is 1 mm thinner,
#: no thinner than the family's own lower bound (3.0 adults, ref 51; children 2.0).
CAVUS_SHELL_LESS_MM = 1.0
ARCH_WORD = {"low": "low", "medium": "medium", "high": "high (cushioned)"}


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


def _row(fam, lo, hi, mid, s_lo, s_hi, code, arch, posted, width, met, bw_line, hw_line,
         sd_b, sd_h) -> dict[str, str]:
    z = WIDTH_Z[width]
    bw = bw_line["intercept"] + bw_line["slope"] * mid
    hw = hw_line["intercept"] + hw_line["slope"] * mid
    if sd_b is not None:
        bw += z * sd_b
        hw += HEEL_BALL_PARTIAL_R * z * sd_h
    post = POST_DEG[fam["use"]] if posted else 0.0
    cushioned = arch == "high"
    cover = fam["cushion_cover"] if cushioned else fam["cover"]
    floor = 2.0 if fam["use"] == "children" else 3.0
    shell = max(floor, fam["shell"] - CAVUS_SHELL_LESS_MM) if cushioned else fam["shell"]
    cup = round(hw * 2) / 2
    # an extrinsic medial post is a wedge under the heel: its mean added height over the
    # heel-cup width is half its medial edge, 0.5 x cup width x tan(post) [U, geometry]
    wedge = 0.5 * cup * math.tan(math.radians(post))
    eu = f"{_fmt(s_lo['eu'])}-{_fmt(s_hi['eu'])}"
    wcode = {"narrow": "N", "normal": "R", "wide": "W"}[width]
    pcode = "P" if met == "pad" else ""
    sku = f"{fam['code']}-{code}{wcode}{pcode}-{int(lo):03d}"
    parts = [f"{fam['brand']} {ARCH_WORD[arch]} arch"]
    if posted:
        parts.append(f"medial post {post:g} deg")
    if width != "normal":
        parts.append(width)
    if met == "pad":
        parts.append("metatarsal pad")
    name = ", ".join(parts) + f", EU {eu}"
    return {
        "sku": sku, "name": name, "use": fam["use"],
        "length_min_mm": f"{lo:.1f}", "length_max_mm": f"{hi:.1f}",
        "eu_min": _fmt(s_lo["eu"]), "eu_max": _fmt(s_hi["eu"]),
        "uk_min": _fmt(s_lo["uk"]), "uk_max": _fmt(s_hi["uk"]),
        "us_men_min": _fmt(s_lo["us_men"]), "us_men_max": _fmt(s_hi["us_men"]),
        "us_women_min": _fmt(s_lo["us_women"]),
        "us_women_max": _fmt(s_hi["us_women"]),
        "width_fitting": width,
        "forefoot_width_mm": f"{round(bw * 2) / 2:.1f}",
        "heel_cup_width_mm": f"{cup:.1f}",
        "heel_cup_depth_mm": f"{fam['cup_depth']:.1f}",
        "arch_support": arch,
        "arch_apex_height_mm": f"{fam['apex'][arch]:.1f}",
        "arch_apex_position_pct": f"{fam['apex_pos']:.1f}",
        "rearfoot_post": "medial" if posted else "neutral",
        "rearfoot_post_deg": f"{post:.1f}",
        "metatarsal_pad": met,
        "volume": fam["volume"],
        "top_cover_mm": f"{cover:.1f}",
        "cushion": "full_length" if cushioned else "standard",
        "forefoot_thickness_mm": f"{fam['forefoot_base'] + cover:.1f}",
        "arch_thickness_mm": f"{shell + cover:.1f}",
        "heel_thickness_mm": f"{shell + cover + wedge:.1f}",
    }


def main() -> int:
    """Write footfit/data/insoles.csv from the ANSUR II width lines (width_calibration.json)."""
    calib = json.loads((DATA / "width_calibration.json").read_text(encoding="utf-8"))
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
            for code, arch, posted in ARCH_VARIANTS:
                for width in fam["widths"]:
                    for met in fam["met"]:
                        rows.append(_row(fam, lo, hi, mid, s_lo, s_hi, code, arch, posted,
                                         width, met, bw_line, hw_line, sd_b, sd_h))
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
