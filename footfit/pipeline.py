"""The fitting line end to end: scan in, :class:`~footfit.report.FitReport` out.

load scan -> isolate feet -> canonical frame -> measure -> classify -> sizes -> insoles ->
last -> report. Every stage is a plain function of its own module; this module only wires
them, times them and gathers the warnings.

A kiosk creates one :class:`FootFitter` at start-up (it loads the catalogues and builds the
insole index once) and calls :meth:`FootFitter.process` after every scan. The fitter holds no
per-scan state, so one instance may serve several threads at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from footfit._core.validation import check_choice
from footfit.exceptions import DegenerateScanError, InvalidMeasurementError

__all__ = ["STAGES", "FootFitter", "process"]

#: The stages timed in ``FitReport.timings_ms`` (plus ``total``), in order.
STAGES: tuple[str, ...] = (
    "load",
    "isolate",
    "align",
    "measure",
    "classify",
    "sizes",
    "insoles",
    "last",
    "fit",
    "report",
)

_UNITS = ("auto", "mm", "cm", "m", "in")
_FITS = ("snug", "standard", "roomy")
_SEXES = (None, "male", "female")


@dataclass
class _Timer:
    ms: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.ms[name] += (time.perf_counter() - t0) * 1e3


class FootFitter:
    """Run the whole fitting line on scans, with catalogues loaded once.

    Parameters
    ----------
    style : str, default="sport"
        Shoe style (``footfit/data/styles.json``): sets insole uses and last allowances.
    fit : {'snug', 'standard', 'roomy'}, default="standard"
        Fit preference for the last's girth ease.
    units : {'auto', 'mm', 'cm', 'm', 'in'}, default="auto"
        Units of the scan coordinates; ``auto`` detects them from the extent.
    sex : {None, 'male', 'female'}, default=None
        Used for heel allowance and population-relative width classes when known.
    profile : str, default="iso"
        Foot-to-shoe size convention (see :mod:`footfit.sizes`).
    n_insoles : int, default=3
        How many insoles to recommend per foot.
    leg_cut_height_mm : float, default=100.0
        Height above the floor where the leg is cut off.
    heel_height_mm : float or None, default=None
        Heel height of the last; ``None`` takes the style's default.
    simulate_fit : bool, default=True
        Also try each foot in its custom last (built from the scan) and size it on the stock
        lasts of the style by simulation (:func:`footfit.fit.fit_foot`; the ``fit`` section
        of each foot). ``False`` (CLI ``--no-fit``) leaves the section out.

    Notes
    -----
    Thread safety: after ``__init__`` the fitter's state is read-only (the insole index, the
    stock-last index and the tables), and every call of :meth:`process` works on its own
    arrays, so concurrent calls give the same results as serial ones.

    Examples
    --------
    >>> fitter = FootFitter(style="casual")  # doctest: +SKIP
    >>> report = fitter.process("sample_scans/demo_right_m.ply")  # doctest: +SKIP
    >>> report.feet[0].side  # doctest: +SKIP
    'right'
    """

    def __init__(
        self,
        *,
        style: str = "sport",
        fit: str = "standard",
        units: str = "auto",
        sex: str | None = None,
        profile: str = "iso",
        n_insoles: int = 3,
        leg_cut_height_mm: float = 100.0,
        heel_height_mm: float | None = None,
        simulate_fit: bool = True,
        foot_posture_index: Any = None,
        forefoot_overload: Any = None,
    ) -> None:
        from footfit.insoles import InsoleMatcher
        from footfit.last import load_stock_lasts

        self.options = self._check_options(
            style=style, fit=fit, units=units, sex=sex, profile=profile,
            n_insoles=n_insoles, leg_cut_height_mm=leg_cut_height_mm,
            heel_height_mm=heel_height_mm, simulate_fit=simulate_fit,
            foot_posture_index=foot_posture_index, forefoot_overload=forefoot_overload,
        )
        self.matcher_ = InsoleMatcher(n_neighbors=n_insoles).fit()
        self.stock_lasts_ = load_stock_lasts()
        # the stages import these lazily (import footfit stays fast); a fitter is made to
        # process scans, so it loads them now, once: the first scan's stage times then
        # measure its work (in a fresh process isolate read ~240 ms and measure ~200 ms
        # for ~30 ms and ~45 ms of work, the rest scipy's import)
        import scipy.ndimage  # noqa: F401
        import scipy.spatial  # noqa: F401

        _prepare_stages()

    @staticmethod
    def _check_options(**opts: Any) -> dict[str, Any]:
        from footfit.last import available_styles

        check_choice(opts["style"], available_styles(), name="style")
        check_choice(opts["fit"], _FITS, name="fit")
        check_choice(opts["units"], _UNITS, name="units")
        check_choice(opts["sex"], _SEXES, name="sex")
        sim = opts.setdefault("simulate_fit", True)
        if not isinstance(sim, bool):
            raise TypeError(f"`simulate_fit` must be True or False; got {sim!r}")
        n = opts["n_insoles"]
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise ValueError(f"`n_insoles` must be an int >= 1; got {n!r}")
        _check_insole_evidence(opts)
        return opts

    def process(self, source: Any, **overrides: Any) -> Any:
        """Run the fitting line on one scan.

        Parameters
        ----------
        source : path, Scan or (n, 3) array_like
            The scan. Arrays are taken in ``units`` (auto-detected by default).
        **overrides
            Any constructor option (``style``, ``fit``, ``units``, ``sex``, ``profile``,
            ``heel_height_mm``, ``leg_cut_height_mm``) for this call only. ``n_insoles`` may
            be lowered but not raised above the fitter's. Evidence from outside the scan for
            the insole rules (``footfit/data/insole_rules.json``): ``foot_posture_index`` (a
            measured FPI-6, -12..+12: a medial post needs +6 or more) and
            ``forefoot_overload`` (True: forefoot overload seen, e.g. on a pressure plate; the
            only way a metatarsal pad is chosen), each one value for both feet or a mapping
            ``{'left': ..., 'right': ...}``.

        Returns
        -------
        FitReport

        Raises
        ------
        InvalidScanError
            The scan cannot be read (the message names the file and the problem).
        DegenerateScanError
            The scan holds no foot.
        """
        opts = dict(self.options)
        unknown = set(overrides) - set(opts)
        if unknown:
            raise TypeError(f"process() got unknown options: {', '.join(sorted(unknown))}")
        opts.update(overrides)
        if overrides:
            opts = self._check_options(**opts)
        return _run_line(self, source, opts)


#: Shortest foot the line measures: DOMAIN.md section 2 and the README, "a foot is 100-350 mm
#: long". A shorter foot-like part is a partial scan (the front 70 mm of a real foot measured
#: 97.5 mm with a full table before this guard, issue #16), a toy or a child's foot outside
#: the size tables, and is refused rather than measured.
MIN_FOOT_LENGTH_MM = 100.0
#: Largest ball girth / foot length of a whole foot. ANSUR II (6,068 adults) spans 0.78-1.10
#: (99.9th percentile 1.07); small children reach ~1.15. The front 70 mm of a foot, measured
#: along its diagonal as a 105 mm "foot", had 1.52 (fuzz corpus, issue #16). Margin for scan
#: noise: 1.35.
MAX_BALL_GIRTH_RATIO = 1.35


def _not_whole(m: Any) -> str | None:
    """Why a measured foot is not a whole foot, or None."""
    length, girth = m.foot_length_mm, m.ball_girth_mm
    if length is None:
        return None
    if length < MIN_FOOT_LENGTH_MM:
        return (f"the largest foot-like part is {length:.1f} mm long, shorter than the "
                f"{MIN_FOOT_LENGTH_MM:g} mm of the smallest foot footfit measures (a foot is "
                "100-350 mm long)")
    if girth is not None and girth > MAX_BALL_GIRTH_RATIO * length:
        return (f"the largest foot-like part is {length:.1f} mm long with a {girth:.1f} mm ball "
                f"girth ({girth / length:.2f}x its length; a whole foot's is 0.8-1.15x)")
    return None


def _drop_short_feet(per_foot: list, warnings: list[str], *, source: str) -> list:
    """Refuse a scan whose longest foot is not a whole foot (too short, or proportioned like
    a cut-off part); drop such second parts with a warning.
    """
    from footfit.exceptions import DegenerateScanError

    if not per_foot:
        return per_foot

    def length(item: Any) -> float:
        value = item[1].measurements.foot_length_mm
        return -1.0 if value is None else value

    longest = max(per_foot, key=length)
    reason = _not_whole(longest[1].measurements)
    if reason is not None:
        raise DegenerateScanError(f"{source}: no whole foot: {reason}; a partial or cut-off "
                                  "scan?")
    kept = []
    for item in per_foot:
        reason = _not_whole(item[1].measurements)
        if reason is not None:
            warnings.append(f"a {item[0].side} foot-like part was left out: "
                            + reason.replace("the largest foot-like part", "it"))
        else:
            kept.append(item)
    return kept
def _prepare_stages() -> None:
    """Import the stages and build their tables now, not during the first scan.

    What a fresh process's first scan paid beyond a warm one (``python -X importtime`` and
    the modules new in ``sys.modules`` after it): the stage modules themselves (io, clean,
    align, measure, report; ``uuid``), the JSON rule tables, the up-estimation sphere of
    directions (a KD-tree and its neighbour pairs) and the outline fit's Fourier basis.
    """
    from footfit import align, classify, io, measure, report, sizes  # noqa: F401
    from footfit._data import load_table
    from footfit.clean import up, working  # noqa: F401
    from footfit.measure import sections

    for table in ("up_estimation.json", "foot_detection.json", "scan_loading.json"):
        load_table(table)
    io._readers()  # the format readers (imported on first use otherwise)
    up._sphere(1000, float(up._rules()["group_angle_deg"]))
    sections._fourier_tables(sections.OUTLINE_HARMONICS, sections.OUTLINE_SAMPLES)


def _run_line(fitter: FootFitter, source: Any, opts: Mapping[str, Any]) -> Any:
    from footfit import __version__
    from footfit.align import align_foot
    from footfit.classify import classify_foot
    from footfit.clean import build_working_set, isolate_feet
    from footfit.io import Scan, check_foot_scan_extent, load_scan
    from footfit.measure import measure_foot
    from footfit.report import FitReport, FootReport, ScanSummary
    from footfit.sizes import sizes_for_feet

    timer = _Timer()
    t_start = time.perf_counter()
    warnings: list[str] = []

    with timer.stage("load"):
        if isinstance(source, Scan) and opts["units"] == "auto":
            scan = source
        else:
            scan = load_scan(source, units=opts["units"])
            if opts["units"] != "auto":
                check_foot_scan_extent(scan)
    warnings.extend(scan.warnings)

    with timer.stage("isolate"):
        # one working set (1 mm voxel means with counts) for isolate, align and measure:
        # see footfit/clean/working.py for why, and where the full cloud is not needed
        ws = build_working_set(scan.points, scan.normals)
        try:
            iso = isolate_feet(
                ws.points, normals=ws.normals, leg_cut_height_mm=opts["leg_cut_height_mm"],
                rng=0,
            )
        except DegenerateScanError as exc:  # name the scan, as every scan error does
            source = str(scan.source or "scan")
            if source in str(exc):
                raise
            raise DegenerateScanError(f"{source}: {exc}") from exc
    warnings.extend(iso.notes)

    per_foot = []
    for foot in iso.feet:
        with timer.stage("align"):
            aligned = align_foot(
                foot, up=iso.up, floor_plane=iso.floor_plane,
                leg_cut_height_mm=opts["leg_cut_height_mm"],
            )
        with timer.stage("measure"):
            measured = measure_foot(aligned, weights=ws.counts[aligned.indices])
        with timer.stage("classify"):
            classification = classify_foot(measured.measurements, sex=opts["sex"])
        per_foot.append((aligned, measured, classification))
    per_foot = _drop_short_feet(per_foot, warnings, source=getattr(scan, "source", "<array>"))
    per_foot.sort(key=lambda t: 0 if t[0].side == "left" else 1)

    sides = [a.side for a, _, _ in per_foot]
    if len(sides) == 2 and sides[0] == sides[1]:
        warnings.append(
            f"two feet found but both look {sides[0]}: check the scan (side decided from shape)"
        )

    sizes = None
    with timer.stage("sizes"):
        try:
            sizes = sizes_for_feet(
                [m.measurements for _, m, _ in per_foot], profile=opts["profile"], sex=opts["sex"]
            )
        except InvalidMeasurementError as exc:
            warnings.append(f"no shoe size: {exc}")
    if sizes is not None:
        warnings.extend(sizes.notes)

    feet = []
    pools: dict[str, list[Any]] = {}
    # a pair is chosen among each foot's best PAIR_POOL; one foot needs only its own list
    k_match = max(opts["n_insoles"], PAIR_POOL if len(per_foot) > 1 else 1)
    for aligned, measured, classification in per_foot:
        m = measured.measurements
        insoles: list[Any] = []
        with timer.stage("insoles"):
            try:
                pool = fitter.matcher_.match(
                    m, classification=classification, k=k_match, style=opts["style"],
                    foot_posture_index=_for_side(opts["foot_posture_index"], aligned.side),
                    forefoot_overload=_for_side(opts["forefoot_overload"], aligned.side),
                )
                pools[aligned.side] = pool
                insoles = pool[: opts["n_insoles"]]
            except InvalidMeasurementError as exc:
                warnings.append(f"{aligned.side} foot: no insole recommendation: {exc}")
        insole_notes = _insole_notes(insoles)
        for name, reason in m.missing.items():
            warnings.append(f"{aligned.side} foot: {name} not measurable ({reason})")
        feet.append(dict(aligned=aligned, measured=measured, classification=classification,
                         insoles=tuple(insoles), insole_notes=insole_notes))

    with timer.stage("insoles"):
        lengths = {a.side: m.measurements.foot_length_mm for a, m, _ in per_foot}
        pair, pair_note = pair_insole(pools, lengths)
    if pair_note:
        warnings.append(pair_note)

    lasts = _pair_lasts(fitter, feet, pair, opts, timer, warnings)
    feet = [
        FootReport(
            side=f["aligned"].side,
            measurements=f["measured"].measurements,
            classification=f["classification"],
            landmarks=f["measured"].landmarks.to_dict(),
            landmarks_input=f["measured"].landmarks_input.to_dict(),
            insoles=f["insoles"],
            insole_notes=f["insole_notes"],
            last=last,
            stock_last=stock,
            fit=fit_section,
            side_confidence=float(f["aligned"].side_confidence),
            plantar_visible=bool(f["aligned"].plantar_visible),
            transform=tuple(tuple(float(v) for v in row) for row in f["aligned"].transform),
            aligned=f["aligned"],
            measured=f["measured"],
            custom_last=custom,
        )
        for f, (last, stock, fit_section, custom) in zip(feet, lasts, strict=True)
    ]

    with timer.stage("report"):  # trust signals: ~35 ms a foot (loaded 2-core machine)
        from footfit.quality import assess_report_feet

        quality = assess_report_feet(
            feet, floor_found=bool(iso.floor_found),
            points_count={a.side: int(ws.counts[a.indices].sum()) for a, _, _ in per_foot})
    with timer.stage("report"):
        summary = ScanSummary(
            source=scan.source,
            format=scan.format,
            points_in=scan.points_in,
            # input points behind the working-set cells the feet kept
            points_used=int(sum(ws.counts[a.indices].sum() for a, _, _ in per_foot)),
            units_detected=scan.units_detected,
            feet_found=len(feet),
            floor_found=bool(iso.floor_found),
            leg_cut_height_mm=float(iso.leg_cut_height_mm),
            quality=quality,
        )
        timings = {k: v for k, v in timer.ms.items()}
        report_options = {k: opts[k] for k in ("style", "fit", "units", "sex", "profile")}
        report_options["heel_height_mm"] = opts["heel_height_mm"]
        report = FitReport(
            scan=summary,
            feet=tuple(feet),
            sizes=sizes,
            pair_insole=pair,
            timings_ms=timings,
            warnings=tuple(dict.fromkeys(warnings)),  # de-duplicated, order kept
            options=report_options,
            footfit_version=__version__,
        )
    timings["total"] = (time.perf_counter() - t_start) * 1e3
    return report


def _insole_room(pair: Any) -> dict[str, Any] | None:
    """The insole the pair's lasts leave room for (LASTS.md section 7): the pair insole when a
    pre-made one fits, the custom insole when none does, ``None`` (the style's sock liner)
    when no insole was matched at all.
    """
    if not pair:
        return None
    from footfit.insoles import insole_room

    d = pair.to_dict() if hasattr(pair, "to_dict") else dict(pair)
    which = d.get("sku") if d.get("recommendation", "pre-made") == "pre-made" else "CUSTOM"
    if not which:
        return None
    try:
        room = insole_room(str(which))
    except (KeyError, ValueError):
        return None
    return {"forefoot_mm": float(room.forefoot_mm), "heel_mm": float(room.heel_mm),
            "label": "custom insole" if which == "CUSTOM" else str(which)}


def _pair_lasts(fitter: FootFitter, feet: list[dict[str, Any]], pair: Any,
                opts: Mapping[str, Any], timer: _Timer,
                warnings: list[str]) -> list[tuple[Any, Any, Any, Any]]:
    """One last family for the pair: the same style, stock last, size system and heel height
    for both feet; each foot's difference from it as a build-up map; each foot's custom last
    built from its scan and, unless the fit is off, tried on it.

    The stock last is the one nearest the longer foot's own last (as the size is decided by
    the larger foot); its heel height becomes both feet's (a last is made for one heel
    height, LASTS.md section 4), so no foot lists a heel-height change.
    """
    from footfit.last import (
        build_custom_last,
        foot_ball_height,
        generate_last,
        match_stock_last,
        nearest_stock_last,
    )

    out: list[tuple[Any, Any, Any, Any]] = [(None, None, None, None)] * len(feet)
    room = _insole_room(pair) if len(feet) else None
    with timer.stage("last"):
        base: list[Any] = []
        for f in feet:
            m, aligned = f["measured"].measurements, f["aligned"]
            try:
                # the dorsum's height over MTH1 shapes a template last's forefoot
                ball_h = None
                if m.ball_length_mm is not None:
                    ball_h = foot_ball_height(aligned.points, ball_length_mm=m.ball_length_mm)
                base.append((generate_last(
                    m, style=opts["style"], heel_height_mm=opts["heel_height_mm"],
                    fit=opts["fit"], sex=opts["sex"], ball_height_mm=ball_h, insole=room,
                ), ball_h))
            except InvalidMeasurementError as exc:
                warnings.append(f"{aligned.side} foot: no last parameters: {exc}")
                base.append(None)
        ok = [i for i, b in enumerate(base) if b is not None]
        if not ok:
            return out
        lead = max(ok, key=lambda i: base[i][0].foot_length_mm)
        try:
            family = nearest_stock_last(base[lead][0], library=fitter.stock_lasts_, k=1)[0]
        except ValueError as exc:
            warnings.append(f"no stock last: {exc}")
            family = None
        heel = (opts["heel_height_mm"] if family is None
                else float(family.stock_last["heel_height_mm"]))
        params = []
        for i, f in enumerate(feet):
            if base[i] is None:
                params.append(None)
                continue
            m = f["measured"].measurements
            p = generate_last(m, style=opts["style"], heel_height_mm=heel, fit=opts["fit"],
                              sex=opts["sex"], ball_height_mm=base[i][1], insole=room)
            params.append(p)
    results = []
    for i, f in enumerate(feet):
        p = params[i]
        if p is None:
            results.append((None, None, None, None))
            continue
        aligned = f["aligned"]
        custom = None
        with timer.stage("last"):
            try:
                custom = build_custom_last(aligned, p)
                p = custom.params
            except (DegenerateScanError, ValueError) as exc:
                warnings.append(f"{aligned.side} foot: custom last from the parameters "
                                f"alone (not enough of the scan to build it from: {exc})")
            stock = None if family is None else match_stock_last(p, family.stock_last)
        fit_section = None
        if opts.get("simulate_fit"):
            from footfit.fit import fit_foot

            with timer.stage("fit"):
                fit_section = fit_foot(aligned, custom if custom is not None else p,
                                       library=fitter.stock_lasts_,
                                       measurements=f["measured"].measurements)
            warnings.extend(f"{aligned.side} foot: {n}" for n in fit_section.notes)
        results.append((p, stock, fit_section, custom))
    return results


#: Insoles ranked per foot when a pair is chosen (the report shows ``n_insoles`` of them).
PAIR_POOL = 10


def pair_insole(
    pools: dict[str, list[Any]],
    lengths: dict[str, float | None] | None = None,
    *,
    no_fit_score: float | None = None,
) -> tuple[dict[str, Any] | None, str | None]:
    """The one insole to sell for both feet (insoles come in pairs), and a note if needed.

    Of the devices among the best :data:`PAIR_POOL` for every scanned foot, the one whose
    worse foot scores highest (ties: the higher sum). When no device is in both lists
    (typically feet either side of a size boundary: a device's length range must hold the
    foot), the longer foot's best is the pair, as shoes are sized on the longer foot, and
    a note says so. A scan of one foot gives that foot's best, said to be chosen from one
    foot.

    When the pair's worse foot scores below ``no_fit_score`` (default: ``no_fit.score`` of
    ``footfit/data/insole_weights.json``), no pre-made insole fits well: the recommendation is
    the custom insole (``'recommendation': 'custom'``), the pre-made device is kept only as
    the nearest for comparison, and the note says so plainly.

    Returns
    -------
    (dict or None, str or None)
        ``{'sku', 'name', 'fit_scores': {side: score}, 'rank': {side: rank}, 'basis',
        'fits_well', 'recommendation' ('pre-made' or 'custom'), 'message'}`` (None when no
        foot has a match), and a note when no device suits both feet or none fits well.
    """
    if no_fit_score is None:
        from footfit.insoles import load_insole_design

        no_fit_score = float(load_insole_design()["weights"]["no_fit"]["score"])
    pools = {side: pool for side, pool in pools.items() if pool}
    if not pools:
        return None, None
    by_side = {side: {m.sku: m for m in pool} for side, pool in pools.items()}
    common = set.intersection(*(set(d) for d in by_side.values()))
    if not common:
        lengths = lengths or {}
        longer = max(by_side, key=lambda s: lengths.get(s) or 0.0)
        best = pools[longer][0]
        other = next(s for s in by_side if s != longer)
        note = (f"no pre-made insole is among the best {PAIR_POOL} for both feet: the pair "
                f"{best.sku} is the {longer} (longer) foot's best; the {other} foot's own is "
                f"{pools[other][0].sku}")
        pair = {
            "sku": best.sku, "name": best.name,
            "fit_scores": {longer: round(float(best.fit_score), 1)},
            "rank": {longer: int(best.rank)},
            "basis": f"the {longer} (longer) foot's best; none suits both feet",
        }
        worst = min(float(pools[s][0].fit_score) for s in by_side)
        return _verdict(pair, worst, no_fit_score, note)

    def key(sku: str) -> tuple[float, float]:
        scores = [d[sku].fit_score for d in by_side.values()]
        return (min(scores), sum(scores))

    sku = max(sorted(common), key=key)
    first = next(iter(by_side.values()))[sku]
    basis = ("the best for the worse-fitting foot of the two" if len(by_side) == 2
             else f"from the {next(iter(by_side))} foot only (one foot scanned)")
    pair = {
        "sku": sku,
        "name": first.name,
        "fit_scores": {side: round(float(d[sku].fit_score), 1) for side, d in by_side.items()},
        "rank": {side: int(d[sku].rank) for side, d in by_side.items()},
        "basis": basis,
    }
    return _verdict(pair, key(sku)[0], no_fit_score, None)


def _verdict(
    pair: dict[str, Any], worst: float, no_fit_score: float, note: str | None
) -> tuple[dict[str, Any], str | None]:
    """Add the fits-well verdict to a pair; below the threshold, recommend the custom insole."""
    fits = worst >= no_fit_score
    pair["fits_well"] = bool(fits)
    pair["recommendation"] = "pre-made" if fits else "custom"
    pair["message"] = None
    if not fits:
        scores = ", ".join(f"{side} {v:.0f}/100" for side, v in pair["fit_scores"].items())
        pair["message"] = (
            f"no pre-made insole fits well: the nearest, {pair['sku']}, scores {scores} "
            f"(below {no_fit_score:g}); a custom insole made from this scan is suggested "
            "instead"
        )
        note = pair["message"] if note is None else f"{note}; {pair['message']}"
    return pair, note


def _check_insole_evidence(opts: dict[str, Any]) -> None:
    """Validate the optional insole-rule evidence (one value, or one per side)."""
    for name, ok, what in (
        ("foot_posture_index",
         lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and -12 <= v <= 12,
         "a number within -12 to 12 (FPI-6)"),
        ("forefoot_overload", lambda v: isinstance(v, bool), "True or False"),
    ):
        value = opts.setdefault(name, None)
        values = value.values() if isinstance(value, Mapping) else [value]
        if isinstance(value, Mapping):
            bad = set(value) - {"left", "right"}
            if bad:
                raise ValueError(f"`{name}` keys must be 'left' or 'right'; got {sorted(bad)}")
        for v in values:
            if v is not None and not ok(v):
                raise ValueError(f"`{name}` must be None, {what}, or a mapping of side to "
                                 f"that; got {v!r}")


def _for_side(value: Any, side: str) -> Any:
    return value.get(side) if isinstance(value, Mapping) else value


def _insole_notes(insoles: Any) -> tuple[str, ...]:
    notes = []
    if insoles and not getattr(insoles[0], "fits_well", True):
        notes.append(
            f"no pre-made insole fits this foot well (the best scores "
            f"{insoles[0].fit_score:.0f}/100): a custom insole made from the scan is suggested; "
            "the devices below are the nearest, for comparison"
        )
    dropped = sorted({f for i in insoles for f in getattr(i, "dropped_features", ())})
    if dropped:
        notes.append(
            "not used for matching (not measurable): " + ", ".join(dropped)
            + "; the other features' weights were renormalized (the scores count them at "
            "their population spread)"
        )
    return tuple(notes)


_DEFAULT_FITTERS: dict[tuple[Any, ...], FootFitter] = {}
_DEFAULT_LOCK = threading.Lock()


def process(
    source: Any,
    *,
    style: str = "sport",
    units: str = "auto",
    fit: str = "standard",
    sex: str | None = None,
    profile: str = "iso",
    n_insoles: int = 3,
    heel_height_mm: float | None = None,
    leg_cut_height_mm: float = 100.0,
    simulate_fit: bool = True,
) -> Any:
    """Run the whole fitting line on one scan and return a ``FitReport``.

    A convenience wrapper over :class:`FootFitter` that keeps one fitter per ``n_insoles``
    (catalogues are loaded on the first call only).

    Parameters
    ----------
    source : path, Scan or (n, 3) array_like
        The scan.
    style, units, fit, sex, profile, n_insoles, heel_height_mm, leg_cut_height_mm, \
simulate_fit
        See :class:`FootFitter`.

    Returns
    -------
    FitReport
    """
    key = (n_insoles,)
    with _DEFAULT_LOCK:
        fitter = _DEFAULT_FITTERS.get(key)
        if fitter is None:
            fitter = FootFitter(n_insoles=n_insoles)
            _DEFAULT_FITTERS[key] = fitter
    return fitter.process(
        source, style=style, units=units, fit=fit, sex=sex, profile=profile,
        heel_height_mm=heel_height_mm, leg_cut_height_mm=leg_cut_height_mm,
        simulate_fit=simulate_fit,
    )
