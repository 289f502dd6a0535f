#!/usr/bin/env python3
"""Regenerate crypto/vectors/ byte for byte from fixed seeds (crypto/vectors/README.md).

    python scripts/make_vectors.py            # rewrite crypto/vectors/
    python scripts/make_vectors.py --out DIR  # write elsewhere

The generators are scripts/vectors/, one module per family; ``python -m scripts.vectors``
regenerates or checks every tree.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # runnable from a checkout

from scripts.vectors.cli import main_one

if __name__ == "__main__":
    raise SystemExit(main_one("crypto"))
