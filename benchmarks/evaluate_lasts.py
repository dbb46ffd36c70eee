"""Each foot in the custom last built from its own scan: pressure, score, toe room, bands.

Run: ``.venv/bin/python benchmarks/evaluate_lasts.py [SCAN ...] [--styles sport casual ...]``
(default: the real scans of ../shared/realscans, or $FOOTFIT_REALSCANS, plus the bundled
demo_right_m.ply). Prints one row per scan x style: the worst zone pressure (mm, over 1 cm^2),
the score, the toe room, the net ball and instep girth ease, the bottom width against the
foot's ball width, and the bands of the section table that are not ``ok``; then the pair
check on the bundled two-feet scan (one stock last and heel height, build-up maps).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

REAL = [("orbbec-6view/left.asc", "male"), ("orbbec-6view/right.asc", "male"),
        ("aetrex/left_foot.stl", "male")]


def main(argv: list[str] | None = None) -> int:
    """Print the table; return 0."""
    import footfit
    from footfit.fit import fit_foot
    from footfit.last import build_custom_last, generate_last

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("scans", nargs="*")
    ap.add_argument("--styles", nargs="+", default=["sport", "casual", "dress_round", "boot"])
    args = ap.parse_args(argv)
    root = Path(os.environ.get("FOOTFIT_REALSCANS", HERE.parent.parent / "shared" / "realscans"))
    scans = [(Path(s), None) for s in args.scans] or [
        (root / rel, sex) for rel, sex in REAL if (root / rel).is_file()]
    scans.append((HERE.parent / "sample_scans" / "demo_right_m.ply", "male"))
    print(f"{'scan':<28} {'style':<12} {'press':>5} {'score':>5} {'toe':>5} {'ball':>5} "
          f"{'inst':>5} {'W-B':>5} {'ms':>5}  not ok")
    for path, sex in scans:
        scan = footfit.load_scan(path)
        iso = footfit.isolate_feet(scan.points, normals=scan.normals, rng=0)
        foot = footfit.align_foot(iso.feet[0], up=iso.up, floor_plane=iso.floor_plane)
        m = footfit.measure_foot(foot).measurements
        for style in args.styles:
            t = time.perf_counter()
            custom = build_custom_last(foot, generate_last(m, style=style, sex=sex))
            fit = fit_foot(foot, custom, stock=False, measurements=m).custom
            ms = (time.perf_counter() - t) * 1e3
            rows = {r.name: r for r in fit.sections}
            bad = [f"{r.name} {r.ease_mm:+.1f} {r.band}" for r in fit.sections
                   if r.band not in ("ok", "no data")]
            name = f"{path.parent.name}/{path.name}"[-28:]
            print(f"{name:<28} {style:<12} {max(z.pressure_mm for z in fit.zones):5.1f} "
                  f"{fit.score:5.1f} {fit.room['toe_room_mm']:5.1f} "
                  f"{rows['ball_girth'].ease_mm:+5.1f} {rows['instep_girth'].ease_mm:+5.1f} "
                  f"{rows['bottom_width'].ease_mm:5.1f} {ms:5.0f}  {'; '.join(bad)}")
    report = footfit.process(HERE.parent / "sample_scans" / "demo_two_feet.ply", style="sport")
    d = report.to_dict()
    ids = {f["last"]["stock_last"]["id"] for f in d["feet"]}
    heels = {f["last"]["heel_height_mm"] for f in d["feet"]}
    print(f"\ndemo_two_feet.ply pair: stock lasts {sorted(ids)}, heel heights {sorted(heels)}")
    for f in d["feet"]:
        print(f"  {f['side']}: build-up mm {f['last']['build_up_mm']}; modifications "
              f"{f['last']['modifications']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
