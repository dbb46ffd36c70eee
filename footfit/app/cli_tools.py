"""The ``footfit`` commands around the line: stats, insoles, last-params, synth."""

from __future__ import annotations

import argparse
import sys

from footfit.app._errors import EXIT_OK
from footfit.exceptions import InvalidParameterError

__all__ = ["add_insoles", "add_last_params", "add_stats", "add_synth"]


# --------------------------------------------------------------------------- stats
def add_stats(sub: argparse._SubParsersAction) -> None:  # issue #19
    """Add ``footfit stats``: population statistics of a batch."""
    p = sub.add_parser(
        "stats", help="population statistics of a batch results folder (sizes, widths, stock)",
        description="Read OUT/results.jsonl of `footfit batch` and print the feet by sex x "
        "size x width type, the share of feet the k most common widths of each length fit, a "
        "stock plan (lasts per size and width per 1,000 customers for --coverage), the key "
        "measures and the left-right differences.")
    p.add_argument("out", metavar="OUT", help="batch output folder (or its results.jsonl)")
    p.add_argument("--json", action="store_true", help="print everything as JSON")
    p.add_argument("--html", metavar="FILE", help="write a self-contained HTML page")
    p.add_argument("--parquet", metavar="FILE",
                   help="write the per-foot measurements and sizes as Parquet (pyarrow)")
    p.add_argument("--coverage", type=float, default=0.9,
                   help="share of customers the stock plan fits (default: 0.9)")
    p.set_defaults(func=_run_stats)


def _run_stats(args: argparse.Namespace) -> int:
    import json

    from footfit.stats import (
        compute_population_stats,
        read_population,
        write_feet_parquet,
        write_stats_html,
    )

    if not 0.0 < args.coverage <= 1.0:
        raise InvalidParameterError(f"--coverage must be a share in (0, 1]; got {args.coverage}")
    pop = read_population(args.out)
    if not pop.n_feet:
        raise InvalidParameterError(f"{args.out}: no measured foot in the results "
                                    f"({pop.scans} scans, {pop.failed} failed)")
    stats = compute_population_stats(pop, coverage=args.coverage)
    stats["source"] = args.out
    written = []
    if args.html:
        written.append(("html", write_stats_html(stats, pop, args.html)))
    if args.parquet:
        try:
            written.append(("parquet", write_feet_parquet(pop, args.parquet)))
        except ImportError as exc:  # pyarrow is not installed
            from footfit.exceptions import FootfitError

            raise FootfitError(str(exc)) from exc
    if args.json:
        print(json.dumps(stats, ensure_ascii=False, indent=1))
    else:
        print(_stats_text(stats))
    for kind, path in written:
        print(f"{kind}: {path}", file=sys.stderr if args.json else sys.stdout)
    return EXIT_OK


def _stats_text(stats: dict) -> str:
    plan, cov = stats["stock_plan"], stats["width_coverage"]
    lines = [f"{stats['feet']} feet from {stats['scans']} scans ({stats['failed_scans']} "
             f"failed); by sex: " + ", ".join(f"{k} {v}" for k, v in
                                              stats["feet_by_sex"].items())]
    lines.append("feet covered by the k most common Chinese width types of their size: "
                 + ", ".join(f"k={i + 1} {s:.1%}" for i, s in enumerate(cov["overall"])))
    lines.append(f"stock plan for {plan['coverage']:.0%} of {plan['customers']} customers: "
                 f"{plan['lasts']} size-width lasts fit {plan['covered_share']:.1%}")
    lines.append(f"  {'size':>6} {'width':>5} {'per ' + str(plan['per']):>9}")
    for r in plan["rows"]:
        lines.append(f"  {r['size']:>6} {r['width']:>5} {r['per_1000']:>9.1f}")
    fl = stats["measures"]["foot_length_mm"]
    for g, d in fl.items():
        if g != "missing" and d.get("n"):
            lines.append(f"foot length {g}: n {d['n']}, median {d['p50']:.1f} mm, "
                         f"p5-p95 {d['p5']:.1f}-{d['p95']:.1f} mm")
    lr = stats["left_right"]
    if lr["pairs"]:
        d = lr["measures"]["foot_length_mm"]
        lines.append(f"left-right: {lr['pairs']} pairs, foot length |d| median "
                     f"{d['abs_p50']:.1f} mm, p95 {d['abs_p95']:.1f} mm; "
                     f"{lr['length_over_5mm_share']:.1%} differ by more than 5 mm")
    return "\n".join(lines)


