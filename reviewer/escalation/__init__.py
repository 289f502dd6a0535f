"""Escalation of a case to the competent authority: what a dossier says and where it goes.

Modules, one job each:

- ``authorities`` the bodies the law names, the ones a dossier can go to, and their officials;
- ``regulations`` the legal catalogue: rules, whom they bind, sanctions, authorities, sources;
- ``phases``      election phases of an incident date, from an election calendar;
- ``redact``      detection and application of identifying details (NIP, NIK, phone, e-mail, names);
- ``dossier``     the de-identified dossier: its content, JSON twin, consent and attachments;
- ``letter``      the dossier laid out as an Indonesian official letter (PDF, embedded fonts);
- ``tanggal``     dates in Indonesian words ("5 Desember 2026");
- ``tracking``    what happened after sending: reference, deadline, outcome, reminders.

It works on the reviewer's one case model (:class:`reviewer.case.Case`) and raises the
reviewer's errors (:mod:`reviewer.errors`); its text is in the reviewer catalogue
(:mod:`reviewer.i18n`). Nothing in the reviewer core imports this package (an import contract
checks it); the commands do. Nothing here imports Flask, werkzeug, SQLAlchemy or ``intake``.
"""
