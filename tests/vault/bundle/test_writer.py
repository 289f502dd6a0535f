"""The bundle writer (vault.bundle.writer): a failed write leaves nothing behind."""

from __future__ import annotations

from pathlib import Path

from crypto.errors import BisikError
from vault.bundle import (
    BundleWriteError,
)

_FSIZE_CHILD = r"""
import resource, signal, sys
from pathlib import Path
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # writes past the limit fail with EFBIG
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[2]), int(sys.argv[2])))
from tests.vault.helpers import make_org, write_sample_export
from vault.bundle import BundleWriteError
try:
    write_sample_export(Path(sys.argv[1]), make_org(), cases=2, evidence=1, evidence_size=4000)
except BundleWriteError:
    sys.exit(3)
sys.exit(0)
"""


def test_disk_full_while_writing_leaves_no_file(tmp_path):
    """A real write failure (RLIMIT_FSIZE makes write() fail with EFBIG, as ENOSPC would)."""
    import subprocess
    import sys

    out = tmp_path / "usb" / "export.bisik"
    out.parent.mkdir()
    root = Path(__file__).resolve().parents[3]
    run = lambda limit: (  # noqa: E731
        subprocess.run(
            [sys.executable, "-c", _FSIZE_CHILD, str(out), str(limit)], cwd=root, check=False
        ).returncode
    )
    assert run(3000) == 3
    assert list(out.parent.iterdir()) == [], "no partial or temporary file"
    assert run(1 << 30) == 0, "the next run succeeds once there is room"
    assert out.exists()
    assert issubclass(BundleWriteError, BisikError)
