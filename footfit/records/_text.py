"""Adding the ``record`` block to a report's JSON text (no SQLAlchemy: the CLI's parent
process uses it while the helper stores).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = ["splice_record"]


def splice_record(report_json: str, record: Mapping[str, Any]) -> str:
    r"""Return ``report_json`` (an object written with ``indent=2``) with ``record`` added as
    its last key, the rest of the text untouched (no second parse and dump of the report).

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
        raise ValueError("the report JSON must be an object")
    inner = body[:-1].rstrip()
    rec = json.dumps(dict(record), indent=2, ensure_ascii=False).replace("\n", "\n  ")
    sep = "" if inner == "{" else ","
    return f'{inner}{sep}\n  "record": {rec}\n}}'
