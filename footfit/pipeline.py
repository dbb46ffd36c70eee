"""The fitting line end to end: scan in, :class:`~footfit.report.FitReport` out.

load scan -> isolate feet -> canonical frame -> measure -> classify -> sizes -> insoles ->
last -> report. Every stage is a plain function of its own module; this module only wires
them, times them and gathers the warnings. The run's options are one
:class:`~footfit.options.FitOptions`, validated once; the pair's insole and lasts are chosen
in :mod:`footfit.pair`.

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
from typing import TYPE_CHECKING, Any

from footfit.exceptions import DegenerateScanError, InvalidMeasurementError
from footfit.options import FitOptions
from footfit.pair import PAIR_POOL, FootResult, PairLasts, pair_insole

if TYPE_CHECKING:
    from footfit._core.typing import ArrayLike, PathType
    from footfit.clean import Isolation
    from footfit.clean.working import WorkingSet
    from footfit.io import Scan
    from footfit.measure.results import FootMeasurements
    from footfit.report import FitReport, FootReport
    from footfit.sizes import ShoeSizes

__all__ = ["PAIR_POOL", "STAGES", "FitOptions", "FootFitter", "pair_insole", "process"]

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
    options : FitOptions or mapping, optional
        The run's options (:class:`~footfit.options.FitOptions`: style, fit, units, sex,
        profile, n_insoles, leg_cut_height_mm, heel_height_mm, simulate_fit and the insole
        evidence); default ``FitOptions()``.
    **overrides
        Single options by name, e.g. ``FootFitter(style="casual")``; validated with the rest.

    Attributes
    ----------
    options : FitOptions
        The validated options every :meth:`process` call starts from.

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

    def __init__(self, options: FitOptions | Mapping[str, Any] | None = None,
                 **overrides: Any) -> None:
        from footfit.fit.warmup import prepare_last_and_fit
        from footfit.insoles import InsoleMatcher
        from footfit.last import load_stock_lasts

        self.options: FitOptions = FitOptions.coerce(options, **overrides)
        # each insole group's index is built at its first use (~0.2 ms; a scan needs one or
        # two of the ~140): building them all took ~20 ms of every fresh process
        self.matcher_ = InsoleMatcher(n_neighbors=self.options.n_insoles).fit(prebuild=False)
        self.stock_lasts_ = load_stock_lasts()
        # the stages import their modules lazily (import footfit stays fast); a fitter is
        # made to process scans, so it loads them now, once (the processing line imports
        # no scipy: hulls, neighbours and grids are footfit._core's numpy versions)
        _prepare_stages()
        prepare_last_and_fit()  # the last and fit stages' modules and tables (lastfit)

    def process(self, source: PathType | Scan | ArrayLike, options: FitOptions | None = None,
                **overrides: Any) -> FitReport:
        """Run the fitting line on one scan.

        Parameters
        ----------
        source : path, Scan or (n, 3) array_like
            The scan. Arrays are taken in ``units`` (auto-detected by default).
        options : FitOptions, optional
            This call's options instead of the fitter's.
        **overrides
            Any :class:`~footfit.options.FitOptions` field (``style``, ``fit``, ``units``,
            ``sex``, ``profile``, ``heel_height_mm``, ``leg_cut_height_mm``,
            ``simulate_fit``, ``foot_posture_index``, ``forefoot_overload``...) for this call
            only. The insole evidence (``footfit/data/insole_rules.json``):
            ``foot_posture_index`` (a measured FPI-6, -12..+12: a medial post needs +6 or
            more) and ``forefoot_overload`` (True: forefoot overload seen, e.g. on a pressure
            plate; the only way a metatarsal pad is chosen), each one value for both feet or
            a mapping ``{'left': ..., 'right': ...}``.

        Returns
        -------
        FitReport
            The report of the scan.

        Raises
        ------
        InvalidScanError
            The scan cannot be read (the message names the file and the problem).
        DegenerateScanError
            The scan holds no foot.
        InvalidParameterError
            A bad option (one line naming it and its value).
        """
        opts = FitOptions.coerce(self.options if options is None else options, **overrides)
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


def _not_whole(m: FootMeasurements) -> str | None:
    """Return why a measured foot is not a whole foot, or None."""
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


def _drop_short_feet(per_foot: list[FootResult], warnings: list[str], *,
                     source: str) -> list[FootResult]:
    """Refuse a scan whose longest foot is not a whole foot; drop such second parts.

    Not whole: too short, or proportioned like a cut-off part. A dropped part gets a warning.
    """
    if not per_foot:
        return per_foot

    def length(item: FootResult) -> float:
        value = item.measured.measurements.foot_length_mm
        return -1.0 if value is None else value

    longest = max(per_foot, key=length)
    reason = _not_whole(longest.measured.measurements)
    if reason is not None:
        raise DegenerateScanError(f"{source}: no whole foot: {reason}; a partial or cut-off "
                                  "scan?")
    kept = []
    for item in per_foot:
        reason = _not_whole(item.measured.measurements)
        if reason is not None:
            warnings.append(f"a {item.aligned.side} foot-like part was left out: "
                            + reason.replace("the largest foot-like part", "it"))
        else:
            kept.append(item)
    return kept


def prepare_long_running() -> None:
    """Load what a long-running process (service, batch or Dask worker) should pay once.

    ``scipy.spatial``: with it imported, :func:`footfit._core.hull.convex_hull_3d` takes
    Qhull, about 5x faster than the numpy Quickhull on the up estimate of a scan without a
    floor (the same hull, tested). A one-shot ``footfit process`` does not import it: the
    import costs 0.3-0.4 s, more than the hulls of one scan.
    """
    import scipy.spatial  # noqa: F401


def _prepare_stages() -> None:
    """Import the stages and build their tables now, not during the first scan.

    What a fresh process's first scan paid beyond a warm one (``python -X importtime`` and
    the modules new in ``sys.modules`` after it): the stage modules themselves (io, clean,
    align, measure, report; ``uuid``), the JSON rule tables, the up-estimation sphere of
    directions (its voxel-hash neighbour pairs) and the outline fit's Fourier basis.
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


