"""What storing a fitting adds to ``footfit process`` (SQLite, the default store).

Run: ``.venv/bin/python benchmarks/records_store.py [--repeat 9] [--scans demo] [--out FILE]``

SQLite's durability is the store's default (``synchronous=NORMAL`` with WAL: commits survive
the process being killed; see :data:`footfit.records.config.SYNC_MODES`); set
``FOOTFIT_DB_SYNC=full`` to measure fsync'd commits. The load average before and after is
recorded with the timings: on a machine without a free core the helper's CPU time (the
SQLAlchemy import) competes with the fitting line and the CLI difference grows by it.

Cases, each on the bundled two-feet demo scan and a synthetic 200k-point scan:

- ``time_process_cli`` / ``time_process_cli_customer``: wall time of a fresh
  ``footfit process SCAN --json`` without and with ``--customer`` (a new SQLite database per
  run for the first fitting, then the same one), runs interleaved so machine load hits both
  alike. The added time is the difference of the medians (the target: at most 20 ms).
- ``cpu_process_cli`` / ``cpu_process_cli_customer``: the CPU time (user + system, the helper
  included) of the same runs, medians: what storing costs in CPU, which a machine with a
  free core runs beside the line and an oversubscribed one adds to its wall time.
- ``time_add_fitting``: :meth:`RecordStore.add_fitting` alone in a warm process (the insert,
  file hashing and copy), median.
- ``time_critical_path``: in a fresh ``footfit process``-like run, the time this process
  spends on storing: starting the helper before the line, plus the wait for the insert after
  the report (its JSON, which ``process`` makes anyway, not counted). On a machine with a free
  core this is what ``--customer`` adds; on an oversubscribed one the helper's CPU time (the
  SQLAlchemy import) competes with the line and the CLI difference above grows by it.
- ``time_import_store``: ``import footfit.records.store`` in a fresh interpreter (SQLAlchemy),
  which the CLI overlaps with the fitting line in a forked helper.

Results go to ``bench_results/records.json`` (medians and the ratio with/without).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOOTFIT = [sys.executable, "-m", "footfit"]


def _wall(cmd: list[str], env: dict[str, str], cpu: list[float] | None = None) -> float:
    """Return the wall time of ``cmd`` in ms.

    Its CPU time (ms, its children included) is appended to ``cpu``.
    """
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env, cwd=ROOT)
    wall = (time.perf_counter() - t0) * 1e3
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if cpu is not None:
        cpu.append((after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1e3)
    return wall


def _synthetic_scan(folder: Path) -> Path:
    path = folder / "synth_200k.ply"
    if not path.exists():
        subprocess.run(FOOTFIT + ["synth", "--n", "1", "--seed", "3", "--points", "200000",
                                  "--out", str(folder), "--prefix", "bench"], check=True,
                       stdout=subprocess.DEVNULL, cwd=ROOT)
        next(folder.glob("bench_0000.ply")).rename(path)
    return path


def bench_cli(scan: Path, repeat: int, work: Path) -> dict[str, float]:
    """Time fresh ``footfit process`` runs without and with ``--customer``, interleaved."""
    env = dict(os.environ)
    env.pop("FOOTFIT_DB", None)
    db = work / f"{scan.stem}.db"
    plain, stored, cpu_plain, cpu_stored = [], [], [], []
    _wall(FOOTFIT + ["process", str(scan), "--json"], env)  # warm the file cache
    for i in range(repeat):
        plain.append(_wall(FOOTFIT + ["process", str(scan), "--json"], env, cpu_plain))
        stored.append(_wall(FOOTFIT + ["process", str(scan), "--json", "--customer",
                                       f"B-{i}", "--db", str(db)], env, cpu_stored))
    p, s = statistics.median(plain), statistics.median(stored)
    cp, cs = statistics.median(cpu_plain), statistics.median(cpu_stored)
    return {"time_process_cli_ms": round(p, 1), "time_process_cli_customer_ms": round(s, 1),
            "added_ms": round(s - p, 1), "ratio": round(s / p, 3),
            "cpu_process_cli_ms": round(cp, 1), "cpu_process_cli_customer_ms": round(cs, 1),
            "cpu_added_ms": round(cs - cp, 1),
            "runs": repeat, "plain_all_ms": [round(v, 1) for v in plain],
            "customer_all_ms": [round(v, 1) for v in stored]}


def bench_add_fitting(scan: Path, repeat: int, work: Path) -> dict[str, float]:
    """Time :meth:`RecordStore.add_fitting` alone in a warm process."""
    from footfit.records.store import RecordStore

    report = json.loads(subprocess.run(FOOTFIT + ["process", str(scan), "--json"],
                                       check=True, capture_output=True, cwd=ROOT).stdout)
    with RecordStore(work / "warm.db") as store:
        store.add_fitting(scan, report, customer_id="W-0")
        times = []
        for i in range(repeat):
            t0 = time.perf_counter()
            store.add_fitting(scan, report, customer_id=f"W-{i % 3}")
            times.append((time.perf_counter() - t0) * 1e3)
    return {"time_add_fitting_ms": round(statistics.median(times), 2)}


_CRITICAL = """
import json, sys, time
from footfit.records.recording import Recording
from footfit.pipeline import process
scan, db = sys.argv[1:]
t0 = time.perf_counter()
rec = Recording(scan, "CP-1", db)
t1 = time.perf_counter()
report = process(scan)
t2 = time.perf_counter()
report.to_json()
t3 = time.perf_counter()
rec.store(report)
t4 = time.perf_counter()
print(json.dumps({"start_ms": (t1 - t0) * 1e3, "after_ms": (t4 - t3) * 1e3,
                  "line_ms": (t2 - t1) * 1e3}))
