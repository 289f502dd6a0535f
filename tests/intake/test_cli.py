"""``bisik-server``: demo, init, export, retention, backup — and the error/hint contract.

``bisik-server export`` sends what is not acknowledged yet (issue 9: without ``--since`` it
sent every case again even after an outbox had acknowledged the earlier export, because one
reviewer who never sent an outbox held the start at 0). ``--since N`` and ``--all`` stay.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from crypto import document, envelope, records
from crypto.directory import sign_directory, verify_directory
from crypto.encoding import b64u_decode
from crypto.keys import KeyPair, load_ed25519_public, load_x25519_public
from intake import cli
from intake import config as cfg
from intake.app import create_app
from intake.home import server_public
from vault.bundle import OutboxWriter, read_export

from .conftest import Org, csrf_of, receipt_of, tr
from .helpers import history_of, report_fields, with_files


def test_missing_secret_stops_startup_with_a_hint(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (home / "secrets" / "pepper").unlink()
    from intake.errors import ConfigError

    with pytest.raises(ConfigError) as info:
        create_app(cfg.load(home, env={}))
    assert "pepper" in str(info.value) and info.value.hint
    assert (
        cli.main(["--home", str(home), "retention", "--dry-run"]) == 0
    )  # vault-only commands still work
    assert cli.main(["--home", str(home / "nowhere"), "export", "--out", str(home / "x")]) == 1
    err = capsys.readouterr().err
    assert err.count("error:") == 1 and "hint:" in err


def test_config_rejects_unknown_settings(home: Path) -> None:
    from intake.errors import ConfigError

    (home / "server.toml").write_text('colour = "blue"\n')
    with pytest.raises(ConfigError):
        cfg.load(home, env={})


def test_environment_overrides_file(home: Path) -> None:
    loaded = cfg.load(
        home,
        env={"BISIK_LIMITER_STORAGE": "redis://127.0.0.1:6379", "BISIK_MAX_UPLOAD_BYTES": "1234"},
    )
    assert loaded.limiter_storage.startswith("redis://") and loaded.max_upload_bytes == 1234


def test_demo_prints_loop_commands_that_run_without_an_activated_venv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 9: ``make run`` does not activate .venv, so the printed loop must name the
    scripts by a path that exists, not by a bare name the shell cannot find."""
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    demo_dir = str(tmp_path / "demo")
    assert cli.main(["demo", "--dir", demo_dir, "--no-serve", "--no-reviewer-tool"]) == 0
    loop = capsys.readouterr().out.split("The loop, by hand")[1].splitlines()[1:]
    programs = [next(w for w in line.split() if "bisik-" in w) for line in loop]
    assert len(programs) == 4
    assert all(Path(p).is_absolute() and os.access(p, os.X_OK) for p in programs)


def test_demo_fallback_then_submit_and_decrypt(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        cli.main(["demo", "--dir", str(tmp_path / "demo"), "--no-serve", "--no-reviewer-tool"]) == 0
    )
    out = capsys.readouterr().out
    assert "passphrase" in out and "reviewer ani" in out
    server = tmp_path / "demo" / "server"
    app = create_app(cfg.with_overrides(cfg.load(server, env={}), receipt_floor_ms=1))
    client: FlaskClient = app.test_client()
    data = with_files(report_fields(csrf_of(client)), {"evidence_1": (b"demo evidence", "e.txt")})
    code = receipt_of(client.post("/submit", data=data).get_data(as_text=True))
    keys = json.loads((tmp_path / "demo" / "fallback-keys.json").read_text())
    budi = KeyPair.from_secret_bytes(b64u_decode(keys["reviewers"]["budi"]))
    vault = app.extensions["bisik"].vault
    shas = list(vault.blobs.iter_shas())
    opened = []
    for sha in shas:
        with vault.blobs.open(sha) as fh:
            opened.append(envelope.unseal(fh.read(), budi.encryption))
    assert b"demo evidence" in opened and code
    vault.close()


