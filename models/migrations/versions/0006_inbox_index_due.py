"""human_tasks: the inbox index also holds due_at, so a department's inbox sorts from the index (issue 10)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 16:00:00
"""
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_human_task_inbox')
        batch_op.create_index('ix_human_task_inbox', ['organization_id', 'role', 'state', 'due_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_human_task_inbox')
        batch_op.create_index('ix_human_task_inbox', ['organization_id', 'role', 'state'], unique=False)
