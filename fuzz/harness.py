"""One fuzz target under atheris: ``python -m fuzz.harness TARGET [libFuzzer flags] [corpus]``.

The target's module is imported with coverage instrumentation of Bisik's packages (crypto,
vault, intake, reviewer); its ``seeds()`` and its regression inputs are written into the corpus
directory first, so every run starts from valid inputs and from every past crash.
"""

from __future__ import annotations

import hashlib
import importlib
import sys
from pathlib import Path

import atheris

HERE = Path(__file__).resolve().parent


def _prime(corpus: Path, target: str, seeds: list[bytes]) -> None:
    corpus.mkdir(parents=True, exist_ok=True)
    regressions = HERE / "regressions" / target
    extra = [p.read_bytes() for p in sorted(regressions.glob("*"))] if regressions.is_dir() else []
    for data in [*seeds, *extra]:
        (corpus / ("seed-" + hashlib.sha256(data).hexdigest()[:16])).write_bytes(data)


def main() -> None:
    target = sys.argv[1]
    argv = [sys.argv[0], *sys.argv[2:]]
    with atheris.instrument_imports(include=["crypto", "vault", "intake", "reviewer"]):
        module = importlib.import_module(f"fuzz.targets.{target}")
    corpus = next((Path(a) for a in argv[1:] if not a.startswith("-")), None)
    if corpus is not None:
        _prime(corpus, target, module.seeds())
    atheris.Setup(argv, module.check)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
