"""``bisik-reviewer-app [--home DIR] [--lang id|en] [--idle-minutes N]``: start the window."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ..home import Home
from ..i18n import t


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """The app's few options (the reviewer home as ``bisik-reviewer --home``)."""
    p = argparse.ArgumentParser(prog="bisik-reviewer-app", description=t("app.description"))
    p.add_argument("--home", metavar="DIR", help=t("cli.home"))
    p.add_argument("--lang", choices=("id", "en"), help=t("app.lang_option"))
    p.add_argument("--idle-minutes", type=float, default=15, help=t("app.idle_option"))
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``bisik-reviewer-app``; returns the exit status of the event loop."""
    args = parse(argv)
    from PySide6.QtWidgets import QApplication  # after --help: it needs no display

    from .unlock import set_language
    from .window import MainWindow

    if args.lang:
        set_language(args.lang)
    app = QApplication(sys.argv[:1])
    window = MainWindow(Home.from_env(args.home), idle_minutes=args.idle_minutes)
    window.resize(1366, 768)
    window.show()
    return app.exec()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
