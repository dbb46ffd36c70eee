"""Stock size by simulation, and the ``fit`` section of a foot (:func:`fit_foot`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from footfit.exceptions import InvalidParameterError
from footfit.fit._common import _config
from footfit.fit.prepare import (
    PreparedFoot,
    PreparedLast,
    _reduce_foot,
    prepare_foot,
    prepare_last,
)
from footfit.fit.simulate import FitResult, simulate_fit

if TYPE_CHECKING:
    from footfit._core.typing import ArrayLike
    from footfit.align import AlignedFoot
    from footfit.last.custom import CustomLast
    from footfit.last.params import LastParameters
    from footfit.last.stock import StockLastLibrary
    from footfit.measure.results import FootMeasurements


# ----------------------------------------------------------------------------- sizing
@dataclass(frozen=True)
class StockFit:
    """One stock last tried on the foot."""

    id: str
    size_mm: int
    cn_width_type: str
    width_index: int
    label: str
    fit: FitResult

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "id": self.id, "size_mm": int(self.size_mm), "cn_width_type": self.cn_width_type,
            "label": self.label, "score": round(float(self.fit.score), 1),
            "summary": list(self.fit.summary),
        }


@dataclass(frozen=True)
class SizeBySimulation:
    """The stock size that fits best in simulation, beside the formula size.

    Attributes
    ----------
    best : StockFit
        Highest score (ties: nearer the formula last).
    formula : StockFit
        The stock last the formula picks (:func:`footfit.last.nearest_stock_last`).
    candidates : tuple of StockFit
        Every last tried, best first.
    agrees : bool
        Whether the simulation picks the formula last.
    explanation : str
        Why they differ, or that they agree.
    """

    best: StockFit
    formula: StockFit
    candidates: tuple[StockFit, ...]
    agrees: bool
    explanation: str

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (the ``fit`` section of a foot in the FitReport)."""
        return {
            "recommended": self.best.to_dict(),
            "formula": self.formula.to_dict(),
            "agrees": bool(self.agrees),
            "explanation": self.explanation,
            "recommended_fit": self.best.fit.to_dict(),
            "candidates": [c.to_dict() for c in self.candidates],
        }


_PREPARED: dict[tuple[str, str], PreparedLast] = {}


def _prepared_stock(row: Mapping[str, Any], library: Any) -> PreparedLast:
    """Return a stock last ready for the simulation.

    Built once per process, and read from the disk cache (:mod:`footfit.fit.cache`) rather
    than built in a fresh one.
    """
    key = (str(library.path), str(row["id"]))
    pl = _PREPARED.get(key)
    if pl is None:
        from footfit.fit.cache import load_stock_mesh, save_stock_mesh
        from footfit.last.styles import style_spec

        sid = str(row["id"])
        params = library.parameters(row)
        mesh = load_stock_mesh(sid, rebuild=lambda: prepare_last(row, label=sid).mesh)
        if mesh is None:
            pl = prepare_last(row, label=sid)
            save_stock_mesh(sid, pl.mesh)
        else:
            liner = float(style_spec(params.style)["sock_liner_mm"])
            pl = PreparedLast(mesh=mesh, label=sid, params=params, style=params.style,
                              toe_allowance_mm=params.toe_allowance_mm,
                              insole_forefoot_mm=liner, insole_heel_mm=liner)
        if len(_PREPARED) > 256:
            _PREPARED.clear()
        _PREPARED[key] = pl
    return pl


def _stock_label(row: Mapping[str, Any]) -> str:
    return f"{int(row['size_mm'])}({row['cn_width_type']})"


