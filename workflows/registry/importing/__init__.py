"""Catalogue import and export: county CSV/XLSX lists in, power and responsibility lists out."""
