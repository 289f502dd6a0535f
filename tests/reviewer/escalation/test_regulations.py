"""The legal catalogue: every rule complete (subject, sanction, authority, source, verification
flag), the corrected penal articles, the role filter, the replaceable supervisory body, and the
``escalate --list-rules`` listing that says what no lawyer has verified."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from importlib import resources

import pytest

from reviewer import vocabulary
from reviewer.errors import AuthorityError
from reviewer.escalation import authorities, regulations

RULES = regulations.catalogue()
NOV = dt.date(2024, 11, 1)


def _raw() -> dict:  # type: ignore[type-arg]
    text = resources.files("reviewer.escalation").joinpath("regulations.json").read_text()
    return json.loads(text)  # type: ignore[no-any-return]


@pytest.mark.parametrize("key", sorted(RULES))
def test_every_rule_is_complete(key: str) -> None:
    rule, raw = RULES[key], _raw()["rules"][key]
    assert rule.kind in regulations.KINDS
    assert rule.subject and set(rule.subject) <= set(vocabulary.ROLES)
    assert rule.sanction.kind.strip() and rule.sanction.level.strip()
    assert rule.authorities
    for code, level in rule.authorities:
        assert level in dict(authorities.get(code).levels), (code, level)
    assert rule.source.strip() and rule.text.strip() and rule.article.strip()
    assert "verified_by" in raw and "verify" in raw
    assert raw["verified_by"] is None and raw["verify"] is True  # nobody has signed yet


def test_every_category_maps_to_known_rules() -> None:
    data = _raw()
    assert set(data["categories"]) == set(regulations.CATEGORIES)
    assert {k for ks in data["categories"].values() for k in ks} <= set(RULES)


def test_pilkada_penal_articles() -> None:
    assert RULES["pilkada_71_2"].sanction.article == "Pasal 190"
    assert RULES["pilkada_162_3"].sanction.article == "Pasal 190"
    assert "Pasal 190" in RULES["pilkada_71_2"].text and "188" not in RULES["pilkada_71_2"].text
    assert RULES["pilkada_71_1"].sanction.article == "Pasal 188"
    assert RULES["pilkada_70"].sanction.article == "Pasal 189"
    assert RULES["pilkada_70"].subject == ("candidate_pair",)
    assert set(RULES["pilkada_71_2"].subject) == {"kepala_daerah", "penjabat"}  # 71(4)
    assert RULES["pemilu_280_1h"].subject == ("campaigner",)


def test_pp94_levels_and_who_it_binds() -> None:
    assert RULES["pp94_n1"].sanction.level == "hukuman disiplin sedang"
    assert RULES["pp94_n5"].sanction.level == "hukuman disiplin berat"
    for key in ("pp94_n1", "pp94_n3", "pp94_n4", "pp94_n5", "pp94_n6", "pp94_n7"):
        assert "asn_pppk" not in RULES[key].subject  # PP 94/2021 is for PNS
        assert "kepala_desa" not in RULES[key].subject  # a village head is not an ASN


def test_a_rule_is_not_cited_against_someone_it_does_not_bind() -> None:
    junior = regulations.rules_for("retaliation", NOV, "Pilkada 2024", role="asn_pns")
    head = regulations.rules_for("retaliation", NOV, "Pilkada 2024", role="kepala_daerah")
    unknown = regulations.rules_for("retaliation", NOV, "Pilkada 2024")
    assert "pilkada_71_2" not in {r.key for r in junior}
    assert {"pilkada_71_2", "pilkada_162_3"} <= {r.key for r in head}
    assert {r.key for r in head} <= {r.key for r in unknown}
    village = regulations.rules_for("rally", NOV, "Pilkada 2024", role="kepala_desa")
    assert "desa_kades" in {r.key for r in village}
    assert not {r.key for r in village} & {"asn_new", "pp94_n1", "kode_etik"}
    # procedures, remedies and protections are never cited as broken
    assert all(r.kind == "prohibition" for r in unknown)


def test_unknown_role_is_refused() -> None:
    from reviewer.errors import UsageError

    with pytest.raises(UsageError):
        regulations.check_role("bupati")
    assert regulations.check_role("penjabat") == "penjabat"


def test_the_supervisory_body_is_one_data_change_away() -> None:
    table = {a.code: a for a in authorities.every()}
    assert authorities.effective("bkn", table) == "bkn"
    table["pengawas_asn"] = dataclasses.replace(table["pengawas_asn"], active=True)
    assert authorities.effective("bkn", table) == "pengawas_asn"
    assert "pengawas_asn" not in {a.code for a in authorities.known()}


def test_levels_name_the_official() -> None:
    bawaslu = authorities.resolve("bawaslu")
    assert (
        bawaslu.official("kabupaten_kota", "Kabupaten Lampung Selatan")
        == "Ketua Bawaslu Kabupaten Lampung Selatan"
    )
    assert (
        authorities.resolve("bkn").official("regional", "V")
        == "Kepala Kantor Regional V Badan Kepegawaian Negara"
    )
    assert (
        authorities.resolve("inspektorat").official("provinsi", "Lampung")
        == "Inspektur Provinsi Lampung"
    )
    with pytest.raises(AuthorityError):
        bawaslu.official("kabupaten_kota", "")
    with pytest.raises(AuthorityError):
        bawaslu.official("regional", "V")
    with pytest.raises(AuthorityError):
        authorities.resolve("gakkumdu")  # reached through Bawaslu, not a dossier recipient


def test_list_rules_prints_mappings_and_what_is_unverified(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from reviewer import cli

    monkeypatch.setenv("BISIK_LANG", "id")
    assert cli.main(["escalate", "--list-rules"]) == 0
    text = capsys.readouterr().out
    assert text.count("BELUM DIVERIFIKASI") == len(RULES)
    assert f"{len(RULES)} dari {len(RULES)} entri belum diverifikasi" in text
    assert "[pilkada_71_2]" in text and "Pasal 190" in text
    assert "retaliation" in text and "pilkada_162_3" in text
