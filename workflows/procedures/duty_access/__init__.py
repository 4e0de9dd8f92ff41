"""Duty access (职责准入)."""
