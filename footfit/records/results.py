"""What the records store hands back: frozen records of fittings, orders and deletions."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import secrets
from typing import Any

from footfit.exceptions import FootfitError

__all__ = ["CustomerDeleted", "FittingRecord", "OrderRecord", "RecordNotFoundError",
           "new_order_code"]

_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base 32: no I, L, O, U


class RecordNotFoundError(FootfitError, LookupError):
    """A customer, fitting or order is not in the store."""


@dataclasses.dataclass(frozen=True)
class FittingRecord:
    """A stored fitting.

    Attributes
    ----------
    id, customer_id, scan_id : str
    created_at : datetime.datetime
        UTC.
    footfit_version, schema_version : str
    options : dict
        The options the line ran with.
    report_json : str
        The report exactly as it was returned (with its ``record`` block).
    parent_id : str or None
        The fitting this one reprocessed.
    scan_filename : str
        The scan file's original base name.
    """

    id: str
    customer_id: str
    scan_id: str
    created_at: dt.datetime
    footfit_version: str
    schema_version: str
    options: dict[str, Any]
    report_json: str
    parent_id: str | None
    scan_filename: str

    @property
    def report(self) -> dict[str, Any]:
        """The report, parsed."""
        return json.loads(self.report_json)

    def summary(self) -> dict[str, Any]:
        """Return a JSON-ready line for listings (no report)."""
        return {"fitting_id": self.id, "customer_id": self.customer_id,
                "created_at": _iso(self.created_at), "scan": self.scan_filename,
                "scan_id": self.scan_id, "footfit_version": self.footfit_version,
                "options": self.options, "parent_id": self.parent_id}


@dataclasses.dataclass(frozen=True)
class OrderRecord:
    """A stored production order (``document`` is the ``order.json`` text)."""

    id: str
    code: str
    fitting_id: str
    customer_id: str
    status: str
    style: str
    heel_height_mm: float | None
    document_json: str
    files: tuple[str, ...]
    created_at: dt.datetime
    updated_at: dt.datetime

    @property
    def document(self) -> dict[str, Any]:
        """The order document, parsed, with the current status."""
        doc = json.loads(self.document_json)
        doc["status"] = self.status
        return doc

    def summary(self) -> dict[str, Any]:
        """Return a JSON-ready description (no document)."""
        return {"order_id": self.id, "code": self.code, "fitting_id": self.fitting_id,
                "customer_id": self.customer_id, "status": self.status, "style": self.style,
                "heel_height_mm": self.heel_height_mm, "files": list(self.files),
                "created_at": _iso(self.created_at), "updated_at": _iso(self.updated_at)}


@dataclasses.dataclass(frozen=True)
class CustomerDeleted:
    """What :meth:`RecordStore.delete_customer` erased."""

    customer_id: str
    fittings: int
    scans: int
    orders: int
    scan_files: int
    order_files: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready counts."""
        d = dataclasses.asdict(self)
        d["order_files"] = list(self.order_files)
        return d


def new_order_code() -> str:
    """Return a random 8-character order code.

    Crockford base 32: digits and capitals without I, L, O, U; fits a QR code's
    alphanumeric mode.

    Examples
    --------
    >>> code = new_order_code()
    >>> len(code), code.isalnum(), code.upper() == code
    (8, True, True)
    """
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _utc(value: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes: they were stored as UTC
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value


def _iso(value: dt.datetime) -> str:
    return _utc(value).isoformat().replace("+00:00", "Z")