# --------------------------------------------------------------------------- insoles
def add_insoles(sub: argparse._SubParsersAction) -> None:
    """Add ``footfit insoles``: best pre-made insoles for measurements."""
    p = sub.add_parser(
        "insoles", help="best pre-made insoles for foot measurements, with reasons",
        description="Match pre-made insoles from the catalogue (footfit/data/insoles.csv or "
        "--catalog) to foot measurements; leave out what was not measured. With --check, "
        "only validate the catalogue file.",
    )
    p.add_argument("foot_length_mm", nargs="?", type=float, metavar="FOOT_LENGTH_MM",
                   help="foot length in mm (required unless --check)")
    p.add_argument("--ball-width", type=float, metavar="MM",
                   help="ball width in mm (leave out when not measured)")
    p.add_argument("--heel-width", type=float, metavar="MM",
                   help="heel width in mm (leave out when not measured)")
    p.add_argument("--arch-index", type=float, metavar="AI",
                   help="Cavanagh-Rodgers arch index (leave out when not measurable)")
    p.add_argument("--hallux-angle", type=float, metavar="DEG",
                   help="hallux valgus angle proxy, degrees (toe-box advice only; never a post)")
    p.add_argument("--fpi", type=float, metavar="SCORE",
                   help="measured Foot Posture Index (FPI-6, -12..+12); a medial post needs "
                   "+6 or more (without it, an FPI-like proxy from the arch index is used)")
    p.add_argument("--forefoot-overload", action="store_true",
                   help="forefoot (MTH2-4) overload evidence, e.g. from a pressure plate: the "
                   "only way a metatarsal pad is chosen")
    p.add_argument("--style", default="sport",
                   help="shoe style: sport, casual, dress_round, dress_pointed, boot, "
                   "open_sandal, closed_sandal (default: sport)")
    p.add_argument("--use", action="append", default=None, metavar="USE",
                   help="restrict to this use (repeatable): running, walking, casual, dress, "
                   "work, children")
    p.add_argument("-k", type=int, default=3, help="how many insoles (default: 3)")
    p.add_argument("--catalog", metavar="CSV", help="insole catalogue CSV")
    p.add_argument("--check", action="store_true", help="only validate the catalogue")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_run_insoles)


_INSOLE_FLAGS = {"foot_length_mm": "FOOT_LENGTH_MM", "ball_width_mm": "--ball-width",
                 "heel_width_mm": "--heel-width", "arch_index": "--arch-index",
                 "hallux_valgus_angle_deg": "--hallux-angle", "foot_posture_index": "--fpi"}


