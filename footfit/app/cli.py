"""The ``footfit`` command line.

numpy, scipy and the heavy packages (open3d, trimesh) are imported only inside the commands
that need them, so ``footfit --help`` starts fast (~50 ms). The fitting line does not use
scikit-learn. Library code never prints; only this module does.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

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
from footfit.app.cli_common import add_lang_option  # noqa: E402
from footfit.app.cli_line import add_batch, add_process, add_serve  # noqa: E402
from footfit.app.cli_tools import (  # noqa: E402
    add_bench,
    add_insoles,
    add_last_params,
    add_size,
    add_stats,
    add_synth,
)

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


_COMMANDS = [add_process, add_batch, _add_demo, _add_info, add_bench, add_size,
             add_last_params, add_serve, add_synth, add_insoles, _add_records, add_stats]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``footfit`` command line and return its exit code."""
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

