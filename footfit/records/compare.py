"""Compare two fittings: how a customer's feet changed between visits."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["compare_reports", "implied_sizes"]

_SIZE_KEYS = ("eu", "uk", "us_men", "us_women", "mondopoint", "cn_label")


def implied_sizes(measurements: Mapping[str, Any], *, profile: str = "iso",
                  sex: str | None = None) -> dict[str, Any] | None:
    """Return the sizes one foot's measurements imply on their own (None without a length)."""
    from footfit.sizes import compute_sizes

    length = measurements.get("foot_length_mm")
    if not isinstance(length, (int, float)):
        return None
    try:
        sizes = compute_sizes(float(length), ball_girth_mm=measurements.get("ball_girth_mm"),
                              ball_width_mm=measurements.get("ball_width_mm"),
                              profile=profile, sex=sex)
    except ValueError as exc:  # out of every table: say so instead of guessing
        return {"error": " ".join(str(exc).split())}
    d = sizes.to_dict()
    return {k: d[k] for k in _SIZE_KEYS}


def compare_reports(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    """Per-measure differences (``b - a``) for each foot found in both reports.

    Parameters
    ----------
    a, b : mapping
        Two fitting reports (``a`` the earlier, by convention).

    Returns
    -------
    dict
        ``feet``: per side ``{"measurements": {name: {"a", "b", "change"}}, "sizes":
        {"a", "b"}}`` where ``sizes`` are what each foot's own measurements imply;
        ``only_in_a`` / ``only_in_b``: sides measured once.

    Examples
    --------
    >>> a = {"feet": [{"side": "left", "measurements": {"foot_length_mm": 250.0}}]}
    >>> b = {"feet": [{"side": "left", "measurements": {"foot_length_mm": 252.5}}]}
    >>> compare_reports(a, b)["feet"]["left"]["measurements"]["foot_length_mm"]["change"]
    2.5
    """
    def feet(r: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
        return {f.get("side"): f for f in r.get("feet") or ()}

    fa, fb = feet(a), feet(b)
    out: dict[str, Any] = {"feet": {}, "only_in_a": sorted(set(fa) - set(fb)),
                           "only_in_b": sorted(set(fb) - set(fa))}
    for side in [s for s in ("left", "right") if s in fa and s in fb]:
        ma = fa[side].get("measurements") or {}
        mb = fb[side].get("measurements") or {}
        rows = {}
        for name in [k for k in ma if k in mb]:
            va, vb = ma[name], mb[name]
            numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool)
                          for v in (va, vb))
            if numeric:
                rows[name] = {"a": va, "b": vb, "change": round(vb - va, 4)}
            elif va is None or vb is None:
                rows[name] = {"a": va, "b": vb, "change": None}
        opts_a, opts_b = a.get("options") or {}, b.get("options") or {}
        out["feet"][side] = {
            "measurements": rows,
            "sizes": {"a": implied_sizes(ma, profile=opts_a.get("profile") or "iso",
                                         sex=opts_a.get("sex")),
                      "b": implied_sizes(mb, profile=opts_b.get("profile") or "iso",
                                         sex=opts_b.get("sex"))},
        }
    return out
