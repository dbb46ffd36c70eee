"""The stock last library (``footfit/data/lasts.csv``) and the nearest stock last to a custom last.

Custom-last factories rarely carve a last from nothing: they take the nearest last of their
graded library and modify it (build up the ball girth with leather, grind the heel seat...).
:func:`nearest_stock_last` finds that last by k-nearest neighbours within the style and lists
the modifications ("+4 mm ball girth", "-2 mm heel seat width").

References
----------
.. [1] GB/T 3293-2017 via DOMAIN.md section 5: a last range is graded from a middle size with
   additive steps; bottom widths may vary by +- half a type.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from footfit._data import model_path
from footfit.exceptions import InvalidParameterError
from footfit.last.params import LAST_DIMENSIONS, LastParameters, heel_height_class
from footfit.last.stock_table import GROUPS as _GROUPS
from footfit.last.stock_table import STOCK_ID_COLUMNS, StockRows, read_stock_rows
from footfit.last.styles import style_spec
from footfit.sizes import compute_sizes

__all__ = [
    "STOCK_ID_COLUMNS",
    "StockLastLibrary",
    "StockLastMatch",
    "build_up_map",
    "load_stock_lasts",
    "match_stock_last",
    "nearest_stock_last",
    "stock_last_parameters",
]



@dataclass(frozen=True)
class StockLastLibrary:
    """A validated stock last library (rows of ``lasts.csv``).

    Attributes
    ----------
    path : str
        File it was read from.
    rows : sequence of dict
        One dict per last: the identifying columns and every dimension (floats, mm). A
        :class:`~footfit.last.stock_table.StockRows` when read from a file (each row's dict
        made at first use), or any sequence of such dicts.
    """

    path: str
    rows: Sequence[dict[str, Any]]
    _index: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    def __len__(self) -> int:
        """Return the number of lasts."""
        return len(self.rows)

    def parameters(self, row: Mapping[str, Any]) -> LastParameters:
        """Return a row of this library as :class:`LastParameters`, made once per last.

        See :func:`stock_last_parameters` (right side, ``fit='standard'``).
        """
        key = ("parameters", str(row["id"]))
        p = self._index.get(key)
        if p is None:
            p = self._index[key] = stock_last_parameters(row)
        return p

    def _column(self, name: str) -> Sequence[Any]:
        rows = self.rows
        return rows.column(name) if isinstance(rows, StockRows) else [r[name] for r in rows]

    def styles(self) -> tuple[str, ...]:
        """Return the styles present, in file order."""
        return tuple(dict.fromkeys(self._column("style")))

    def select(
        self, style: str, group: str | tuple[str, ...] | None = None
    ) -> list[dict[str, Any]]:
        """Return the rows of ``style`` (and of ``group``, one name or several, when given)."""
        groups = (group,) if isinstance(group, str) else group
        pairs = zip(self._column("style"), self._column("group"), strict=True)
        return [self.rows[i] for i, (s, g) in enumerate(pairs)
                if s == style and (groups is None or g in groups)]

    def around(
        self, params: LastParameters, *, sizes: int = 1, types: int = 1,
        step_mm: float = 5.0,
    ) -> list[dict[str, Any]]:
        """Return the stock lasts near a custom last's size and width type.

        Parameters
        ----------
        params : LastParameters
            The custom last (its style, group, ``cn_size`` and ``width_index``).
        sizes, types : int, default=1
            How many half sizes (``step_mm``) and width types either side to include.
        step_mm : float, default=5.0
            Size step of the library (mm).

        Returns
        -------
        list of dict
            Rows of the same style and group, ordered by size then width type: the candidate
            stock sizes a fit simulation tries around the formula size.
        """
        if params.group == "unisex":
            groups: tuple[str, ...] = ("male", "female", "unisex")
        else:
            groups = (params.group,)
        size = float(params.cn_size)
        index = params.width_index if params.width_index is not None else 0
        rows = [r for r in self.select(params.style, groups)
                if abs(r["size_mm"] - size) <= sizes * step_mm + 1e-9
                and (params.width_index is None or abs(r["width_index"] - index) <= types)]
        return sorted(rows, key=lambda r: (r["group"], r["size_mm"], r["width_index"]))


@dataclass(frozen=True)
class StockLastMatch:
    """A stock last near a custom last, and what to change on it.

    Attributes
    ----------
    stock_last : dict
        The row of ``lasts.csv`` (``id``, ``style``, ``group``, ``size_mm``,
        ``cn_width_type``, dimensions...).
    distance : float
        Weighted Euclidean distance in mm over the matching features
        (``footfit/data/stock_matching.json``).
    modifications : tuple of str
        Changes the factory makes to the stock last, largest first, e.g.
        ``"+4 mm ball girth"``.
    deltas : dict of str to float
        Custom minus stock for every dimension (mm).
    build_up_mm : dict of str to float
        The build-up (positive) or grind (negative) per zone that makes the stock last fit
        this foot (:func:`build_up_map`): toe box, ball medial / lateral, instep, waist, heel.
    """

    stock_last: dict[str, Any]
    distance: float
    modifications: tuple[str, ...]
    deltas: dict[str, float]
    build_up_mm: dict[str, float] = field(default_factory=dict)

    def parameters(self, *, side: str = "right") -> LastParameters:
        """Return the stock last as :class:`LastParameters` (see stock_last_parameters)."""
        return stock_last_parameters(self.stock_last, side=side)

    @property
    def id(self) -> str:
        """Identifier of the stock last."""
        return str(self.stock_last["id"])

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict.

        Keys ``id``, ``stock_last``, ``distance``, ``modifications``, ``deltas``.
        """
        return {
            "id": self.id,
            "stock_last": dict(self.stock_last),
            "distance": float(self.distance),
            "modifications": list(self.modifications),
            "deltas": dict(self.deltas),
            "build_up_mm": dict(self.build_up_mm),
        }


