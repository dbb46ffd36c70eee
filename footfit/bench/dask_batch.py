"""Benchmark ``footfit batch --engine dask`` against the local engine.

``footfit batch --engine dask`` (LocalCluster, 2 workers) against the local engine (2 workers) on
the same 48 scans, and the Dask scheduler's overhead per scan.

Run with ``python benchmarks/dask_batch.py`` (writes ``bench_results/dask_batch.json``).

Cases
-----
- ``batch[local|dask]``: fresh ``footfit batch`` processes, timed whole (interpreter, imports,
  worker or cluster start-up included, as a user pays them), run alternately
  (local, dask, local, dask, ...) so that others' load falls on both sides; the ratio is the
  median of the per-pair ratios of throughput (dask / local).
- ``overhead``: on a warm LocalCluster of 2 single-threaded workers, tasks that do no work and
  return a record-sized result (14 kB), handed out as the engine does (bounded in flight,
  collected as completed): wall time per task with both workers busy, and the round trip of
  one task at a time. What the scheduler adds to each scan.
- ``startup_s``: LocalCluster start plus the workers' warm-up (imports, fitter).
- ``cpu_s``: CPU time of each batch's whole process tree: on a shared machine, where the
  wall-clock ratio moves with others' load, what each engine itself costs per scan.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["bench_dask_batch", "format_dask_table", "make_batch_scans"]

_PAYLOAD = "x" * 14_000  # a batch record is ~14 kB of JSON


def make_batch_scans(folder: Path, n_scans: int = 16, copies: int = 3) -> Path:
    """Write ``n_scans`` synthetic 100k-point scans, ``copies`` files each.

    The copies are distinct to the batch: the recipe of :func:`footfit.bench.bench_batch`.
    Returns the folder of the copies.
    """
    from footfit.io import save_scan
    from footfit.synth import sample_population, simulate_scan

    scans = folder / "batch_scans"
    scans.mkdir(parents=True, exist_ok=True)
    for i, params in enumerate(sample_population(n_scans, rng=123)):
        path = scans / f"scan_{i:03d}.ply"
        if not path.exists():
            sim = simulate_scan(params, n_points=100_000, rng=i)
            save_scan(sim.points, path, normals=sim.normals)
    work = folder / f"batch_work_{n_scans}x{copies}"
    work.mkdir(exist_ok=True)
    for src in sorted(scans.glob("scan_*.ply"))[:n_scans]:
        for j in range(copies):
            dst = work / f"{src.stem}_{j}.ply"
            if not dst.exists():
                shutil.copyfile(src, dst)
    return work


def _run_batch_process(work: Path, engine: str, workers: int) -> dict[str, Any]:
    cmd = [sys.executable, "-c", "from footfit.app.cli import main; raise SystemExit(main())",
           "batch", str(work), "--quiet", "--workers", str(workers), "--engine", engine,
           "--out"]
    import resource

    with tempfile.TemporaryDirectory() as res:
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run([*cmd, res], capture_output=True, text=True)
        wall = time.perf_counter() - t0
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        recs = [json.loads(x) for x in
                (Path(res) / "results.jsonl").read_text().splitlines()]
    busy = sum(float(r.get("seconds", 0.0)) for r in recs)
    # CPU of the whole process tree (workers, scheduler, nannies): what the engine costs
    # whatever else the machine runs
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return {"scans_per_second": len(recs) / wall, "elapsed_s": wall, "scans": len(recs),
            "cpu_s": cpu, "cpu_s_per_scan": cpu / max(len(recs), 1),
            "failed": sum(r.get("status") != "ok" for r in recs),
            "exit_code": proc.returncode, "busy_s": busy,
            "stderr_tail": proc.stderr.strip().splitlines()[-1:] if proc.returncode else []}


def _noop(i: int) -> dict[str, Any]:
    return {"i": i, "payload": _PAYLOAD}


def _overhead(n_tasks: int, workers: int) -> dict[str, Any]:
    import logging

    from distributed import Client, LocalCluster, as_completed

    from footfit.app.batch_dask import prepare_worker

    t0 = time.perf_counter()
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address=None,
                           silence_logs=logging.ERROR)
    client = Client(cluster)
    try:
        client.run(prepare_worker, {})
        startup = time.perf_counter() - t0
        out: dict[str, Any] = {"startup_s": startup, "tasks": n_tasks}
        for label, cap in (("parallel", 4 * workers), ("one_at_a_time", 1)):
            n = n_tasks if cap > 1 else max(n_tasks // 4, 20)
            t0 = time.perf_counter()
            inflight = 0
            it = None
            for i in range(n):
                fut = client.submit(_noop, i, pure=False)
                if it is None:
                    it = as_completed([fut])
                else:
                    it.add(fut)
                inflight += 1
                while inflight >= cap:
                    next(it).result()
                    inflight -= 1
            while inflight:
                next(it).result()
                inflight -= 1
            out[f"{label}_ms_per_task"] = 1000 * (time.perf_counter() - t0) / n
        return out
    finally:
        client.close()
        cluster.close()


def bench_dask_batch(folder: Path, *, n_scans: int = 16, copies: int = 3, repeat: int = 3,
                     workers: int = 2, overhead_tasks: int = 400) -> dict[str, Any]:
    """Run the cases (see the module docstring); return JSON-ready results."""
    work = make_batch_scans(folder, n_scans, copies)
    runs: dict[str, list[dict[str, Any]]] = {"local": [], "dask": []}
    for _ in range(max(1, repeat)):
        for engine in ("local", "dask"):
            runs[engine].append(_run_batch_process(work, engine, workers))
    out: dict[str, Any] = {"scans": n_scans * copies, "points_per_scan": 100_000,
                           "workers": workers, "repeat": repeat, "cpu_count": os.cpu_count()}
    for engine, rs in runs.items():
        mid = sorted(rs, key=lambda x: x["scans_per_second"])[len(rs) // 2]
        out[f"batch_{engine}"] = {**mid, "runs_scans_per_second":
                                  [x["scans_per_second"] for x in rs]}
    pairs = [d["scans_per_second"] / a["scans_per_second"]
             for a, d in zip(runs["local"], runs["dask"], strict=True)]
    out["cpu_ratio_dask_to_local"] = float(np.median(
        [d["cpu_s"] / a["cpu_s"] for a, d in zip(runs["local"], runs["dask"], strict=True)]))
    out["ratio_dask_to_local"] = float(np.median(pairs))
    out["ratio_dask_to_local_runs"] = pairs
    out["overhead"] = _overhead(overhead_tasks, workers)
    return out


def format_dask_table(r: dict[str, Any]) -> str:
    """Format :func:`bench_dask_batch` results as a plain-text table."""
    lines = [f"{r['scans']} scans of {r['points_per_scan'] // 1000}k points, {r['workers']} "
             f"workers, {r['repeat']} alternating runs (medians), {r['cpu_count']} CPUs"]
    for engine in ("local", "dask"):
        b = r[f"batch_{engine}"]
        lines.append(f"  batch[{engine}]  {b['scans_per_second']:.2f} scans/s  "
                     f"({b['elapsed_s']:.1f} s wall, {b['busy_s']:.1f} s inside scans, "
                     f"{b['failed']} failed; CPU {b['cpu_s_per_scan']:.2f} s per scan)")
    lines.append(f"  ratio dask/local  {r['ratio_dask_to_local']:.2f} x  (runs: "
                 + ", ".join(f"{x:.2f}" for x in r["ratio_dask_to_local_runs"]) + ")")
    lines.append(f"  CPU dask/local  {r['cpu_ratio_dask_to_local']:.2f} x  (process trees, "
                 "workers and scheduler included)")
    o = r["overhead"]
    lines.append(f"  scheduler overhead per scan  {o['parallel_ms_per_task']:.2f} ms (2 "
                 f"workers busy), {o['one_at_a_time_ms_per_task']:.2f} ms round trip")
    lines.append(f"  LocalCluster start + worker warm-up  {o['startup_s']:.1f} s")
    return "\n".join(lines)
