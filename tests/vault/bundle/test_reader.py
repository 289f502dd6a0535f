"""vault.bundle without a database: round trips, signatures, foreign bundles, fuzzing.

Every rejection is asserted by exception type (BUNDLE.md §3); the byte-flip and truncation
tests run over *every* position of a small bundle, so no byte of the format is unbound.
"""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crypto import envelope
from crypto.encoding import b64u_encode
from vault.bundle import (
    BundleError,
    BundleFormatError,
    BundleSignatureError,
    ExportWriter,
    read_export,
    read_outbox,
    record_of,
)

from ..helpers import (
    ed25519 as new_ed25519,
)
from ..helpers import (
    make_org,
    reply_keypair,
    revoke,
    write_sample_export,
    write_sample_outbox,
)


def _read_all_export(path: Path, directory, staging: Path | None = None):
    with read_export(path, directory, staging_dir=staging) as b:
        return b.manifest, [(i.kind, i.case, i.read_bytes()) for i in b.items()]


def test_export_round_trip_decrypts_for_each_reviewer(tmp_path, org):
    path = tmp_path / "export.bisik"
    sample = write_sample_export(path, org, cases=3, evidence=2)
    stage = tmp_path / "stage"
    stage.mkdir()
    with read_export(path, org.directory, staging_dir=stage) as bundle:
        assert bundle.manifest.seq_from == 0 and bundle.manifest.count == len(sample.items)
        items = list(bundle.items())
        assert [(i.kind, i.case) for i in items] == [(k, c) for k, c, _ in sample.items]
        for item, (_, _, data) in zip(items, sample.items, strict=True):
            if item.kind == "envelope":
                assert item.read_bytes() == data
        report = next(i for i in items if i.extra.get("type") == "report")
        for kp in org.reviewers.values():  # every reviewer laptop can open the report
            with report.open() as src:
                out = io.BytesIO()
                envelope.unseal_stream(src, out, kp.encryption)
                assert out.getvalue().startswith(b"report ")
        status = next(i for i in items if i.kind == "status")
        body, reviewer, active = record_of(status, org.directory)
        assert (body["state"], reviewer.id, active) == ("in_review", "rev_a", True)
        assert any(stage.iterdir())
    assert not any(stage.iterdir()), "staging must be removed on close"


def test_outbox_round_trip(tmp_path, org):
    path = tmp_path / "outbox.bisik"
    written = write_sample_outbox(path, org, cases=("casea", "caseb"), ack=41)
    with read_outbox(path, org.directory, org.server.public_key()) as bundle:
        assert (bundle.signer, bundle.manifest.ack) == ("rev_a", 41)
        got = [(i.kind, i.case, i.read_bytes()) for i in bundle.items()]
    assert got == written
    assert [p.name for p in tmp_path.iterdir()] == ["outbox.bisik"], "no temporary files left"


def test_wrong_direction_is_a_format_error(tmp_path, org):
    write_sample_outbox(tmp_path / "o", org)
    write_sample_export(tmp_path / "e", org, cases=1)
    with pytest.raises(BundleFormatError):
        read_export(tmp_path / "o", org.directory)
    with pytest.raises(BundleFormatError):
        read_outbox(tmp_path / "e", org.directory, org.server.public_key())


@pytest.mark.parametrize("junk", [b"", b"BISIKBDL", os.urandom(200), b"BISIKBDL" + bytes(100)])
def test_not_a_bundle(tmp_path, org, junk):
    (tmp_path / "x").write_bytes(junk)
    with pytest.raises(BundleError):
        read_export(tmp_path / "x", org.directory)


def test_foreign_export_rejected(tmp_path, org):
    """An export signed by another server (another organisation, or a forger) is refused."""
    write_sample_export(tmp_path / "e", org, cases=1)
    other = org.with_server(new_ed25519(None, "x"))
    with pytest.raises(BundleSignatureError):
        read_export(tmp_path / "e", other.directory)
    with pytest.raises(BundleSignatureError):  # a directory that names no server trusts none
        read_export(tmp_path / "e", org.with_server(None).directory)


