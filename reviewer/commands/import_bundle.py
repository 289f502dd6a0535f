"""``import BUNDLE``: verify an export bundle and merge it into the encrypted store."""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path
from typing import Any

from .. import org
from ..bundles import open_export, staging_root
from ..i18n import t
from ..importer import import_export
from ..session import home_of, open_session
from ..ui.progress import Progress
from ..ui.terminal import err
from . import out


def register(sub: Any) -> None:
    p = sub.add_parser("import", help=t("import.help"), description=t("import.help"))
    p.add_argument("bundle", type=Path, metavar="BUNDLE")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    home = home_of(args)
    directory = org.load_directory(home)  # public, checked against the pinned root: no key
    with contextlib.ExitStack() as stack:
        opened: list[Any] = []

        def announce() -> None:
            err(t("import.verifying"))

        def verify() -> None:  # under the store lock, while Argon2id unlocks the key file
            stage = staging_root(home)  # <home>/tmp, on the encrypted disk, never RAM
            opened.append(stack.enter_context(open_export(args.bundle, directory, stage, announce)))

        with open_session(args, beside=verify) as s:
            export = opened[0]
            bar = Progress(int(export.manifest.count), t("import.progress"))
            try:
                summary = import_export(
                    s.store, s.identity, directory, s.config, export, bar.advance
                )
            finally:
                bar.close()
    for line in summary.lines():
        out(line)
    return 0
