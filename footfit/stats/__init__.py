"""Population statistics over a batch results folder: what a factory plans stock from.

``footfit stats OUT`` reads ``OUT/results.jsonl`` (one record at a time) and gives the counts
by sex x size x width (Chinese size and width type, US and JIS sizes and letters), the share of
feet covered by the k most common widths of each length, a stock plan (lasts per size and width
per 1,000 customers for a chosen coverage), the distributions of the key measures and the
left-right differences; as JSON, as a self-contained HTML page with pictures (inline SVG), and
the per-foot measurements as Parquet.

Modules: ``collect`` (rows from records), ``tables`` (the statistics), ``html`` (the page),
``synthetic`` (a synthetic results folder from the ANSUR II population).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from footfit.stats.collect import FOOT_COLUMNS, MEASURES, Population, read_population
from footfit.stats.html import write_stats_html
from footfit.stats.synthetic import write_synthetic_results
from footfit.stats.tables import (
    SYSTEMS,
    compare_sides,
    count_sizes,
    describe_measures,
    plan_stock,
    width_coverage,
)

__all__ = [
    "FOOT_COLUMNS",
    "MEASURES",
    "SYSTEMS",
    "Population",
    "compare_sides",
    "compute_population_stats",
    "count_sizes",
    "describe_measures",
    "plan_stock",
    "read_population",
    "width_coverage",
    "write_feet_parquet",
    "write_stats_html",
    "write_synthetic_results",
]


def compute_population_stats(
    source: str | os.PathLike[str] | Population, *, coverage: float = 0.9, k_max: int = 5,
) -> dict[str, Any]:
    """Return every statistic of a results folder as one JSON-ready dict.

    Parameters
    ----------
    source : str, path or Population
        A ``footfit batch`` output folder (or its ``results.jsonl``), or a read population.
    coverage : float, default=0.9
        Share of customers the stock plan must fit.
    k_max : int, default=5
        Widths per length in the coverage table.

    Returns
    -------
    dict
        ``source``, ``scans``, ``failed_scans``, ``feet``, ``customers``, ``feet_by_sex``,
        ``size_width_counts`` (``cn``, ``us``, ``jp``: :func:`count_sizes`),
        ``width_coverage`` (:func:`width_coverage`, Chinese types), ``stock_plan``
        (:func:`plan_stock`), ``measures`` (:func:`describe_measures`), ``left_right``
        (:func:`compare_sides`).
    """
    pop = source if isinstance(source, Population) else read_population(source)
    by_sex: dict[str, int] = {}
    for s in pop.feet["sex"]:
        by_sex[s] = by_sex.get(s, 0) + 1
    return {
        "source": None if isinstance(source, Population) else str(Path(source)),
        "scans": pop.scans, "failed_scans": pop.failed, "feet": pop.n_feet,
        "customers": pop.n_customers, "feet_by_sex": by_sex,
        "size_width_counts": {s: count_sizes(pop, system=s) for s in SYSTEMS},
        "width_coverage": width_coverage(pop, system="cn", k_max=k_max),
        "stock_plan": plan_stock(pop, coverage=coverage, system="cn"),
        "measures": describe_measures(pop),
        "left_right": compare_sides(pop),
    }


def write_feet_parquet(pop: Population, path: str | os.PathLike[str]) -> Path:
    """Write the per-foot rows (:data:`FOOT_COLUMNS`) as a Parquet file; return its path.

    Raises
    ------
    ImportError
        Without pyarrow (``pip install 'footfit[dask]'``).
    """
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise ImportError("footfit stats --parquet requires pyarrow: "
                          "pip install 'footfit[dask]'") from exc
    from footfit._core.atomic import write_atomic

    types = {c: pa.float64() for c in MEASURES}
    types.update({"eu": pa.float64(), "uk": pa.float64(), "us": pa.float64(),
                  "jp_cm": pa.float64(), "child": pa.bool_()})
    table = pa.table({c: pa.array(pop.feet[c], type=types.get(c, pa.string()))
                      for c in FOOT_COLUMNS})
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    out = Path(path)
    write_atomic(out, [sink.getvalue().to_pybytes()])
    return out