def _load(source: PathType | Scan | ArrayLike, opts: FitOptions) -> Scan:
    """Read the scan (a ``Scan`` given with ``units='auto'`` is taken as it is)."""
    from footfit.io import Scan, check_foot_scan_extent, load_scan

    if isinstance(source, Scan) and opts.units == "auto":
        return source
    scan = load_scan(source, units=opts.units)
    if opts.units != "auto":
        check_foot_scan_extent(scan)
    return scan


def _isolate(scan: Scan, opts: FitOptions) -> tuple[WorkingSet, Isolation]:
    """Return the working set and the feet found in it (errors name the scan)."""
    from footfit.clean import build_working_set, isolate_feet

    # one working set (1 mm voxel means with counts) for isolate, align and measure:
    # see footfit/clean/working.py for why, and where the full cloud is not needed
    ws = build_working_set(scan.points, scan.normals)
    try:
        iso = isolate_feet(ws.points, normals=ws.normals,
                           leg_cut_height_mm=opts.leg_cut_height_mm, rng=0)
    except DegenerateScanError as exc:  # name the scan, as every scan error does
        source = str(scan.source or "scan")
        if source in str(exc):
            raise
        raise DegenerateScanError(f"{source}: {exc}") from exc
    return ws, iso


def _measure_feet(scan: Scan, ws: WorkingSet, iso: Isolation, opts: FitOptions,
                  timer: _Timer, warnings: list[str]) -> list[FootResult]:
    """Align, measure and classify each foot; keep the whole ones, left first."""
    from footfit.align import align_foot
    from footfit.classify import classify_foot
    from footfit.measure import measure_foot

    per_foot = []
    for foot in iso.feet:
        with timer.stage("align"):
            aligned = align_foot(foot, up=iso.up, floor_plane=iso.floor_plane,
                                 leg_cut_height_mm=opts.leg_cut_height_mm)
        with timer.stage("measure"):
            measured = measure_foot(aligned, weights=ws.counts[aligned.indices])
        with timer.stage("classify"):
            classification = classify_foot(measured.measurements, sex=opts.sex)
        per_foot.append(FootResult(aligned, measured, classification))
    per_foot = _drop_short_feet(per_foot, warnings, source=getattr(scan, "source", "<array>"))
    per_foot.sort(key=lambda t: 0 if t.aligned.side == "left" else 1)
    sides = [f.aligned.side for f in per_foot]
    if len(sides) == 2 and sides[0] == sides[1]:
        warnings.append(
            f"two feet found but both look {sides[0]}: check the scan (side decided from shape)"
        )
    return per_foot