def build_up_map(deltas: Mapping[str, float]) -> dict[str, float]:
    """Return the build-up (mm, positive) or grind (negative) per zone of a stock last.

    Parameters
    ----------
    deltas : mapping of str to float
        Custom minus stock for the last dimensions (``StockLastMatch.deltas``).

    Returns
    -------
    dict
        ``toe_box``, ``ball_medial``, ``ball_lateral``, ``instep``, ``waist``, ``heel``.

    Notes
    -----
    A girth difference d spread round the section is d / (2 pi) thick; at the ball the
    difference between the medial and lateral bottom half-width changes moves half of it to
    one side; the toe box takes the toe-thickness difference; the heel the short heel
    girth's (``footfit/data/stock_matching.json`` ``build_up_zones``; LASTS.md section 5).

    Examples
    --------
    >>> m = build_up_map({"ball_girth_mm": 6.28, "width_mth1_medial_mm": 1.0,
    ...                   "width_mth5_lateral_mm": 0.0})
    >>> m["ball_medial"], m["ball_lateral"]
    (1.5, 0.5)
    """
    def d(name: str) -> float:
        v = float(deltas.get(name, 0.0))
        return v if np.isfinite(v) else 0.0

    tau = 2.0 * np.pi
    ball = d("ball_girth_mm") / tau
    skew = 0.5 * (d("width_mth1_medial_mm") - d("width_mth5_lateral_mm"))
    out = {
        "toe_box": d("toe_thickness_mm"),
        "ball_medial": ball + skew,
        "ball_lateral": ball - skew,
        "instep": d("instep_girth_mm") / tau,
        "waist": d("waist_girth_mm") / tau,
        "heel": d("short_heel_girth_mm") / tau,
    }
    return {k: round(v, 1) + 0.0 for k, v in out.items()}


def stock_last_parameters(row: Mapping[str, Any], *, side: str = "right") -> LastParameters:
    """Return a stock last (a row of ``lasts.csv``) as :class:`LastParameters`.

    So a stock last can be built as a mesh or tried in a fit simulation like a custom one.

    Parameters
    ----------
    row : mapping
        A row of :class:`StockLastLibrary` (or ``StockLastMatch.stock_last``).
    side : {'left', 'right'}, default='right'
        Which foot the last is for (stock lasts are symmetric pairs).

    Returns
    -------
    LastParameters
        ``fit='standard'``; ``foot_length_mm`` is the foot the last was graded for.

    Examples
    --------
    >>> lib = load_stock_lasts()
    >>> p = stock_last_parameters(lib.select("boot", "male")[0])
    >>> p.style, p.group, p.size_label, p.foot_length_mm
    ('boot', 'male', '235(一)', 235.0)
    """
    missing = [c for c in (*STOCK_ID_COLUMNS, *LAST_DIMENSIONS) if c not in row]
    if missing:
        raise InvalidParameterError(f"`row` lacks {', '.join(missing)}")
    style = str(row["style"])
    spec = style_spec(style)
    group = str(row["group"])
    child = group == "child"
    dims = {d: float(row[d]) for d in LAST_DIMENSIONS}
    size = int(row["size_mm"])
    sizes = compute_sizes(size, child=child)
    return LastParameters(
        style=style, fit="standard", side=side, group=group,
        sex=group if group in ("male", "female") else None, child=child,
        foot_length_mm=dims["bottom_length_mm"] - dims["toe_allowance_mm"]
        + dims["heel_allowance_mm"],
        **dims,
        heel_height_class=heel_height_class(dims["heel_height_mm"]),
        toe_box_shape=str(spec.get("toe_box_shape", "round")),
        sole_stiffness=str(spec.get("sole_stiffness", "medium")),
        size_label=f"{size}({row['cn_width_type']})", cn_size=str(size),
        cn_width_type=str(row["cn_width_type"]), width_index=int(row["width_index"]),
        eu_size=float(row["eu_size"]), mondopoint=sizes.mondopoint,
        notes=(f"stock last {row['id']}",),
    )


