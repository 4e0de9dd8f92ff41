"""Joint enforcement (联合执法)."""
