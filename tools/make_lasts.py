"""Generate the graded stock last library ``footfit/data/lasts.csv`` and its grading table.

Run: ``python tools/make_lasts.py`` (after ``calibrate_widths.py`` or an edit of
``styles.json``).

How a last range is graded (GB/T 3293-2017 via DOMAIN.md section 5, and DOMAIN.md section 4:
"grade with additive steps per size, never by proportional scaling"):

1. For each style, group (men, women, children) and width type, the *middle size* last is
   footfit's own custom last (:func:`footfit.last.generate_last`, fit ``standard``) of the
   calibrated standard foot of that size and type (:func:`footfit.sizes.standard_foot`:
   ANSUR II regression lines, ``width_calibration.json``).
2. Every other size is the middle size plus a whole number of *size increments* (one per
   5 mm half size), and every other width type the middle type plus type increments. The
   increments are written to ``footfit/data/last_grading.json``; they are additive (the same mm
   for every step), so larger lasts are relatively narrower, as larger feet are (AIST).
3. The script checks that each graded row equals the custom last of the standard foot of its
   size (within 0.01 mm, the precision of lasts.csv): grading and the generator agree.

Size ranges and middle sizes below are design choices (Chinese practice grades men from
250 mm and women from 230 mm; the ranges cover ANSUR II's 5th-95th percentiles with margin).
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
DATA = HERE.parent / "footfit" / "data"

from footfit.last import LAST_DIMENSIONS, STYLE_NAMES, generate_last  # noqa: E402
from footfit.last.stock import STOCK_ID_COLUMNS  # noqa: E402
from footfit.sizes import compute_sizes, standard_foot  # noqa: E402

STEP_MM = 5.0
GROUPS = {
    # group: (sex, child, first size, last size, middle size, width types)
    "male": ("male", False, 235, 305, 250, ("一", "二", "三", "四", "五")),
    "female": ("female", False, 215, 270, 230, ("一", "二", "三", "四", "五")),
    "child": (None, True, 100, 200, 160, ("一", "二", "三")),
}
GROUPS_SOURCE = (
    "design choice: men 235-305 mm graded from 250 mm, women 215-270 mm from 230 mm (the "
    "middle sizes of Chinese practice), children 100-200 mm from 160 mm; five width types "
    "for adults and three for children (GB/T 43293-2022 via DOMAIN.md section 4). "
    "Step 5 mm = one Chinese/Mondopoint half size."
)
CENTRE = {"male": "三", "female": "三", "child": "二"}
#: lasts.csv holds 0.01 mm; the grading table 0.0001 mm, so consecutive rows differ by the
#: table's increment within 0.01 mm and every row equals the generator within 0.01 mm.
DECIMALS = 2
INC_DECIMALS = 4
TOLERANCE_MM = 0.01


def _custom(style: str, group: str, size: float, width_type: str) -> dict[str, float]:
    sex, child, *_ = GROUPS[group]
    foot = standard_foot(size, width_type=width_type, sex=sex, child=child)
    foot["side"] = "right"
    params = generate_last(foot, style=style, sex=sex, child=child, width_band=False)
    if params.cn_width_type != width_type:
        raise SystemExit(f"{style} {group} {size}: standard foot classed "
                         f"{params.cn_width_type}, expected {width_type}")
    return params.dimensions()


def main() -> int:
    """Write lasts.csv and last_grading.json; return 0."""
    rows = []
    grading: dict = {}
    worst = 0.0
    for style in STYLE_NAMES:
        grading[style] = {}
        for group, (_sex, child, first, last, middle, types) in GROUPS.items():
            centre = CENTRE[group]
            mid = _custom(style, group, middle, centre)
            up = _custom(style, group, middle + STEP_MM, centre)
            wider = _custom(style, group, middle, types[types.index(centre) + 1])
            mid = {d: round(mid[d], INC_DECIMALS) for d in LAST_DIMENSIONS}
            size_inc = {d: round(up[d] - mid[d], INC_DECIMALS) for d in LAST_DIMENSIONS}
            type_inc = {d: round(wider[d] - mid[d], INC_DECIMALS) for d in LAST_DIMENSIONS}
            grading[style][group] = {
                "middle_size_mm": middle,
                "middle_width_type": centre,
                "middle": mid,
                "per_size_step": size_inc,
                "per_width_type": type_inc,
            }
            for size in range(first, last + 1, int(STEP_MM)):
                n = (size - middle) / STEP_MM
                for w in types:
                    t = types.index(w) - types.index(centre)
                    dims = {d: round(mid[d] + n * size_inc[d] + t * type_inc[d], DECIMALS)
                            for d in LAST_DIMENSIONS}
                    check = _custom(style, group, size, w)
                    worst = max(worst, max(abs(dims[d] - check[d]) for d in LAST_DIMENSIONS))
                    eu = compute_sizes(size, child=child).eu
                    ident = f"{style}-{group[0].upper()}{size}-{types.index(w) + 1}"
                    rows.append({"id": ident, "style": style, "group": group,
                                 "size_mm": size, "cn_width_type": w,
                                 "width_index": types.index(w) + 1, "eu_size": eu, **dims})
    if worst > TOLERANCE_MM:
        raise SystemExit(f"grading disagrees with generate_last by {worst:.4f} mm: the "
                         "generator is not additive in foot length; fix before writing")
    out = DATA / "lasts.csv"
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=[*STOCK_ID_COLUMNS, *LAST_DIMENSIONS],
                                lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: (f"{v:.{DECIMALS}f}" if isinstance(v, float) else v)
                             for k, v in row.items()})
    doc = {
        "_about": (
            "Grading table of footfit/data/lasts.csv, written by tools/make_lasts.py: each last = "
            "middle + n x per_size_step + t x per_width_type (n = half sizes of 5 mm from the "
            "middle size, t = width types from the middle type). Additive, never "
            "proportional (DOMAIN.md section 4; GB/T 3293-2017 grades from a middle size)."
        ),
        "source": (
            "middle-size lasts = footfit.last.generate_last of the ANSUR II standard foot "
            "(footfit/data/width_calibration.json) with the style rules of "
            "footfit/data/styles.json; "
            "increments = the same generator one step up (exactly linear, checked to "
            f"{worst:.4f} mm over every row)."
        ),
        "groups_source": GROUPS_SOURCE,
        "step_mm": STEP_MM,
        "groups": {g: {"sex": v[0], "child": v[1], "sizes_mm": [v[2], v[3]],
                       "middle_size_mm": v[4], "width_types": list(v[5])}
                   for g, v in GROUPS.items()},
        "decimals": DECIMALS,
        "styles": grading,
    }
    (DATA / "last_grading.json").write_text(
        json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {out} ({len(rows)} lasts) and last_grading.json; "
          f"grading vs generator max difference {worst:.4f} mm")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
