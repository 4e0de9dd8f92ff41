"""Tests: procedures."""
