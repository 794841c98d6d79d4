"""read_table round trips of the demo panel through every supported format; name matching."""

import pandas as pd
import pytest

import spatialinno as si
from spatialinno.errors import NameMatchError, ReadError
from spatialinno.io import match_ids_by_name, normalise_name, read_table


@pytest.fixture(scope="module")
def panel():
    """The demo panel with a Chinese column name and Chinese values (province names)."""
    demo = si.datasets.load_demo_panel()
    names = si.datasets.load_provinces()[["code", "name_zh"]].rename(columns={"name_zh": "省份"})
    return demo.merge(names, on="code", how="left")


WRITERS = {
    "gbk.csv": lambda df, p: df.to_csv(p, index=False, encoding="gbk"),
    "gb18030.csv": lambda df, p: df.to_csv(p, index=False, encoding="gb18030"),
    "utf8.csv": lambda df, p: df.to_csv(p, index=False, encoding="utf-8"),
    "bom.csv": lambda df, p: df.to_csv(p, index=False, encoding="utf-8-sig"),
    "tab.tsv": lambda df, p: df.to_csv(p, index=False, sep="\t", encoding="gbk"),
    "book.xlsx": lambda df, p: df.to_excel(p, index=False),
    "stata.dta": lambda df, p: df.to_stata(p, write_index=False, version=118),
    "table.parquet": lambda df, p: df.to_parquet(p, index=False),
}


@pytest.mark.parametrize("name", list(WRITERS))
def test_round_trip_is_identical(panel, tmp_path, name):
    path = tmp_path / name
    WRITERS[name](panel, path)
    pd.testing.assert_frame_equal(read_table(path), panel)


def test_gbk_file_is_not_utf8_and_encoding_override(panel, tmp_path):
    path = tmp_path / "gbk.csv"
    panel.to_csv(path, index=False, encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    assert read_table(path)["省份"].iloc[0] == "北京市"
    pd.testing.assert_frame_equal(read_table(path, encoding="gbk"), panel)
    with pytest.raises(ReadError, match=r"could not be decoded as utf-8.*encoding="):
        read_table(path, encoding="utf-8")


def test_excel_sheet_by_name_and_position(panel, tmp_path):
    path = tmp_path / "two.xlsx"
    with pd.ExcelWriter(path) as xw:
        panel.head(3).to_excel(xw, sheet_name="notes", index=False)
        panel.to_excel(xw, sheet_name="data", index=False)
    pd.testing.assert_frame_equal(read_table(path, sheet="data"), panel)
    pd.testing.assert_frame_equal(read_table(path, sheet=1), panel)
    pd.testing.assert_frame_equal(read_table(path), panel.head(3))
    with pytest.raises(ReadError, match="nosuch"):
        read_table(path, sheet="nosuch")


def test_read_errors(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"a,b\n\x80\xff,1\n")
    with pytest.raises(ReadError, match=r"bad\.csv could not be decoded as utf-8-sig or gb18030"):
        read_table(bad)
    with pytest.raises(ReadError, match=r"unknown extension '\.xls'.*\.xlsx"):
        read_table(tmp_path / "old.xls")
    corrupt = tmp_path / "corrupt.xlsx"
    corrupt.write_bytes(b"not a zip file")
    with pytest.raises(ReadError, match="corrupt.xlsx"):
        read_table(corrupt)
    with pytest.raises(ReadError, match="Excel files only"):
        read_table(bad, sheet=0)
    with pytest.raises(FileNotFoundError):
        read_table(tmp_path / "missing.parquet")


@pytest.mark.parametrize("raw, norm", [
    ("广西壮族自治区", "广西"), ("广西", "广西"), ("北京市", "北京"), ("延边朝鲜族自治州", "延边"),
    ("恩施土家族苗族自治州", "恩施"), ("锡林郭勒盟", "锡林郭勒"), ("大兴安岭地区", "大兴安岭"),
    ("Guangxi Zhuang Autonomous Region", "guangxi"), ("Guangdong Province", "guangdong"), ("Xizang", "tibet"),
    ("Nei Mongol", "innermongolia"), ("Xi'an City", "xian"), ("Lüliang", "luliang"),
])
def test_normalise_name(raw, norm):
    assert normalise_name(raw) == norm


def test_match_provinces_in_chinese_and_english():
    provinces = si.datasets.load_provinces()
    names = ["广东省", "Guangdong", "北京", "西藏自治区", "Xinjiang Uygur Autonomous Region", "Inner Mongolia",
             "宁夏", "广东省"]
    got = match_ids_by_name(names, provinces)
    assert got.to_dict() == {"广东省": 440000, "Guangdong": 440000, "北京": 110000, "西藏自治区": 540000,
                             "Xinjiang Uygur Autonomous Region": 650000, "Inner Mongolia": 150000, "宁夏": 640000}
    # every province found from its own Chinese and English names
    full = match_ids_by_name(list(provinces["name_zh"]) + list(provinces["name"]), provinces)
    assert full.tolist() == list(provinces["code"]) * 2


def test_match_errors_and_overrides():
    prefectures = si.datasets.load_prefectures()
    with pytest.raises(NameMatchError, match=r"1 names match no region.*'Atlantis'.*several regions.*'Suzhou' -> "
                                             r"320500 or 341300.*overrides="):
        match_ids_by_name(["苏州市", "Suzhou", "Atlantis"], prefectures)
    got = match_ids_by_name(["苏州市", "宿州", "Suzhou"], prefectures, overrides={"Suzhou": 341300})
    assert got.to_dict() == {"苏州市": 320500, "宿州": 341300, "Suzhou": 341300}
    with pytest.raises(NameMatchError, match="must be text"):
        match_ids_by_name(["广州", None], prefectures)
