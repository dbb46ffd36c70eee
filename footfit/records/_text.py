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
    body = report_json.rstrip()
    if not (body.startswith("{") and body.endswith("}")):
        raise InvalidParameterError("the report JSON must be an object")
    inner = body[:-1].rstrip()
    rec = json.dumps(dict(record), indent=2, ensure_ascii=False).replace("\n", "\n  ")
    sep = "" if inner == "{" else ","
    return f'{inner}{sep}\n  "record": {rec}\n}}'


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
