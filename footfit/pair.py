"""The pair of feet: one insole and one last family for both, each foot's last built.

Shoes and insoles are sold in pairs: :func:`pair_insole` chooses the device both feet are
served best by, :func:`pair_lasts` one stock last, size system and heel height for both feet
(each foot's difference from it as a build-up map), each foot's custom last from its scan and,
unless it is off, the fit simulation. Called by :mod:`footfit.pipeline`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from footfit.exceptions import DegenerateScanError, InvalidMeasurementError

if TYPE_CHECKING:
    from footfit.align import AlignedFoot
    from footfit.classify import FootClassification
    from footfit.fit import FootFit
    from footfit.insoles import InsoleMatch
    from footfit.last import CustomLast, LastParameters, StockLastMatch
    from footfit.last.stock import StockLastLibrary
    from footfit.measure import MeasuredFoot
    from footfit.options import FitOptions

__all__ = ["PAIR_POOL", "FootResult", "PairLasts", "insole_notes", "insole_room_for",
           "pair_insole", "pair_lasts"]

#: Times a stage: ``stage(name)`` is a context manager (``pipeline._Timer.stage``).
StageTimer = Callable[[str], AbstractContextManager[None]]


@dataclass(frozen=True)
class FootResult:
    """One foot through the line up to its insoles: the input of :func:`pair_lasts`."""

    aligned: AlignedFoot
    measured: MeasuredFoot
    classification: FootClassification
    insoles: tuple[InsoleMatch, ...] = ()
    insole_notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class PairLasts:
    """One foot's last: parameters, stock last, fit section and the custom last (or None)."""

    params: LastParameters | None = None
    stock: StockLastMatch | None = None
    fit: FootFit | None = None
    custom: CustomLast | None = None


def insole_room_for(pair: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Return the insole room the pair's lasts leave (LASTS.md section 7).

    The pair insole when a pre-made one fits, the custom insole when none does, ``None``
    (the style's sock liner) when no insole was matched at all.
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


def _base_lasts(feet: Sequence[FootResult], opts: FitOptions, room: dict[str, Any] | None,
                warnings: list[str]) -> list[tuple[LastParameters, float | None] | None]:
    """Return each foot's own last at the requested heel height (and its ball height)."""
    from footfit.last import foot_ball_height, generate_last

    base: list[tuple[LastParameters, float | None] | None] = []
    for f in feet:
        m, aligned = f.measured.measurements, f.aligned
        try:
            # the dorsum's height over MTH1 shapes a template last's forefoot
            ball_h = None
            if m.ball_length_mm is not None:
                ball_h = foot_ball_height(aligned.points, ball_length_mm=m.ball_length_mm)
            base.append((generate_last(
                m, style=opts.style, heel_height_mm=opts.heel_height_mm,
                fit=opts.fit, sex=opts.sex, ball_height_mm=ball_h, insole=room,
            ), ball_h))
        except InvalidMeasurementError as exc:
            warnings.append(f"{aligned.side} foot: no last parameters: {exc}")
            base.append(None)
    return base


def _family(base: Sequence[tuple[LastParameters, float | None] | None],
            library: StockLastLibrary, warnings: list[str]) -> StockLastMatch | None:
    """Return the stock last nearest the longer foot's own last (None when there is none)."""
    from footfit.last import nearest_stock_last

    ok = [i for i, b in enumerate(base) if b is not None]
    lead = max(ok, key=lambda i: base[i][0].foot_length_mm)  # type: ignore[index]
    try:
        return nearest_stock_last(base[lead][0], library=library, k=1)[0]  # type: ignore[index]
    except ValueError as exc:
        warnings.append(f"no stock last: {exc}")
        return None


def _build_foot(f: FootResult, p: LastParameters, family: StockLastMatch | None,
                opts: FitOptions, library: StockLastLibrary, stage: StageTimer,
                warnings: list[str]) -> PairLasts:
    """Build one foot's custom last, match it to the family's stock last, try it on."""
    from footfit.last import build_custom_last, match_stock_last

    aligned = f.aligned
    custom = None
    with stage("last"):
        try:
            custom = build_custom_last(aligned, p)
            p = custom.params
        except (DegenerateScanError, ValueError) as exc:
            warnings.append(f"{aligned.side} foot: custom last from the parameters "
                            f"alone (not enough of the scan to build it from: {exc})")
        stock = None if family is None else match_stock_last(p, family.stock_last)
    fit_section = None
    if opts.simulate_fit:
        from footfit.fit import fit_foot

        with stage("fit"):
            fit_section = fit_foot(aligned, custom if custom is not None else p,
                                   library=library, measurements=f.measured.measurements)
        warnings.extend(f"{aligned.side} foot: {n}" for n in fit_section.notes)
    return PairLasts(p, stock, fit_section, custom)


def pair_lasts(feet: Sequence[FootResult], pair: Mapping[str, Any] | None, opts: FitOptions,
               *, library: StockLastLibrary, stage: StageTimer,
               warnings: list[str]) -> list[PairLasts]:
    """Return one last family for the pair, each foot's last built and tried on.

    The same style, stock last, size system and heel height for both feet; each foot's
    difference from it as a build-up map; each foot's custom last built from its scan and,
    unless the fit is off, tried on it. The stock last is the one nearest the longer foot's
    own last (as the size is decided by the larger foot); its heel height becomes both feet's
    (a last is made for one heel height, LASTS.md section 4), so no foot lists a heel-height
    change.
    """
    from footfit.last import generate_last

    room = insole_room_for(pair) if len(feet) else None
    with stage("last"):
        base = _base_lasts(feet, opts, room, warnings)
        if all(b is None for b in base):
            return [PairLasts()] * len(feet)
        family = _family(base, library, warnings)
        heel = (opts.heel_height_mm if family is None
                else float(family.stock_last["heel_height_mm"]))
        params = [None if b is None else generate_last(
            f.measured.measurements, style=opts.style, heel_height_mm=heel, fit=opts.fit,
            sex=opts.sex, ball_height_mm=b[1], insole=room)
            for f, b in zip(feet, base, strict=True)]
    return [PairLasts() if p is None
            else _build_foot(f, p, family, opts, library, stage, warnings)
            for f, p in zip(feet, params, strict=True)]


#: Insoles ranked per foot when a pair is chosen (the report shows ``n_insoles`` of them).
PAIR_POOL = 10


def pair_insole(
    pools: Mapping[str, Sequence[InsoleMatch]],
    lengths: dict[str, float | None] | None = None,
    *,
    no_fit_score: float | None = None,
) -> tuple[dict[str, Any] | None, str | None]:
    """Return the one insole to sell for both feet (insoles come in pairs), and a note.

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


def insole_notes(insoles: Sequence[InsoleMatch]) -> tuple[str, ...]:
    """Return the notes on one foot's insole list (no good fit, features left out)."""
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
