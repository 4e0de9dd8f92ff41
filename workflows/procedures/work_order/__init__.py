"""Work orders of the township command centre (工单派发)."""
