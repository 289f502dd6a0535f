"""Gunicorn settings for the Bisik intake (``gunicorn -c gunicorn.conf.py intake.wsgi:app``).

The settings live in the installed package, :mod:`intake.gunicorn_conf`, so the systemd unit,
``bisik-server serve`` and this file can never drift apart. What they promise: loopback or unix
socket only (anything else stops start-up), no access log under any flag, an error log with no
address, URI, exception message or clock time, no proxy header trusted, no version in
``Server``; the gevent worker, so a slow client holds no thread, and a total deadline for a
request head. Environment: BISIK_HOME, BISIK_LISTEN, BISIK_WORKERS, BISIK_WORKER_CONNECTIONS,
BISIK_HEAD_SECONDS, BISIK_GUNICORN_ERRORLOG, BISIK_GUNICORN_TIMEOUT.
"""

import importlib

import intake.gunicorn_conf as _settings

# Re-read the environment each time gunicorn loads this file (start-up, SIGHUP), then expose
# the settings as this module's names, which is what gunicorn reads.
_settings = importlib.reload(_settings)
globals().update({k: v for k, v in vars(_settings).items() if not k.startswith("__")})
