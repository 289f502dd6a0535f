"""The reviewer's offline install, as a newcomer follows docs/REVIEWER.md section 1.

``make setup-test`` builds the wheelhouse with the script the doc's ``make wheelhouse`` runs
(``scripts/build-wheelhouse.sh``, into ``.wheelhouse/reviewer``). This test copies it to a
"USB stick" and runs the doc's shell block for the air-gapped laptop exactly as written — the
stick's path and a fresh ``$HOME`` are the only changes — with no network at all (a network
namespace of its own when the kernel allows one; pip's index off and no pip configuration in
any case): the checksums, a fresh virtualenv from the laptop's Python, the hash-checked
install, ``bisik-reviewer --help`` and ``bisik-reviewer-app --help``. Then the app is started
on Qt's offscreen platform and must still be running, with nothing on its error output but
Qt's own notices, when it is closed.

Qt's platform plugins need the desktop's own libraries, which no wheel brings: every one of
them this machine lacks must be named, as its Debian package, in the doc.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "REVIEWER.md"
WHEELHOUSE = ROOT / ".wheelhouse" / "reviewer"
LAPTOP_PYTHON = Path("/usr/bin/python3")  # Debian's, as on the laptop
STARTED_SECONDS = 8


def _laptop_block() -> str:
    """The doc's shell block that begins ``# air-gapped laptop``."""
    blocks = re.findall(r"```sh\n(.*?)```", DOC.read_text("utf-8"), re.S)
    (block,) = [b for b in blocks if b.startswith("# air-gapped laptop")]
    return block


def _no_network() -> list[str]:
    """A prefix that runs a command in a network namespace of its own (no interface but
    loopback), when unprivileged user namespaces are allowed here."""
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-rn", "true"], check=False).returncode == 0:
        return [unshare, "-rn"]
    return []


def _debian_package(soname: str) -> str:
    """Debian's package name for a shared library (``libxcb-icccm.so.4`` → ``libxcb-icccm4``;
    a name ending in a digit takes a hyphen: ``libxkbcommon-x11.so.0`` → ``…-x11-0``)."""
    name, version = soname.split(".so.", 1)
    name = name.lower()
    return f"{name}-{version}" if name[-1].isdigit() else f"{name}{version}"


def _missing_libraries(venv: Path) -> set[str]:
    """The libraries the X11 and Wayland platform plugins need that this machine lacks."""
    missing = set()
    for plugin in venv.glob("lib/python3*/site-packages/PySide6/Qt/plugins/platforms/*.so"):
        if plugin.name in ("libqxcb.so", "libqwayland.so"):
            out = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True).stdout
            missing.update(re.findall(r"^\s*(\S+) => not found", out, re.M))
    return missing


@pytest.fixture(scope="module")
def laptop(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], list[str]]:
    """($HOME, environment, command prefix) after the doc's install block ran offline."""
    if not (WHEELHOUSE / "SHA256SUMS").is_file():
        pytest.fail(f"no reviewer wheelhouse in {WHEELHOUSE}: run `make setup-test`")
    if not LAPTOP_PYTHON.exists():
        pytest.skip("no Debian Python 3.11 at /usr/bin/python3")
    base = tmp_path_factory.mktemp("laptop")
    usb, home = base / "usb", base / "home"
    shutil.copytree(WHEELHOUSE, usb / "wheelhouse")
    home.mkdir()
    env = {
        "HOME": str(home),
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "PIP_NO_INDEX": "1",
        "PIP_CONFIG_FILE": "/dev/null",  # none of this machine's mirrors or find-links
        "QT_QPA_PLATFORM": "offscreen",
    }
    prefix = _no_network()
    block = _laptop_block().replace("/media/usb", str(usb))
    done = subprocess.run(
        [*prefix, "bash", "-euo", "pipefail", "-c", block],
        env=env,
        cwd=home,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "usage: bisik-reviewer " in done.stdout
    assert "usage: bisik-reviewer-app" in done.stdout
    return home, env, prefix


def test_doc_install_block_installs_offline(
    laptop: tuple[Path, dict[str, str], list[str]],
) -> None:
    home, _env, _prefix = laptop
    venv = home / "bisik"
    assert (venv / "bin" / "bisik-reviewer-app").is_file()
    site = next(venv.glob("lib/python3*/site-packages"))
    assert not list(site.glob("flask*")) and not list(site.glob("sqlalchemy*"))


def test_app_starts_from_the_offline_install(
    laptop: tuple[Path, dict[str, str], list[str]],
) -> None:
    home, env, prefix = laptop
    app = home / "bisik" / "bin" / "bisik-reviewer-app"
    with subprocess.Popen(
        [*prefix, str(app), "--home", str(home / "reviewer")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            proc.wait(timeout=STARTED_SECONDS)
        except subprocess.TimeoutExpired:
            proc.terminate()
        _out, err = proc.communicate(timeout=30)
        assert proc.returncode == -15, f"the app ended by itself ({proc.returncode}): {err}"
    assert "Traceback" not in err and "Error" not in err, err


def test_doc_names_the_libraries_qt_needs(
    laptop: tuple[Path, dict[str, str], list[str]],
) -> None:
    home, _env, _prefix = laptop
    text = " ".join(DOC.read_text("utf-8").split())
    unnamed = sorted(
        lib for lib in _missing_libraries(home / "bisik") if _debian_package(lib) not in text
    )
    assert unnamed == [], "docs/REVIEWER.md section 3a must name their packages"