@lru_cache(maxsize=4)
def _load_cached(path_key: str, mtime: float) -> StockLastLibrary:
    path = Path(path_key)
    return StockLastLibrary(path=str(path), rows=read_stock_rows(path))


def load_stock_lasts(path: str | Path | None = None) -> StockLastLibrary:
    """Read and validate a stock last library.

    Parameters
    ----------
    path : str or Path, optional
        CSV with the columns :data:`STOCK_ID_COLUMNS` + ``LAST_DIMENSIONS``; default
        ``footfit/data/lasts.csv`` (made by ``tools/make_lasts.py``).

    Returns
    -------
    StockLastLibrary

    Raises
    ------
    FileNotFoundError
        No such file.
    ValueError
        A missing column, or a bad value: the message names the file, the row (line number)
        and the column.

    Examples
    --------
    >>> from footfit.last import available_styles
    >>> lib = load_stock_lasts()
    >>> sorted(set(lib.styles())) == sorted(set(available_styles()))
    True
    """
    p = model_path("lasts.csv") if path is None else Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"{p}: stock last library not found")
    return _load_cached(str(p.resolve()), p.stat().st_mtime)


@lru_cache(maxsize=4)
def _matching_cached(path_key: str, mtime: float) -> dict[str, Any]:
    path = Path(path_key)
    doc = json.loads(path.read_text(encoding="utf-8"))
    for key in ("features", "modifications", "modification_threshold_mm"):
        if key not in doc:
            raise InvalidParameterError(f"{path}: key {key!r} missing")
    for name in (*doc["features"], *doc["modifications"]):
        if name not in LAST_DIMENSIONS:
            raise InvalidParameterError(f"{path}: {name!r} is not a last dimension")
    return doc


def _matching() -> dict[str, Any]:
    path = model_path("stock_matching.json")
    return _matching_cached(str(path), path.stat().st_mtime)


def _format_mm(delta: float) -> str:
    text = f"{delta:+.1f}"
    return text[:-2] if text.endswith(".0") else text


def _params_dims(params: Any) -> tuple[str, dict[str, float]]:
    if isinstance(params, LastParameters):
        return params.style, params.dimensions()
    if isinstance(params, Mapping):
        missing = [d for d in ("style", *LAST_DIMENSIONS) if d not in params]
        if missing:
            raise InvalidParameterError(f"`params` lacks {', '.join(missing)}")
        return str(params["style"]), {d: float(params[d]) for d in LAST_DIMENSIONS}
    raise TypeError(f"`params` must be LastParameters; got {type(params).__name__}")


def _search_groups(params: Any, group: str) -> tuple[str, ...] | None:
    if group == "any":
        return None
    if group != "auto":
        return (group,)
    own = params.group if isinstance(params, LastParameters) else params.get("group")
    if own in (None, "unisex"):
        return ("male", "female", "unisex")
    return (str(own),)


def _match(dims: Mapping[str, float], row: Mapping[str, Any], distance: float,
           cfg: Mapping[str, Any]) -> StockLastMatch:
    threshold = float(cfg["modification_threshold_mm"])
    long_note = float(cfg.get("length_change_note_mm", math.inf))
    deltas = {name: float(dims[name]) - float(row.get(name, np.nan)) for name in LAST_DIMENSIONS}
    mods = []
    for name in sorted(cfg["modifications"], key=lambda nm: -abs(deltas[nm])):
        delta = deltas[name]
        if abs(delta) >= threshold:
            text = f"{_format_mm(delta)} mm {cfg['modifications'][name]}"
            if name == "bottom_length_mm" and abs(delta) > long_note:
                text += " (more than half a size step: re-grade or take the next size)"
            mods.append(text)
    return StockLastMatch(stock_last=dict(row), distance=float(distance),
                          modifications=tuple(mods), deltas=deltas,
                          build_up_mm=build_up_map(deltas))


