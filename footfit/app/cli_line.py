"""The ``footfit`` commands that run the fitting line: process, batch and serve."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

from footfit.app._errors import EXIT_BATCH_FAILURES, EXIT_OK
from footfit.app.cli_common import add_fit_options, add_lang_option, fit_options, lang_kw
from footfit.exceptions import InvalidParameterError

if TYPE_CHECKING:
    from footfit.app.batch import BatchResult
    from footfit.options import FitOptions

__all__ = ["add_batch", "add_process", "add_serve"]


# --------------------------------------------------------------------------- process
def add_process(sub: argparse._SubParsersAction) -> None:
    """Add ``footfit process``: the whole line on one scan."""
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
    from footfit.files import write_text_atomic
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
        from footfit.records.cli import Recording

        recording = Recording(args.scan, args.customer, args.db)
    try:
        report = process(args.scan, options)
        record = recording.store(report) if recording else None
    finally:
        if recording:
            recording.close()
    text = record.report_json if record else report.to_json()
    if args.output:
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
def _naming(path) -> Iterator[None]:
    """Make an ``OSError`` raised while writing ``path`` name it.

    Not the temporary file the writer went through (``.x.html.1f3a....tmp``).
    """
    try:
        yield
    except OSError as exc:
        why = f"cannot write it: {exc.strerror or exc}"
        raise type(exc)(exc.errno, why, str(path)) from exc


def _write_last_meshes(path: str, report) -> list[tuple[str, str]]:
    from footfit.last import last_mesh_path, write_last_mesh

    feet = [f for f in report.feet if f.last is not None]
    out = []
    for foot in feet:
        target = last_mesh_path(path, foot.side, n_feet=len(feet))
        with _naming(target):
            if getattr(foot, "custom_last", None) is not None:  # the last built from the scan
                from footfit.files import write_bytes_atomic

                mesh = foot.custom_last.mesh
                ext = target.suffix.lower().lstrip(".")
                data = mesh.export(file_type=ext)
                write_bytes_atomic(target, data if isinstance(data, bytes) else data.encode())
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


def _write_visual_outputs(args: argparse.Namespace, report) -> list[tuple[str, str]]:
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
def add_batch(sub: argparse._SubParsersAction) -> None:
    """Add ``footfit batch``: every scan of a folder or glob, resumably."""
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


def _progress_printer(quiet: bool):
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
def add_serve(sub: argparse._SubParsersAction) -> None:
    """Add ``footfit serve``: the local kiosk HTTP service."""
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
