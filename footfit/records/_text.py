"""A report's JSON text and what the store keeps beside it.

No SQLAlchemy here: the CLI's parent process uses these while its helper stores.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from footfit.exceptions import InvalidParameterError

__all__ = ["report_meta", "splice_record"]


def splice_record(report_json: str, record: Mapping[str, Any]) -> str:
    r"""Return ``report_json`` with ``record`` added as its last key.

    ``report_json`` is an object written with ``indent=2``; the rest of its text is kept
    untouched (no second parse and dump of the report).

    Examples
    --------
    >>> text = splice_record('{\n  "a": 1\n}', {"fitting_id": "f"})
    >>> json.loads(text)
    {'a': 1, 'record': {'fitting_id': 'f'}}
    >>> text == json.dumps({"a": 1, "record": {"fitting_id": "f"}}, indent=2)
    True
    """
    # indexes, not rstrip(): no copies of a 75 kB text but the one returned
    end = _before_space(report_json, len(report_json))
    if not (report_json.startswith("{") and end > 1 and report_json[end - 1] == "}"):
        raise InvalidParameterError("the report JSON must be an object")
    inner = _before_space(report_json, end - 1)
    rec = json.dumps(dict(record), indent=2, ensure_ascii=False).replace("\n", "\n  ")
    sep = "" if inner == 1 else ","
    return f'{report_json[:inner]}{sep}\n  "record": {rec}\n}}'


def _before_space(text: str, end: int) -> int:
    """Return the index after the last non-whitespace character of ``text[:end]``."""
    while end and text[end - 1] in " \t\r\n":
        end -= 1
    return end


def report_meta(report: Any) -> dict[str, Any]:
    """Return what the fittings and scans tables keep of a report besides its JSON text.

    Parameters
    ----------
    report : FitReport or mapping
        The report, or its JSON object.

    Returns
    -------
    dict
        ``format``, ``units``, ``points`` (of the scan), ``footfit_version``,
        ``schema_version`` and ``options``.
    """
    if not isinstance(report, Mapping):  # a FitReport: no full to_dict() needed
        report = {"scan": report.scan.to_dict(), "options": report.options,
                  "footfit_version": report.footfit_version,
                  "schema_version": report.schema_version}
    scan = report.get("scan") or {}
    return {"format": scan.get("format"), "units": scan.get("units_detected"),
            "points": scan.get("points_in"),
            "footfit_version": str(report.get("footfit_version") or ""),
            "schema_version": str(report.get("schema_version") or ""),
            "options": dict(report.get("options") or {})}
