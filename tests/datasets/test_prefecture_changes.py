"""The table of prefecture code changes against the shipped prefecture map and known approvals."""


import pandas as pd
import pytest

import spatialinno as si

MAP_VINTAGE = 2020  # the shipped map has Huyanghe 659010 (2019) but not Xinxing 659011 (2021)


@pytest.fixture(scope="module")
def changes():
    return si.datasets.prefecture_changes()


@pytest.fixture(scope="module")
def map_codes():
    return set(si.datasets.load_prefectures()["code"])


def test_columns_and_types(changes):
    assert list(changes.columns) == ["old_code", "old_name", "new_code", "new_name", "year", "code_list_year",
                                     "kind", "approved", "source", "note"]
    assert str(changes["old_code"].dtype) == "Int64" and changes["new_code"].notna().all()
    assert set(changes["kind"]) <= {"recoded", "merged", "dissolved/split", "created", "renamed"}
    assert changes["source"].str.len().gt(0).all()
    assert changes["old_code"].isna().eq(changes["kind"] == "created").all()


def test_every_successor_is_in_the_map_or_changes_again(changes, map_codes):
    """Follow each new code through later rows: the end of every chain is a unit of the shipped map."""
    later = {}
    for r in changes[changes["kind"] != "renamed"].dropna(subset=["old_code"]).itertuples():
        later.setdefault(int(r.old_code), []).append((r.code_list_year, int(r.new_code)))
    for r in changes.itertuples():
        frontier = [(r.code_list_year, int(r.new_code))]
        while frontier:
            year, code = frontier.pop()
            nxt = [(y, c) for y, c in later.get(code, []) if y > year]
            if nxt:
                frontier.extend(nxt)
            elif code not in map_codes:
                assert year > MAP_VINTAGE, f"{code} ({r.new_name}, {year}) is neither in the map nor changed later"


def test_old_codes_are_not_in_the_map(changes, map_codes):
    """The codes that need mapping are exactly the old ones: none of them is a unit of the 2020 map."""
    coded = changes[changes["kind"] != "renamed"]
    assert not set(coded["old_code"].dropna().astype(int)) & map_codes
    renamed = changes[changes["kind"] == "renamed"]
    assert (renamed["old_code"] == renamed["new_code"]).all()


def test_year_follows_the_code_list_and_the_december_rule(changes):
    dec = changes["approved"].str.match(r"\d{4}-12-") & (changes["approved"].str[:4].astype(str)
                                                         == changes["code_list_year"].astype(str))
    assert (changes["year"] == changes["code_list_year"] + dec.astype(int)).all()
    assert changes.loc[dec, "note"].str.contains("approved").all()


@pytest.mark.parametrize("old, new, year, kind, doc", [
    (371200, 370100, 2019, "merged", "国函〔2018〕163号"),   # Laiwu into Jinan, approved 2018-12-26
    (522400, 520500, 2011, "recoded", "国函〔2011〕130号"),  # Bijie
    (522200, 520600, 2011, "recoded", "国函〔2011〕131号"),  # Tongren
    (632100, 630200, 2013, "recoded", "国函〔2013〕23号"),   # Haidong
    (542300, 540200, 2014, "recoded", "国函〔2014〕79号"),   # Xigaze
    (542100, 540300, 2014, "recoded", "国函〔2014〕143号"),  # Qamdo
    (542600, 540400, 2015, "recoded", "国函〔2015〕51号"),   # Nyingchi
    (542200, 540500, 2016, "recoded", "国函〔2016〕8号"),    # Shannan
    (542400, 540600, 2017, "recoded", "国函〔2017〕109号"),  # Nagqu
    (652100, 650400, 2015, "recoded", "国函〔2015〕52号"),   # Turpan
    (652200, 650500, 2016, "recoded", "国函〔2016〕9号"),    # Hami
    (469003, 460400, 2015, "recoded", "国函〔2015〕41号"),   # Danzhou
    (152100, 150700, 2001, "recoded", "国函〔2001〕130号"),  # Hulunbuir
    (152700, 150600, 2001, "recoded", "国函〔2001〕17号"),   # Ordos (Ih Ju league)
    (152800, 150800, 2004, "recoded", "国函〔2003〕121号"),  # Bayannur, approved 2003-12-01
    (152600, 150900, 2004, "recoded", "国函〔2003〕122号"),  # Ulanqab, approved 2003-12-01
    (533500, 530900, 2004, "recoded", "国函〔2003〕136号"),  # Lincang, approved 2003-12-26
    (532700, 530800, 2003, "recoded", "国函〔2003〕113号"),  # Simao region -> Simao city
    (533200, 530700, 2003, "recoded", "国函〔2002〕122号"),  # Lijiang, approved 2002-12-26
    (469031, 460300, 2012, "merged", "国函〔2012〕51号"),    # Sansha from the Xisha office
])
def test_known_changes(changes, old, new, year, kind, doc):
    row = changes[(changes["old_code"] == old) & (changes["new_code"] == new)]
    assert len(row) == 1, (old, new)
    row = row.iloc[0]
    assert (row["year"], row["kind"]) == (year, kind)
    assert doc in row["source"]


def test_chaohu_is_split_between_three_successors(changes):
    rows = changes[changes["old_code"] == 341400]
    assert sorted(rows["new_code"]) == [340100, 340200, 340500]
    assert set(rows["kind"]) == {"dissolved/split"} and set(rows["year"]) == {2011}
    assert rows["source"].str.contains("国函〔2011〕84号").all()


def test_created_and_renamed_units(changes):
    zhongwei = changes[changes["new_code"] == 640500].iloc[0]
    assert zhongwei["kind"] == "created" and zhongwei["year"] == 2004 and pd.isna(zhongwei["old_code"])
    assert "640300" in zhongwei["note"] and "640400" in zhongwei["note"]  # carved from Wuzhong and Guyuan
    puer = changes[(changes["kind"] == "renamed") & (changes["new_code"] == 530800)].iloc[0]
    assert (puer["old_name"], puer["new_name"], puer["year"]) == ("思茅市", "普洱市", 2007)
