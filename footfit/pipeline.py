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

from ._validation import check_choice
from .exceptions import InvalidMeasurementError

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
        Shoe style (a row of ``models/styles``): sets insole uses and last allowances.
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
    simulate_fit : bool, default=False
        Also try each foot in its custom last and size it on the stock lasts by simulation
        (:func:`footfit.fit.fit_foot`; the ``fit`` section of each foot). Off by default: it
        adds about 0.1 s per foot, 0.3-1 s per foot while the stock meshes are first built.

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
        simulate_fit: bool = False,
    ) -> None:
        from .insoles import InsoleMatcher
        from .last import load_stock_lasts

        self.options = self._check_options(
            style=style, fit=fit, units=units, sex=sex, profile=profile,
            n_insoles=n_insoles, leg_cut_height_mm=leg_cut_height_mm,
            heel_height_mm=heel_height_mm, simulate_fit=simulate_fit,
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
        from .last import available_styles

        check_choice(opts["style"], available_styles(), name="style")
        check_choice(opts["fit"], _FITS, name="fit")
        check_choice(opts["units"], _UNITS, name="units")
        check_choice(opts["sex"], _SEXES, name="sex")
        sim = opts.setdefault("simulate_fit", False)
        if not isinstance(sim, bool):
            raise TypeError(f"`simulate_fit` must be True or False; got {sim!r}")
        n = opts["n_insoles"]
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise ValueError(f"`n_insoles` must be an int >= 1; got {n!r}")
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
            be lowered but not raised above the fitter's.

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


def _prepare_stages() -> None:
    """Import the stages and build their tables now, not during the first scan.

    What a fresh process's first scan paid beyond a warm one (``python -X importtime`` and
    the modules new in ``sys.modules`` after it): the stage modules themselves (io, clean,
    align, measure, report; ``uuid``), the JSON rule tables, the up-estimation sphere of
    directions (a KD-tree and its neighbour pairs) and the outline fit's Fourier basis.
    """
    from . import align, classify, io, measure, report, sizes  # noqa: F401
    from ._data import load_table
    from .clean import up, working  # noqa: F401
    from .measure import sections

    for table in ("up_estimation.json", "foot_detection.json", "scan_loading.json"):
        load_table(table)
    io._readers()  # the format readers (imported on first use otherwise)
    up._sphere(1000, float(up._rules()["group_angle_deg"]))
    sections._fourier_tables(sections.OUTLINE_HARMONICS, sections.OUTLINE_SAMPLES)


def _run_line(fitter: FootFitter, source: Any, opts: Mapping[str, Any]) -> Any:
    from . import __version__
    from .align import align_foot
    from .classify import classify_foot
    from .clean import build_working_set, isolate_feet
    from .io import Scan, check_foot_scan_extent, load_scan
    from .last import foot_ball_height, generate_last, nearest_stock_last
    from .measure import measure_foot
    from .report import FitReport, FootReport, ScanSummary
    from .sizes import sizes_for_feet

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
        iso = isolate_feet(
            ws.points, normals=ws.normals, leg_cut_height_mm=opts["leg_cut_height_mm"], rng=0
        )
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
                )
                pools[aligned.side] = pool
                insoles = pool[: opts["n_insoles"]]
            except InvalidMeasurementError as exc:
                warnings.append(f"{aligned.side} foot: no insole recommendation: {exc}")
        insole_notes = _insole_notes(insoles)
        last = stock = None
        with timer.stage("last"):
            try:
                # the dorsum's height over MTH1 shapes the last's forefoot (without it the
                # last takes a population ratio): on the 4 single-foot samples x 2 styles
                # the simulated fit score rose in all 8 (by 0.1 to 9.7 points)
                ball_h = None
                if m.ball_length_mm is not None:
                    ball_h = foot_ball_height(aligned.points, ball_length_mm=m.ball_length_mm)
                last = generate_last(
                    m, style=opts["style"], heel_height_mm=opts["heel_height_mm"],
                    fit=opts["fit"], sex=opts["sex"], ball_height_mm=ball_h,
                )
                matches = nearest_stock_last(last, library=fitter.stock_lasts_, k=1)
                stock = matches[0] if matches else None
            except InvalidMeasurementError as exc:
                warnings.append(f"{aligned.side} foot: no last parameters: {exc}")
        fit_section = None
        if opts.get("simulate_fit") and last is not None:
            from .fit import fit_foot

            timer.ms.setdefault("fit", 0.0)
            with timer.stage("fit"):
                fit_section = fit_foot(aligned, last, library=fitter.stock_lasts_)
            warnings.extend(f"{aligned.side} foot: {n}" for n in fit_section.notes)
        for name, reason in m.missing.items():
            warnings.append(f"{aligned.side} foot: {name} not measurable ({reason})")
        feet.append(
            FootReport(
                side=aligned.side,
                measurements=m,
                classification=classification,
                landmarks=measured.landmarks.to_dict(),
                landmarks_input=measured.landmarks_input.to_dict(),
                insoles=tuple(insoles),
                insole_notes=insole_notes,
                last=last,
                stock_last=stock,
                fit=fit_section,
                side_confidence=float(aligned.side_confidence),
                plantar_visible=bool(aligned.plantar_visible),
                transform=tuple(tuple(float(v) for v in row) for row in aligned.transform),
                aligned=aligned,
                measured=measured,
            )
        )

    with timer.stage("insoles"):
        lengths = {a.side: m.measurements.foot_length_mm for a, m, _ in per_foot}
        pair, pair_note = pair_insole(pools, lengths)
    if pair_note:
        warnings.append(pair_note)

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


