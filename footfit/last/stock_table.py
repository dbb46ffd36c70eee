"""Read and check the stock last table (``footfit/data/lasts.csv``) into row dicts.

Every fresh process that makes a :class:`~footfit.pipeline.FootFitter` needs the table's
~1,400 rows: parsing and checking them takes ~30 ms (most of it ``float`` on 47k cells), so
the checked rows are kept in the table cache (:mod:`footfit.io.tablecache`: one ``.npy``
named by the SHA-256 of the CSV's bytes and the style names it was checked against; an
edited table is always parsed and checked again). Reading it takes ~8 ms, most of it
making the row dicts.

A clean table is parsed a column at a time; any doubt about a cell sends it through the
row-by-row reader, whose error names the file, the row (its line) and the column. Both give
the same rows (tests/test_last.py).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, overload

import numpy as np

from footfit.exceptions import InvalidParameterError
from footfit.last.params import LAST_DIMENSIONS
from footfit.last.styles import available_styles

__all__ = ["GROUPS", "STOCK_ID_COLUMNS", "WIDTH_NAMES", "StockRows", "read_stock_rows"]

#: Identifying columns of ``lasts.csv`` (followed by :data:`LAST_DIMENSIONS`).
STOCK_ID_COLUMNS: tuple[str, ...] = (
    "id", "style", "group", "size_mm", "cn_width_type", "width_index", "eu_size",
)
#: Wearer groups of the stock lasts.
GROUPS: tuple[str, ...] = ("male", "female", "unisex", "child")
#: Chinese width type names, width index 1..5.
WIDTH_NAMES: tuple[str, ...] = ("一", "二", "三", "四", "五")
_NUMBERS: tuple[str, ...] = ("size_mm", "width_index", "eu_size", *LAST_DIMENSIONS)
_TEXT: tuple[str, ...] = ("id", "style", "group", "cn_width_type")
_KEYS: tuple[str, ...] = (*_TEXT, *_NUMBERS)
#: The cache's name for this layout; bump when the layout or the checks change.
_CACHE_KIND = "lasts-1"


class StockRows(Sequence[dict[str, Any]]):
    """The rows of a stock last table, a read-only sequence of dicts, each made at first use.

    A scan looks at the ~50 lasts of one style and group of the ~1,400: making every row's
    dict (38 keys) when the table is read cost ~20 ms of a fresh process. The columns are
    kept as lists; :meth:`column` lets a filter run on them without making the rows.
    Indexing the same row twice gives the same dict.
    """

    def __init__(self, columns: dict[str, list[Any]]) -> None:
        self._cols = columns
        self._dicts: list[dict[str, Any] | None] = [None] * len(columns["id"])

    @classmethod
    def from_dicts(cls, rows: Sequence[dict[str, Any]]) -> StockRows:
        """Return the rows of checked row dicts (keys in the table's order)."""
        out = cls({k: [r[k] for r in rows] for k in _KEYS})
        out._dicts = list(rows)
        return out

    def __len__(self) -> int:
        """Return the number of rows."""
        return len(self._dicts)

    @overload
    def __getitem__(self, i: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, i: slice) -> tuple[dict[str, Any], ...]: ...

    def __getitem__(self, i: int | slice) -> dict[str, Any] | tuple[dict[str, Any], ...]:
        """Return row ``i`` (a dict), or the rows of a slice (a tuple)."""
        if isinstance(i, slice):
            return tuple(self[j] for j in range(*i.indices(len(self))))
        row = self._dicts[i]
        if row is None:
            j = i % len(self)
            row = self._dicts[j] = {k: self._cols[k][j] for k in _KEYS}
        return row

    def __iter__(self) -> Iterator[dict[str, Any]]:
        """Yield every row."""
        return (self[i] for i in range(len(self)))

    def __eq__(self, other: object) -> bool:
        """Return whether ``other`` is a sequence of the same rows."""
        if not isinstance(other, Sequence) or len(other) != len(self):
            return False
        return all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def column(self, name: str) -> list[Any]:
        """Return the values of column ``name`` in row order (do not modify)."""
        return self._cols[name]


def read_stock_rows(path: Path) -> StockRows:
    """Return the rows of a stock last CSV, checked (from the cache when it has them).

    Parameters
    ----------
    path : Path
        The CSV (columns :data:`STOCK_ID_COLUMNS` and ``LAST_DIMENSIONS``, extra columns
        ignored).

    Returns
    -------
    StockRows
        One dict per last: ``id``, ``style``, ``group``, ``cn_width_type`` (str),
        ``size_mm``, ``width_index`` (int), ``eu_size`` and the dimensions (float).

    Raises
    ------
    InvalidParameterError
        A missing column, a row of the wrong length, or a bad value: the message names the
        file, the row (its line) and the column.
    """
    data = path.read_bytes()
    cache = _cache_file(data)
    rows = _read_cache(cache)
    if rows is None:
        parsed = _parse(path, data.decode("utf-8"))
        _write_cache(cache, parsed)
        rows = StockRows.from_dicts(parsed)
    return rows


def _parse(path: Path, text: str) -> tuple[dict[str, Any], ...]:
    """Return the checked rows of the CSV text of ``path``."""
    table = [row for row in csv.reader(io.StringIO(text, newline="")) if row]
    header = table[0] if table else []  # (DictReader skips blank lines too)
    for col in (*STOCK_ID_COLUMNS, *LAST_DIMENSIONS):
        if col not in header:
            raise InvalidParameterError(f"{path}: column {col!r} missing from the header")
    rows = _rows_fast(header, table[1:])
    return rows if rows is not None else _rows_by_row(path, text)


# ------------------------------------------------------------------------------ cache
def _cache_file(data: bytes) -> Path | None:
    """Return the cache file of a table with these bytes (None when caching is off)."""
    from footfit.io.tablecache import table_file

    return table_file(_CACHE_KIND, data, "\n".join(available_styles()).encode())


def _read_cache(file: Path | None) -> StockRows | None:
    """Return the rows kept in ``file``; None when absent or unreadable."""
    from footfit.io.tablecache import read_table

    arr = read_table(file, _KEYS)
    if arr is None:
        return None
    return StockRows({k: arr[k].tolist() for k in _KEYS})


def _write_cache(file: Path | None, rows: tuple[dict[str, Any], ...]) -> None:
    """Keep the rows in ``file`` (best effort)."""
    from footfit.io.tablecache import write_table

    if file is None:
        return
    width = {k: max(1, *(len(r[k]) for r in rows)) for k in _TEXT}
    dtype = [(k, f"U{width[k]}") for k in _TEXT]
    dtype += [(k, "i8" if k in ("size_mm", "width_index") else "f8") for k in _NUMBERS]
    write_table(file, np.array([tuple(r[k] for k in _KEYS) for r in rows], dtype=dtype))


# ----------------------------------------------------------------------- column-wise path
def _rows_fast(header: list[str], data: list[list[str]]) -> tuple[dict[str, Any], ...] | None:
    """Return the rows of a table whose every cell is valid, else None."""
    if not data or len(set(header)) != len(header) or set(map(len, data)) != {len(header)}:
        return None
    cols = dict(zip(header, zip(*data, strict=True), strict=True))
    ids = [v.strip() for v in cols["id"]]
    if not all(ids) or len(set(ids)) != len(ids):
        return None
    if not (set(cols["style"]) <= set(available_styles()) and set(cols["group"]) <= set(GROUPS)
            and set(cols["cn_width_type"]) <= set(WIDTH_NAMES)):
        return None
    try:
        numbers = np.array([list(map(float, cols[c])) for c in _NUMBERS], dtype=np.float64)
    except ValueError:
        return None
    if not (np.isfinite(numbers).all() and (numbers >= 0).all()):
        return None
    values = dict(zip(_NUMBERS, numbers.tolist(), strict=True))
    values["size_mm"] = [int(v) for v in values["size_mm"]]
    values["width_index"] = [int(v) for v in values["width_index"]]
    names = [WIDTH_NAMES[i - 1] if 1 <= i <= len(WIDTH_NAMES) else None
             for i in values["width_index"]]
    if names != list(cols["cn_width_type"]) or min(values["bottom_length_mm"]) <= 0:
        return None
    columns = [ids, cols["style"], cols["group"], cols["cn_width_type"],
               *(values[c] for c in _NUMBERS)]
    return tuple(dict(zip(_KEYS, row, strict=True)) for row in zip(*columns, strict=True))


# -------------------------------------------------------------------------- row-wise path
def _fail(path: Path, line: int, column: str, problem: str) -> InvalidParameterError:
    return InvalidParameterError(f"{path}: row {line}, column {column!r}: {problem}")


def _parse_ids(raw: dict[str, str], path: Path, line: int, styles: set[str],
               seen: dict[str, int]) -> dict[str, Any]:
    """Return the identifying columns of one CSV row, checked (id, style, group, width)."""
    ident = raw["id"].strip()
    if not ident:
        raise _fail(path, line, "id", "empty")
    if ident in seen:
        raise _fail(path, line, "id", f"duplicate of row {seen[ident]} ({ident!r})")
    seen[ident] = line
    if raw["style"] not in styles:
        raise _fail(path, line, "style", f"unknown style {raw['style']!r}")
    if raw["group"] not in GROUPS:
        raise _fail(path, line, "group", f"must be one of {GROUPS}; got {raw['group']!r}")
    if raw["cn_width_type"] not in WIDTH_NAMES:
        raise _fail(path, line, "cn_width_type",
                    f"must be one of {''.join(WIDTH_NAMES)}; got {raw['cn_width_type']!r}")
    return {"id": ident, "style": raw["style"], "group": raw["group"],
            "cn_width_type": raw["cn_width_type"]}


def _parse_numbers(raw: dict[str, str], row: dict[str, Any], path: Path, line: int) -> None:
    """Add the numeric columns of one CSV row to ``row``, checked."""
    for col in _NUMBERS:
        text = raw[col]
        try:
            value = float(text)
        except ValueError:
            raise _fail(path, line, col, f"not a number ({text!r})") from None
        if not math.isfinite(value) or value < 0:
            raise _fail(path, line, col, f"must be a finite number >= 0; got {text!r}")
        row[col] = value
    row["size_mm"] = int(row["size_mm"])
    row["width_index"] = int(row["width_index"])
    if not 1 <= row["width_index"] <= len(WIDTH_NAMES):
        raise _fail(path, line, "width_index",
                    f"must be 1-{len(WIDTH_NAMES)}; got {raw['width_index']!r}")
    if WIDTH_NAMES[row["width_index"] - 1] != row["cn_width_type"]:
        raise _fail(path, line, "width_index",
                    f"{row['width_index']} does not match {row['cn_width_type']!r}")
    if row["bottom_length_mm"] <= 0:
        raise _fail(path, line, "bottom_length_mm", "must be > 0")


def _rows_by_row(path: Path, text: str) -> tuple[dict[str, Any], ...]:
    """Return the rows, checking them one by one (raises at the first bad cell)."""
    styles = set(available_styles())
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for raw in reader:
        line = reader.line_num
        if None in raw or any(v is None for v in raw.values()):
            raise InvalidParameterError(f"{path}: row {line}: wrong number of fields")
        row = _parse_ids(raw, path, line, styles, seen)
        _parse_numbers(raw, row, path, line)
        rows.append(row)
    if not rows:
        raise InvalidParameterError(f"{path}: no stock lasts in the file")
    return tuple(rows)
