"""The ``footfit`` command line.

numpy, scipy and the heavy packages (open3d, trimesh) are imported only inside the commands
that need them, so ``footfit --help`` starts fast (~50 ms). The fitting line does not use
scikit-learn. Library code never prints; only this module does.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

__all__ = ["main"]

# exit codes and which error earns which: footfit/app/_errors.py (shared with batch and service)
from footfit.app._errors import (  # noqa: E402, F401 - footfit.app.cli.EXIT_* are public
    EXIT_BATCH_FAILURES,
    EXIT_INTERNAL,
    EXIT_INVALID_SCAN,
    EXIT_NO_FOOT,
    EXIT_OK,
    EXIT_USAGE,
    exit_code_for,
)
from footfit.app.cli_common import (  # noqa: E402
    add_fit_options,
    add_lang_option,
    fit_options,
    lang_kw,
    one_scan_gc,
    quick_exit,
)
from footfit.app.cli_tools import (  # noqa: E402
    add_insoles,
    add_last_params,
    add_stats,
    add_synth,
)
from footfit.exceptions import InvalidParameterError  # noqa: E402

if TYPE_CHECKING:
    from footfit.app.batch import BatchResult
    from footfit.options import FitOptions
    from footfit.report import FitReport

_EPILOG = """\
exit codes:
  0  success
  2  usage error (bad option or value)
  3  unreadable or invalid scan (missing, empty, corrupt, unknown format, wrong units)
  4  no foot found in the scan (a plane, a blob, noise...)
  5  batch: done, but some scans failed (their errors are in the summary)
