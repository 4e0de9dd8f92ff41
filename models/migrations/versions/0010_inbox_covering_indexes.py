"""Page speed at 100,000 open tasks (issue 10 §11): inbox and dashboard covering indexes

human_tasks' inbox index also holds instance_id and process_instances gets (id, township_id): a
department inbox's township filter lists the townships of thousands of open tasks reading neither
task rows nor instance rows (which hold the engine's state). The deadlines figures index also holds
rule_key, so the dashboard reads the figures per group and per step kind in one pass of one index;
the step-kind index of 0009 has no reader left.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 23:40:00
"""
from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

INBOX = ['organization_id', 'role', 'state', 'due_at']
FIGURES = ['due_at', 'org_id', 'status', 'met_at', 'started_at', 'paused_seconds']
STEP_KINDS = ['rule_key', 'due_at', 'org_id', 'status', 'met_at']


def upgrade() -> None:
    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_human_task_inbox')
        batch_op.create_index('ix_human_task_inbox', [*INBOX, 'instance_id'], unique=False)
    with op.batch_alter_table('process_instances', schema=None) as batch_op:
        batch_op.create_index('ix_process_instances_township_of', ['id', 'township_id'], unique=False)
    with op.batch_alter_table('deadlines', schema=None) as batch_op:
        batch_op.drop_index('ix_deadlines_step_kinds')
        batch_op.drop_index('ix_deadlines_figures')
        batch_op.create_index('ix_deadlines_figures', [*FIGURES[:3], 'rule_key', *FIGURES[3:]], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('deadlines', schema=None) as batch_op:
        batch_op.drop_index('ix_deadlines_figures')
        batch_op.create_index('ix_deadlines_figures', FIGURES, unique=False)
        batch_op.create_index('ix_deadlines_step_kinds', STEP_KINDS, unique=False)
    with op.batch_alter_table('process_instances', schema=None) as batch_op:
        batch_op.drop_index('ix_process_instances_township_of')
    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_human_task_inbox')
        batch_op.create_index('ix_human_task_inbox', INBOX, unique=False)
