"""Bisik vault package."""
