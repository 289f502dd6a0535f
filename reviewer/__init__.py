"""Bisik reviewer package."""
