"""Principals, access rules, sign-in, passwords and administration."""