def match_stock_last(params: LastParameters, row: Mapping[str, Any]) -> StockLastMatch:
    """Return what it takes to fit a given stock last to a custom last.

    The pair's stock last (chosen for the longer foot) is fitted to each foot: its deltas,
    the modifications and the build-up map (:func:`build_up_map`) for this foot.

    Parameters
    ----------
    params : LastParameters
        This foot's custom last.
    row : mapping
        The stock last (a row of ``lasts.csv``, ``StockLastMatch.stock_last``).

    Returns
    -------
    StockLastMatch
        ``distance`` is the weighted distance of ``footfit/data/stock_matching.json``.
    """
    _, dims = _params_dims(params)
    cfg = _matching()
    feats = tuple(cfg["features"])
    w = np.array([float(cfg["features"][f]) for f in feats])
    diff = np.array([dims[f] - float(row[f]) for f in feats]) * w
    return _match(dims, row, float(np.sqrt(np.sum(diff**2))), cfg)


def nearest_stock_last(
    params: LastParameters,
    *,
    library: StockLastLibrary | None = None,
    k: int = 1,
    group: str = "auto",
) -> list[StockLastMatch]:
    """Return the ``k`` stock lasts of the same style nearest to a custom last.

    Parameters
    ----------
    params : LastParameters
        The custom last (:func:`footfit.last.generate_last`).
    library : StockLastLibrary, optional
        Default: :func:`load_stock_lasts` of ``footfit/data/lasts.csv``.
    k : int, default=1
        Number of matches (fewer when the style has fewer lasts).
    group : {'auto', 'any', 'male', 'female', 'unisex', 'child'}, default='auto'
        Which lasts of the style to search. ``'auto'``: the custom last's own group (men's
        lasts for a man, women's for a woman, children's for a child; men's and women's for
        an adult of unknown sex), as a shop would; ``'any'``: every last of the style.

    Returns
    -------
    list of StockLastMatch
        Nearest first, always a list (also for ``k=1``).

    Raises
    ------
    ValueError
        ``k`` < 1, or the library holds no last of the style (and group).

    Notes
    -----
    Exact k-nearest neighbours (:class:`footfit._core.knn.BruteNeighbors`, a vectorized
    scan of the style's lasts: the same neighbours as scikit-learn ``NearestNeighbors``,
    faster at a few hundred lasts and without its import) on the features of
    ``footfit/data/stock_matching.json``, each multiplied by its weight, so the distance is a
    weighted Euclidean distance in mm. Lasts at the same distance come in file order. The
    fitted index is cached on the library.

    Examples
    --------
    >>> from footfit.last import generate_last
    >>> foot = {"side": "right", "foot_length_mm": 263.0, "ball_girth_mm": 252.0}
    >>> match = nearest_stock_last(generate_last(foot, style="sport", sex="male"))[0]
    >>> match.stock_last["size_mm"], match.stock_last["style"]
    (265, 'sport')
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise InvalidParameterError(f"`k` must be an int >= 1; got {k!r}")
    style, dims = _params_dims(params)
    if group not in ("auto", "any", *_GROUPS):
        raise InvalidParameterError(
            f"`group` must be one of {('auto', 'any', *_GROUPS)}; got {group!r}")
    groups = _search_groups(params, group)
    lib = load_stock_lasts() if library is None else library
    if not isinstance(lib, StockLastLibrary):
        raise TypeError(f"`library` must be a StockLastLibrary; got {type(lib).__name__}")
    cfg = _matching()
    feats = tuple(cfg["features"])
    weights = np.array([float(cfg["features"][f]) for f in feats])
    key = (style, groups, feats, tuple(weights))
    cached = lib._index.get(key)
    if cached is None:
        rows = lib.select(style, groups)
        if not rows:
            where = f" in groups {', '.join(groups)}" if groups else ""
            raise InvalidParameterError(f"{lib.path}: no stock last of style {style!r}{where}")
        from footfit._core.knn import BruteNeighbors

        x = np.array([[r[f] for f in feats] for r in rows], dtype=np.float64) * weights
        nn = BruteNeighbors(metric="euclidean").fit(x)
        cached = (rows, nn)
        lib._index[key] = cached
    rows, nn = cached
    n = min(int(k), len(rows))
    q = (np.array([dims[f] for f in feats], dtype=np.float64) * weights)[None, :]
    dist, idx = nn.kneighbors(q, n_neighbors=n)
    out = []
    for d, i in zip(dist[0], idx[0], strict=True):
        out.append(_match(dims, rows[int(i)], float(d), cfg))
    return out
