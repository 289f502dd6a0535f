"""``python -m scripts.vectors``: see :mod:`scripts.vectors.cli`."""

from scripts.vectors.cli import main

raise SystemExit(main())
