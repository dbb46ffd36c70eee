"""The ``footfit`` command line.

Heavy packages (open3d, trimesh, scikit-learn) are imported only inside the commands that need
them, so ``footfit --help`` starts fast. Library code never prints; only this module does.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

__all__ = ["main"]

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_INVALID_SCAN = 3
EXIT_NO_FOOT = 4

_EPILOG = """\
exit codes:
  0  success
  2  usage error (bad option or value)
  3  unreadable or invalid scan (missing, empty, corrupt, unknown format, wrong units)
  4  no foot found in the scan (a plane, a blob, noise...)
"""


# --------------------------------------------------------------------------- info
def _add_info(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("info", help="describe a scan file: format, points, extent, units")
    p.add_argument("scan", help="scan file (PLY, PCD, XYZ/ASC/TXT/CSV, OBJ, STL, OFF, NPY/NPZ)")
    p.add_argument("--units", default="auto", choices=["auto", "mm", "cm", "m", "in"],
                   help="units of the file's coordinates (default: detect from the extent)")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(func=_run_info)


def _run_info(args: argparse.Namespace) -> int:
    import json

    from .io import describe_scan

    info = describe_scan(args.scan, units=args.units)
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        width = max(len(k) for k in info)
        for key, value in info.items():
            print(f"{key:<{width}}  {value}")
    return EXIT_OK


# --------------------------------------------------------------------------- main
def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``footfit`` command."""
    from . import __version__

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
    return parser


_COMMANDS = [_add_info]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``footfit`` command line and return its exit code."""
    from .exceptions import DegenerateScanError, FootfitError, InvalidScanError

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    try:
        return int(args.func(args))
    except InvalidScanError as exc:
        return _fail(args, exc, EXIT_INVALID_SCAN)
    except DegenerateScanError as exc:
        return _fail(args, exc, EXIT_NO_FOOT)
    except (FootfitError, ValueError, TypeError, FileNotFoundError) as exc:
        return _fail(args, exc, EXIT_USAGE)
    except KeyboardInterrupt:
        print("footfit: interrupted", file=sys.stderr)
        return 130


def _fail(args: argparse.Namespace, exc: BaseException, code: int) -> int:
    if getattr(args, "debug", False):
        import traceback

        traceback.print_exception(exc)
    message = " ".join(str(exc).split())  # always one line
    print(f"footfit: error: {message}", file=sys.stderr)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
