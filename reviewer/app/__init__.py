"""``bisik-reviewer-app``: the reviewer's desktop window over the reviewer library.

Every screen calls the same library functions as ``bisik-reviewer`` (unlock, import, the case
list's filters, the signed actions, the escalation workflow, the outbox, statistics, the key
ceremony): the app adds windows, not a second model of a case. It imports no network module
(no QtNetwork, no web engine, no sockets: import-linter and tests/reviewer/app check it), and
the library never imports the app.

Reporter text is shown as plain text only (:mod:`.plain`): never rich text, links or images
from text; bidi and control characters are made visible, and long runs are broken so no text
can pose as a button, a label or a status of the app's own.
"""
