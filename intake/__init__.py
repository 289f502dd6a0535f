"""Bisik intake package."""