def _sizes(per_foot: list[FootResult], opts: FitOptions,
           warnings: list[str]) -> ShoeSizes | None:
    """Return the pair's shoe sizes (None, with a warning, when they cannot be given)."""
    from footfit.sizes import sizes_for_feet

    try:
        sizes = sizes_for_feet([f.measured.measurements for f in per_foot],
                               profile=opts.profile, sex=opts.sex)
    except InvalidMeasurementError as exc:
        warnings.append(f"no shoe size: {exc}")
        return None
    warnings.extend(sizes.notes)
    return sizes


def _match_insoles(fitter: FootFitter, per_foot: list[FootResult], opts: FitOptions,
                   timer: _Timer, warnings: list[str]
                   ) -> tuple[list[FootResult], dict[str, Any] | None]:
    """Rank insoles for each foot and choose the pair's; return the feet and the pair."""
    from footfit.pair import insole_notes

    feet = []
    pools: dict[str, list[Any]] = {}
    # a pair is chosen among each foot's best PAIR_POOL; one foot needs only its own list
    k_match = max(opts.n_insoles, PAIR_POOL if len(per_foot) > 1 else 1)
    for f in per_foot:
        side, m = f.aligned.side, f.measured.measurements
        insoles: list[Any] = []
        with timer.stage("insoles"):
            try:
                pool = fitter.matcher_.match(
                    m, classification=f.classification, k=k_match, style=opts.style,
                    foot_posture_index=opts.for_side("foot_posture_index", side),
                    forefoot_overload=opts.for_side("forefoot_overload", side),
                )
                pools[side] = pool
                insoles = pool[: opts.n_insoles]
            except InvalidMeasurementError as exc:
                warnings.append(f"{side} foot: no insole recommendation: {exc}")
        notes = insole_notes(insoles)
        for name, reason in m.missing.items():
            warnings.append(f"{side} foot: {name} not measurable ({reason})")
        feet.append(FootResult(f.aligned, f.measured, f.classification, tuple(insoles), notes))
    with timer.stage("insoles"):
        lengths = {f.aligned.side: f.measured.measurements.foot_length_mm for f in per_foot}
        pair, pair_note = pair_insole(pools, lengths)
    if pair_note:
        warnings.append(pair_note)
    return feet, pair


def _foot_report(f: FootResult, last: PairLasts) -> FootReport:
    """Return one foot's section of the report."""
    from footfit.report import FootReport

    return FootReport(
        side=f.aligned.side,
        measurements=f.measured.measurements,
        classification=f.classification,
        landmarks=f.measured.landmarks.to_dict(),
        landmarks_input=f.measured.landmarks_input.to_dict(),
        insoles=f.insoles,
        insole_notes=f.insole_notes,
        last=last.params,
        stock_last=last.stock,
        fit=last.fit,
        side_confidence=float(f.aligned.side_confidence),
        plantar_visible=bool(f.aligned.plantar_visible),
        transform=tuple(tuple(float(v) for v in row) for row in f.aligned.transform),
        aligned=f.aligned,
        measured=f.measured,
        custom_last=last.custom,
    )


