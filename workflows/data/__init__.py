"""Data files shipped with Quanze (sample county, catalogue, holiday overrides, rules)."""
