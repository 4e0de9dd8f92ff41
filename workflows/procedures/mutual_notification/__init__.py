"""Mutual notification (相互告知)."""
