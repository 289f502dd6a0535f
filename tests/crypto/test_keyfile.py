"""crypto.keyfile beside its vectors: naming a file's cost profile (SPEC §11.1)."""

from __future__ import annotations

import json

import pytest

from crypto import keyfile


def _sealed() -> dict[str, object]:
    data = keyfile.seal_secret(
        b"\x01" * 32, "frasa sandi uji", label="reviewer-signing", profile="test"
    )
    head: dict[str, object] = json.loads(data)
    return head


def test_profile_of_names_the_profile_a_file_records() -> None:
    assert keyfile.profile_of(json.dumps(_sealed()).encode()) == "test"


TEST_MEMLIMIT = keyfile.PROFILES["test"][1]


@pytest.mark.parametrize(
    "memlimit",
    [b"1e999", b"%d.0" % TEST_MEMLIMIT, b'"%d"' % TEST_MEMLIMIT, b"true", b"null"],
    ids=["infinite-float", "float-of-test-cost", "string-of-test-cost", "bool", "null"],
)
def test_profile_of_a_cost_that_is_not_an_integer_is_none(memlimit: bytes) -> None:
    """Found by the keyfile fuzz target: ``1e999`` parses as infinity and ``int()`` of it
    raised OverflowError (fuzz/regressions/keyfile/profile-cost-infinite-float)."""
    head = _sealed()
    kdf = head["kdf"]
    assert isinstance(kdf, dict)
    text = json.dumps({**head, "kdf": {**kdf, "memlimit": "@"}}).encode()
    assert keyfile.profile_of(text.replace(b'"@"', memlimit)) is None


def test_profile_of_without_kdf_object_is_none() -> None:
    assert keyfile.profile_of(json.dumps({**_sealed(), "kdf": [1, 2]}).encode()) is None