def _assemble(scan: Scan, ws: WorkingSet, iso: Isolation, per_foot: list[FootResult],
              feet: list[FootReport], sizes: ShoeSizes | None, pair: dict[str, Any] | None,
              opts: FitOptions, timer: _Timer, warnings: list[str]) -> FitReport:
    """Return the report: scan summary with the trust signals, feet, sizes, pair, timings."""
    from footfit import __version__
    from footfit.quality import assess_report_feet
    from footfit.report import FitReport, ScanSummary

    with timer.stage("report"):  # trust signals: ~35 ms a foot (loaded 2-core machine)
        points = {f.aligned.side: int(ws.counts[f.aligned.indices].sum()) for f in per_foot}
        quality = assess_report_feet(feet, floor_found=bool(iso.floor_found),
                                     points_count=points)
    with timer.stage("report"):
        summary = ScanSummary(
            source=scan.source,
            format=scan.format,
            points_in=scan.points_in,
            # input points behind the working-set cells the feet kept
            points_used=int(sum(ws.counts[f.aligned.indices].sum() for f in per_foot)),
            units_detected=scan.units_detected,
            feet_found=len(feet),
            floor_found=bool(iso.floor_found),
            leg_cut_height_mm=float(iso.leg_cut_height_mm),
            quality=quality,
        )
        return FitReport(
            scan=summary,
            feet=tuple(feet),
            sizes=sizes,
            pair_insole=pair,
            timings_ms=timer.ms,
            warnings=tuple(dict.fromkeys(warnings)),  # de-duplicated, order kept
            options=opts.report_options(),
            footfit_version=__version__,
        )


def _run_line(fitter: FootFitter, source: PathType | Scan | ArrayLike,
              opts: FitOptions) -> FitReport:
    """Run every stage on one scan, timing each; return the report."""
    from footfit.pair import pair_lasts

    timer = _Timer()
    t_start = time.perf_counter()
    warnings: list[str] = []
    with timer.stage("load"):
        scan = _load(source, opts)
    warnings.extend(scan.warnings)
    with timer.stage("isolate"):
        ws, iso = _isolate(scan, opts)
    warnings.extend(iso.notes)
    per_foot = _measure_feet(scan, ws, iso, opts, timer, warnings)
    with timer.stage("sizes"):
        sizes = _sizes(per_foot, opts, warnings)
    feet, pair = _match_insoles(fitter, per_foot, opts, timer, warnings)
    lasts = pair_lasts(feet, pair, opts, library=fitter.stock_lasts_, stage=timer.stage,
                       warnings=warnings)
    reports = [_foot_report(f, last) for f, last in zip(feet, lasts, strict=True)]
    report = _assemble(scan, ws, iso, per_foot, reports, sizes, pair, opts, timer, warnings)
    report.timings_ms["total"] = (time.perf_counter() - t_start) * 1e3
    return report


_DEFAULT_FITTERS: dict[tuple[Any, ...], FootFitter] = {}
_DEFAULT_LOCK = threading.Lock()


def process(source: PathType | Scan | ArrayLike, options: FitOptions | None = None,
            **overrides: Any) -> FitReport:
    """Run the whole fitting line on one scan and return a ``FitReport``.

    A convenience wrapper over :class:`FootFitter` that keeps one fitter per ``n_insoles``
    (catalogues are loaded on the first call only).

    Parameters
    ----------
    source : path, Scan or (n, 3) array_like
        The scan.
    options : FitOptions, optional
        The run's options (default ``FitOptions()``).
    **overrides
        Single options by name (``style``, ``units``, ``fit``, ``sex``, ``profile``,
        ``n_insoles``, ``heel_height_mm``, ``leg_cut_height_mm``, ``simulate_fit``...): see
        :class:`~footfit.options.FitOptions`.

    Returns
    -------
    FitReport
        The report of the scan.
    """
    opts = FitOptions.coerce(options, **overrides)
    key = (opts.n_insoles,)
    with _DEFAULT_LOCK:
        fitter = _DEFAULT_FITTERS.get(key)
        if fitter is None:
            fitter = FootFitter(n_insoles=opts.n_insoles)
            _DEFAULT_FITTERS[key] = fitter
    return fitter.process(source, opts)
