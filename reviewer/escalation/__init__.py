"""Escalation of a case to the competent authority, and the pieces evidence and stats share.

Modules, one job each:

- ``case``        the plain view of a case this package works on (:class:`CaseFacts`);
- ``errors``      the exceptions (subclasses of ``crypto.errors.BisikError``);
- ``atomic``      temporary-file-then-rename writes;
- ``i18n``        the catalogue (``i18n.json``): Bahasa Indonesia first, English second;
- ``authorities`` the bodies a dossier can go to;
- ``regulations`` the table from report category to the rules allegedly breached;
- ``redact``      detection and application of identifying details (NIP, NIK, phone, e-mail, names);
- ``dossier``     the de-identified dossier as JSON and as PDF;
- ``tracking``    what happened after sending: reference, deadline, outcome, reminders.

Nothing here imports Flask, werkzeug, SQLAlchemy or ``intake``.
"""