def _run_insoles(args: argparse.Namespace) -> int:
    import json

    from footfit.insoles import InsoleMatcher, load_insole_catalog

    catalog = load_insole_catalog(args.catalog)
    if args.check:
        uses = sorted(set(catalog.column("use")))
        print(f"{catalog.path}: {len(catalog)} SKUs OK ({', '.join(uses)})")
        return EXIT_OK
    if args.foot_length_mm is None:
        raise InvalidParameterError("give FOOT_LENGTH_MM (or --check)")
    foot = {"foot_length_mm": args.foot_length_mm, "ball_width_mm": args.ball_width,
            "heel_width_mm": args.heel_width, "arch_index": args.arch_index,
            "hallux_valgus_angle_deg": args.hallux_angle, "foot_posture_index": args.fpi,
            "forefoot_overload": True if args.forefoot_overload else None}
    try:
        matcher = InsoleMatcher(args.k).fit(catalog)
        matches = matcher.match(foot, style=args.style, use=args.use)
    except ValueError as exc:  # name the option the user typed, not the feature's key
        message = str(exc).replace(" (row 0)", "")
        for key, flag in _INSOLE_FLAGS.items():
            if message.startswith(key):
                raise InvalidParameterError(flag + message[len(key):]) from exc
        raise
    if args.json:
        print(json.dumps([m.to_dict() for m in matches], ensure_ascii=False, indent=2))
        return EXIT_OK
    best = matches[0]
    if best.confidence < 0.5:
        print(f"note: the scores rest on little: {round(100 * best.confidence)} % of the match "
              f"measured ({', '.join(best.dropped_features)} not given); low confidence")
    if not best.fits_well:
        print(f"no pre-made insole fits well (the best scores {best.fit_score:.0f}/100, below "
              f"{matcher.no_fit_score_:g}): a custom insole made from the foot is suggested; "
              "the nearest pre-made devices, for comparison:")
    for m in matches:
        print(f"{m.rank}. {m.sku}  {m.name}  fit {m.fit_score:.0f}/100 ({m.kind})")
        for reason in m.reasons:
            print(f"     {reason}")
    return EXIT_OK


