"""The encrypted local case store (see :mod:`reviewer.store.casestore`)."""

from .casestore import CaseStore, Transaction

__all__ = ["CaseStore", "Transaction"]
