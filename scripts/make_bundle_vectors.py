#!/usr/bin/env python3
"""Regenerate vault/bundle/vectors/ byte for byte from a fixed seed (vault/BUNDLE.md).

    python scripts/make_bundle_vectors.py            # rewrite vault/bundle/vectors/
    python scripts/make_bundle_vectors.py --out DIR  # write elsewhere

The generator is scripts/vectors/bundle.py; ``python -m scripts.vectors`` regenerates or
checks every tree.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # runnable from a checkout

from scripts.vectors.cli import main_one

if __name__ == "__main__":
    raise SystemExit(main_one("bundle"))