def test_redis_limiter_storage(make_app) -> None:  # type: ignore[no-untyped-def]
    import redis

    # the real Redis that `make test` starts (scripts/start-services.sh); missing it is a failure
    redis.Redis(host="127.0.0.1", port=6379, socket_timeout=1).ping()
    from crypto import receipt
    from intake.config import Limits

    app = make_app(
        limiter_storage="redis://127.0.0.1:6379", limits=Limits(receipt_session="2/hour")
    )
    client = app.test_client()
    token = csrf_of(client, "/followup")
    codes = [
        client.post(
            "/followup", data={"csrf_token": token, "receipt": receipt.generate()}
        ).status_code
        for _ in range(3)
    ]
    assert codes == [404, 404, 429]


def test_export_retention_backup(
    home: Path,
    app,
    org: Org,
    tmp_path: Path,  # type: ignore[no-untyped-def]
    capsys: pytest.CaptureFixture[str],
) -> None:
    client = app.test_client()
    client.post("/submit", data=report_fields(csrf_of(client)), content_type="multipart/form-data")
    app.extensions["bisik"].vault.close()
    assert cli.main(["--home", str(home), "export", "--out", str(tmp_path / "out.bundle")]) == 0
    assert (tmp_path / "out.bundle").stat().st_size > 0
    assert cli.main(["--home", str(home), "retention", "--dry-run"]) == 0
    assert cli.main(["--home", str(home), "backup", "--out", str(tmp_path / "b.tar")]) == 0
    assert "Wrote" in capsys.readouterr().out
    assert cli.main(["--home", str(tmp_path / "restored"), "restore", str(tmp_path / "b.tar")]) == 0


