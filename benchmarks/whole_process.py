r"""Time ``footfit process SCAN --json`` as a user runs it: whole fresh processes.

Each run is a new interpreter doing what the ``footfit`` console script does
(``footfit.app.cli.main`` with ``process SCAN --json``), timed from outside (wall clock, from
start to exit) and, from inside, split into: the time before the first stage (imports,
argument parsing, ``FootFitter()``), the report's own ``timings_ms`` per stage, and the time
after the last stage (JSON text, printing). The interpreter's own start and exit are the
wall time minus what the driver saw.

Whether footfit's modules have byte-code matters (~150 ms for ~80 modules): a pip-installed
wheel has its ``.pyc``; an editable checkout with ``PYTHONDONTWRITEBYTECODE=1`` recompiles
every module in every process. The script says which case it measured; ``--compile`` runs
``compileall`` on the package first.

Only the standard library is used here, so the script runs against any interpreter that has
footfit installed (``--python``), a wheel's as well as the development checkout's.

Usage::

    .venv/bin/python benchmarks/whole_process.py [SCAN] [--runs 7] [--compile] \\
        [--python PATH] [--no-fit] [--baseline DIR] [--json FILE]

``--baseline DIR`` times another footfit (a folder holding its ``footfit`` package, e.g.
``git archive OLD footfit | tar -x -C DIR``) in alternation with this one, for a ratio
measured in one run under the same load.

SCAN defaults to the Orbbec ``orbbec-6view/left.asc`` of the real scans
(``$FOOTFIT_REALSCANS`` or ``../shared/realscans``), else the bundled
``footfit/data/samples/demo_two_feet.ply``.
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
from typing import Any

HERE = Path(__file__).resolve().parent
_MARK = "@@whole_process@@"
# `python -c` puts its working folder first on sys.path: run where no footfit folder is, so
# that the interpreter's (or --baseline's) footfit is the one imported
_NEUTRAL_DIR = tempfile.gettempdir()

# the driver: the console script's work, with three clock readings and nothing else
_DRIVER = r"""
import time
t0 = time.perf_counter()
import json, sys
import footfit.pipeline as _p
_stamps = {}
_run_line = _p._run_line
def _timed(*a, **k):
    _stamps["first_stage"] = time.perf_counter()
    try:
        return _run_line(*a, **k)
    finally:
        _stamps["last_stage_end"] = time.perf_counter()
_p._run_line = _timed
from footfit.app.cli import main
sys.argv = ["footfit", *sys.argv[1:]]
rc = main()
t_end = time.perf_counter()
sys.stdout.flush()
print(MARK + json.dumps({"rc": rc, "before_ms": (_stamps["first_stage"] - t0) * 1e3,
      "after_ms": (t_end - _stamps["last_stage_end"]) * 1e3, "driver_ms": (t_end - t0) * 1e3}),
      file=sys.stderr)
""".replace("MARK", repr(_MARK))

_PYC_CHECK = r"""
import importlib.util, json, os, pathlib, footfit
root = pathlib.Path(footfit.__file__).parent
mods = [p for p in root.rglob("*.py")]
fresh = 0
for p in mods:
    c = pathlib.Path(importlib.util.cache_from_source(str(p)))
    if c.is_file() and c.stat().st_mtime >= p.stat().st_mtime:
        fresh += 1
print(json.dumps({"package": str(root), "modules": len(mods), "with_pyc": fresh,
                  "version": getattr(footfit, "__version__", "?")}))
"""


def default_scan(python: str) -> Path:
    """Return the Orbbec ``left.asc`` when the real scans are present, else the bundled sample."""
    roots = [os.environ.get("FOOTFIT_REALSCANS"), HERE.parent.parent / "shared" / "realscans",
             HERE.parent.parent.parent / "shared" / "realscans"]
    for root in roots:
        if root and (Path(root) / "orbbec-6view" / "left.asc").is_file():
            return Path(root) / "orbbec-6view" / "left.asc"
    out = subprocess.run(
        [python, "-c", "from footfit._data import model_path; "
         "print(model_path('samples/demo_two_feet.ply'))"],
        capture_output=True, text=True, check=True, cwd=_NEUTRAL_DIR)
    return Path(out.stdout.strip())


def pyc_state(python: str, env: dict[str, str]) -> dict[str, object]:
    """Return how many of footfit's modules have an up-to-date ``.pyc`` for ``python``."""
    out = subprocess.run([python, "-c", _PYC_CHECK], capture_output=True, text=True, env=env,
                         check=True, cwd=_NEUTRAL_DIR)
    return json.loads(out.stdout)


def compile_package(python: str, package: str) -> None:
    """Write the package's ``.pyc`` files (as ``pip install`` does for a wheel)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([python, "-m", "compileall", "-q", package], env=env, check=True,
                   stdout=subprocess.DEVNULL)


def one_run(python: str, scan: Path, extra: list[str], env: dict[str, str]) -> dict[str, object]:
    """Run one fresh process; return its wall time, driver stamps and the report's timings."""
    cmd = [python, "-c", _DRIVER, "process", str(scan), "--json", *extra]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=_NEUTRAL_DIR)
    wall = (time.perf_counter() - t0) * 1e3
    stamps = [ln for ln in proc.stderr.splitlines() if ln.startswith(_MARK)]
    if proc.returncode != 0 or not stamps:
        raise SystemExit(f"whole_process: run failed (exit {proc.returncode}):\n"
                         f"{proc.stderr.strip()[-2000:]}")
    inner = json.loads(stamps[-1][len(_MARK):])
    report = json.loads(proc.stdout)
    inner["wall_ms"] = wall
    inner["interpreter_ms"] = wall - inner["driver_ms"]  # start-up and exit of python
    inner["timings_ms"] = report["timings_ms"]
    return inner


