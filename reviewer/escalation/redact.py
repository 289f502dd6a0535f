"""Find and remove what could identify a reporter before a dossier leaves the laptop.

Detected automatically: 18-digit NIP (civil-servant number), 16-digit NIK (population number),
Indonesian phone numbers (+62 / 62 / 08…), e-mail addresses. Names are detected only when the
reviewer marks them: no name list can be complete, so the reviewer must read the text.

Numbers may be written with spaces, dots, dashes, slashes or brackets between digit groups
("0812-3456-7890", "19850312 201001 1 005", "(0812) 3456 7890"), up to three such characters
in a row. Before matching, text is folded character for character (:func:`fold`, same length,
so spans found in the folded text are spans of the original): every Unicode decimal digit
becomes its ASCII digit (full-width "０８１２"), no-break, thin and other spaces become a space,
en and em dashes and the minus sign a hyphen, full-width punctuation its ASCII form. The final
leak check folds the same way. Runs that look like money or thousands ("1.500.000") and ordinary
dates ("14-02-2024", "2024-02-14") are not candidates. Every 16- or 18-digit run is a candidate
whatever its checksum-free shape, because bank and card numbers identify people too.

The reviewer confirms each candidate (:func:`decide`); nothing is dropped silently: a candidate
neither confirmed nor explicitly kept stops the dossier (:class:`RedactionError`).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import RedactionError
from ..i18n import indonesian as t

KINDS = ("email", "nip", "nik", "phone", "name")
_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
# A run of digits with at most three separators between digits ("0812  3456", "(0812) 3456",
# "0812 - 3456"); "+" and "(" allowed in front.
_SEP = r"[ .\-/()\[\]]"
_DIGITS = re.compile(r"(?<![\w+(\[])[(\[]?\+?\d(?:" + _SEP + r"{0,3}\d){9,24}(?![\w])")
_SEPARATORS = re.compile(_SEP + "+")
# Characters folded before matching (each to exactly one character, so offsets are kept).
_FOLD = {
    **{
        c: " "
        for c in (
            0x09,
            0x0B,
            0x0C,
            0xA0,
            0x1680,
            *range(0x2000, 0x200B),
            0x202F,
            0x205F,
            0x3000,
            0x200B,
            0x200C,
            0x200D,
            0x2060,
            0xFEFF,
        )
    },
    **{c: "-" for c in (*range(0x2010, 0x2016), 0x2212, 0xFE58, 0xFE63, 0xFF0D)},
    0xFF0B: "+",
    0xFF08: "(",
    0xFF09: ")",
    0xFF3B: "[",
    0xFF3D: "]",
    0xFF0E: ".",
    0xFF0F: "/",
    0x2044: "/",
    0x2215: "/",
    0xFF20: "@",
    0x3002: ".",
}
_THOUSANDS = re.compile(r"^\d{1,3}(?:[.,]\d{3})+$")
# A phone number starts with an unbroken operator prefix (0812…, +62 812…, +62 21 …): this is
# what tells "0812 3456 7890" from a date and time such as "08-09-2024 14.30".
_PHONE_START = re.compile(r"^(?:08\d{2}|\+?62[ .\-]?8\d{2}|\+62[ .\-]?[1-79]\d)")


@dataclass(frozen=True)
class Candidate:
    """One span of ``text`` in field ``field`` that may identify someone."""

    kind: str
    value: str
    start: int
    end: int
    field: str = ""

    @property
    def key(self) -> str:
        """The normalised form decisions are keyed on (digits only, or lower case)."""
        return normalise(self.kind, self.value)


def fold(text: str) -> str:
    """``text`` with look-alike digits, spaces, dashes and punctuation made ASCII, one
    character for one, so an offset in the result is the same offset in ``text``."""
    folded = text.translate(_FOLD)
    if folded.isascii():
        return folded
    return "".join(
        str(unicodedata.decimal(c)) if not c.isascii() and c.isdecimal() else c for c in folded
    )


def _digits(text: str) -> str:
    return re.sub(r"[^0-9]", "", fold(text))


def normalise(kind: str, value: str) -> str:
    """Digits only for numbers (``+62`` becomes ``0``), lower case and single spaces else."""
    if kind in ("nip", "nik", "phone"):
        digits = _digits(value)
        return "0" + digits[2:] if kind == "phone" and digits.startswith("62") else digits
    return " ".join(fold(value).lower().split())


def _number_kind(raw: str) -> str | None:
    raw = fold(raw)
    digits = _digits(raw)
    if _THOUSANDS.match(raw.lstrip("+")):
        return None
    raw = _SEPARATORS.sub(" ", raw.strip("()[]")).strip()  # "+62 (812) …" → "+62 812 …"
    if len(digits) == 18:
        return "nip"
    if len(digits) == 16:
        return "nik"
    national = "0" + digits[2:] if digits.startswith("62") else digits
    if not _PHONE_START.match(raw):
        return None
    if national.startswith("08") and 10 <= len(national) <= 13:
        return "phone"
    if raw.startswith("+62") and 9 <= len(national) <= 13:  # a landline written +62 21 …
        return "phone"
    return None


def _name_pattern(name: str) -> re.Pattern[str] | None:
    words = name.split()
    if not words:
        return None
    return re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, words)) + r"(?!\w)", re.IGNORECASE)


def find(text: str, names: Iterable[str] = (), field: str = "") -> list[Candidate]:
    """Candidates in ``text``, non-overlapping, in order. ``names`` are the marked names.

    Matching runs on :func:`fold` of ``text``; each candidate's ``value`` and span are the
    original text's (what the reviewer is shown and what :func:`apply` replaces)."""
    folded = fold(text)
    found: list[Candidate] = [
        Candidate("email", text[m.start() : m.end()], m.start(), m.end(), field)
        for m in _EMAIL.finditer(folded)
    ]
    for m in _DIGITS.finditer(folded):
        kind = _number_kind(m.group())
        if kind:
            found.append(Candidate(kind, text[m.start() : m.end()], m.start(), m.end(), field))
    for name in names:
        pattern = _name_pattern(fold(name))
        if pattern is not None:
            found.extend(
                Candidate("name", text[m.start() : m.end()], m.start(), m.end(), field)
                for m in pattern.finditer(folded)
            )
    found.sort(key=lambda c: (c.start, -(c.end - c.start)))
    out: list[Candidate] = []
    for cand in found:  # the first (longest) span wins where two overlap
        if not out or cand.start >= out[-1].end:
            out.append(cand)
    return out


