"""The options several ``footfit`` commands share: the line's options and the language."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from footfit.options import FitOptions

__all__ = ["add_fit_options", "add_lang_option", "fit_options", "lang_kw", "one_scan_gc",
           "quick_exit"]


def add_fit_options(p: argparse.ArgumentParser) -> None:
    """Add the line's options (--style, --fit, --units, --sex, --profile, --heel-height)."""
    p.add_argument("--style", default="sport",
                   help="shoe style: sport, casual, dress_round, dress_pointed, boot, "
                   "open_sandal, closed_sandal (default: sport)")
    p.add_argument("--fit", default="standard", choices=["snug", "standard", "roomy"],
                   help="fit preference for the last (default: standard)")
    p.add_argument("--units", default="auto", choices=["auto", "mm", "cm", "m", "in"],
                   help="units of the scan coordinates (default: detect from the extent)")
    p.add_argument("--sex", default=None, choices=["male", "female"],
                   help="wearer's sex, for heel allowance and width classes (optional)")
    p.add_argument("--profile", default="iso",
                   help="foot-to-shoe size convention: iso (EU = 0.15 x foot length + 2), "
                   "iso_us_standard (US women = men + 1.5) or cn_retail (EU = 2 x foot "
                   "length in cm - 10) (default: iso)")
    p.add_argument("--heel-height", dest="heel_height_mm", type=float, default=None,
                   metavar="MM", help="heel height of the last (default: the style's)")


def add_lang_option(p: argparse.ArgumentParser) -> None:
    """Add --lang (the language of the summary, the HTML report and the PNG)."""
    p.add_argument("--lang", choices=["en", "zh"], default=None,
                   help="language of the summary, the HTML report and the PNG: en (English) "
                   "or zh (Simplified Chinese) (default: $FOOTFIT_LANG, else the locale: "
                   "LC_ALL, LANG)")


def lang_kw(args: argparse.Namespace) -> dict[str, str]:
    """Return ``{'lang': ...}`` when --lang was given (the writers default to the locale's)."""
    lang = getattr(args, "lang", None)
    return {"lang": lang} if lang else {}


def fit_options(args: argparse.Namespace) -> FitOptions:
    """Return the line's options the command line gave, validated before any scan is read."""
    from footfit.options import FitOptions

    return FitOptions(
        style=args.style, fit=args.fit, units=args.units, sex=args.sex, profile=args.profile,
        heel_height_mm=args.heel_height_mm,
        simulate_fit=bool(getattr(args, "simulate_fit", True)),
    )


def quick_exit() -> None:
    """Freeze the garbage collector when the interpreter exits (``atexit``).

    After a ``footfit process`` the interpreter's shutdown spent ~75 ms walking every
    object of numpy, scipy and the scan's arrays in its last garbage collections; frozen,
    they are skipped (~20 ms). Nothing else changes: the other exit handlers still run, and
    objects are still freed as their modules are cleared. Only registered when the command
    line is the program (``main()`` without arguments), never for an in-process caller.
    """
    import atexit
    import gc

    atexit.register(gc.freeze)


def one_scan_gc() -> None:
    """Let the garbage collector run rarely in a process that fits one scan and ends.

    Importing numpy and scipy creates ~50k objects, and the default thresholds (700
    allocations) walked them in ~130 collections, ~35 ms of a ``footfit process``; with a
    first threshold of 50,000 it is one collection, ~12 ms. Collections still happen, so
    memory stays bounded; only ``footfit process`` run as the program sets it.
    """
    import gc

    _, second, third = gc.get_threshold()
    gc.set_threshold(50_000, second, third)
