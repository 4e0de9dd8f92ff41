"""Quanze service layer: procedures, the power registry, the legal calendar (design.md §2)."""