"""


def bench_critical_path(scan: Path, repeat: int, work: Path) -> dict[str, float]:
    """Time what a fresh process waits for because of storing (helper start + the insert)."""
    runs = [json.loads(subprocess.run([sys.executable, "-c", _CRITICAL, str(scan),
                                       str(work / "critical.db")], check=True,
                                      capture_output=True, text=True, cwd=ROOT).stdout)
            for _ in range(repeat)]
    total = [r["start_ms"] + r["after_ms"] for r in runs]
    return {"time_critical_path_ms": round(statistics.median(total), 1),
            "critical_start_ms": round(statistics.median(r["start_ms"] for r in runs), 1),
            "critical_after_report_ms": round(statistics.median(r["after_ms"] for r in runs),
                                              1)}


def bench_import(repeat: int) -> dict[str, float]:
    """Time ``import footfit.records.store`` in a fresh interpreter."""
    code = ("import time; t = time.perf_counter(); import footfit.records.store; "
            "print((time.perf_counter() - t) * 1e3)")
    times = [float(subprocess.run([sys.executable, "-c", code], check=True,
                                  capture_output=True, text=True, cwd=ROOT).stdout)
             for _ in range(repeat)]
    return {"time_import_store_ms": round(statistics.median(times), 1)}


def _load() -> list[float]:
    return [round(v, 2) for v in os.getloadavg()]


def main() -> int:
    """Run the cases, write the JSON results, print a summary."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=9)
    ap.add_argument("--out", default=str(ROOT / "bench_results" / "records.json"))
    ap.add_argument("--only-critical", action="store_true",
                    help="only the critical-path case (quick)")
    ap.add_argument("--cache", default=None, help="folder to keep the synthetic scan in")
    ap.add_argument("--scans", choices=("both", "demo", "synthetic"), default="both",
                    help="which scans to run (default both)")
    args = ap.parse_args()
    results: dict[str, object] = {
        "python": sys.version.split()[0], "cpus": os.cpu_count(), "load_before": _load(),
        "synchronous": os.environ.get("FOOTFIT_DB_SYNC") or "normal"}
    with tempfile.TemporaryDirectory(prefix="footfit-bench-records-") as tmp:
        work = Path(tmp)
        cache = Path(args.cache) if args.cache else work
        cache.mkdir(parents=True, exist_ok=True)
        scans = {}
        if args.scans in ("both", "demo"):
            scans["demo_two_feet"] = ROOT / "sample_scans" / "demo_two_feet.ply"
        if args.scans in ("both", "synthetic"):
            scans["synthetic_200k"] = _synthetic_scan(cache)
        for name, scan in scans.items():
            print(f"bench: {name} ...", file=sys.stderr, flush=True)
            if args.only_critical:
                results[name] = bench_critical_path(scan, args.repeat, work)
                continue
            results[name] = {**bench_cli(scan, args.repeat, work),
                             **bench_add_fitting(scan, args.repeat, work),
                             **bench_critical_path(scan, args.repeat, work)}
        results.update(bench_import(3 if args.only_critical else args.repeat))
    results["load_after"] = _load()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    for name in scans:
        r = results[name]
        if args.only_critical:
            print(f"{name}: critical path {r['time_critical_path_ms']} ms")
            continue
        print(f"{name}: process {r['time_process_cli_ms']} ms, with --customer "
              f"{r['time_process_cli_customer_ms']} ms: +{r['added_ms']} ms "
              f"(x{r['ratio']}); CPU time {r['cpu_process_cli_ms']} -> "
              f"{r['cpu_process_cli_customer_ms']} ms (+{r['cpu_added_ms']}); add_fitting "
              f"alone {r['time_add_fitting_ms']} ms; critical "
              f"path {r['time_critical_path_ms']} ms (helper start "
              f"{r['critical_start_ms']} + after the report {r['critical_after_report_ms']})")
    print(f"import footfit.records.store: {results['time_import_store_ms']} ms")
    print(f"synchronous={results['synchronous']}; load average (1, 5, 15 min) before "
          f"{results['load_before']}, after {results['load_after']}")
    print(f"results written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
