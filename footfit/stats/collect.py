"""Per-foot and per-customer rows from a batch results folder (``OUT/results.jsonl``)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from footfit.files import RESULTS_NAME, iter_records

__all__ = ["FOOT_COLUMNS", "MEASURES", "Population", "read_population"]

#: Key measures (mm unless named otherwise) kept per foot, in the report's names.
MEASURES: tuple[str, ...] = (
    "foot_length_mm", "ball_width_mm", "ball_girth_mm", "instep_girth_mm", "heel_width_mm",
    "instep_height_mm", "arch_index", "hallux_valgus_angle_deg",
)

#: Columns of :attr:`Population.feet`, in order.
FOOT_COLUMNS: tuple[str, ...] = (
    "scan", "side", "sex", *MEASURES, "arch_type", "width_class", "child",
    "mondopoint", "eu", "uk", "us", "cn", "cn_width_type", "us_width", "jp_cm", "jp_width",
    "size_missing",
)

#: Columns of :attr:`Population.customers`: one per scan, sized as the batch sized it
#: (the longer foot, the larger ball girth of the two).
CUSTOMER_COLUMNS: tuple[str, ...] = (
    "scan", "sex", "feet", "cn", "cn_width_type", "us", "us_width", "jp_cm", "jp_width",
)

SEX_UNKNOWN = "unknown"


@dataclass
class Population:
    """The feet of a results folder as columns (lists of equal length).

    Attributes
    ----------
    feet : dict of str to list
        One entry per measured foot of the latest successful record of each scan
        (:data:`FOOT_COLUMNS`). ``sex`` is the batch's ``--sex`` option (``'unknown'``
        without it); the sizes are the foot's own, from :func:`footfit.sizes.compute_sizes`
        with the record's profile and sex; ``size_missing`` says why a foot has none.
    customers : dict of str to list
        One entry per scan with sizes (:data:`CUSTOMER_COLUMNS`).
    scans : int
        Scans in the folder (their latest record).
    failed : int
        Of those, scans whose latest record is a failure (no feet from them).
    """

    feet: dict[str, list[Any]] = field(default_factory=lambda: {c: [] for c in FOOT_COLUMNS})
    customers: dict[str, list[Any]] = field(
        default_factory=lambda: {c: [] for c in CUSTOMER_COLUMNS})
    scans: int = 0
    failed: int = 0

    @property
    def n_feet(self) -> int:
        """Feet measured."""
        return len(self.feet["scan"])

    @property
    def n_customers(self) -> int:
        """Scans with sizes (customers)."""
        return len(self.customers["scan"])


def _us(sizes: Any, sex: str) -> float | None:
    # the women's US scale for women, the men's (unisex) scale otherwise
    return sizes.us_women if sex == "female" else sizes.us_men


def _foot_sizes(m: dict[str, Any], *, profile: str, sex: str) -> tuple[dict[str, Any], str]:
    from footfit.exceptions import FootfitError
    from footfit.sizes import compute_sizes

    empty = {k: None for k in ("child", "mondopoint", "eu", "uk", "us", "cn", "cn_width_type",
                               "us_width", "jp_cm", "jp_width")}
    fl = m.get("foot_length_mm")
    if fl is None:
        return empty, "foot length not measured"
    try:
        s = compute_sizes(fl, ball_girth_mm=m.get("ball_girth_mm"),
                          ball_width_mm=m.get("ball_width_mm"), profile=profile,
                          sex=None if sex == SEX_UNKNOWN else sex)
    except (FootfitError, ValueError) as exc:
        return empty, " ".join(str(exc).split())
    return {"child": s.child, "mondopoint": s.mondopoint, "eu": s.eu, "uk": s.uk,
            "us": _us(s, sex), "cn": s.cn, "cn_width_type": s.cn_width_type,
            "us_width": s.us_width, "jp_cm": s.jp_cm, "jp_width": s.jp_width}, ""


def read_population(out_dir: str | os.PathLike[str]) -> Population:
    """Read the feet of a batch results folder, one record at a time.

    Parameters
    ----------
    out_dir : str or path
        A ``footfit batch`` output folder (holding ``results.jsonl``), or the
        ``results.jsonl`` file itself.

    Returns
    -------
    Population

    Raises
    ------
    FileNotFoundError
        No ``results.jsonl`` there.
    """
    path = Path(out_dir)
    results = path / RESULTS_NAME if path.is_dir() else path
    if not results.is_file():
        raise FileNotFoundError(f"{results}: no batch results (run `footfit batch ... --out "
                                f"{path}` first)")
    # a scan's latest record wins (a file changed and processed again); keep only where each
    # scan's latest record is, then read those lines' feet in a second pass
    latest: dict[str, int] = {}
    for i, rec in enumerate(iter_records(results)):
        latest[str(rec.get("scan"))] = i
    wanted = set(latest.values())
    pop = Population(scans=len(latest))
    for i, rec in enumerate(iter_records(results)):
        if i not in wanted:
            continue
        report = rec.get("report") if rec.get("status") == "ok" else None
        if not report:
            pop.failed += 1
            continue
        _add_record(pop, str(rec.get("scan")), report)
    return pop


def _add_record(pop: Population, scan: str, report: dict[str, Any]) -> None:
    options = report.get("options") or {}
    sizes = report.get("sizes") or {}
    sex = options.get("sex") or sizes.get("sex") or SEX_UNKNOWN
    profile = sizes.get("profile") or options.get("profile") or "iso"
    feet = report.get("feet") or []
    for foot in feet:
        m = foot.get("measurements") or {}
        cls = foot.get("classification") or {}
        own, why = _foot_sizes(m, profile=profile, sex=sex)
        row = {"scan": scan, "side": foot.get("side"), "sex": sex,
               **{k: m.get(k) for k in MEASURES},
               "arch_type": cls.get("arch_type"), "width_class": cls.get("width_class"),
               **own, "size_missing": why}
        for c in FOOT_COLUMNS:
            pop.feet[c].append(row[c])
    if sizes.get("cn"):
        row = {"scan": scan, "sex": sex, "feet": len(feet), "cn": sizes.get("cn"),
               "cn_width_type": sizes.get("cn_width_type"),
               "us": sizes.get("us_women") if sex == "female" else sizes.get("us_men"),
               "us_width": sizes.get("us_width"), "jp_cm": sizes.get("jp_cm"),
               "jp_width": sizes.get("jp_width")}
        for c in CUSTOMER_COLUMNS:
            pop.customers[c].append(row[c])
