"""Fixtures for the intake service: a real server home (secrets, root key, signed directory),
a real SQLite vault and blob store under tmp_path, and the Flask test client."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from werkzeug.test import TestResponse

from crypto import keys
from crypto.directory import Reviewer, sign_directory
from crypto.keys import KeyPair
from intake import config as cfg
from intake import i18n
from intake.app import create_app
from intake.home import init_home, install_org, server_public


@dataclass
class Org:
    """The organisation of a test: root key and reviewers with their private keys."""

    root: Ed25519PrivateKey
    reviewers: dict[str, KeyPair]

    def entries(self, today: dt.date) -> list[Reviewer]:
        return [
            Reviewer(
                rid,
                f"Penelaah {rid}",
                "lead" if i == 0 else "reviewer",
                kp.public,
                today - dt.timedelta(days=1),
                today + dt.timedelta(days=365),
            )
            for i, (rid, kp) in enumerate(self.reviewers.items())
        ]


def reviewer_keys(org: Org) -> list[Any]:
    """The X25519 keys a browser seals a report to: every reviewer of ``org``."""
    return [kp.public.encryption for kp in org.reviewers.values()]


@pytest.fixture(scope="session")
def org() -> Org:
    return Org(
        Ed25519PrivateKey.generate(), {"ani": KeyPair.generate(), "budi": KeyPair.generate()}
    )


def make_home(home: Path, org: Org, **toml: Any) -> Path:
    init_home(home)
    today = dt.datetime.now(dt.UTC).date()
    directory = sign_directory(
        org.root,
        "Organisasi Uji",
        1,
        today + dt.timedelta(days=30),
        org.entries(today),
        server_public(home),
    )
    install_org(home, keys.raw_public(org.root.public_key()), directory)
    return home


@pytest.fixture
def home(tmp_path: Path, org: Org) -> Path:
    return make_home(tmp_path / "server", org)


@pytest.fixture
def make_app(home: Path) -> Iterator[Callable[..., Flask]]:
    apps: list[Flask] = []

    def build(**overrides: Any) -> Flask:
        settings: dict[str, Any] = {
            "log_file": str(home / "logs" / "bisik.log"),
            "receipt_floor_ms": 20,
        }
        settings.update(overrides)
        (home / "logs").mkdir(exist_ok=True)
        config = cfg.with_overrides(cfg.load(home, env={}), **settings)
        app = create_app(config)
        app.testing = True
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.extensions["bisik"].vault.close()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')


def csrf_of(client: FlaskClient, path: str = "/submit") -> str:
    """Open ``path`` (which sets the session cookie) and return the page's CSRF token."""
    page = client.get(path)
    match = CSRF_RE.search(page.get_data(as_text=True))
    assert match, "page has no csrf meta tag"
    return match.group(1)


RECEIPT_RE = re.compile(r'<code id="receipt">([0-9A-Z-]+)</code>')


def receipt_of(html: str) -> str:
    match = RECEIPT_RE.search(html)
    assert match, "no receipt on the page: " + html[html.find("<main") : html.find("</main>")][:800]
    return match.group(1)


def tr(lang: str, key: str, **values: object) -> str:
    """Catalogue text as it appears in rendered HTML (escaped)."""
    return str(escape(i18n.translate(lang, key, **values)))


class Counting(io.BytesIO):
    """A request body that remembers how far the server read it."""

    @property
    def consumed(self) -> int:
        return self.tell()


def post_counting(
    client: FlaskClient, path: str, data: bytes, content_type: str
) -> tuple[TestResponse, Counting]:
    """POST ``data`` with its Content-Length; the body returned says how far the server read."""
    body = Counting(data)
    r = client.post(
        path,
        input_stream=body,
        content_type=content_type,
        headers={"Content-Length": str(len(data))},
    )
    return r, body
