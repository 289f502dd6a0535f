"""One module per parser of untrusted bytes: each has ``check(data)`` and ``seeds()``.

``TARGETS`` is the list the runner and the regression test walk.
"""

TARGETS = (
    "envelope",
    "header",
    "document",
    "records",
    "directory",
    "followup",
    "receipt",
    "storeseal",
    "keyfile",
    "bundle_export",
    "bundle_outbox",
    "multipart",
    "api_json",
    "consent_link",
)
