"""One escalation as every front end runs it: the command line's ``escalate`` and the desktop
app's wizard call these two functions, so both check the same consent, settle the same
redactions, reuse the same dossier reference and record the same tracking entry.

:func:`draft` decrypts the case's *shared* evidence into the home's private work directory,
drafts the dossier there (:func:`.dossier.drafted`) and hands it out for preview; the caller
publishes it to the output medium (:meth:`.dossier.Draft.publish`) and then calls
:func:`record`. Nothing reaches the output medium before ``publish``.

Leaks: while the block runs, decrypted shared evidence and its cleaned copies sit in
``<home>/work`` (0700); they are removed when it ends (a crash leaves them until the next
command empties the work directory).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator, Sequence

from ..i18n import t
from ..plaintext import decrypted_evidence
from ..session import Session
from . import dossier, redact, tracking
from .authorities import Authority


@contextlib.contextmanager
def draft(
    session: Session,
    case_id: str,
    authority: Authority,
    decisions: redact.Decisions,
    *,
    level: str | None = None,
    place: str | None = None,
    cc: Sequence[Authority] = (),
    ask: redact.Ask | None = None,
    today: dt.date | None = None,
) -> Iterator[dossier.Draft]:
    """The dossier of ``case_id`` for ``authority``, drafted but not written. The letterhead
    is checked before anything is decrypted (UsageError naming what is missing); a dossier
    already sent to this authority keeps its reference."""
    case = session.store.case(case_id)
    sender = session.config.letterhead()
    old = tracking.load(session.store).find(case.case_id, authority.name)
    work = session.home.private_workdir()  # plaintext never touches the output medium
    with (
        decrypted_evidence(
            session.store, session.identity.keys.encryption, case, work, shared_only=True
        ) as (facts, _missing),
        dossier.drafted(
            facts,
            authority,
            decisions,
            work,
            sender=sender,
            level=level,
            place=place,
            cc=cc,
            ask=ask,
            today=today,
            reference=old[0].reference_ours if old else None,
        ) as drafted,
    ):
        yield drafted


def record(
    session: Session,
    case_id: str,
    authority: Authority,
    result: dossier.DossierResult,
    today: dt.date,
) -> None:
    """Note in the tracking log that this dossier was made (its hash and reference)."""
    log = tracking.load(session.store)
    log.record_dossier(
        session.store.resolve(case_id), authority.name, result.sha256, today, result.reference
    )
    tracking.save(session.store, log)


def written_lines(result: dossier.DossierResult) -> list[str]:
    """What the reviewer is told once a dossier is written (the CLI prints these lines, the
    app shows them): the files, the reference, how much was redacted, the attachments,
    evidence left out (``!``), and to read the PDF before sending it. Each front end then
    says in its own words how to record the ``sent`` step (writing is not sending)."""
    lines = [
        t("dossier.written", pdf=str(result.pdf_path), json=str(result.json_path)),
        t("dossier.reference", reference=result.reference),
        t("dossier.redacted_count", count=result.redacted),
    ]
    if result.attachments:
        lines.append(
            t(
                "dossier.attachments",
                count=len(result.attachments),
                dir=str(result.attachments[0].parent),
            )
        )
    lines += ["! " + t("dossier.skipped", index=index) for index in result.skipped_evidence]
    return [*lines, t("escalate.review")]
