"""Population tables: size x width counts, width coverage, the stock plan, measures.

Also the measure distributions and the left-right differences.

References
----------
.. [1] Jurca A., Zabkar J., Dzeroski S. (2019), Analysis of 1.2 million foot scans from North
   America, Europe and Asia, Scientific Reports 9:19155: at least three widths per length
   class are needed to fit 90 % of people.
.. [2] GB/T 43293-2022 (Chinese sizes, five width types); JIS S 5037 (width letters): see
   DOMAIN.md section 4 and :mod:`footfit.sizes`.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from typing import Any

import numpy as np

from footfit.exceptions import InvalidParameterError
from footfit.sizes import width_labels
from footfit.stats.collect import MEASURES, SEX_UNKNOWN, Population

__all__ = [
    "SYSTEMS", "compare_sides", "count_sizes", "describe_measures", "plan_stock",
    "width_coverage",
]

#: Size systems of the tables: (size column, width column, width-label system).
SYSTEMS: dict[str, tuple[str, str, str]] = {
    "cn": ("cn", "cn_width_type", "cn"),
    "us": ("us", "us_width", "us"),
    "jp": ("jp_cm", "jp_width", "jp"),
}
NO_SIZE = "-"
NO_WIDTH = "-"
SEX_ORDER = ("female", "male", SEX_UNKNOWN)


def _check_system(system: str) -> tuple[str, str, str]:
    if system not in SYSTEMS:
        raise InvalidParameterError(
            f"`system` must be one of {', '.join(SYSTEMS)}; got {system!r}")
    return SYSTEMS[system]


def size_label(value: object) -> str:
    """Return a size as a table label (``'250'``, ``'8.5'``, ``'-'`` when missing)."""
    if value is None or value == "":
        return NO_SIZE
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def size_order(label: str) -> tuple[float, str]:
    """Sort key: numeric sizes in order, the missing size last."""
    try:
        return (float(label), label)
    except ValueError:
        return (math.inf, label)


def width_order(system: str) -> dict[str, int]:
    """Rank of each width label of ``system`` (narrowest first; children's after adults')."""
    _, _, scale = _check_system(system)
    labels = list(width_labels(scale))
    labels += [w for w in width_labels(scale, child=True) if w not in labels]
    return {w: i for i, w in enumerate([*labels, NO_WIDTH])}


def count_sizes(pop: Population, *, system: str = "cn") -> list[dict[str, Any]]:
    """Count the feet by sex x size x width.

    Parameters
    ----------
    pop : Population
    system : {'cn', 'us', 'jp'}, default='cn'
        Chinese size and width type (GB/T 43293), US size and width letter, or Japanese size
        and JIS letter (:func:`footfit.sizes.compute_sizes` of each foot).

    Returns
    -------
    list of dict
        ``sex``, ``size``, ``width``, ``feet``; sorted by sex, size, width. Every foot is in
        one row (``'-'`` for a size or width that could not be given), so the counts sum to
        the feet measured.
    """
    size_col, width_col, _ = _check_system(system)
    counts = Counter(zip(pop.feet["sex"], map(size_label, pop.feet[size_col]),
                         (w or NO_WIDTH for w in pop.feet[width_col]), strict=True))
    rank = width_order(system)
    keys = sorted(counts, key=lambda k: (_sex_rank(k[0]), size_order(k[1]),
                                         rank.get(k[2], len(rank))))
    return [{"sex": s, "size": z, "width": w, "feet": counts[(s, z, w)]} for s, z, w in keys]


def _sex_rank(sex: str) -> int:
    return SEX_ORDER.index(sex) if sex in SEX_ORDER else len(SEX_ORDER)


def width_coverage(pop: Population, *, system: str = "cn", k_max: int = 5) -> dict[str, Any]:
    """Share of feet covered by the ``k`` most common widths of their length, k = 1..k_max.

    Parameters
    ----------
    pop : Population
    system : {'cn', 'us', 'jp'}, default='cn'
    k_max : int, default=5

    Returns
    -------
    dict
        ``by_size``: per size ``size``, ``feet``, ``widths`` (most common first, with
        counts) and ``cumulative_share`` (k = 1..k_max); ``overall``: the share of all sized
        feet covered by the k most common widths of each length; ``feet``: the feet counted
        (those with a size and a width).
    """
    if not isinstance(k_max, int) or k_max < 1:
        raise InvalidParameterError(f"`k_max` must be an int >= 1; got {k_max!r}")
    size_col, width_col, _ = _check_system(system)
    groups: dict[str, Counter[str]] = defaultdict(Counter)
    for z, w in zip(pop.feet[size_col], pop.feet[width_col], strict=True):
        if z is not None and w:
            groups[size_label(z)][w] += 1
    rank = width_order(system)
    total = sum(sum(c.values()) for c in groups.values())
    covered = [0] * k_max
    by_size = []
    for z in sorted(groups, key=size_order):
        c = groups[z]
        n = sum(c.values())
        ranked = sorted(c.items(), key=lambda kv: (-kv[1], rank.get(kv[0], len(rank))))
        cum = np.cumsum([v for _, v in ranked])
        shares = [float(cum[min(k, len(cum)) - 1] / n) for k in range(1, k_max + 1)]
        for k in range(k_max):
            covered[k] += int(cum[min(k + 1, len(cum)) - 1])
        by_size.append({"size": z, "feet": n, "widths": [[w, v] for w, v in ranked],
                        "cumulative_share": shares})
    overall = [c / total if total else 0.0 for c in covered]
    return {"system": system, "feet": total, "by_size": by_size, "overall": overall}


def plan_stock(pop: Population, *, coverage: float = 0.9, system: str = "cn",
               per: int = 1000) -> dict[str, Any]:
    """Plan the stock lasts: per length, the fewest widths that fit ``coverage`` of it.

    Parameters
    ----------
    pop : Population
    coverage : float, default=0.9
        Share of the customers of each length (so of all customers) the kept lasts must fit.
    system : {'cn', 'us', 'jp'}, default='cn'
    per : int, default=1000
        Lasts are given per this many customers.

    Returns
    -------
    dict
        ``rows``: ``size``, ``width``, ``customers`` and ``per_1000`` (lasts of that size and
        width to keep per ``per`` customers: their share of the demand); ``customers``: those
        planned for (with a size and a width); ``covered``, ``covered_share`` (at least
        ``coverage``); ``lasts``: size-width combinations kept; ``widths_per_size``;
        ``unplanned``: customers without a width (no ball girth).

    Notes
    -----
    Customers are the batch's scans, sized as the batch sized them (the longer foot, the
    larger girth). In each length class the widths are taken most common first until they
    cover ``coverage`` of that class, Jurca et al.'s rule [1]_: fewer cells than one
    population-wide ranking would need for the same share in every class. The rest of the
    customers are the custom lasts.

    References
    ----------
    .. [1] Jurca et al. (2019), Scientific Reports 9:19155.
    """
    if not isinstance(coverage, (int, float)) or not 0.0 < coverage <= 1.0:
        raise InvalidParameterError(f"`coverage` must be a share in (0, 1]; got {coverage!r}")
    if not isinstance(per, int) or per < 1:
        raise InvalidParameterError(f"`per` must be an int >= 1; got {per!r}")
    size_col, width_col, _ = _check_system(system)
    groups: dict[str, Counter[str]] = defaultdict(Counter)
    unplanned = 0
    for z, w in zip(pop.customers[size_col], pop.customers[width_col], strict=True):
        if z is None or not w:
            unplanned += 1
        else:
            groups[size_label(z)][w] += 1
    n = sum(sum(c.values()) for c in groups.values())
    rank = width_order(system)
    rows = []
    widths_per_size = {}
    covered = 0
    for z in sorted(groups, key=size_order):
        c = groups[z]
        need = coverage * sum(c.values())
        got = 0
        kept = []
        for w, v in sorted(c.items(), key=lambda kv: (-kv[1], rank.get(kv[0], len(rank)))):
            if got >= need - 1e-9:
                break
            kept.append((w, v))
            got += v
        covered += got
        widths_per_size[z] = len(kept)
        for w, v in sorted(kept, key=lambda kv: rank.get(kv[0], len(rank))):
            rows.append({"size": z, "width": w, "customers": v,
                         "per_1000": round(per * v / n, 1)})
    return {"system": system, "coverage": float(coverage), "per": per, "customers": n,
            "covered": covered, "covered_share": covered / n if n else 0.0,
            "lasts": len(rows), "widths_per_size": widths_per_size, "rows": rows,
            "unplanned": unplanned}


def _describe(values: list[float]) -> dict[str, Any]:
    a = np.asarray(values, dtype=np.float64)
    if a.size == 0:
        return {"n": 0}
    p = np.percentile(a, [5, 25, 50, 75, 95])
    return {"n": int(a.size), "mean": float(a.mean()),
            "sd": float(a.std(ddof=1)) if a.size > 1 else 0.0, "min": float(a.min()),
            "p5": float(p[0]), "p25": float(p[1]), "p50": float(p[2]), "p75": float(p[3]),
            "p95": float(p[4]), "max": float(a.max())}


def describe_measures(pop: Population) -> dict[str, dict[str, Any]]:
    """Distribution of each key measure, by sex and for all feet.

    Returns
    -------
    dict
        ``{measure: {group: {n, mean, sd, min, p5, p25, p50, p75, p95, max}, 'missing': n}}``
        with groups ``'all'`` and each sex present; ``missing`` counts the feet where the
        measure could not be made.
    """
    out: dict[str, dict[str, Any]] = {}
    sexes = sorted(set(pop.feet["sex"]), key=_sex_rank)
    for m in MEASURES:
        vals = pop.feet[m]
        entry: dict[str, Any] = {"all": _describe([v for v in vals if v is not None])}
        for s in sexes:
            entry[s] = _describe([v for v, x in zip(vals, pop.feet["sex"], strict=True)
                                  if v is not None and x == s])
        entry["missing"] = sum(v is None for v in vals)
        out[m] = entry
    return out


def compare_sides(pop: Population) -> dict[str, Any]:
    """Left-right differences (right minus left) of the scans that measured both feet.

    Returns
    -------
    dict
        ``pairs``; per measure ``n``, ``mean``, ``sd`` of the signed difference, ``abs_p50``,
        ``abs_p95``, ``abs_max``; ``length_over_5mm_share`` (pairs whose lengths differ by
        more than a half size) and ``cn_size_differs_share``; ``foot_length_differences``
        (the signed values, for a histogram).
    """
    by_scan: dict[str, dict[str, int]] = defaultdict(dict)
    for i, (scan, side) in enumerate(zip(pop.feet["scan"], pop.feet["side"], strict=True)):
        if side in ("left", "right"):
            by_scan[scan][side] = i
    pairs = [(d["left"], d["right"]) for d in by_scan.values() if len(d) == 2]
    out: dict[str, Any] = {"pairs": len(pairs), "measures": {}}
    for m in MEASURES:
        col = pop.feet[m]
        d = np.asarray([col[r] - col[le] for le, r in pairs
                        if col[le] is not None and col[r] is not None], dtype=np.float64)
        if d.size == 0:
            out["measures"][m] = {"n": 0}
            continue
        ad = np.abs(d)
        out["measures"][m] = {
            "n": int(d.size), "mean": float(d.mean()),
            "sd": float(d.std(ddof=1)) if d.size > 1 else 0.0,
            "abs_p50": float(np.percentile(ad, 50)), "abs_p95": float(np.percentile(ad, 95)),
            "abs_max": float(ad.max()),
        }
    fl = pop.feet["foot_length_mm"]
    diffs = [fl[r] - fl[le] for le, r in pairs if fl[le] is not None and fl[r] is not None]
    out["foot_length_differences"] = [round(float(x), 2) for x in diffs]
    out["length_over_5mm_share"] = (sum(abs(x) > 5.0 for x in diffs) / len(diffs)
                                    if diffs else 0.0)
    cn = pop.feet["cn"]
    cn_pairs = [(cn[le], cn[r]) for le, r in pairs if cn[le] and cn[r]]
    out["cn_size_differs_share"] = (sum(a != b for a, b in cn_pairs) / len(cn_pairs)
                                    if cn_pairs else 0.0)
    return out
