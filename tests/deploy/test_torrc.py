"""The onion-service torrc: rendered from the template and checked by the real tor binary.

`tor --verify-config` parses every option and cross-checks them (for instance it refuses
HiddenServiceNonAnonymousMode without SingleHopMode), so a typo or an option this tor does not
know fails here, not on the operator's server.
"""

from __future__ import annotations

import getpass
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from .conftest import DEPLOY, need
from .helpers import tor_options, verify


def render_torrc(render: ModuleType, tmp_path: Path, template: str, **extra: str) -> Path:
    data = tmp_path / "tor-data"
    data.mkdir(mode=0o700)
    values = {"TOR_DATA_DIR": str(data), "ONION_DIR": str(data / "onion"), **extra}
    (path,) = render.render_all(tmp_path / "out", values, only=[template])
    return path


def test_rendered_torrc_passes_tor_verify_config(render: ModuleType, tmp_path: Path) -> None:
    torrc = render_torrc(render, tmp_path, "tor/torrc.template", LISTEN_PORT="8123")
    result = verify(torrc)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Configuration was valid" in result.stdout


def test_torrc_policy(render: ModuleType, tmp_path: Path) -> None:
    options = tor_options(render_torrc(render, tmp_path, "tor/torrc.template").read_text())
    expected_one = {
        "SocksPort": "0",
        "ControlPort": "0",
        "ClientOnly": "1",
        "ORPort": "0",
        "ExitRelay": "0",
        "Sandbox": "1",
        "SafeLogging": "1",
        "HiddenServiceVersion": "3",
        "HiddenServiceNonAnonymousMode": "0",
        "HiddenServiceSingleHopMode": "0",
        "HiddenServicePoWDefensesEnabled": "1",
        "HiddenServiceEnableIntroDoSDefense": "1",
    }
    for name, value in expected_one.items():
        assert options.get(name) == [value], name
    # Exactly one forward, to the loopback gunicorn port: port 80 of the onion.
    assert options["HiddenServicePort"] == ["80 127.0.0.1:8080"]
    assert options["HiddenServiceDir"][0].startswith(str(tmp_path))


def test_broken_torrc_fails_verify_config(render: ModuleType, tmp_path: Path) -> None:
    """The check can fail: the same file with non-anonymous mode alone is refused by tor."""
    torrc = render_torrc(render, tmp_path, "tor/torrc.template")
    torrc.write_text(
        torrc.read_text().replace(
            "HiddenServiceNonAnonymousMode 0", "HiddenServiceNonAnonymousMode 1"
        )
    )
    assert verify(torrc).returncode != 0


def test_misspelled_option_fails_verify_config(render: ModuleType, tmp_path: Path) -> None:
    torrc = render_torrc(render, tmp_path, "tor/torrc.template")
    torrc.write_text(torrc.read_text() + "HiddenServicePoWDefenseEnabled 1\n")
    assert verify(torrc).returncode != 0


def test_single_onion_variant_verifies_and_says_so(render: ModuleType, tmp_path: Path) -> None:
    torrc = render_torrc(render, tmp_path, "tor/torrc.single-onion.template")
    (tmp_path / "tor-data" / "onion").mkdir(mode=0o700)  # tor checks this dir in single-hop mode
    result = verify(torrc)
    assert result.returncode == 0, result.stdout + result.stderr
    options = tor_options(torrc.read_text())
    assert options["HiddenServiceSingleHopMode"] == ["1"]
    assert options["SocksPort"] == ["0"]
    assert "NOT RECOMMENDED" in torrc.read_text()


def test_install_never_renders_single_onion(render: ModuleType) -> None:
    assert "tor/torrc.single-onion.template" not in render.STANDARD


@pytest.mark.parametrize(
    "name, value",
    [
        ("LISTEN_HOST", "0.0.0.0"),  # noqa: S104
        ("LISTEN_HOST", "192.168.1.10"),
        ("LISTEN_PORT", "8080\nSocksPort 9050"),  # newline injection of a directive
        ("ONION_DIR", "relative/dir"),
        ("LISTEN_PORT", "70000"),
    ],
)
def test_renderer_refuses_unsafe_values(
    render: ModuleType, tmp_path: Path, name: str, value: str
) -> None:
    with pytest.raises(render.RenderError):
        render.render_all(tmp_path / "out", {name: value}, only=["tor/torrc.template"])
    assert not (tmp_path / "out").exists()  # nothing half-written


def test_renderer_refuses_unknown_placeholder(render: ModuleType) -> None:
    with pytest.raises(render.RenderError):
        render.render_text("HiddenServiceDir @NOT_A_SETTING@\n", render.DEFAULTS)


def test_renderer_cli_writes_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, str(DEPLOY / "render.py"), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert (out / "tor/torrc").is_file()
    assert (out / "systemd/bisik.service").is_file()
    bad = subprocess.run(
        [
            sys.executable,
            str(DEPLOY / "render.py"),
            "--out",
            str(out),
            "--set",
            "LISTEN_HOST=0.0.0.0",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2
    assert "hint:" in bad.stderr


def test_production_torrc_with_debian_instance_defaults(render: ModuleType, tmp_path: Path) -> None:
    """The production-rendered torrc on top of Debian's tor@.service defaults file, exactly as
    install.sh checks it (only User is swapped for the test's user: _tor-bisik exists only on
    a server where tor-instance-create has run)."""
    defaults = Path("/usr/share/tor/tor-service-defaults-torrc-instances")
    if not defaults.exists():
        pytest.fail("Debian's tor package is not installed: run scripts/install-system-deps.sh")
    text = defaults.read_text().replace("@@NAME@@", "bisik")
    text = text.replace("User _tor-bisik", f"User {getpass.getuser()}")
    (tmp_path / "instance-defaults").write_text(text)
    (torrc,) = render.render_all(tmp_path / "out", {}, only=["tor/torrc.template"])
    result = subprocess.run(
        [
            need("tor"),
            "--defaults-torrc",
            str(tmp_path / "instance-defaults"),
            "-f",
            str(torrc),
            "--verify-config",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
