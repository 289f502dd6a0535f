"""Alias kept for docs/ARCHITECTURE.md: the repository layer lives in :mod:`vault.store`."""

from .store import Batch, CaseHistory, CaseInfo, Entry, ExportItem, Vault

__all__ = ["Batch", "CaseHistory", "CaseInfo", "Entry", "ExportItem", "Vault"]