def size_by_simulation(
    foot: AlignedFoot | PreparedFoot | ArrayLike,
    params: LastParameters,
    *,
    library: StockLastLibrary | None = None,
    sizes_around: int = 1,
    widths_around: int = 1,
    cell_mm: float | None = None,
    screen_cell_mm: float | None = None,
) -> SizeBySimulation:
    """Recommend the stock last that fits the foot best in simulation.

    Parameters
    ----------
    foot : AlignedFoot, PreparedFoot or (n, 3) array_like of float, mm
        The foot in the canonical frame.
    params : LastParameters
        The custom last of this foot (:func:`footfit.last.generate_last`): sets the style and
        group, and the formula stock last (:func:`footfit.last.nearest_stock_last`).
    library : StockLastLibrary, optional
        Default ``footfit/data/lasts.csv``.
    sizes_around, widths_around : int, default=1
        Candidates: stock sizes within this many length steps and width types of the formula
        last (3 x 3 = 9 lasts by default).
    cell_mm : float or None, default=None
        Clearance method of the full-resolution runs (see :func:`signed_clearance`).
    screen_cell_mm : float or None, default=None
        The candidates are ranked on a coarse foot, one scan point per cell of this size
        (areas summed, exact clearance), then the recommended and the formula lasts are
        simulated again on every point; ``None`` takes ``simulation.screen_cell_mm`` of
        ``footfit/data/fit_zones.json``; ``0`` simulates every candidate on every point.

    Returns
    -------
    SizeBySimulation

    Raises
    ------
    ValueError
        Bad ``sizes_around`` / ``widths_around``, or no stock last of the style.

    Notes
    -----
    Stock meshes are built once per process and cached (about 50 ms each); the foot's zones
    and point areas are computed once.
    """
    from footfit.last import load_stock_lasts, nearest_stock_last

    for name, v in (("sizes_around", sizes_around), ("widths_around", widths_around)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
            raise InvalidParameterError(f"`{name}` must be an int >= 0; got {v!r}")
    lib = load_stock_lasts() if library is None else library
    pf = prepare_foot(foot)
    if screen_cell_mm is None:
        screen_cell_mm = float(_config()["simulation"]["screen_cell_mm"])
    formula_row = nearest_stock_last(params, library=lib, k=1)[0].stock_last
    rows = lib.select(formula_row["style"], formula_row["group"])
    sizes = sorted({int(r["size_mm"]) for r in rows})
    i0 = sizes.index(int(formula_row["size_mm"]))
    keep_sizes = set(sizes[max(0, i0 - sizes_around): i0 + sizes_around + 1])
    w0 = int(formula_row["width_index"])
    cands = [r for r in rows if int(r["size_mm"]) in keep_sizes
             and abs(int(r["width_index"]) - w0) <= widths_around]
    coarse = _reduce_foot(pf, float(screen_cell_mm)) if screen_cell_mm else pf
    results = []
    for r in cands:
        fit = simulate_fit(coarse, _prepared_stock(r, lib), fit=params.fit,
                           cell_mm=cell_mm)
        results.append(StockFit(id=str(r["id"]), size_mm=int(r["size_mm"]),
                                cn_width_type=str(r["cn_width_type"]),
                                width_index=int(r["width_index"]), label=_stock_label(r),
                                fit=fit))

    def rank(s: StockFit) -> tuple[float, float]:
        steps = abs(sizes.index(s.size_mm) - i0) + abs(s.width_index - w0)
        return (-round(s.fit.score, 1), steps)

    results.sort(key=rank)
    if screen_cell_mm:  # the recommended and the formula lasts again, on every point
        full: dict[str, StockFit] = {}

        def refine(s_fit: StockFit) -> None:
            if s_fit.id not in full:
                row = next(r for r in cands if str(r["id"]) == s_fit.id)
                full[s_fit.id] = dataclasses.replace(s_fit, fit=simulate_fit(
                    pf, _prepared_stock(row, lib), fit=params.fit, cell_mm=cell_mm))

        refine(next(s for s in results if s.id == str(formula_row["id"])))
        while results[0].id not in full:  # until the best is scored on every point
            refine(results[0])
            results = sorted((full.get(s.id, s) for s in results), key=rank)
        results = sorted((full.get(s.id, s) for s in results), key=rank)
    best = results[0]
    formula = next(s for s in results if s.id == str(formula_row["id"]))
    agrees = best.id == formula.id
    if agrees:
        explanation = (f"the simulation agrees with {formula.label}, the stock last nearest this "
                       f"foot's own last (fit score {formula.fit.score:.0f}/100)")
    else:
        reasons = "; ".join(formula.fit.summary)
        explanation = (
            f"simulation prefers {best.label} (score {best.fit.score:.0f}) to {formula.label}, "
            f"the stock last nearest this foot's own last (score "
            f"{formula.fit.score:.0f}): in {formula.label} {reasons}"
        )
    return SizeBySimulation(best=best, formula=formula, candidates=tuple(results),
                            agrees=agrees, explanation=explanation)


# ----------------------------------------------------------------------------- report section
@dataclass(frozen=True)
class FootFit:
    """The ``fit`` section of a foot in the FitReport.

    Attributes
    ----------
    custom : FitResult
        The foot tried in its own custom last.
    sizing : SizeBySimulation or None
        Stock size by simulation beside the formula size (None when the library has no last
        of the style and group, said in ``notes``).
    notes : tuple of str
        What could not be simulated and why.
    """

    custom: FitResult
    sizing: SizeBySimulation | None = None
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready ``fit`` section (no per-point arrays)."""
        return {
            "custom": self.custom.to_dict(),
            "stock_size": None if self.sizing is None else self.sizing.to_dict(),
            "notes": list(self.notes),
        }


def fit_foot(foot: AlignedFoot | PreparedFoot | ArrayLike, params: CustomLast | LastParameters,
             *, library: StockLastLibrary | None = None, stock: bool = True,
             measurements: FootMeasurements | None = None) -> FootFit:
    """Simulate the foot in its custom last and, optionally, size it on the stock lasts.

    Parameters
    ----------
    foot : AlignedFoot, PreparedFoot or (n, 3) array_like of float, mm
        The foot in the canonical frame.
    params : CustomLast or LastParameters
        Its custom last: the one built from the scan (:func:`footfit.last.build_custom_last`)
        or, from parameters alone, the template last of :func:`footfit.last.build_last_mesh`.
    library : StockLastLibrary, optional
        Stock lasts (default ``footfit/data/lasts.csv``).
    stock : bool, default=True
        Also run :func:`size_by_simulation`.
    measurements : FootMeasurements, optional
        For the widths and MTH1 rows of the section table.

    Returns
    -------
    FootFit
    """
    from footfit.last.custom import CustomLast

    pf = foot if isinstance(foot, PreparedFoot) else prepare_foot(
        foot, cell_mm=float(_config()["simulation"]["working_cell_mm"]))
    lp = params.params if isinstance(params, CustomLast) else params
    custom = simulate_fit(pf, params, fit=getattr(lp, "fit", "standard"),
                          measurements=measurements)
    sizing, notes = None, []
    if stock:
        try:
            sizing = size_by_simulation(pf, lp, library=library)
        except ValueError as exc:
            notes.append(f"no stock size by simulation: {exc}")
    return FootFit(custom=custom, sizing=sizing, notes=tuple(notes))