"""


# --------------------------------------------------------------------------- info
def _add_info(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("info", help="describe a scan file: format, points, extent, units",
                       description="Read SCAN and print its format, point count, extent, the "
                       "units detected from the extent and anything odd about it, without "
                       "measuring a foot.")
    p.add_argument("scan", help="scan file (PLY, PCD, XYZ/ASC/TXT/CSV, OBJ, STL, OFF, NPY/NPZ)")
    p.add_argument("--units", default="auto", choices=["auto", "mm", "cm", "m", "in"],
                   help="units of the file's coordinates (default: detect from the extent)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(func=_run_info)


def _run_info(args: argparse.Namespace) -> int:
    import json

    from footfit.io import describe_scan

    info = describe_scan(args.scan, units=args.units)
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        width = max(len(k) for k in info)
        for key, value in info.items():
            if isinstance(value, bool):
                value = "yes" if value else "no"
            elif key == "warnings":
                value = "; ".join(value) if value else "none"
            print(f"{key:<{width}}  {value}")
    return EXIT_OK



# --------------------------------------------------------------------------- process
def _add_process(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("process", help="run the whole fitting line on one scan",
                       description="Measure, classify, size, match insoles and design a last "
                       "for the foot or feet in SCAN.")
    p.add_argument("scan", help="scan file (PLY, PCD, XYZ/ASC/TXT/CSV, OBJ, STL, OFF, NPY/NPZ)")
    add_fit_options(p)
    p.add_argument("--json", action="store_true",
                   help="print the report JSON on stdout (and nothing else)")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="also write the report JSON to FILE (atomically)")
    p.add_argument("--report", metavar="FILE.html",
                   help="also write the visual report: one self-contained HTML page (pictures, "
                   "tables, 3D view; opens without network)")
    p.add_argument("--png", metavar="FILE.png",
                   help="also write a one-image summary (needs matplotlib: footfit[report])")
    add_lang_option(p)
    p.add_argument("--no-fit", dest="simulate_fit", action="store_false",
                   help="leave out the fit simulation (the report's 'fit' section: each foot "
                   "tried in its own custom last and sized on the stock lasts of the style); "
                   "it is on by default")
    p.add_argument("--simulate-fit", dest="simulate_fit", action="store_true",
                   help=argparse.SUPPRESS)  # the old switch: the simulation is now the default
    p.add_argument("--last-out", metavar="FILE.stl",
                   help="also write the custom last as a mesh to mill (STL, PLY or OBJ by "
                   "extension; mm, the foot's canonical frame); with two feet one file per "
                   "foot, FILE_left.stl and FILE_right.stl")
    from footfit.records.cli import add_process_options

    add_process_options(p)  # --customer, --db
    p.set_defaults(func=_run_process)


def _check_writable(path: str) -> None:
    """Fail before the work when ``path`` cannot be written (its folder is missing)."""
    from pathlib import Path

    folder = Path(path).parent
    if not folder.is_dir():
        raise InvalidParameterError(
            f"{path}: cannot write the report: folder {folder} does not exist")
    if Path(path).is_dir():
        raise InvalidParameterError(f"{path}: is a folder; give a file name for the report")


def _run_process(args: argparse.Namespace) -> int:
    from footfit.pipeline import process
    from footfit.report import format_summary

    options = fit_options(args)  # validated before any file is touched
    _check_visual_outputs(args)
    if args.output:
        _check_writable(args.output)
    if getattr(args, "last_out", None):
        from footfit.last import last_mesh_path

        last_mesh_path(args.last_out, "right")  # bad extension or folder: fail before the work
    recording = None
    if getattr(args, "customer", None):  # store scan + fitting (footfit.records)
        from footfit.records.recording import Recording

        recording = Recording(args.scan, args.customer, args.db)
    try:
        report = process(args.scan, options)
        record = recording.store(report) if recording else None
    finally:
        if recording:
            recording.close()
    text = record.report_json if record else report.to_json()
    if args.output:
        from footfit._core.atomic import write_text_atomic  # (uuid, platform: ~7 ms)
        with _naming(args.output):
            write_text_atomic(args.output, text + "\n")
    lang = getattr(args, "lang", None)
    written = _write_visual_outputs(args, report)
    if getattr(args, "last_out", None):
        written.extend(_write_last_meshes(args.last_out, report))
    if args.json:
        print(text)
    else:
        print(format_summary(report, lang=lang))
        if args.output:
            print(f"\nreport written to {args.output}")
        for what, path in written:
            print(f"{what} written to {path}")
        if record:
            print(f"stored as fitting {record.id} of customer {record.customer_id}")
    return EXIT_OK


@contextlib.contextmanager
def _naming(path: str) -> Iterator[None]:
    """Make an ``OSError`` raised while writing ``path`` name it.

    Not the temporary file the writer went through (``.x.html.1f3a....tmp``).
    """
    try:
        yield
    except OSError as exc:
        why = f"cannot write it: {exc.strerror or exc}"
        raise type(exc)(exc.errno, why, str(path)) from exc


def _write_last_meshes(path: str, report: FitReport) -> list[tuple[str, str]]:
    from footfit.last import last_mesh_path, write_last_mesh

    feet = [f for f in report.feet if f.last is not None]
    out = []
    for foot in feet:
        target = last_mesh_path(path, foot.side, n_feet=len(feet))
        with _naming(target):
            if getattr(foot, "custom_last", None) is not None:  # the last built from the scan
                from footfit._core.atomic import write_atomic

                mesh = foot.custom_last.mesh
                ext = target.suffix.lower().lstrip(".")
                data = mesh.export(file_type=ext)
                write_atomic(target, [data if isinstance(data, bytes) else data.encode()])
                done = target
            else:
                done = write_last_mesh(foot.last, target, side=foot.side)
        out.append((f"{foot.side} last mesh", str(done)))
    return out


def _check_visual_outputs(args: argparse.Namespace) -> None:
    """Fail before the (long) processing when --report/--png cannot be written."""
    import importlib.util
    from pathlib import Path

    from footfit.exceptions import FootfitError

    for opt in ("report", "png"):
        path = getattr(args, opt, None)
        if path and not Path(path).resolve().parent.is_dir():
            raise FileNotFoundError(f"--{opt} {path}: folder {Path(path).parent} does not exist")
    if getattr(args, "png", None) and importlib.util.find_spec("matplotlib") is None:
        raise FootfitError("--png needs matplotlib: pip install 'footfit[report]'")


def _write_visual_outputs(args: argparse.Namespace,
                          report: FitReport) -> list[tuple[str, str]]:
    written = []
    if getattr(args, "report", None):
        from footfit.visual import write_html

        with _naming(args.report):
            written.append(("visual report", str(write_html(report, args.report,
                                                            **lang_kw(args)))))
    if getattr(args, "png", None):
        from footfit.visual import write_png

        with _naming(args.png):
            written.append(("summary image", str(write_png(report, args.png,
                                                           **lang_kw(args)))))
    return written


# --------------------------------------------------------------------------- batch
def _add_batch(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("batch", help="process every scan in a folder or glob, resumably",
                       description="Process every scan under DIR_OR_GLOB in parallel. Results: "
                       "OUT/results.jsonl (one JSON line per scan, written as each finishes) "
                       "and OUT/summary.csv. Re-running skips scans already recorded; a scan "
                       "that fails is recorded with its error and the batch goes on.")
    p.add_argument("target", metavar="DIR_OR_GLOB", help="folder (searched recursively) or glob")
    p.add_argument("--out", required=True, metavar="RESULTS", help="output folder")
    p.add_argument("--workers", type=int, default=None,
                   help="processes working on scans at once, this one included (default: 1)")
    add_fit_options(p)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_batch_engine(p)
    p.set_defaults(func=_run_batch)


def _add_batch_engine(p: argparse.ArgumentParser) -> None:  # issue #19: batch on Dask
    p.add_argument("--engine", choices=("local", "dask"), default=None,
                   help="local: worker processes of this machine (default); dask: Dask "
                   "distributed, a LocalCluster of --workers processes or the cluster at "
                   "--scheduler (needs footfit[dask])")
    p.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="Dask scheduler to run on, e.g. tcp://10.0.0.5:8786 (implies --engine "
                   "dask; its workers must see the scans at the same paths)")


def _progress_printer(quiet: bool) -> Callable[[int, int, int, str], None] | None:
    if quiet:
        return None
    tty = sys.stderr.isatty()
    t0 = __import__("time").perf_counter()

    def show(done: int, total: int, failed: int, scan: str) -> None:
        elapsed = __import__("time").perf_counter() - t0
        width = 30
        filled = int(width * done / max(total, 1))
        bar = "#" * filled + "." * (width - filled)
        line = f"[{bar}] {done}/{total} scans, {failed} failed, {elapsed:.1f} s"
        if tty:
            print("\r" + line, end="" if done < total else "\n", file=sys.stderr, flush=True)
        else:
            print(line, file=sys.stderr, flush=True)

    return show


def _run_batch(args: argparse.Namespace) -> int:
    from footfit.app.batch import run_batch

    options = fit_options(args)
    if args.engine == "dask" or args.scheduler is not None:
        result = _run_batch_dask(args, options)
    else:
        result = run_batch(args.target, args.out, workers=args.workers or 1, options=options,
                           progress=_progress_printer(args.quiet))
    rate = (f"{result.scans_per_second:.2f} scans/s" if result.processed
            else "nothing left to do")
    print(
        f"{result.total} scans: {result.processed} processed ({result.failed} failed in this "
        f"run), {result.skipped} already done; {rate}\n"
        f"results: {result.results_path}\nsummary: {result.summary_path}"
    )
    if result.failed_total:
        print(f"footfit batch: {result.failed_total} of {result.total} scans failed; their "
              f"errors are in {result.summary_path}", file=sys.stderr)
        return EXIT_BATCH_FAILURES
    return EXIT_OK


def _run_batch_dask(args: argparse.Namespace, options: FitOptions) -> BatchResult:
    from footfit.app.batch_dask import run_batch_dask

    if args.engine == "local":
        raise InvalidParameterError("--scheduler runs the batch on Dask: drop --engine local")
    if args.scheduler is not None and args.workers is not None:
        raise InvalidParameterError("--workers sizes the LocalCluster; the cluster at "
                                    "--scheduler has its own workers (start more with "
                                    "`dask worker`)")
    try:
        return run_batch_dask(args.target, args.out, scheduler=args.scheduler,
                              workers=args.workers or 1, options=options,
                              progress=_progress_printer(args.quiet))
    except ImportError as exc:  # the dask extra is not installed
        from footfit.exceptions import FootfitError

        raise FootfitError(str(exc)) from exc


# --------------------------------------------------------------------------- serve
def _add_serve(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve", help="run the local kiosk HTTP service (needs footfit[serve])",
        description="HTTP service for kiosk apps: GET / is the kiosk page (drop a scan, "
        "choose style, fit, language and customer, see the report); POST /v1/fit (multipart "
        "scan upload plus "
        "style/fit/units/sex) returns the report JSON; GET /v1/fit/ID/report.html the visual "
        "report; GET /healthz; OpenAPI at /openapi.json and /docs. Listens on loopback only "
        "unless --host says otherwise.",
    )
    p.add_argument("--host", default="127.0.0.1",
                   help="interface to listen on (default: 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=8000, help="TCP port (default: 8000)")
    p.add_argument("--max-upload-mb", type=float, default=200.0,
                   help="largest scan upload accepted, MB (default: 200)")
    p.add_argument("--timeout", type=float, default=60.0,
                   help="seconds allowed per scan, queueing included (default: 60)")
    p.add_argument("--workers", type=int, default=2,
                   help="scans processed at once (default: 2)")
    p.add_argument("--cache", type=int, default=16,
                   help="recent reports kept for the HTML/PNG endpoints, about 3 MB per foot "
                   "(default: 16)")
    p.add_argument("--db", metavar="URL", default=None,
                   help="records database for requests with a customer (see footfit records)")
    p.set_defaults(func=_run_serve)


def _run_serve(args: argparse.Namespace) -> int:
    import ipaddress

    from footfit.app.service import ServiceConfig, run_server

    if not 0 <= args.port <= 65535:
        raise InvalidParameterError(f"--port must be 0-65535; got {args.port}")
    if args.max_upload_mb <= 0:
        raise InvalidParameterError(f"--max-upload-mb must be > 0; got {args.max_upload_mb}")
    config = ServiceConfig(max_upload_bytes=int(args.max_upload_mb * 1024 * 1024),
                           timeout_s=args.timeout, workers=args.workers, cache_size=args.cache,
                           db=args.db)
    try:
        loopback = ipaddress.ip_address(args.host).is_loopback
    except ValueError:
        loopback = args.host == "localhost"
    if not loopback:
        print(f"footfit: warning: listening on {args.host}: other machines can send scans "
              "(there is no authentication)", file=sys.stderr)
    try:
        run_server(args.host, args.port, config=config)
    except (ImportError, OSError) as exc:
        from footfit.exceptions import FootfitError

        raise FootfitError(str(exc)) from exc
    return EXIT_OK


# --------------------------------------------------------------------------- demo
def _add_demo(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="run the whole line on a bundled sample scan",
                       description="Run the whole fitting line on the bundled sample scan "
                       "sample_scans/demo_two_feet.ply (two synthetic feet in one cloud) and "
                       "print the summary: what `footfit process SCAN` does for your scans.")
    p.add_argument("--json", action="store_true", help="print the report JSON instead")
    add_lang_option(p)
    p.set_defaults(func=_run_demo)


def _run_demo(args: argparse.Namespace) -> int:
    from footfit.pipeline import process
    from footfit.report import format_summary

    scan = demo_scan_path()
    report = process(scan)
    print(report.to_json() if args.json
          else format_summary(report, lang=getattr(args, "lang", None)))
    return EXIT_OK


# The bundled sample lives in footfit/data/samples (package data, so an installed wheel has it).
from footfit._data import DEMO_SCAN, demo_scan_path  # noqa: E402, F401


# --------------------------------------------------------------------------- bench
def _add_bench(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="time the fitting line (medians, per stage) and write JSON",
                       description="Benchmarks: per-stage medians for 50k/200k/1M-point scans "
                       "(binary PLY and ASCII XYZ), import/--help/process wall time, batch "
                       "throughput, peak memory, and footfit's stages beside library "
                       "equivalents. Same as `python benchmarks/run.py`.")
    p.add_argument("--sizes", default="50k,200k,1M", help="comma list of 50k, 200k, 1M")
    p.add_argument("--repeat", type=int, default=7, help="timed repetitions per case")
    p.add_argument("--batch-scans", type=int, default=16, help="scans in the batch case")
    p.add_argument("--cache", default=None, help="folder to keep the generated scans in")
    p.add_argument("--quick", action="store_true",
                   help="pipeline cases only (no process, batch, memory or ratio cases)")
    p.add_argument("--no-realshaped", dest="realshaped", action="store_false",
                   help="skip the real-shaped cases (real scans resampled to 50k-1M points)")
    p.add_argument("--out", default="bench_results/latest.json", help="JSON results file")
    p.set_defaults(func=_run_bench)


def _run_bench(args: argparse.Namespace) -> int:
    from footfit.bench import format_table, run_benchmarks, write_results

    if args.repeat < 1:
        raise InvalidParameterError(f"--repeat must be >= 1; got {args.repeat}")
    results = run_benchmarks(
        sizes=[s.strip() for s in args.sizes.split(",") if s.strip()], repeat=args.repeat,
        batch_scans=args.batch_scans, cache=args.cache, quick=args.quick,
        realshaped=args.realshaped,
        progress=lambda msg: print(f"bench: {msg}", file=sys.stderr, flush=True),
    )
    path = write_results(results, args.out)
    print(format_table(results))
    print(f"\nresults written to {path}")
    return EXIT_OK


# --------------------------------------------------------------------------- size
def _add_size(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "size", help="shoe sizes in every system from a foot length, or convert a size",
        description="Print EU/UK/US/JP/Mondopoint/Chinese sizes and width classes for a "
        "foot length (mm), or for the foot a given size is meant for (--from).",
    )
    p.add_argument("foot_length_mm", nargs="?", type=float, metavar="FOOT_LENGTH_MM",
                   help="foot length in mm")
    p.add_argument("--from", dest="from_size", nargs=2, metavar=("SYSTEM", "SIZE"),
                   help="start from a size instead: e.g. --from eu 42 (eu, uk, us_men, "
                   "us_women, mondopoint, jp_cm, cn)")
    p.add_argument("--ball-girth", type=float, metavar="MM", help="ball girth (width classes)")
    p.add_argument("--ball-width", type=float, metavar="MM", help="ball width (Mondopoint)")
    p.add_argument("--sex", default=None, choices=["male", "female"],
                   help="width calibration (default: both sexes pooled)")
    p.add_argument("--profile", default="iso",
                   help="size convention: iso, iso_us_standard or cn_retail (default: iso)")
    p.add_argument("--child", action="store_true", help="use the children's scales")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_run_size)


def _run_size(args: argparse.Namespace) -> int:
    import json

    from footfit.sizes import compute_sizes, foot_length_from_size

    if (args.foot_length_mm is None) == (args.from_size is None):
        raise InvalidParameterError("give either FOOT_LENGTH_MM or --from SYSTEM SIZE")
    fl = args.foot_length_mm
    if args.from_size is not None:
        system, size = args.from_size
        system = system.lower()  # EU, eu, Eu
        fl = foot_length_from_size(size, system=system, profile=args.profile,
                                   child=True if args.child else None)
    s = compute_sizes(fl, ball_girth_mm=args.ball_girth, ball_width_mm=args.ball_width,
                      profile=args.profile, sex=args.sex, child=True if args.child else None)
    if args.json:
        print(json.dumps(s.to_dict(), ensure_ascii=False, indent=2))
        return EXIT_OK
    from footfit.advice import size_line

    print(f"foot length {s.foot_length_mm:.1f} mm ({'children' if s.child else 'adult'}, "
          f"profile {s.profile})")
    print(f"  {size_line(s.to_dict())} · Mondopoint {s.mondopoint}")
    for note in s.notes:
        print(f"  note: {note}")
    return EXIT_OK


# --------------------------------------------------------------------------- main
def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``footfit`` command."""
    from footfit import __version__

    parser = argparse.ArgumentParser(
        prog="footfit",
        description="Scan-to-spec shoe fitting: measure a 3D foot scan, size it, match "
        "insoles and design a shoe last.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"footfit {__version__}")
    parser.add_argument("--debug", action="store_true",
                        help="show the full traceback when an error occurs")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for add in _COMMANDS:
        add(sub)
    for command in sub.choices.values():  # main() takes it anywhere; each help says so
        command.add_argument("--debug", action="store_true",
                             help="show the full traceback when an error occurs")
    return parser


def _add_records(sub: argparse._SubParsersAction) -> None:
    from footfit.records.cli import add_order, add_records

    add_records(sub)
    add_order(sub)


_COMMANDS = [_add_process, _add_batch, _add_demo, _add_info, _add_bench, _add_size,
             add_last_params, _add_serve, add_synth, add_insoles, _add_records, add_stats]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``footfit`` command line and return its exit code."""
    if program := argv is None:  # the console script, python -m footfit: the process ends
        quick_exit()
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    # --debug is accepted anywhere before a lone "--", not only before the command
    cut = argv.index("--") if "--" in argv else len(argv)
    debug = "--debug" in argv[:cut]
    argv = [a for a in argv[:cut] if a != "--debug"] + argv[cut:]
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    args.debug = debug
    if program and args.command == "process":
        one_scan_gc()
    try:
        return int(args.func(args))
    except BrokenPipeError:  # `footfit ... | head` closed stdout: stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except KeyboardInterrupt:
        print("footfit: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        code = exit_code_for(exc, caller_input=True)  # a path or value the user typed
        if code == EXIT_INTERNAL:
            raise  # a bug: show the traceback
        return _fail(args, exc, code)


def _fail(args: argparse.Namespace, exc: BaseException, code: int) -> int:
    if getattr(args, "debug", False):
        import traceback

        traceback.print_exception(exc)
    if isinstance(exc, OSError) and exc.filename is not None:
        message = f"{exc.filename}: {exc.strerror or exc}"
    else:
        message = " ".join(str(exc).split())  # always one line
    scan = getattr(args, "scan", None)
    from footfit.exceptions import InvalidMeasurementError

    about_scan = code in (EXIT_INVALID_SCAN, EXIT_NO_FOOT) \
        or isinstance(exc, InvalidMeasurementError)  # a value measured on the scan
    if about_scan and isinstance(scan, str) and scan not in message:
        message = f"{scan}: {message}"  # every scan error names its file
    print(f"footfit: error: {message}", file=sys.stderr)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