def test_outbox_for_another_server_rejected(tmp_path, org):
    write_sample_outbox(tmp_path / "o", org)
    with pytest.raises(BundleSignatureError):
        read_outbox(tmp_path / "o", org.directory, new_ed25519(None, "y").public_key())


def test_outbox_from_unknown_or_revoked_reviewer_rejected(tmp_path, org):
    big = make_org(("rev_a", "rev_b", "rev_c"))
    small = make_org(
        root=big.root,
        server=big.server,
        reviewers={k: big.reviewers[k] for k in ("rev_a", "rev_b")},
    )
    write_sample_outbox(tmp_path / "c", big, reviewer="rev_c")
    with pytest.raises(BundleSignatureError):
        read_outbox(tmp_path / "c", small.directory, big.server.public_key())
    write_sample_outbox(tmp_path / "b", big, reviewer="rev_b")
    with pytest.raises(BundleSignatureError):
        read_outbox(tmp_path / "b", revoke(big, "rev_b").directory, big.server.public_key())


def test_export_keeps_records_of_revoked_reviewers_as_inactive(tmp_path, org):
    write_sample_export(tmp_path / "e", org, cases=1, records_by="rev_b")
    directory = revoke(org, "rev_b").directory
    with read_export(tmp_path / "e", directory) as bundle:
        status = next(i for i in bundle.items() if i.kind == "status")
        _, reviewer, active = record_of(status, directory)
    assert (reviewer.id, active) == ("rev_b", False)


def test_export_record_by_stranger_rejected(tmp_path, org):
    stranger = make_org(("rev_z",))
    mixed = make_org(
        root=org.root,
        server=org.server,
        reviewers={**org.reviewers, "rev_z": stranger.reviewers["rev_z"]},
    )
    write_sample_export(tmp_path / "e", mixed, cases=1, records_by="rev_z")
    with pytest.raises(BundleSignatureError):
        read_export(tmp_path / "e", org.directory)


# -- every byte, every length --------------------------------------------------------------------


def _tiny_outbox(tmp_path: Path, org) -> bytes:
    write_sample_outbox(tmp_path / "tiny", org)
    return (tmp_path / "tiny").read_bytes()


def _reject_all(path: Path, data: bytes, reader, positions, mutate) -> int:
    checked = 0
    for pos in positions:
        path.write_bytes(mutate(data, pos))
        with pytest.raises(BundleError):
            reader(path).close()
        checked += 1
    return checked


def test_flipping_any_byte_of_an_outbox_is_rejected(tmp_path, org):
    data = _tiny_outbox(tmp_path, org)
    reader = lambda p: read_outbox(p, org.directory, org.server.public_key())  # noqa: E731
    flip = lambda d, i: d[:i] + bytes([d[i] ^ 0x01]) + d[i + 1 :]  # noqa: E731
    assert _reject_all(tmp_path / "m", data, reader, range(len(data)), flip) == len(data)


def test_truncating_an_outbox_anywhere_is_rejected(tmp_path, org):
    data = _tiny_outbox(tmp_path, org)
    reader = lambda p: read_outbox(p, org.directory, org.server.public_key())  # noqa: E731
    cut = lambda d, i: d[:i]  # noqa: E731
    assert _reject_all(tmp_path / "m", data, reader, range(len(data)), cut) == len(data)


