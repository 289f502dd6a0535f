"""The server's configuration (``intake.config``): ``blob_store`` in server.toml is files
(the default) or database; anything else stops start-up."""

from __future__ import annotations

from pathlib import Path

import pytest

from intake.config import load
from intake.errors import ConfigError


def test_blob_store_defaults_to_files_and_is_read_from_toml_and_environment(
    tmp_path: Path,
) -> None:
    assert load(tmp_path, env={}).blob_store == "files"
    (tmp_path / "server.toml").write_text('blob_store = "database"\n')
    assert load(tmp_path, env={}).blob_store == "database"
    assert load(tmp_path, env={"BISIK_BLOB_STORE": "files"}).blob_store == "files"


def test_an_unknown_blob_store_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "server.toml").write_text('blob_store = "nfs"\n')
    with pytest.raises(ConfigError):
        load(tmp_path, env={})
    (tmp_path / "server.toml").write_text('blob_store = "files"\n')
    with pytest.raises(ConfigError):
        load(tmp_path, env={"BISIK_BLOB_STORE": "s3"})
