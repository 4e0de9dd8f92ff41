"""deadlines: covering index for the per-step-kind figures (rule key, then period) (issue 10 §11)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 21:10:00
"""
from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

COLUMNS = ['rule_key', 'due_at', 'org_id', 'status', 'met_at']


def upgrade() -> None:
    with op.batch_alter_table('deadlines', schema=None) as batch_op:
        batch_op.create_index('ix_deadlines_step_kinds', COLUMNS, unique=False)


def downgrade() -> None:
    with op.batch_alter_table('deadlines', schema=None) as batch_op:
        batch_op.drop_index('ix_deadlines_step_kinds')