#: Insoles ranked per foot when a pair is chosen (the report shows ``n_insoles`` of them).
PAIR_POOL = 10


def pair_insole(
    pools: dict[str, list[Any]], lengths: dict[str, float | None] | None = None
) -> tuple[dict[str, Any] | None, str | None]:
    """The one insole to sell for both feet (insoles come in pairs), and a note if needed.

    Of the devices among the best :data:`PAIR_POOL` for every scanned foot, the one whose
    worse foot scores highest (ties: the higher sum). When no device is in both lists
    (typically feet either side of a size boundary: a device's length range must hold the
    foot), the longer foot's best is the pair, as shoes are sized on the longer foot, and
    a note says so. A scan of one foot gives that foot's best, said to be chosen from one
    foot.

    Returns
    -------
    (dict or None, str or None)
        ``{'sku', 'name', 'fit_scores': {side: score}, 'rank': {side: rank}, 'basis'}``,
        (None when no foot has a match), and a note when no device suits both feet.
    """
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
        return {
            "sku": best.sku, "name": best.name,
            "fit_scores": {longer: round(float(best.fit_score), 1)},
            "rank": {longer: int(best.rank)},
            "basis": f"the {longer} (longer) foot's best; none suits both feet",
        }, note

    def key(sku: str) -> tuple[float, float]:
        scores = [d[sku].fit_score for d in by_side.values()]
        return (min(scores), sum(scores))

    sku = max(sorted(common), key=key)
    first = next(iter(by_side.values()))[sku]
    basis = ("the best for the worse-fitting foot of the two" if len(by_side) == 2
             else f"from the {next(iter(by_side))} foot only (one foot scanned)")
    return {
        "sku": sku,
        "name": first.name,
        "fit_scores": {side: round(float(d[sku].fit_score), 1) for side, d in by_side.items()},
        "rank": {side: int(d[sku].rank) for side, d in by_side.items()},
        "basis": basis,
    }, None


def _insole_notes(insoles: Any) -> tuple[str, ...]:
    dropped = sorted({f for i in insoles for f in getattr(i, "dropped_features", ())})
    if not dropped:
        return ()
    return (
        "not used for matching (not measurable): " + ", ".join(dropped)
        + "; the other features' weights were renormalized",
    )


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
    simulate_fit: bool = False,
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
