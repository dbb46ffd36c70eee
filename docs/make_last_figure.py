"""Draw docs/last_fit.png: a foot inside the custom last built from its own scan.

Run: ``.venv/bin/python docs/make_last_figure.py [SCAN] [--style sport]`` (default: the
bundled ``sample_scans/demo_right_m.ply``). Side view and top view of the last's surface
(grey) with the foot's points coloured by their clearance in the fit simulation (blue: room,
red: the last would press), and the ball and instep cross-sections.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def main(argv: list[str] | None = None) -> int:
    """Write the figure; return 0."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import footfit
    from footfit.fit import fit_foot
    from footfit.last import build_custom_last, generate_last

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("scan", nargs="?", default=str(HERE.parent / "sample_scans" /
                                                   "demo_right_m.ply"))
    ap.add_argument("--style", default="sport")
    ap.add_argument("--sex", default="male")
    ap.add_argument("--out", default=str(HERE / "last_fit.png"))
    args = ap.parse_args(argv)

    scan = footfit.load_scan(args.scan)
    iso = footfit.isolate_feet(scan.points, normals=scan.normals, rng=0)
    foot = footfit.align_foot(iso.feet[0], up=iso.up, floor_plane=iso.floor_plane)
    m = footfit.measure_foot(foot).measurements
    custom = build_custom_last(foot, generate_last(m, style=args.style, sex=args.sex))
    fit = fit_foot(foot, custom, stock=False, measurements=m).custom
    v = np.asarray(custom.mesh.vertices)
    if custom.params.side == "left":
        v = v * np.array([-1.0, 1.0, 1.0])
    p = fit.points_placed
    c = np.clip(fit.clearance_mm, -3.0, 6.0)
    shoe = fit.zone != 5
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6), gridspec_kw={"width_ratios": [3, 3, 1.4]})
    for ax, (i, j), title in ((axes[0], (1, 2), "side (medial view)"),
                              (axes[1], (1, 0), "top")):
        ax.scatter(v[:, i], v[:, j], s=0.3, c="0.75", rasterized=True)
        sc = ax.scatter(p[shoe, i], p[shoe, j], s=0.6, c=c[shoe], cmap="coolwarm_r",
                        vmin=-3.0, vmax=6.0, rasterized=True)
        ax.set_aspect("equal")
        ax.set_title(f"{title}: last (grey), foot by clearance")
        ax.set_xlabel("y (mm, heel to toe)")
        ax.set_ylabel("z (mm)" if j == 2 else "x (mm, lateral +)")
    fig.colorbar(sc, ax=axes[1], shrink=0.8, label="clearance, mm (negative = pressed)")
    ax = axes[2]
    meta = custom.mesh.metadata["last"]
    y1 = meta["stations_y_mm"]["mth1"]
    near_l = np.abs(v[:, 1] - y1) < 1.3
    near_f = (np.abs(p[:, 1] - y1) < 1.0) & shoe
    ax.scatter(v[near_l, 0], v[near_l, 2], s=2, c="0.4", label="last")
    ax.scatter(p[near_f, 0], p[near_f, 2], s=2, c="tab:blue", label="foot (on its insole)")
    ax.set_aspect("equal")
    ax.set_title("section at MTH1")
    ax.legend(loc="upper right", fontsize=8)
    rows = {r.name: r for r in fit.sections}
    fig.suptitle(
        f"custom {args.style} last from {Path(args.scan).name}: score {fit.score:.0f}/100, "
        f"toe room {fit.room['toe_room_mm']:.0f} mm, ball girth ease "
        f"{rows['ball_girth'].ease_mm:+.1f} mm net ({rows['ball_girth'].band}), worst "
        f"pressure {max(z.pressure_mm for z in fit.zones):.1f} mm")
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
