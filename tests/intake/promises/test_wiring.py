"""Intake wiring (issue 9): no import circle, every view module a blueprint the factory
registers, one limiter wired in the factory, budgets on every endpoint that costs work.

The promise: docs/ARCHITECTURE.md, "Intake wiring".
"""

from __future__ import annotations

import grimp
import pytest
from flask import Flask

from intake import charges, ratelimit
from intake.config import Limits


def test_intake_has_no_import_cycle() -> None:
    graph = grimp.build_graph("intake", cache_dir=None)
    cycles = [
        (a, b)
        for a in graph.modules
        for b in graph.find_modules_directly_imported_by(a)
        if b.startswith("intake") and graph.chain_exists(importer=b, imported=a)
    ]
    assert cycles == []


def test_views_never_import_the_factory() -> None:
    graph = grimp.build_graph("intake", cache_dir=None)
    importers = graph.find_modules_that_directly_import("intake.app")
    assert importers <= {"intake.wsgi", "intake.cli", "intake.serve", "intake.demo"}


def test_api_sets_up_no_limiter_and_loads_nothing_by_name() -> None:
    graph = grimp.build_graph("intake", include_external_packages=True, cache_dir=None)
    api = {m for m in graph.modules if m == "intake.api" or m.startswith("intake.api.")}
    imported = set().union(*(graph.find_modules_directly_imported_by(m) for m in api))
    assert not imported & {"flask_limiter", "importlib"}
    assert "intake.ratelimit" not in imported and "intake.app" not in imported


def test_every_budgeted_endpoint_exists(app: Flask) -> None:
    assert set(ratelimit.BUDGETS) <= set(app.view_functions)
    bare = Flask("bare")  # an app without the views: a renamed view must not lose its limit
    with pytest.raises(KeyError):
        ratelimit.apply(bare, ratelimit.make_limiter(), Limits())


def test_every_charge_a_view_spends_is_registered(app: Flask) -> None:
    with app.test_request_context(), pytest.raises(KeyError):
        charges.charge("no_such_budget")  # an unwired name fails loudly, never free
    assert set(app.extensions["bisik_charges"]) == {charges.OPEN_UPLOAD}