@dataclass
class Decisions:
    """The reviewer's answers: keys to redact, keys to keep, and the names they marked."""

    redact: set[str] = field(default_factory=set)
    keep: set[str] = field(default_factory=set)
    names: list[str] = field(default_factory=list)
    accept_all: bool = False

    @classmethod
    def from_file(cls, path: Path) -> Decisions:
        """Read ``{"redact": [...], "keep": [...], "names": [...]}`` (values as written)."""
        try:
            obj = json.loads(Path(path).read_text("utf-8"))
            names = [str(n) for n in obj.get("names", [])]
            redact = {_any_key(str(v)) for v in obj.get("redact", [])} | {
                normalise("name", n) for n in names
            }
            return cls(redact, {_any_key(str(v)) for v in obj.get("keep", [])}, names)
        except (OSError, ValueError, AttributeError, TypeError) as exc:
            raise RedactionError("the redaction file cannot be read") from exc


def _any_key(value: str) -> str:
    """Normalise a value whose kind is not written down (a redaction file)."""
    if "@" in value:
        return normalise("email", value)
    kind = _number_kind(value.strip())
    return normalise(kind, value) if kind else normalise("name", value)


Ask = Callable[[Candidate, str], bool]


def context(text: str, cand: Candidate, width: int = 30) -> str:
    """The candidate with some text around it, for the reviewer to judge."""
    left = text[max(0, cand.start - width) : cand.start].replace("\n", " ")
    right = text[cand.end : cand.end + width].replace("\n", " ")
    return f"…{left}[{cand.value}]{right}…"


def decide(texts: dict[str, str], decisions: Decisions, ask: Ask | None = None) -> list[Candidate]:
    """Every candidate in ``texts`` (field → text) that will be redacted.

    Each candidate is settled by ``decisions`` (redact / keep / accept-all), else by ``ask``
    (an interactive prompt, given the candidate and its context); once answered, the same
    value is not asked again. With neither, RedactionError: nothing is assumed.
    """
    accepted: list[Candidate] = []
    for fname, text in texts.items():
        for cand in find(text, decisions.names, fname):
            if cand.key in decisions.keep:
                continue
            if cand.key in decisions.redact or decisions.accept_all:
                accepted.append(cand)
                continue
            if ask is None:
                raise RedactionError(f"an unconfirmed {cand.kind} in field {fname!r}")
            if ask(cand, context(text, cand)):
                decisions.redact.add(cand.key)
                accepted.append(cand)
            else:
                decisions.keep.add(cand.key)
    return accepted


def apply(text: str, cands: Sequence[Candidate]) -> str:
    """``text`` with each candidate's span replaced by a token naming its kind."""
    for cand in sorted(cands, key=lambda c: c.start, reverse=True):
        text = text[: cand.start] + t(f"redact.token.{cand.kind}") + text[cand.end :]
    return text


def leaks(text: str, redacted: Iterable[Candidate], decisions: Decisions) -> list[str]:
    """Kinds of redacted values still present in ``text`` (should be empty), also counting
    any new candidate the reviewer did not explicitly keep. Used as a last check on the
    finished dossier."""
    lowered = " ".join(fold(text).lower().split())
    digits = _digits(text)
    out = []
    for cand in redacted:
        hay = digits if cand.kind in ("nip", "nik", "phone") else lowered
        again = cand.kind == "phone" and cand.key[1:] in hay  # written again as 62…/+62…
        if (cand.key and cand.key in hay) or again:
            out.append(cand.kind)
    out.extend(c.kind for c in find(text, decisions.names) if c.key not in decisions.keep)
    return out
