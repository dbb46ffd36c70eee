"""Customers, their scans (content-addressed) and fittings.

Revision ID: 0001
Revises:
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    time = sa.DateTime(timezone=True)
    op.create_table(
        "customers",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("created_at", time, nullable=False),
    )
    op.create_table(
        "scans",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("customer_id", sa.String(64),
                  sa.ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("units", sa.String(8)),
        sa.Column("points", sa.Integer),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("content", sa.LargeBinary),
        sa.Column("stored_at", time, nullable=False),
        sa.UniqueConstraint("customer_id", "sha256", name="uq_scans_customer_sha256"),
    )
    op.create_index("ix_scans_sha256", "scans", ["sha256"])
    op.create_table(
        "fittings",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("customer_id", sa.String(64),
                  sa.ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("scan_id", sa.String(32), sa.ForeignKey("scans.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("created_at", time, nullable=False),
        sa.Column("footfit_version", sa.String(32), nullable=False),
        sa.Column("schema_version", sa.String(16), nullable=False),
        sa.Column("options", sa.JSON, nullable=False),
        sa.Column("report", sa.Text, nullable=False),
    )
    op.create_index("ix_fittings_customer_created", "fittings", ["customer_id", "created_at"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("fittings")
    op.drop_table("scans")
    op.drop_table("customers")
