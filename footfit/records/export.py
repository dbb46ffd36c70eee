"""Export fittings as a table: one row per foot of each fitting (CSV or Parquet)."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["EXPORT_FORMATS", "fitting_rows", "write_export"]

EXPORT_FORMATS = ("csv", "parquet")
_FIXED = ("customer_id", "fitting_id", "created_at", "scan", "footfit_version", "style", "fit",
          "side", "size_eu", "size_uk", "size_mondopoint", "size_cn", "insole_sku",
          "stock_last", "arch_type", "width_class", "toe_shape")


def fitting_rows(fittings: Iterable[Any]) -> list[dict[str, Any]]:
    """Flatten stored fittings (:class:`~footfit.records.store.FittingRecord`) to rows.

    Columns: the fixed ones (ids, time, options, sizes, insole, stock last,
    classification) then every measurement found, in millimetres or as reported.
    """
    rows = []
    for rec in fittings:
        report = rec.report
        sizes = report.get("sizes") or {}
        pair = report.get("pair_insole") or {}
        options = report.get("options") or {}
        for foot in report.get("feet") or ():
            cls = foot.get("classification") or {}
            stock = ((foot.get("last") or {}).get("stock_last") or {})
            row = {
                "customer_id": rec.customer_id, "fitting_id": rec.id,
                "created_at": rec.summary()["created_at"], "scan": rec.scan_filename,
                "footfit_version": rec.footfit_version, "style": options.get("style"),
                "fit": options.get("fit"), "side": foot.get("side"),
                "size_eu": sizes.get("eu"), "size_uk": sizes.get("uk"),
                "size_mondopoint": sizes.get("mondopoint"), "size_cn": sizes.get("cn_label"),
                "insole_sku": pair.get("sku"), "stock_last": stock.get("id"),
                "arch_type": cls.get("arch_type"), "width_class": cls.get("width_class"),
                "toe_shape": cls.get("toe_shape"),
            }
            for name, value in (foot.get("measurements") or {}).items():
                if value is None or isinstance(value, (int, float, str)):
                    row[name] = value
            rows.append(row)
    return rows


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    cols = list(_FIXED)
    for row in rows:
        cols.extend(k for k in row if k not in cols)
    return cols


def write_export(rows: list[dict[str, Any]], path: str | os.PathLike[str], *,
                 format: str = "csv") -> Path:
    """Write ``rows`` to ``path`` as CSV (UTF-8, header) or Parquet (needs pyarrow).

    Raises
    ------
    ValueError
        Unknown format.
    ImportError
        Parquet without pyarrow.
    """
    from footfit._core.atomic import write_text_atomic
    from footfit._core.validation import check_choice

    check_choice(format, EXPORT_FORMATS, name="format")
    out = Path(path)
    cols = _columns(rows)
    if format == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=cols, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        write_text_atomic(out, buf.getvalue())
        return out
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise ImportError("Parquet export needs pyarrow: pip install 'footfit[records]'") \
            from exc
    table = pa.Table.from_pylist([{c: r.get(c) for c in cols} for r in rows],
                                 schema=None) if rows else pa.table({c: [] for c in cols})
    tmp = out.with_name(f".{out.name}.tmp")
    try:
        pq.write_table(table, tmp)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return out
