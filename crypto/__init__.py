"""Bisik crypto package."""
