"""Production orders; a reprocessed fitting remembers the fitting it came from.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    time = sa.DateTime(timezone=True)
    # a plain nullable column: SQLite adds it in place (no table copy), old rows read NULL
    op.add_column("fittings", sa.Column("parent_id", sa.String(32), nullable=True))
    op.create_table(
        "orders",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("fitting_id", sa.String(32),
                  sa.ForeignKey("fittings.id", ondelete="CASCADE"), nullable=False),
        sa.Column("customer_id", sa.String(64),
                  sa.ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("style", sa.String(32), nullable=False),
        sa.Column("heel_height_mm", sa.Float),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("files", sa.JSON, nullable=False),
        sa.Column("created_at", time, nullable=False),
        sa.Column("updated_at", time, nullable=False),
        sa.UniqueConstraint("code", name="uq_orders_code"),
        sa.CheckConstraint("status IN ('new', 'in_production', 'done')",
                           name="ck_orders_status"),
    )
    op.create_index("ix_orders_customer", "orders", ["customer_id"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_orders_customer", table_name="orders")
    op.drop_table("orders")
    with op.batch_alter_table("fittings") as batch:
        batch.drop_column("parent_id")
