"""Reading users' data files and matching their region names to the codes of a map.

- :func:`read_table`: CSV (UTF-8, UTF-8 with BOM, GB18030/GBK: detected), TSV, Excel ``.xlsx``, Stata ``.dta``
  and Parquet into a DataFrame with pandas' default dtypes, so that the same table gives the same frame from
  every format.
- :func:`match_ids_by_name`: Chinese or English region names (``"广东省"``, ``"广东"``, ``"Guangdong Province"``)
  to the codes of :func:`spatialinno.datasets.load_provinces` / :func:`~spatialinno.datasets.load_prefectures`.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Hashable, Iterable, Mapping
from pathlib import Path

import pandas as pd

from .errors import NameMatchError, ReadError, preview

__all__ = ["read_table", "match_ids_by_name", "normalise_name", "CSV_ENCODINGS", "EXTENSIONS"]

CSV_ENCODINGS = ("utf-8-sig", "gb18030")
"""Encodings tried, in order, for a CSV file read without ``encoding=`` (utf-8-sig also reads plain UTF-8;
GB18030 is a superset of GBK and GB2312)."""

EXTENSIONS = (".csv", ".tsv", ".xlsx", ".xlsm", ".dta", ".parquet")
"""File name extensions :func:`read_table` reads."""

_CN_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市", "地区", "盟", "林区")
_CN_ETHNIC = ("朝鲜|土家|苗|藏|羌|彝|布依|侗|哈尼|壮|傣|景颇|白|傈僳|回|蒙古|哈萨克|柯尔克孜|黎|维吾尔|纳西|"
              "拉祜|佤|瑶|仡佬|水|畲|满|锡伯|达斡尔|鄂温克|鄂伦春|土|撒拉|东乡|保安|裕固|怒|独龙|普米|阿昌")
_CN_AUTONOMOUS = re.compile(rf"(?:(?:{_CN_ETHNIC})族?)+自治[州县旗]$")
_EN_SUFFIXES = re.compile(r"\s+(?:(?:zhuang|hui|uygur|uyghur|uighur)\s+)?(?:autonomous\s+(?:region|prefecture)|"
                          r"special\s+administrative\s+region|sar|province|municipality|prefecture|league|region|"
                          r"city|shi|sheng|diqu|meng|zizhiqu)$")
_EN_ALIASES = {"xizang": "tibet", "neimenggu": "innermongolia", "neimongol": "innermongolia"}


def _decode(raw: bytes, path: Path, encoding: str | None) -> str:
    """Text of a CSV file: ``encoding`` if given, else the first of :data:`CSV_ENCODINGS` that decodes it."""
    tried = (encoding,) if encoding else CSV_ENCODINGS
    for enc in tried:
        try:
            return raw.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
    raise ReadError(f"{path} could not be decoded as {' or '.join(tried)}; pass encoding='...' with the file's "
                    f"encoding (e.g. 'big5', 'utf-16'), or re-save it as UTF-8")


def read_table(path: str | Path, *, encoding: str | None = None, sheet: str | int | None = None) -> pd.DataFrame:
    """Read a data table from CSV/TSV, Excel (.xlsx), Stata (.dta) or Parquet.

    Parameters
    ----------
    path : str or Path
        The file; its extension (case-insensitive) chooses the reader: ``.csv`` / ``.tsv`` (text, decoded with
        ``encoding`` or, by default, UTF-8 with or without BOM and then GB18030, which covers GBK/GB2312 files
        saved by Chinese Excel), ``.xlsx`` / ``.xlsm`` (openpyxl), ``.dta`` (Stata, any version pandas reads;
        integer columns are returned as int64 and labelled values as their codes) and ``.parquet`` (pyarrow).
    encoding : str, optional
        Text encoding of a CSV/TSV file, overriding detection.
    sheet : str or int, optional
        Excel sheet name or 0-based position (default: the first sheet). Only for Excel files.

    Returns
    -------
    pandas.DataFrame
        With a fresh RangeIndex; text columns as pandas' default string dtype.

    Raises
    ------
    ReadError
        Unknown extension, an undecodable CSV, ``sheet`` for a non-Excel file or a file its reader rejects.
    FileNotFoundError
        The file does not exist.
    """
    path = Path(path)
    ext = path.suffix.lower()
    if ext not in EXTENSIONS:
        raise ReadError(f"cannot read {path}: unknown extension {ext or '(none)'!r}; use one of {', '.join(EXTENSIONS)}"
                        f" (save Excel 97-2003 .xls files as .xlsx)")
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    if sheet is not None and ext not in (".xlsx", ".xlsm"):
        raise ReadError(f"sheet={sheet!r} applies to Excel files only, not {path.name}")
    try:
        if ext in (".csv", ".tsv"):
            text = _decode(path.read_bytes(), path, encoding)
            df = pd.read_csv(io.StringIO(text), sep="\t" if ext == ".tsv" else ",")
        elif ext in (".xlsx", ".xlsm"):
            df = pd.read_excel(path, sheet_name=0 if sheet is None else sheet, engine="openpyxl")
        elif ext == ".dta":
            df = pd.read_stata(path, convert_categoricals=False)
            ints = [c for c in df.columns if pd.api.types.is_integer_dtype(df[c])]
            df = df.astype({c: "int64" for c in ints})
        else:
            df = pd.read_parquet(path, engine="pyarrow")
    except ReadError:
        raise
    except (ValueError, KeyError, OSError, zipfile.BadZipFile, pd.errors.ParserError) as exc:
        raise ReadError(f"cannot read {path} as {ext} ({type(exc).__name__}: {exc}); check that the file is a "
                        f"valid {ext} file (and the sheet name, for Excel)") from exc
    return df.reset_index(drop=True)


def normalise_name(name: str) -> str:
    """Comparable form of a region name: suffixes such as 省/市/自治区/Province/City removed, case folded.

    Chinese: the administrative suffix (省, 市, 自治区 with its ethnic group, 特别行政区, 地区, 盟, 林区, and
    "<ethnic group>自治州/县/旗") is removed, so ``"广西壮族自治区"`` -> ``"广西"``, ``"延边朝鲜族自治州"`` ->
    ``"延边"``. English/pinyin: case folded, trailing "Province", "City", "(Zhuang/Hui/Uygur) Autonomous Region",
    "Municipality", "Prefecture", "League", "Shi", "Sheng" removed, spaces, apostrophes, hyphens and dots dropped,
    ü -> u; "Xizang" reads as "Tibet" and "Nei Mongol" / "Neimenggu" as "Inner Mongolia".

    Parameters
    ----------
    name : str
        A region name in Chinese, English or pinyin.

    Returns
    -------
    str
        The normalised name used for matching.
    """
    text = re.sub(r"\s+", " ", str(name)).strip()
    if re.search(r"[\u4e00-\u9fff]", text):
        text = text.replace(" ", "")
        stripped = _CN_AUTONOMOUS.sub("", text)
        if stripped != text and stripped:
            return stripped
        for suffix in _CN_SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix) + 1:
                return text[: -len(suffix)]
        return text
    text = text.casefold().replace("ü", "u")
    text = _EN_SUFFIXES.sub("", text)
    text = re.sub(r"[\s'’`.\-]", "", text)
    return _EN_ALIASES.get(text, text)


def match_ids_by_name(data_names: Iterable[str], map_gdf: pd.DataFrame, *, id_col: str = "code",
                      name_cols: Iterable[str] = ("name_zh", "name"),
                      overrides: Mapping[str, Hashable] | None = None) -> pd.Series:
    """Codes of a map's regions for region names as written in a data file.

    Each name is matched exactly after :func:`normalise_name` against every name column of the map
    (Chinese and English by default), so ``"广东省"``, ``"广东"``, ``"Guangdong"`` and ``"Guangdong Province"``
    all give 440000.

    Parameters
    ----------
    data_names : iterable of str
        Names as they appear in the data (e.g. ``df["province"]``); repeated names are matched once.
    map_gdf : DataFrame or GeoDataFrame
        The map, e.g. :func:`spatialinno.datasets.load_provinces`, with ``id_col`` and ``name_cols``.
    id_col : str
        Column of the map holding the ids returned.
    name_cols : iterable of str
        Name columns of the map to match against (those present are used).
    overrides : dict, optional
        ``{data name: id}`` for names that cannot be matched or are ambiguous (``{"Suzhou": 320500}``: the
        English names of the prefecture map are not unique, the Chinese ones are).

    Returns
    -------
    pandas.Series
        Ids indexed by the distinct data names (in order of first appearance), named ``id_col``; map with
        ``df[col].map(result)``.

    Raises
    ------
    NameMatchError
        Listing every name with no match (and every ambiguous one with its candidate ids) and the fix.
    """
    overrides = dict(overrides or {})
    cols = [c for c in name_cols if c in map_gdf.columns]
    if id_col not in map_gdf.columns or not cols:
        raise NameMatchError(f"the map needs an id column {id_col!r} and at least one of the name columns "
                             f"{preview(list(name_cols))}; it has {preview(list(map_gdf.columns))}")
    index: dict[str, set] = {}
    for col in cols:
        for ident, name in zip(map_gdf[id_col], map_gdf[col]):
            if isinstance(name, str) and name.strip():
                index.setdefault(normalise_name(name), set()).add(ident)
    names = list(dict.fromkeys(data_names))
    bad_type = [n for n in names if not isinstance(n, str)]
    if bad_type:
        raise NameMatchError(f"region names must be text; got {preview(bad_type)}. Fill or drop missing names")
    out: dict[str, Hashable] = {}
    unmatched, ambiguous = [], []
    for name in names:
        if name in overrides:
            out[name] = overrides[name]
            continue
        found = index.get(normalise_name(name), set())
        if len(found) == 1:
            out[name] = next(iter(found))
        elif found:
            ambiguous.append(f"{name!r} -> {' or '.join(map(str, sorted(found, key=str)))}")
        else:
            unmatched.append(name)
    if unmatched or ambiguous:
        parts = []
        if unmatched:
            parts.append(f"{len(unmatched)} names match no region of the map: {preview(unmatched)}")
        if ambiguous:
            parts.append(f"{len(ambiguous)} names match several regions: {preview(ambiguous)}")
        raise NameMatchError("; ".join(parts) + ". Fix the spelling, use the Chinese names, or pass "
                             "overrides={name: id, ...}")
    return pd.Series(out, name=id_col, dtype=map_gdf[id_col].dtype if len(out) else None)
