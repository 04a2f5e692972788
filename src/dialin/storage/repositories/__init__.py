"""Rows <-> domain values, one module per aggregate."""
