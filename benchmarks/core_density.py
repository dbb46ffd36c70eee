r"""Time the measuring core (working set, isolate, align, measure) per stage against density.

Real-shaped scans (:mod:`footfit.bench.realshaped`: the real scans resampled with 0.3 mm
noise, generated into ``--folder``, never committed) and synthetic scans of the same sizes;
warm medians in this process, and the first call of a fresh interpreter (imports done, as
``FootFitter()`` does them, then one scan: the in-process "fresh" figure). Writes JSON in
the ``time_realshaped`` layout :mod:`benchmarks.plot_density` reads.

Usage::

    FOOTFIT_REALSCANS=../shared/realscans .venv/bin/python benchmarks/core_density.py \\
        [--sizes 50000,200000,1000000] [--repeat 5] [--fresh 3] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

_STAGES = ("load", "working_set", "isolate", "align", "measure")

_FRESH = """
import json, sys, time
from footfit.pipeline import FootFitter, prepare_long_running
if sys.argv[3] == "long":
    prepare_long_running()  # a kiosk or service loads scipy.spatial's Qhull at start-up
FootFitter()  # imports and tables, as a kiosk's fitter does at start-up
sys.path.insert(0, sys.argv[2])
from core_density import run_core
print(json.dumps(run_core(sys.argv[1])))
"""


def run_core(path: str) -> dict[str, float]:
    """Load a scan and run working set -> isolate -> align -> measure once; ms per stage."""
    from footfit.align import align_foot
    from footfit.clean import build_working_set, isolate_feet
    from footfit.io import load_scan
    from footfit.measure import measure_foot

    t = [time.perf_counter()]
    scan = load_scan(path)
    t.append(time.perf_counter())
    ws = build_working_set(scan.points, scan.normals)
    t.append(time.perf_counter())
    iso = isolate_feet(ws.points, normals=ws.normals, rng=0)
    t.append(time.perf_counter())
    aligned = [align_foot(f, up=iso.up, floor_plane=iso.floor_plane) for f in iso.feet]
    t.append(time.perf_counter())
    for al in aligned:
        measure_foot(al, weights=ws.counts[al.indices])
    t.append(time.perf_counter())
    out = {s: (b - a) * 1e3 for s, a, b in zip(_STAGES, t[:-1], t[1:], strict=True)}
    out["core"] = sum(out[s] for s in _STAGES[1:])
    out["working_points"] = float(len(ws.points))
    return out


def _case(path: Path, n: int, repeat: int, fresh: int, mode: str = "long") -> dict:
    run_core(str(path))  # warm-up
    runs = [run_core(str(path)) for _ in range(repeat)]
    med = {k: float(np.median([r[k] for r in runs])) for k in runs[0]}
    firsts = []
    for _ in range(fresh):
        out = subprocess.run([sys.executable, "-c", _FRESH, str(path), str(Path(__file__).parent),
                              mode],
                             check=True, capture_output=True, text=True)
        firsts.append(json.loads(out.stdout.strip().splitlines()[-1]))
    first = {k: float(np.median([r[k] for r in firsts])) for k in firsts[0]} if firsts else {}
    return {"points": n, "warm_ms": med, "fresh_ms": first,
            "ns_per_point": med["core"] * 1e6 / n,
            "core": {"median": med["core"]}}


def main(argv=None) -> int:
    """Run the timing from the command line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="50000,200000,1000000")
    ap.add_argument("--sources", default="orbbec-left,synthetic")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--fresh", type=int, default=3)
    ap.add_argument("--folder", type=Path, default=Path("bench_results/scans"))
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--one-shot", action="store_true",
                    help="time a process that never imports scipy (footfit process): the "
                         "3-D hulls of scans without a floor are numpy's, not Qhull's; by "
                         "default the process is a long-running one (prepare_long_running)")
    a = ap.parse_args(argv)
    mode = "one-shot" if a.one_shot else "long"
    if not a.one_shot:
        from footfit.pipeline import prepare_long_running

        prepare_long_running()
    elif "scipy.spatial" in sys.modules:
        raise SystemExit("--one-shot: scipy.spatial was imported before the timing")
    from footfit.bench import make_bench_scan
    from footfit.bench.realshaped import make_realshaped_scan

    a.folder.mkdir(parents=True, exist_ok=True)
    res: dict = {"load_before": os.getloadavg()}
    print(f"process: {mode} ({'no scipy' if a.one_shot else 'scipy.spatial loaded'})")
    for src in a.sources.split(","):
        for n in (int(float(s)) for s in a.sizes.split(",")):
            if src == "synthetic":
                path = make_bench_scan(n, a.folder)["ply"]
            else:
                path = make_realshaped_scan(src, n, a.folder)
                if path is None:
                    print(f"{src}: real scans not found (set FOOTFIT_REALSCANS); skipped")
                    break
            if a.one_shot and "scipy.spatial" in sys.modules:
                raise SystemExit("--one-shot: making the scans imported scipy.spatial; "
                                 "make them first with a run without --one-shot")
            c = _case(path, n, a.repeat, a.fresh, mode)
            res[f"{src}-{n}"] = c
            w, f = c["warm_ms"], c["fresh_ms"]
            stages = " ".join(f"{s} {w[s]:.0f}" for s in _STAGES)
            print(f"{src:>12s} {n:>8d}: core warm {w['core']:.0f} ms ({stages}; "
                  f"{w['working_points'] / 1000:.0f}k working points), fresh "
                  f"{f.get('core', float('nan')):.0f} ms (load {f.get('load', 0):.0f}), "
                  f"{c['ns_per_point']:.0f} ns/point", flush=True)
    res["load_after"] = os.getloadavg()
    print(f"load average before {res['load_before'][0]:.1f}, after {res['load_after'][0]:.1f}")
    if a.json:
        a.json.parent.mkdir(parents=True, exist_ok=True)
        a.json.write_text(json.dumps({"time_realshaped": {k: v for k, v in res.items()
                                                          if isinstance(v, dict)},
                                      "load": [res["load_before"], res["load_after"]]},
                                     indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