def summarise(runs: list[dict[str, object]]) -> dict[str, object]:
    """Return the medians over the runs."""
    def med(values: list[float]) -> float:
        return round(statistics.median(values), 1)

    out: dict[str, object] = {
        key: med([float(r[key]) for r in runs])  # type: ignore[arg-type]
        for key in ("wall_ms", "interpreter_ms", "before_ms", "after_ms")
    }
    stages = list(runs[0]["timings_ms"])  # type: ignore[arg-type]
    out["stages_ms"] = {s: med([float(r["timings_ms"][s]) for r in runs])  # type: ignore[index]
                        for s in stages}
    out["wall_ms_all"] = [round(float(r["wall_ms"]), 1) for r in runs]  # type: ignore[arg-type]
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print the table (or JSON)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("scan", nargs="?", help="scan file (default: orbbec left.asc or a sample)")
    ap.add_argument("--runs", type=int, default=7, help="fresh processes (default 7)")
    ap.add_argument("--python", default=sys.executable,
                    help="interpreter with footfit installed (default: this one)")
    ap.add_argument("--compile", action="store_true",
                    help="compile footfit's modules to .pyc first (as pip does for a wheel)")
    ap.add_argument("--no-fit", action="store_true", help="pass --no-fit (no fit simulation)")
    ap.add_argument("--baseline", metavar="DIR",
                    help="a folder holding another footfit package (e.g. `git archive` of an "
                    "older commit): its runs alternate with this one's (PYTHONPATH=DIR), so "
                    "both medians and their ratio come from one run under the same load")
    ap.add_argument("--json", nargs="?", const="-", default=None, metavar="FILE",
                    help="write the results as JSON to FILE (or stdout without FILE)")
    args = ap.parse_args(argv)
    envs = {"current": dict(os.environ)}
    if args.baseline:
        envs["baseline"] = dict(os.environ, PYTHONPATH=str(Path(args.baseline).resolve()))
    states = {}
    for name, env in envs.items():
        states[name] = pyc_state(args.python, env)
        if args.compile:
            compile_package(args.python, str(states[name]["package"]))
            states[name] = pyc_state(args.python, env)
    scan = Path(args.scan).resolve() if args.scan else default_scan(args.python)
    extra = ["--no-fit"] if args.no_fit else []
    load_before = [round(v, 2) for v in os.getloadavg()]
    for env in envs.values():
        one_run(args.python, scan, extra, env)  # not counted: page cache, first disk reads
    runs: dict[str, list[dict[str, object]]] = {name: [] for name in envs}
    for _ in range(max(args.runs, 1)):  # alternating: both see the same machine
        for name, env in envs.items():
            runs[name].append(one_run(args.python, scan, extra, env))
    result: dict[str, object] = {
        "scan": str(scan), "runs": args.runs, "fit": not args.no_fit, "python": args.python,
        "PYTHONDONTWRITEBYTECODE": os.environ.get("PYTHONDONTWRITEBYTECODE", ""),
        "loadavg_before": load_before, "loadavg": [round(v, 2) for v in os.getloadavg()],
    }
    for name in envs:
        result[name] = {"pyc": states[name], **summarise(runs[name])}
    if args.baseline:
        result["wall_ratio"] = round(float(result["current"]["wall_ms"])  # type: ignore[index]
                                     / float(result["baseline"]["wall_ms"]), 3)  # type: ignore[index]
    if args.json:
        text = json.dumps(result, indent=2)
        if args.json == "-":
            print(text)
        else:
            Path(args.json).write_text(text + "\n", encoding="utf-8")
    if args.json != "-":
        print_table(result, list(envs))
    return 0


def print_table(r: dict[str, Any], names: list[str]) -> None:
    """Print the medians as a small table, one column per footfit."""
    print(f"scan: {r['scan']}  ({r['runs']} fresh processes each, fit "
          f"{'on' if r['fit'] else 'off'})")
    for name in names:
        pyc = r[name]["pyc"]
        print(f"{name}: footfit {pyc['version']} at {pyc['package']}: {pyc['with_pyc']} of "
              f"{pyc['modules']} modules have an up-to-date .pyc"
              + ("" if pyc["with_pyc"] == pyc["modules"]
                 else " (the rest compile in every process: try --compile)"))
    print(f"load average: before {r['loadavg_before']}, after {r['loadavg']}")
    print(f"{'median, ms':<28}" + "".join(f"{n:>12}" for n in names))
    rows = [("wall", "wall_ms"), ("  interpreter start + exit", "interpreter_ms"),
            ("  before the first stage", "before_ms")]
    for label, key in rows:
        print(f"{label:<28}" + "".join(f"{r[n][key]:12.1f}" for n in names))
    for stage in r[names[0]]["stages_ms"]:
        print(f"{'    ' + stage:<28}"
              + "".join(f"{r[n]['stages_ms'].get(stage, float('nan')):12.1f}" for n in names))
    print(f"{'  after the last stage':<28}" + "".join(f"{r[n]['after_ms']:12.1f}" for n in names))
    for name in names:
        print(f"{name} walls: {r[name]['wall_ms_all']}")
    if "wall_ratio" in r:
        print(f"wall ratio current / baseline: {r['wall_ratio']}")


if __name__ == "__main__":
    sys.exit(main())
