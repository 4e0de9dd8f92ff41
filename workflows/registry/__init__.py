"""The power registry (权力登记): who may act, delegations and their rules, import and export."""
