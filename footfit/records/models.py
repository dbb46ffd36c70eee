"""The records' tables (SQLAlchemy Core), as the newest migration leaves them.

The migrations under ``footfit/records/migrations/versions`` create and change the schema;
these ``Table`` objects are what the store queries with. ``tests/test_records_migrations.py``
checks that a database upgraded from the first revision matches them.

Tables
------
customers
    ``id`` (validated: :data:`footfit.records.config.CUSTOMER_ID_PATTERN`), ``created_at``.
scans
    One row per distinct scan file of a customer: ``sha256`` of the bytes (unique per
    customer, so the same file stored twice is kept once), original ``filename``, ``format``,
    ``units`` detected, ``points`` read, ``size_bytes``, and either ``content`` (the file, in
    a blob column) or nothing (the file lives content-addressed beside the database).
fittings
    One row per run of the fitting line: ``report`` (the JSON text exactly as returned, with
    its ``record`` block), ``footfit_version``, ``schema_version``, ``options``,
    ``created_at``, the ``scan`` it was made from and, for a reprocessed fitting, ``parent_id``.
orders
    A production order made from a fitting: short ``code`` (for the QR code/barcode),
    ``status`` (``new`` -> ``in_production`` -> ``done``), ``style``, ``heel_height_mm``,
    ``document`` (the ``order.json`` text) and ``files`` (paths written for it, erased with
    the customer).
"""

from __future__ import annotations

import sqlalchemy as sa

__all__ = ["ORDER_STATUSES", "customers", "fittings", "metadata", "orders", "scans"]

#: Order statuses, in the only order they may be reached.
ORDER_STATUSES: tuple[str, ...] = ("new", "in_production", "done")

metadata = sa.MetaData()

_ID = sa.String(32)  # uuid4().hex
_TIME = sa.DateTime(timezone=True)

customers = sa.Table(
    "customers", metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("created_at", _TIME, nullable=False),
)

scans = sa.Table(
    "scans", metadata,
    sa.Column("id", _ID, primary_key=True),
    sa.Column("customer_id", sa.String(64),
              sa.ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("filename", sa.String(255), nullable=False),
    sa.Column("format", sa.String(16), nullable=False),
    sa.Column("units", sa.String(8)),
    sa.Column("points", sa.Integer),
    sa.Column("size_bytes", sa.BigInteger, nullable=False),
    sa.Column("content", sa.LargeBinary),
    sa.Column("stored_at", _TIME, nullable=False),
    sa.UniqueConstraint("customer_id", "sha256", name="uq_scans_customer_sha256"),
)
sa.Index("ix_scans_sha256", scans.c.sha256)

fittings = sa.Table(
    "fittings", metadata,
    sa.Column("id", _ID, primary_key=True),
    sa.Column("customer_id", sa.String(64),
              sa.ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
    sa.Column("scan_id", _ID, sa.ForeignKey("scans.id", ondelete="CASCADE"), nullable=False),
    sa.Column("created_at", _TIME, nullable=False),
    sa.Column("footfit_version", sa.String(32), nullable=False),
    sa.Column("schema_version", sa.String(16), nullable=False),
    sa.Column("options", sa.JSON, nullable=False),
    sa.Column("report", sa.Text, nullable=False),
    sa.Column("parent_id", _ID),  # revision 0002: the fitting this one reprocessed
)
sa.Index("ix_fittings_customer_created", fittings.c.customer_id, fittings.c.created_at)

orders = sa.Table(
    "orders", metadata,
    sa.Column("id", _ID, primary_key=True),
    sa.Column("code", sa.String(16), nullable=False),
    sa.Column("fitting_id", _ID, sa.ForeignKey("fittings.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("customer_id", sa.String(64),
              sa.ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("style", sa.String(32), nullable=False),
    sa.Column("heel_height_mm", sa.Float),
    sa.Column("document", sa.Text, nullable=False),
    sa.Column("files", sa.JSON, nullable=False),
    sa.Column("created_at", _TIME, nullable=False),
    sa.Column("updated_at", _TIME, nullable=False),
    sa.UniqueConstraint("code", name="uq_orders_code"),
    sa.CheckConstraint("status IN ('new', 'in_production', 'done')", name="ck_orders_status"),
)
sa.Index("ix_orders_customer", orders.c.customer_id)