def test_import_outbox_then_reporter_sees_status_and_reply(
    home: Path,
    app,
    org: Org,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    client = app.test_client()
    data = report_fields(csrf_of(client))
    resp = client.post("/submit", data=data, content_type="multipart/form-data")
    code = receipt_of(resp.get_data(as_text=True))
    case = history_of(app, code).case
    state = app.extensions["bisik"]
    directory = state.directory()
    ani = org.reviewers["ani"]
    reply_doc = document.Document(
        type="reply",
        submitted_at=document.now(),
        channel="reviewer",
        fields={"text": "OUTBOX-REPLY"},
    )
    env = envelope.seal(reply_doc.to_bytes(), [load_x25519_public(case.reply_public)])
    outbox = tmp_path / "outbox.bundle"
    with OutboxWriter(outbox, ani.signing, directory, ack=0) as out:
        out.add_status(records.status(ani.signing, case.id, "in_review"))
        out.add_reply(records.reply(ani.signing, case.id, hashlib.sha256(env).hexdigest()), env)
    state.vault.close()
    assert cli.main(["--home", str(home), "import", str(outbox)]) == 0
    fresh = create_app(cfg.with_overrides(cfg.load(home, env={}), receipt_floor_ms=1))
    c2 = fresh.test_client()
    html = c2.post("/followup", data={"csrf_token": csrf_of(c2, "/followup"), "receipt": code})
    page = html.get_data(as_text=True)
    assert "OUTBOX-REPLY" in page and tr("id", "status.in_review") in page
    fresh.extensions["bisik"].vault.close()


def test_init_makes_a_home_that_serves(tmp_path: Path, home: Path, org: Org) -> None:
    fresh = tmp_path / "fresh"
    root_pub, foreign = home / "org" / "root.pub", home / "org" / "directory.json"
    assert cli.main(["--home", str(fresh), "init"]) == 0
    assert (fresh / "secrets" / "signing.key").stat().st_mode & 0o077 == 0
    base = ["--home", str(fresh), "init", "--root-pub", str(root_pub), "--directory"]
    assert cli.main([*base, str(foreign)]) == 1  # names another server's key
    today = dt.datetime.now(dt.UTC).date()
    signed_dir = tmp_path / "directory.json"
    signed_dir.write_bytes(
        sign_directory(
            org.root,
            "Org",
            2,
            today + dt.timedelta(days=9),
            org.entries(today),
            server_public(fresh),
        )
    )
    assert cli.main([*base, str(signed_dir)]) == 0
    app = create_app(cfg.load(fresh, env={}))
    assert app.test_client().get("/").status_code == 200
    app.extensions["bisik"].vault.close()


@pytest.mark.slow
def test_demo_with_the_reviewer_tool(tmp_path: Path) -> None:
    from intake import demo

    made = demo.create(tmp_path / "demo")
    assert made.tool == "bisik-reviewer"
    assert all((h / "keys" / "reviewer.key").exists() for h in made.reviewer_homes.values())
    app = create_app(cfg.load(made.server_home, env={}))
    directory = app.extensions["bisik"].directory()
    assert {r.id for r in directory.active_reviewers()} == {"ani", "budi"}
    ani = json.loads((made.reviewer_homes["ani"] / "public.json").read_text())
    assert ani["x25519"] in {r.keys.to_json()["x25519"] for r in directory.reviewers}
    again = demo.create(tmp_path / "demo")  # a second run reuses the demo
    assert again.passphrase == made.passphrase
    app.extensions["bisik"].vault.close()


def _report(app: Flask) -> str:
    """A no-JS report; returns its case id."""
    client = app.test_client()
    page = client.post(
        "/submit", data=report_fields(csrf_of(client)), content_type="multipart/form-data"
    ).get_data(as_text=True)
    return history_of(app, receipt_of(page)).case.id


def _directory(home: Path):  # type: ignore[no-untyped-def]
    root = load_ed25519_public((home / "org" / "root.pub").read_bytes())
    data = (home / "org" / "directory.json").read_bytes()
    return verify_directory(data, root, dt.datetime.now(dt.UTC).date())


def _export(home: Path, out: Path, *flags: str) -> tuple[set[str], int]:
    """Run the CLI; the case ids in the bundle and its last sequence number."""
    assert cli.main(["--home", str(home), "export", "--out", str(out), *flags]) == 0
    with read_export(out, _directory(home)) as bundle:
        return {i.case for i in bundle.items()}, bundle.manifest.seq_to


def test_export_without_since_skips_what_an_outbox_acknowledged(
    home: Path, make_app: Callable[..., Flask], org: Org, tmp_path: Path
) -> None:
    app = make_app()
    first, second = _report(app), _report(app)
    app.extensions["bisik"].vault.close()
    cases, seq_to = _export(home, tmp_path / "e1.bundle")
    assert cases == {first, second}
    # ani's laptop imports it and sends an outbox (a status, and the acknowledgement);
    # budi has never sent one
    ani = org.reviewers["ani"]
    outbox = tmp_path / "outbox.bundle"
    with OutboxWriter(outbox, ani.signing, _directory(home), ack=seq_to) as out:
        out.add_status(records.status(ani.signing, first, "in_review"))
    assert cli.main(["--home", str(home), "import", str(outbox)]) == 0

    app = make_app()
    third = _report(app)
    app.extensions["bisik"].vault.close()
    cases, _ = _export(home, tmp_path / "e2.bundle")
    assert cases == {first, third}  # the new case, and the status the server got back
    assert _export(home, tmp_path / "e3.bundle", "--all")[0] == {first, second, third}
    assert _export(home, tmp_path / "e4.bundle", "--since", "0")[0] == {first, second, third}
    assert _export(home, tmp_path / "e5.bundle", "--since", str(seq_to))[0] == {first, third}


def test_export_all_and_since_cannot_be_combined(home: Path, tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as stop:
        cli.main(
            ["--home", str(home), "export", "--out", str(tmp_path / "x"), "--all", "--since", "3"]
        )
    assert stop.value.code == 2
