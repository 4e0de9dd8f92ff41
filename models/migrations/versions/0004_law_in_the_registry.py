"""law in the registry (issue 12)

Delegation periods never inverted; one 发文字号 per document; the limitation dates of a case;
what a deadline rule's basis is and whether it allows a collective extension.

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rows revoked before their first day were stored with to = from - 1; they never counted.
    op.execute("UPDATE delegations SET effective_to = NULL "
               "WHERE effective_to IS NOT NULL AND effective_to < effective_from")
    with op.batch_alter_table('delegations', schema=None) as batch_op:
        batch_op.create_check_constraint(
            'period_ordered', 'effective_to IS NULL OR effective_to >= effective_from')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index('uq_documents_number_mime', ['document_no', 'mime'], unique=True)
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('act_ended_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('discovered_on', sa.Date(), nullable=True))
    with op.batch_alter_table('deadline_rules', schema=None) as batch_op:
        batch_op.add_column(sa.Column('extension_collective', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('basis_kind', sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('deadline_rules', schema=None) as batch_op:
        batch_op.drop_column('basis_kind')
        batch_op.drop_column('extension_collective')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('discovered_on')
        batch_op.drop_column('act_ended_on')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index('uq_documents_number_mime')
    with op.batch_alter_table('delegations', schema=None) as batch_op:
        batch_op.drop_constraint('ck_delegations_period_ordered', type_='check')
