"""Prefecture code changes since 2000 and harmonisation of panel codes to one year's division.

Chinese prefecture-level units change: regions (地区) and leagues (盟) became cities with new codes, Chaohu was
dissolved in 2011, Laiwu merged into Jinan in 2018/2019, Sansha and Danzhou became prefecture-level, and so on.
A panel compiled from yearbooks therefore carries the codes in force in each year, while the shipped map
(:func:`spatialinno.datasets.load_prefectures`) carries the codes of about 2020. :func:`prefecture_changes`
lists the changes; :func:`harmonise_codes` rewrites a panel's codes to those of one year.

Source: the Ministry of Civil Affairs' year-end lists of administrative division codes (GB/T 2260) and the
approval documents behind each change, as compiled in ``yescallop/areacodes`` (CC0 1.0); the shipped table is
built by ``scripts/build_prefecture_changes.py``. Only changes of code (and renamings) are listed: transfers of
counties between units that keep their codes (e.g. Zongyang from Anqing to Tongling, 2016) are not.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError, IdError, MergedCodeError, SplitCodeError, preview

__all__ = ["prefecture_changes", "harmonise_codes"]

_CSV = Path(__file__).resolve().parent / "data" / "prefecture_changes.csv"
_COLUMNS = ["old_code", "old_name", "new_code", "new_name", "year", "code_list_year", "kind", "approved", "source",
            "note"]
_AGGREGATES = ("sum", "mean", "min", "max")

AggregateRule = str | tuple[str, str] | Callable[[pd.Series], float]


def prefecture_changes() -> pd.DataFrame:
    """Prefecture-level code changes since 2000 that matter for matching panels to the shipped map.

    The units are those of :func:`spatialinno.datasets.load_prefectures`: prefecture-level units, each
    municipality as one unit (110100, 120100, 310100, 500100), and county-level units administered directly by
    a province (Hainan's cities and counties, Hubei's Xiantao etc., Xinjiang's XPCC cities).

    Returns
    -------
    pandas.DataFrame
        One row per (old unit, successor) pair, sorted by ``code_list_year``:

        - ``old_code`` (nullable Int64; missing for units ``created`` from parts of others), ``old_name``;
        - ``new_code`` (Int64), ``new_name``;
        - ``year``: first year whose statistics use ``new_code``. It is the year of the first MCA year-end
          code list carrying the new code (``code_list_year``), plus one for approvals dated in December,
          whose year's statistics are normally still compiled for the old units (stated in ``note``);
        - ``kind``: ``"recoded"`` (same territory, new code: typically a region or league becoming a city),
          ``"merged"`` (absorbed into an existing unit, or several units forming a new one),
          ``"dissolved/split"`` (territory divided between several units: one row per successor),
          ``"created"`` (new unit carved out of others, named in ``note``), ``"renamed"`` (same code);
        - ``approved``: date of the approval (State Council 国函 or MCA document) when recorded;
        - ``source``: the approval's title and document number, and the code lists;
        - ``note``: donors, successors, the December rule, and "verify" where the source is incomplete.

    Examples
    --------
    >>> ch = prefecture_changes()
    >>> ch.loc[ch["old_code"] == 371200, ["new_code", "year", "kind"]].to_dict("records")
    [{'new_code': 370100, 'year': 2019, 'kind': 'merged'}]
    """
    text = _CSV.read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    df = pd.read_csv(io.StringIO(body), dtype={"old_code": "Int64", "new_code": "Int64", "approved": str},
                     keep_default_na=False, na_values={"old_code": [""], "new_code": [""]})
    return df[_COLUMNS].astype({"year": "int64", "code_list_year": "int64"})


def _events(changes: pd.DataFrame) -> list[tuple[int, tuple[int, ...], tuple[int, ...], str]]:
    """(year, old codes, new codes, kind) of each code change, in chronological order."""
    coded = changes[changes["kind"] != "renamed"]
    events: list[tuple[int, tuple[int, ...], tuple[int, ...], str]] = []
    for (year, old), grp in coded[coded["old_code"].notna()].groupby(["year", "old_code"], sort=True):
        events.append((int(year), (int(old),), tuple(int(c) for c in grp["new_code"]), str(grp["kind"].iloc[0])))
    for _, r in coded[coded["old_code"].isna()].iterrows():
        events.append((int(r["year"]), (), (int(r["new_code"]),), "created"))
    return sorted(events, key=lambda e: (e[0], e[1]))


def _split_target(code: int, split: Mapping[int, int | None], why: str) -> int | None:
    """The code a split rule assigns to ``code``, or a SplitCodeError explaining ``why`` one is needed."""
    if code in split:
        return split[code]
    raise SplitCodeError(f"{why}; pass split={{{code}: <code in force in the target year>}} to assign all its rows "
                         f"to one unit, or split={{{code}: None}} to drop them")


def _translate(code: int, year: int, to_year: int, events: list, split: Mapping[int, int | None]) -> int | None:
    """The code in force in ``to_year`` for the unit coded ``code`` in ``year`` (None: dropped by a split rule)."""
    cur: int | None = code
    if year < to_year:
        for ev_year, olds, news, kind in events:
            if cur is None or ev_year > to_year or cur not in olds:
                continue
            if ev_year <= year and any(ev_year < y <= year and cur in ns for y, _, ns, _ in events):
                continue  # the code was given to another unit by the row's year: it is that unit's code
            if len(news) > 1:
                cur = _split_target(cur, split, f"unit {cur} was {kind} in {ev_year} (into {', '.join(map(str, news))})"
                                                f" and has rows for year {year} (to_year {to_year})")
            else:
                cur = news[0]
    elif year > to_year:
        for ev_year, _, news, kind in reversed(events):
            if cur is None or not to_year < ev_year <= year or cur not in news:
                continue
            sources = [o for y, os_, ns, _ in events if y == ev_year and cur in ns for o in os_]
            if kind == "recoded" and len(sources) == 1:
                cur = sources[0]
            else:
                src = ", ".join(map(str, sources))
                what = (f"did not exist before {ev_year}" if not sources
                        else f"holds part of {src}" if kind == "dissolved/split" else f"includes {src}")
                cur = _split_target(cur, split, f"unit {cur} in year {year} {what} ({kind} in {ev_year}), so it has "
                                                f"no single code in to_year {to_year}")
    return cur


def _aggregate(group: pd.DataFrame, rules: Mapping[str, AggregateRule]) -> dict[str, object]:
    """One row from the rows of a merged unit, column by column (NaN if any contributing value is NaN)."""
    out: dict[str, object] = {}
    for col, rule in rules.items():
        values = group[col]
        if callable(rule):
            out[col] = rule(values)
        elif isinstance(rule, tuple):
            weights = group[rule[1]].astype(float)
            out[col] = float((values * weights).sum(skipna=False) / weights.sum(skipna=False))
        else:
            out[col] = getattr(values, rule)(skipna=False)
    return out


def _check_rules(aggregate: Mapping[str, AggregateRule], others: list[str], columns: pd.Index) -> None:
    """Every non-key column has a valid rule and every rule names a column."""
    missing = [c for c in others if c not in aggregate]
    unknown = [c for c in aggregate if c not in others]
    if missing or unknown:
        raise DataError(f"aggregate must give one rule per data column: missing for {preview(missing)}; "
                        f"not data columns: {preview(unknown)}")
    for col, rule in aggregate.items():
        ok = callable(rule) or rule in _AGGREGATES or (
            isinstance(rule, tuple) and len(rule) == 2 and rule[0] == "mean" and rule[1] in columns)
        if not ok:
            raise DataError(f"aggregate rule {rule!r} for column {col!r} is not understood; use one of "
                            f"{', '.join(_AGGREGATES)}, ('mean', '<weight column>') or a function of a Series")


def harmonise_codes(df: pd.DataFrame, code_col: str, year_col: str, to_year: int, *,
                    split: Mapping[int, int | None] | None = None,
                    aggregate: Mapping[str, AggregateRule] | None = None,
                    changes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Rewrite a panel's region codes to those in force in ``to_year``.

    A row for year t with code c follows the changes of :func:`prefecture_changes` dated up to ``to_year``
    (forward, chained: 460004 -> 469004 -> 460100). A code still used after its change (yearbooks often keep
    the old code for the year of the change) is mapped too, unless by year t the code had been given to
    another unit. When t > to_year, rows go back through the changes dated in (to_year, t]; only pure recodes
    can be undone. Codes the table does not mention are kept.

    Parameters
    ----------
    df : pandas.DataFrame
        Long panel; not modified.
    code_col, year_col : str
        Columns with the region code (integers such as 341400, or digit strings) and the year.
    to_year : int
        Year whose codes the result uses (e.g. 2020 for the shipped map).
    split : dict, optional
        Rule for units with no single code in ``to_year``: a unit dissolved between several successors (Chaohu
        341400 in 2011; the Nanning and Liuzhou regions in 2002) when going forward, or, going back, a unit that
        absorbed others or was created (Jinan 370100 after 2018, Hefei after 2011). ``{341400: 340100}`` assigns
        all its rows to one unit (Hefei received Chaohu's seat Juchao and Lujiang), ``{341400: None}`` drops
        them. Without a rule such rows raise :class:`~spatialinno.errors.SplitCodeError` naming the code and
        years.
    aggregate : dict, optional
        How to combine rows that end up with the same (code, year), e.g. Laiwu 371200 and Jinan 370100 before
        2019: one rule per data column (every column but ``code_col`` and ``year_col``): ``"sum"`` (levels such
        as GDP, population), ``"mean"``, ``"min"``, ``"max"``, ``("mean", "<weight column>")`` (weighted mean,
        e.g. GDP per capita weighted by population), or a function of a Series. A NaN in a group gives NaN
        (functions excepted). Without it, duplicated (code, year) pairs raise
        :class:`~spatialinno.errors.MergedCodeError` listing them.
    changes : pandas.DataFrame, optional
        A table with the columns of :func:`prefecture_changes` to use instead of the shipped one.

    Returns
    -------
    pandas.DataFrame
        A new frame (RangeIndex) with the same columns, ``code_col`` as int64 codes of ``to_year``; rows keep
        their order, aggregated rows take the place of their first row; rows dropped by a split rule are gone.

    Examples
    --------
    >>> panel = pd.DataFrame({"code": [522400, 520500], "year": [2010, 2012], "gdp": [1.0, 2.0]})
    >>> harmonise_codes(panel, "code", "year", 2020)["code"].tolist()
    [520500, 520500]
    """
    for col in (code_col, year_col):
        if col not in df.columns:
            raise DataError(f"column {col!r} not in the data (columns: {preview(list(df.columns))})")
    codes = pd.to_numeric(df[code_col], errors="coerce")
    years = pd.to_numeric(df[year_col], errors="coerce")
    bad = codes.isna() | (codes % 1 != 0) | years.isna() | (years % 1 != 0)
    if bad.any():
        pairs = list(zip(df.loc[bad, code_col], df.loc[bad, year_col]))
        raise IdError(f"{code_col!r}/{year_col!r} must be integer codes and years; unusable (code, year): "
                      f"{preview(pairs)}")
    split = dict(split or {})
    events = _events(prefecture_changes() if changes is None else changes)
    pairs = pd.DataFrame({"c": codes.astype("int64"), "y": years.astype("int64")}).drop_duplicates()
    lookup: dict[tuple[int, int], int | None] = {
        (c, y): _translate(c, y, int(to_year), events, split) for c, y in zip(pairs["c"], pairs["y"])}
    new_codes = [lookup[(c, y)] for c, y in zip(codes.astype("int64"), years.astype("int64"))]
    out = df.copy()
    out[code_col] = pd.array(new_codes, dtype="Int64")
    out = out[out[code_col].notna()].reset_index(drop=True)
    out[code_col] = out[code_col].astype("int64")
    original = codes.astype("int64")[[c is not None for c in new_codes]].to_numpy()
    dup = out.duplicated([code_col, year_col], keep=False).to_numpy()
    if not dup.any():
        return out
    if aggregate is None:
        groups = out[dup].assign(_orig=original[dup]).groupby([code_col, year_col], sort=True)["_orig"]
        listed = [f"({c}, {y}) from {'+'.join(map(str, sorted(set(o))))}" for (c, y), o in groups]
        raise MergedCodeError(f"{len(listed)} (code, year) pairs have several rows after harmonising to {to_year}: "
                              f"{preview(listed, 6)}. Merged units must be combined explicitly: pass aggregate="
                              f"{{column: 'sum' | 'mean' | ('mean', weight column) | function, ...}} for every "
                              f"data column, or drop the absorbed unit's rows first")
    others = [c for c in out.columns if c not in (code_col, year_col)]
    _check_rules(aggregate, others, out.columns)
    order = pd.Series(np.arange(len(out)), index=out.index)
    merged = [{code_col: c, year_col: y, "_order": order[g.index].min(), **_aggregate(g, aggregate)}
              for (c, y), g in out[dup].groupby([code_col, year_col], sort=False)]
    result = pd.concat([out[~dup].assign(_order=order[~dup]), pd.DataFrame(merged)], ignore_index=True)
    return result.sort_values("_order", kind="stable")[list(out.columns)].reset_index(drop=True)