def test_flipping_any_byte_of_an_export_is_rejected(tmp_path, org):
    write_sample_export(tmp_path / "e", org, cases=1, evidence=1, evidence_size=10)
    data = (tmp_path / "e").read_bytes()
    reader = lambda p: read_export(p, org.directory)  # noqa: E731
    flip = lambda d, i: d[:i] + bytes([d[i] ^ 0x80]) + d[i + 1 :]  # noqa: E731
    assert _reject_all(tmp_path / "m", data, reader, range(len(data)), flip) == len(data)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_random_splices_are_rejected(tmp_path, org, data):
    """Insert, delete or overwrite a random run of bytes anywhere: always a BundleError."""
    path = tmp_path / "s.bisik"
    if not path.exists():
        write_sample_outbox(path, org)
    good = path.read_bytes()
    start = data.draw(st.integers(0, len(good) - 1))
    end = data.draw(st.integers(start, min(len(good), start + 64)))
    new = data.draw(st.binary(min_size=0, max_size=64))
    mutated = good[:start] + new + good[end:]
    if mutated == good:
        return
    (tmp_path / "m").write_bytes(mutated)
    with pytest.raises(BundleError):
        read_outbox(tmp_path / "m", org.directory, org.server.public_key())


# -- disk full -----------------------------------------------------------------------------------


# -- structure of the package and the writers ----------------------------------------------------


def test_bundle_package_imports_without_sqlalchemy():
    """The reviewer laptop has no SQLAlchemy: importing vault.bundle must not pull it in."""
    import subprocess
    import sys

    code = (
        "import sys, vault.bundle; bad = [m for m in sys.modules if m.split('.')[0] in "
        "('sqlalchemy', 'alembic', 'psycopg', 'flask')]; print(bad); sys.exit(bool(bad))"
    )
    root = Path(__file__).resolve().parents[3]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_missing_or_unreadable_file(tmp_path, org):
    from vault.bundle import BundleReadError

    with pytest.raises(BundleReadError):
        read_export(tmp_path / "nope", org.directory)
    with pytest.raises(BundleReadError):
        read_outbox(tmp_path, org.directory, org.server.public_key())  # a directory


def test_export_envelopes_up_to_64_kib_share_the_staging_file_larger_get_their_own(tmp_path, org):
    """Where each item is staged (BUNDLE.md §3): export envelopes of at most 64 KiB come with
    their data and no file of their own (a file each cost more than decrypting them); one
    byte more and the envelope is a file a caller may move into a blob store."""
    sizes = [1, 64 << 10, (64 << 10) + 1, 3 << 20]
    blobs = [os.urandom(n) for n in sizes]
    path = tmp_path / "export.bisik"
    with ExportWriter(path, org.server, seq_from=0) as w:
        w.add_case("casea", "2026-11-28", sorted(org.reviewers), b64u_encode(reply_keypair()[1]))
        for seq, blob in enumerate(blobs, start=1):
            sha = hashlib.sha256(blob).hexdigest()
            w.add_envelope("casea", "evidence", seq, io.BytesIO(blob), len(blob), sha)
        w.finish(len(blobs))
    stage = tmp_path / "stage"
    stage.mkdir()
    with read_export(path, org.directory, staging_dir=stage) as bundle:
        envs = [i for i in bundle.items() if i.kind == "envelope"]
        assert [i.size for i in envs] == sizes
        assert [i.path is None for i in envs] == [True, True, False, False]
        for item, blob in zip(envs, blobs, strict=True):
            assert item.read_bytes() == blob
            with item.open() as src:
                assert src.read() == blob
        assert all(i.path is not None and i.path.is_file() for i in envs[2:])
        staged = sorted(p.name for d in stage.iterdir() for p in d.iterdir())
        assert staged == sorted(["index", "small", str(envs[2].n), str(envs[3].n)])


def test_outbox_reply_envelopes_always_get_their_own_staged_file(tmp_path, org):
    """The server moves reply envelopes into its blob store by rename: even a small one (a
    few hundred bytes here) is a file of its own."""
    write_sample_outbox(tmp_path / "o", org, cases=("casea",))
    with read_outbox(tmp_path / "o", org.directory, org.server.public_key()) as bundle:
        (env,) = [i for i in bundle.items() if i.kind == "reply_envelope"]
        assert env.size < 64 << 10
        assert env.path is not None and env.path.read_bytes() == env.read_bytes()
