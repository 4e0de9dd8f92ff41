"""deadline rule sector (issue 12 point 10)

A sector rule (e.g. the market-regulation clue check) binds only its sector's organs.

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('deadline_rules', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sector', sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('deadline_rules', schema=None) as batch_op:
        batch_op.drop_column('sector')
