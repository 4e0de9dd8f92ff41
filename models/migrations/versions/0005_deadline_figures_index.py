"""deadlines: covering index for the dashboard figures (issue 10, speed at scale)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 15:50:00
"""
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

COLUMNS = ['due_at', 'org_id', 'status', 'met_at', 'started_at', 'paused_seconds']


def upgrade() -> None:
    with op.batch_alter_table('deadlines', schema=None) as batch_op:
        batch_op.create_index('ix_deadlines_figures', COLUMNS, unique=False)


def downgrade() -> None:
    with op.batch_alter_table('deadlines', schema=None) as batch_op:
        batch_op.drop_index('ix_deadlines_figures')
