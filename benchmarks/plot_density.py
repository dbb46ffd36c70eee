"""Plot cost per point and girth error against scan density (docs/density.png).

Usage::

    .venv/bin/python benchmarks/plot_density.py BENCH.json ACC_20000.json ACC_50000.json ...
        [--out docs/density.png]

``BENCH.json``: results of ``footfit bench`` (or of ``bench_realshaped``) holding
``time_realshaped``; ``ACC_*.json``: ``benchmarks/evaluate_measurements.py --points N
--json FILE`` runs (``--points 100000,50000,20000`` puts several densities in one
file). Left: isolate + align + measure time per input point (real-shaped and synthetic
scans, warm medians). Right: ball and instep girth MAE against the points per scan.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np


def _accuracy_sets(paths):
    """Rows of each fixed density in the evaluation JSON files (one or several per file)."""
    for path in paths:
        data = json.loads(path.read_text())
        if "densities" in data:  # several densities in one run
            for label, rows in data["densities"].items():
                if "-" not in label:  # a range (the dense set) has no one density
                    yield rows
        else:
            yield data["rows"]


def main(argv=None) -> int:
    """Draw the two panels from a bench JSON and evaluation JSONs."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("bench", type=Path)
    ap.add_argument("accuracy", type=Path, nargs="+")
    ap.add_argument("--out", type=Path, default=Path("docs/density.png"))
    a = ap.parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    bench = json.loads(a.bench.read_text())["time_realshaped"]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    series: dict[str, list[tuple[int, float]]] = {}
    for case, c in bench.items():
        if not isinstance(c, dict) or "points" not in c:
            continue
        src = case.rsplit("-", 1)[0]
        series.setdefault(src, []).append((c["points"], c["ns_per_point"]))
    for src, pts in sorted(series.items()):
        pts.sort()
        x, y = zip(*pts, strict=True)
        ax1.plot(x, np.asarray(y) / 1000.0, "o-", label=src)
    ax1.set_xscale("log")
    ax1.set_xlabel("points in the scan")
    ax1.set_ylabel("isolate + align + measure, us per point")
    ax1.set_title("cost per point (warm medians)")
    ax1.legend(fontsize=8)
    rows = []
    for data in _accuracy_sets(a.accuracy):
        ok = [r for r in data if "errors" in r]
        n = int(np.median([r["n_points"] for r in ok]))
        mae = {k: float(np.nanmean([abs(r["errors"][k]) for r in ok
                                    if r["errors"][k] is not None]))
               for k in ("ball_girth_mm", "instep_girth_mm")}
        rows.append((n, mae["ball_girth_mm"], mae["instep_girth_mm"], len(ok)))
    rows.sort()
    x = [r[0] for r in rows]
    ax2.plot(x, [r[1] for r in rows], "o-", label="ball girth")
    ax2.plot(x, [r[2] for r in rows], "s-", label="instep girth")
    ax2.axhline(1.5, color="grey", ls=":", lw=1)
    ax2.axhline(2.0, color="grey", ls="--", lw=1)
    ax2.set_xscale("log")
    ax2.set_ylim(bottom=0)
    ax2.set_xlabel("points in the scan (synthetic, 0.5 mm noise)")
    ax2.set_ylabel("MAE vs reference, mm")
    counts = [r[3] for r in rows]
    ax2.set_title(f"girth error ({min(counts)}-{max(counts)} scans per density)")
    ax2.legend(fontsize=8)
    fig.tight_layout()
    a.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(a.out, dpi=90)
    for r in rows:
        print(f"{r[0]:>8d} points: ball {r[1]:.2f} mm, instep {r[2]:.2f} mm ({r[3]} scans)")
    print(f"written {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
