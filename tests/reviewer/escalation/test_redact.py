"""Redaction detection: the identifiers a dossier must not carry are found, ordinary dates and
amounts are not, and nothing is redacted or kept without the reviewer's decision."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewer.errors import RedactionError
from reviewer.escalation import redact


def kinds(text: str, names: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    return [(c.kind, c.value) for c in redact.find(text, names)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NIP 198503122010011005 hadir", [("nip", "198503122010011005")]),
        ("NIP: 19850312 201001 1 005.", [("nip", "19850312 201001 1 005")]),
        ("NIK 3174051203850001", [("nik", "3174051203850001")]),
        ("NIK 3174 0512 0385 0001,", [("nik", "3174 0512 0385 0001")]),
        ("hubungi 081234567890", [("phone", "081234567890")]),
        ("WA: 0812-3456-7890", [("phone", "0812-3456-7890")]),
        ("telp +62 812 3456 7890.", [("phone", "+62 812 3456 7890")]),
        ("nomor 6281234567890", [("phone", "6281234567890")]),
        ("kantor +62 21 3456 7890", [("phone", "+62 21 3456 7890")]),
        ("surel budi.s@contoh.go.id ya", [("email", "budi.s@contoh.go.id")]),
        ("dua: 08111222333 dan x@y.co", [("phone", "08111222333"), ("email", "x@y.co")]),
    ],
)
def test_true_positives(text: str, expected: list[tuple[str, str]]) -> None:
    assert kinds(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Kejadian pada 14-02-2024 pukul 10.30",
        "tanggal 2024-02-14, rapat 27/11/2024",
        "Dibagikan uang Rp 1.500.000 kepada 25 orang",
        "anggaran Rp1.250.000.000.000.000 (enam belas digit dalam ribuan)",
        "Pasal 5 huruf n angka 6 PP Nomor 94 Tahun 2021",
        "sekitar 1158 ASN dilaporkan, 19 dijatuhi sanksi",
        "kode pos 40115, RT 003/RW 012",
        "jam 08.00 sampai 12.00 tanggal 08 09 2024",
        "tanggal 08-09-2024 14.30 di aula",
    ],
)
def test_no_false_positive_on_dates_amounts_and_citations(text: str) -> None:
    assert kinds(text) == []


@settings(max_examples=200, deadline=None)
@given(
    st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2100, 12, 31)),
    st.sampled_from(["%d-%m-%Y", "%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d %m %Y", "%Y%m%d"]),
)
def test_no_date_is_ever_a_candidate(day: dt.date, fmt: str) -> None:
    assert kinds(f"terjadi pada {day.strftime(fmt)} malam") == []


@settings(max_examples=200, deadline=None)
@given(
    st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2060, 12, 31)),
    st.sampled_from(
        [
            "%d-%m-%Y %H.%M",
            "%d/%m/%Y %H:%M",
            "%d %m %Y %H %M",
            "%Y-%m-%d %H.%M.%S",
            "%d.%m.%Y %H.%M WIB",
        ]
    ),
)
def test_no_date_and_time_is_ever_a_candidate(moment: dt.datetime, fmt: str) -> None:
    assert kinds(f"pada {moment.strftime(fmt)}") == []


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=10**18), st.sampled_from([".", ","]))
def test_no_amount_with_thousands_separators_is_a_candidate(amount: int, sep: str) -> None:
    written = f"{amount:,}".replace(",", sep)
    assert kinds(f"sebesar Rp {written},-") == []


def test_marked_names_match_whole_words_in_any_case() -> None:
    text = "Pak BUDI  santoso menelpon Budiman; budi santoso lagi."
    assert [v for _, v in kinds(text, ("Budi Santoso",))] == ["BUDI  santoso", "budi santoso"]


def test_unconfirmed_candidate_stops_the_dossier() -> None:
    with pytest.raises(RedactionError):
        redact.decide({"description": "hubungi 081234567890"}, redact.Decisions())


def test_ask_settles_each_value_once_and_keep_is_respected() -> None:
    asked: list[str] = []

    def ask(cand: redact.Candidate, ctx: str) -> bool:
        asked.append(cand.value)
        assert cand.value in ctx
        return cand.kind != "email"  # keep the e-mail (say, the agency's public address)

    texts = {"a": "0812-3456-7890 dan humas@pemda.go.id", "b": "lagi: 081234567890"}
    decisions = redact.Decisions()
    accepted = redact.decide(texts, decisions, ask)
    assert asked == ["0812-3456-7890", "humas@pemda.go.id"]  # the same number is not re-asked
    assert [c.kind for c in accepted] == ["phone", "phone"]
    assert "humas@pemda.go.id" in decisions.keep


def test_redaction_file(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text(
        json.dumps(
            {
                "redact": ["+62 812 3456 7890"],
                "keep": ["humas@pemda.go.id"],
                "names": ["Siti Aminah"],
            }
        )
    )
    decisions = redact.Decisions.from_file(path)
    text = "Siti Aminah (0812 3456 7890) menulis ke humas@pemda.go.id"
    accepted = redact.decide({"d": text}, decisions)
    assert sorted(c.kind for c in accepted) == ["name", "phone"]
    out = redact.apply(text, accepted)
    assert "Siti" not in out and "3456" not in out and "humas@pemda.go.id" in out


def test_accept_all_and_apply() -> None:
    text = "NIP 198503122010011005, NIK 3174051203850001, x@y.id, 081234567890"
    decisions = redact.Decisions(accept_all=True)
    out = redact.apply(text, redact.decide({"d": text}, decisions))
    assert redact.find(out) == []
    assert not any(ch.isdigit() for ch in out)


def test_leak_check_finds_a_value_written_another_way() -> None:
    cands = redact.find("hubungi 0812-3456-7890")
    assert redact.leaks("nomornya +62 812 3456 7890", cands, redact.Decisions())
    assert redact.leaks("tidak ada apa-apa", cands, redact.Decisions()) == []


NIP_DIGITS, NIK_DIGITS, PHONE_DIGITS = "198503122010011005", "3174051203850001", "081234567890"
FULL_WIDTH = str.maketrans("0123456789+()-", "０１２３４５６７８９＋（）－")
# Issue 8: numbers written with no-break or double spaces, brackets, en dashes, slashes or
# full-width digits slipped past detection and past the final leak check.
SPELLINGS = [
    ("nip", "19850312\u00a0201001\u00a01\u00a0005", NIP_DIGITS),  # no-break spaces
    ("nip", "19850312  201001  1  005", NIP_DIGITS),  # double spaces
    ("nip", "(19850312) 201001 1 005", NIP_DIGITS),  # brackets
    ("nip", "19850312\u2013201001\u20131\u2013005", NIP_DIGITS),  # en dashes
    ("nip", "19850312/201001/1/005", NIP_DIGITS),  # slashes
    ("nip", "19850312 201001 1 005".translate(FULL_WIDTH), NIP_DIGITS),  # full-width digits
    ("nik", "3174\u202f0512\u202f0385\u202f0001", NIK_DIGITS),  # narrow no-break
    ("nik", "3174  0512  0385  0001", NIK_DIGITS),
    ("nik", "[3174] 0512-0385-0001", NIK_DIGITS),
    ("nik", "3174\u20140512\u20140385\u20140001", NIK_DIGITS),  # em dashes
    ("nik", "3174/0512/0385/0001", NIK_DIGITS),
    ("nik", "３１７４０５１２０３８５０００１", NIK_DIGITS),
    ("phone", "0812\u00a03456\u00a07890", PHONE_DIGITS),
    ("phone", "0812  3456  7890", PHONE_DIGITS),
    ("phone", "(0812) 3456-7890", PHONE_DIGITS),
    ("phone", "+62 (812) 3456 7890", PHONE_DIGITS),
    ("phone", "0812\u20133456\u20137890", PHONE_DIGITS),
    ("phone", "0812 - 3456 - 7890", PHONE_DIGITS),
    ("phone", "0812/3456/7890", PHONE_DIGITS),
    ("phone", "+62 812 3456 7890".translate(FULL_WIDTH), PHONE_DIGITS),
]


@pytest.mark.parametrize(("kind", "written", "digits"), SPELLINGS)
def test_numbers_written_with_lookalike_separators_and_digits_are_found(
    kind: str, written: str, digits: str
) -> None:
    text = f"Ini nomor {written}, tolong jaga."
    [cand] = redact.find(text)
    assert (cand.kind, cand.value, cand.key) == (kind, written, digits)
    assert digits not in redact.fold(redact.apply(text, [cand])).replace(" ", "")


@pytest.mark.parametrize(("kind", "written", "digits"), SPELLINGS)
def test_leak_check_sees_every_spelling_of_a_redacted_number(
    kind: str, written: str, digits: str
) -> None:
    """The final check on the finished dossier: a value redacted in one place and written
    again another way elsewhere must be caught (and a new unconfirmed one too)."""
    plain = redact.Candidate(kind, digits, 0, len(digits))
    assert redact.leaks(f"lihat {written} lagi", [plain], redact.Decisions()) != []
    assert redact.leaks(f"lihat {written} lagi", [], redact.Decisions()) == [kind]


def test_fold_keeps_offsets() -> None:
    text = "a\u00a0０８\u2013x"
    assert len(redact.fold(text)) == len(text) and redact.fold(text) == "a 08-x"
