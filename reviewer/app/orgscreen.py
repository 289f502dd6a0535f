"""The key ceremony for the lead, and the trusted directory for everyone.

Everyone: the root key and a new directory from the lead, pinned and used with the
:class:`~reviewer.app.trust.TrustBox` (``org pin``, ``org use``).

Each button is one ``bisik-reviewer org`` command's library call (:mod:`reviewer.org`):
create the root key, add a reviewer — only after the fingerprint read from their card was
compared with them in person or by a call to a known number, which the reviewer confirms with
a tick —, revoke, sign the directory. Passphrases are typed here and handed straight to the
library; nothing is kept.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from crypto.directory import Reviewer
from crypto.errors import BisikError
from crypto.fsutil import write_atomic

from .. import keyfile, org, passphrase
from ..errors import UsageError
from ..home import Home
from ..i18n import t
from ..identity import read_public_card
from . import plain
from .files import PathField
from .status import StatusLine, hint
from .trust import TrustBox

DIRECTORY_COLUMNS = ("col.id", "col.name", "col.role", "col.fingerprint", "col.until", "col.active")


def _secret() -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    return field


class OrgScreen(QWidget):
    """Directory table and the four ceremony steps; results and refusals on one status line."""

    def __init__(self, home: Home) -> None:
        super().__init__()
        self.home = home
        self.kdf_profile = keyfile.DEFAULT_PROFILE  # the root key's Argon2id cost
        self.status = StatusLine()
        self.heading = plain.words("")
        self.table = QTableWidget(0, len(DIRECTORY_COLUMNS))
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; arrows move in it
        self.table.setHorizontalHeaderLabels([t(c) for c in DIRECTORY_COLUMNS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addWidget(self.heading)
        layout.addWidget(self.table)
        self.trust = TrustBox(home, on_changed=self.refresh)
        layout.addWidget(self.trust)
        steps = QHBoxLayout()
        left, right = QVBoxLayout(), QVBoxLayout()
        left.addWidget(self._root_box())
        left.addWidget(self._add_box())
        right.addWidget(self._revoke_box())
        right.addWidget(self._sign_box())
        steps.addLayout(left, 1)
        steps.addLayout(right, 1)
        layout.addLayout(steps)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.addWidget(scroll, 1)
        outer.addWidget(self.status)
        self.refresh()

    # -- the directory ---------------------------------------------------------------------
    def refresh(self) -> None:
        """Show the trusted directory (or why there is none) and the lead's member list."""
        try:
            directory = org.load_directory(self.home)
        except BisikError as exc:
            self.heading.setText(plain.shown(f"{exc} {hint(exc)}"))
            self.table.setRowCount(0)
        else:
            self.heading.setText(
                t(
                    "org.show.head",
                    org=plain.line(directory.org_name),
                    serial=directory.serial,
                    expires=directory.expires.isoformat(),
                )
                + "\n"
                + t("org.root_fp", fp=org.root_fingerprint(directory.root))
            )
            active = directory.active_reviewers()
            self.table.setRowCount(len(directory.reviewers))
            for row, r in enumerate(directory.reviewers):
                for col, value in enumerate(
                    (
                        r.id,
                        r.name,
                        r.role,
                        r.keys.fingerprint,
                        r.valid_until.isoformat(),
                        t("yes") if r in active else t("no"),
                    )
                ):
                    self.table.setItem(row, col, plain.item(value))
        self.revoke_id.clear()
        if self.home.members.exists():
            for member in org.load_members(self.home).reviewers:
                self.revoke_id.addItem(f"{member.id} — {plain.line(member.name)}", member.id)

    def _run(self, work: object, done: str) -> None:
        try:
            work()  # type: ignore[operator]
        except BisikError as exc:
            self.status.error(exc)
            return
        self.status.info(done)
        self.refresh()

    # -- create the root -------------------------------------------------------------------
    def _root_box(self) -> QGroupBox:
        box = QGroupBox(t("app.org.root_title"))
        form = QFormLayout(box)
        self.org_name = QLineEdit()
        self.root_pass, self.root_again = _secret(), _secret()
        button = QPushButton(t("app.org.root_button"))
        button.clicked.connect(self.create_root)
        plain.row(form, t("app.org.name"), self.org_name)
        plain.row(form, t("pp.new"), self.root_pass)
        plain.row(form, t("pp.again"), self.root_again)
        form.addRow(button)
        return box

    def create_root(self) -> None:
        """``org init``: the organisation root key, sealed under the passphrase typed twice."""
        secret, again = self.root_pass.text(), self.root_again.text()
        self.root_pass.clear()
        self.root_again.clear()
        try:
            passphrase.same(secret, again)
        except UsageError as exc:
            self.status.error(exc)
            return
        name = self.org_name.text().strip()

        def work() -> None:
            root = org.init_root(self.home, name, secret, profile=self.kdf_profile)
            self.created = (
                t("org.init.done", org=name, path=str(self.home.root_key))
                + "\n"
                + t("org.root_fp", fp=org.root_fingerprint(root))
            )

        self.created = ""
        self._run(work, "")
        if self.created:
            self.status.info(self.created)

    # -- add a reviewer --------------------------------------------------------------------
    def _add_box(self) -> QGroupBox:
        box = QGroupBox(t("app.org.add_title"))
        form = QFormLayout(box)
        self.card = PathField("open", "public.json (*.json)")
        read = QPushButton(t("app.org.read_card"))
        read.clicked.connect(self.read_card)
        self.card_shown = plain.label("", framed=True)
        self.compared = QCheckBox(t("app.org.compared"))
        self.role = QComboBox()
        self.role.addItem(t("app.org.role_reviewer"), "reviewer")
        self.role.addItem(t("app.org.role_lead"), "lead")
        self.add_button = QPushButton(t("app.org.add_button"))
        self.add_button.setEnabled(False)
        self.compared.toggled.connect(self._may_add)
        self.add_button.clicked.connect(self.add)
        plain.row(form, t("app.org.card"), self.card)
        form.addRow(read)
        form.addRow(self.card_shown)
        form.addRow(self.compared)
        plain.row(form, t("col.role"), self.role)
        form.addRow(self.add_button)
        self.card_read: Path | None = None
        return box

    def read_card(self) -> None:
        """Show the id, name and fingerprint of the chosen ``public.json`` (recomputed from
        its keys) for comparing aloud; adding stays disabled until the tick."""
        self.card_read = None
        self.compared.setChecked(False)
        path = Path(self.card.text())
        try:
            rid, name, _keys, fingerprint = read_public_card(path)
        except (BisikError, OSError) as exc:
            self.card_shown.setText(plain.shown(str(exc)))
            return
        self.card_read = path
        self.card_shown.setText(
            plain.shown(t("app.org.card_shown", id=rid, name=name, fp=fingerprint))
        )
        self._may_add()

    def _may_add(self) -> None:
        self.add_button.setEnabled(self.card_read is not None and self.compared.isChecked())

    def add(self) -> None:
        """``org add``: the card read, with the role chosen (after the fingerprint tick)."""
        card, role = self.card_read, str(self.role.currentData())
        if card is None or not self.compared.isChecked():
            return
        added: list[Reviewer] = []
        self._run(lambda: added.append(org.add_member(self.home, card, role)), "")
        for entry in added:
            self.status.info(
                t(
                    "org.add.done",
                    id=entry.id,
                    name=plain.line(entry.name),
                    role=role,
                )
            )
        self.card_read = None
        self.compared.setChecked(False)
        self._may_add()

    # -- revoke ----------------------------------------------------------------------------
    def _revoke_box(self) -> QGroupBox:
        box = QGroupBox(t("app.org.revoke_title"))
        form = QFormLayout(box)
        self.revoke_id = QComboBox()
        self.revoke_sure = QCheckBox(t("app.org.revoke_sure"))
        button = QPushButton(t("app.org.revoke_button"))
        button.clicked.connect(self.revoke)
        plain.row(form, t("col.id"), self.revoke_id)
        form.addRow(self.revoke_sure)
        form.addRow(button)
        return box

    def revoke(self) -> None:
        """``org revoke``: only with the confirming tick; sign and hand out the directory next."""
        rid = self.revoke_id.currentData()
        if rid is None or not self.revoke_sure.isChecked():
            self.status.info(t("app.org.revoke_confirm"))
            return
        self.revoke_sure.setChecked(False)
        self._run(lambda: org.revoke_member(self.home, str(rid)), t("org.revoke.done", id=rid))

    # -- sign the directory ----------------------------------------------------------------
    def _sign_box(self) -> QGroupBox:
        box = QGroupBox(t("app.org.sign_title"))
        form = QFormLayout(box)
        self.server_key = PathField("open")
        self.days = QSpinBox()
        self.days.setRange(1, 366)
        self.days.setValue(90)
        self.directory_out = PathField("save", "directory.json (*.json)")
        self.sign_pass = _secret()
        button = QPushButton(t("app.org.sign_button"))
        button.clicked.connect(self.sign)
        plain.row(form, t("app.org.server_key"), self.server_key)
        plain.row(form, t("app.org.days"), self.days)
        plain.row(form, t("app.org.directory_out"), self.directory_out)
        plain.row(form, t("pp.root"), self.sign_pass)
        form.addRow(button)
        return box

    def sign(self) -> None:
        """``org sign``: the members list signed with the root key, written for the server."""
        secret = self.sign_pass.text()
        self.sign_pass.clear()
        out = Path(self.directory_out.text())
        key_path, days = Path(self.server_key.text()), self.days.value()

        def work() -> None:
            data = org.sign(self.home, secret, org.read_server_key(key_path), days)
            write_atomic(out, data, mode=0o644)

        self._run(work, "")
        if not self.status.failed:
            directory = org.load_directory(self.home)
            self.status.info(
                t(
                    "org.sign.done",
                    serial=directory.serial,
                    expires=directory.expires.isoformat(),
                    path=str(out),
                    revoked=len(directory.revoked),
                )
            )