# --------------------------------------------------------------------------- last-params
def add_last_params(sub: argparse._SubParsersAction) -> None:
    """Add ``footfit last-params``: a last from tape values."""
    p = sub.add_parser(
        "last-params", help="custom last parameters and nearest stock last from tape values",
        description="Design a last from measured values (mm) without a scan, and find the "
        "nearest last of the stock library with the modifications it needs.",
    )
    p.add_argument("foot_length_mm", type=float, metavar="FOOT_LENGTH_MM",
                   help="foot length in mm (heel to the longest toe)")
    p.add_argument("--ball-girth", type=float, metavar="MM", required=True,
                   help="ball girth in mm (tape over the big-toe and little-toe joints)")
    for name in ("ball-width", "heel-width", "ball-length", "instep-girth", "instep-height"):
        p.add_argument(f"--{name}", type=float, metavar="MM", default=None,
                       help="optional (default: the standard foot of the size)")
    p.add_argument("--toe-shape", choices=["egyptian", "greek", "roman"], default=None,
                   help="toe shape: egyptian (big toe longest), greek (second toe longest) or "
                   "roman (first toes level) (default: the standard foot's)")
    p.add_argument("--side", choices=["left", "right"], default="right",
                   help="which foot (default: right)")
    p.add_argument("--style", default="sport",
                   help="shoe style: sport, casual, dress_round, dress_pointed, boot, "
                   "open_sandal, closed_sandal (default: sport)")
    p.add_argument("--fit", default="standard", choices=["snug", "standard", "roomy"],
                   help="fit preference for the last's girth ease (default: standard)")
    p.add_argument("--sex", default=None, choices=["male", "female"],
                   help="wearer's sex, for the heel allowance (optional)")
    p.add_argument("--heel-height", dest="heel_height_mm", type=float, default=None,
                   metavar="MM", help="heel height (default: the style's)")
    p.add_argument("-k", type=int, default=1, help="number of stock lasts to list (default 1)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_run_last_params)


def _run_last_params(args: argparse.Namespace) -> int:
    import json

    from footfit.last import generate_last, nearest_stock_last

    foot = {"side": args.side, "foot_length_mm": args.foot_length_mm,
            "ball_girth_mm": args.ball_girth, "ball_width_mm": args.ball_width,
            "heel_width_mm": args.heel_width, "ball_length_mm": args.ball_length,
            "instep_girth_mm": args.instep_girth, "instep_height_mm": args.instep_height,
            "toe_shape": args.toe_shape}
    last = generate_last(foot, style=args.style, fit=args.fit, sex=args.sex,
                         heel_height_mm=args.heel_height_mm)
    matches = nearest_stock_last(last, k=args.k)
    if args.json:
        out = {"last": last.to_dict(), "stock_lasts": [m.to_dict() for m in matches]}
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return EXIT_OK
    print(f"custom last: {last.style}, {last.fit}, {last.side} foot, size {last.size_label}")
    for name, value in last.dimensions().items():
        print(f"  {name:<26} {value:8.1f}")
    for note in last.notes:
        print(f"  note: {note}")
    for m in matches:
        mods = ", ".join(m.modifications) or "none"
        print(f"nearest stock last {m.id} (distance {m.distance:.1f} mm): {mods}")
    return EXIT_OK


# --------------------------------------------------------------------------- synth
def add_synth(sub: argparse._SubParsersAction) -> None:
    """Add ``footfit synth``: synthetic scans with exact ground truth."""
    p = sub.add_parser(
        "synth", help="generate synthetic foot scans with exact ground truth",
        description="Draw N feet from the ANSUR II population, simulate a platform scanner's "
        "view of each (noise, floor, leg, outliers, holes, random pose) and write "
        "OUT/PREFIX_NNNN.FORMAT with OUT/PREFIX_NNNN.truth.json (reference measurements on "
        "the exact clean mesh). The same --seed gives the same files.",
    )
    p.add_argument("--n", type=int, required=True, help="number of scans")
    p.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument("--format", default="ply", choices=["ply", "pcd", "xyz", "stl"],
                   help="scan format (default: ply; stl writes a closed mesh)")
    p.add_argument("--points", type=int, default=100_000, help="points per scan")
    p.add_argument("--sex", default=None, choices=["male", "female"],
                   help="draw only one sex (default: both)")
    p.add_argument("--units", default="mm", choices=["mm", "cm", "m", "in"],
                   help="units the scans are written in (default: mm)")
    p.add_argument("--noise", type=float, default=0.5, metavar="MM",
                   help="Gaussian noise sigma in mm (default: 0.5)")
    p.add_argument("--outliers", type=float, default=0.02,
                   help="fraction of scattered outliers (default: 0.02)")
    p.add_argument("--holes", type=int, default=3, help="dropout holes per foot (default: 3)")
    p.add_argument("--no-plantar", dest="plantar", action="store_false",
                   help="no sole (scanner without a glass platform)")
    p.add_argument("--no-floor", dest="floor", action="store_false", help="no floor points")
    p.add_argument("--no-leg", dest="leg", action="store_false", help="no leg above the ankle")
    p.add_argument("--two-feet", action="store_true", help="both feet in one scan")
    p.add_argument("--pose", default="random", choices=["random", "none"],
                   help="random rigid pose (default) or the canonical frame")
    p.add_argument("--prefix", default="synth", help="file name prefix (default: synth)")
    p.add_argument("--workers", type=int, default=1,
                   help="worker processes (default: 1; about 5-10 s of CPU per scan)")
    p.set_defaults(func=_run_synth)


def _run_synth(args: argparse.Namespace) -> int:
    import shlex

    from footfit.synth.dataset import generate_dataset

    if args.n < 1:
        raise InvalidParameterError(f"--n must be >= 1; got {args.n}")
    command = "footfit " + " ".join(shlex.quote(a) for a in sys.argv[1:]) \
        if sys.argv and sys.argv[0].endswith(("footfit", "__main__.py")) else None
    written = generate_dataset(
        args.out, n=args.n, seed=args.seed, format=args.format, sex=args.sex,
        prefix=args.prefix, command=command, n_points=args.points, noise_mm=args.noise,
        plantar=args.plantar, floor=args.floor, leg=args.leg, outliers=args.outliers,
        holes=args.holes, second_foot=args.two_feet,
        pose=None if args.pose == "none" else "random", units=args.units,
        workers=args.workers,
    )
    for scan, truth in written:
        print(f"{scan}  {truth.name}")
    print(f"{len(written)} synthetic scans written to {args.out}")
    return EXIT_OK
