"""Checks of the command line's inputs that go beyond reading them: the map's CRS, region names matched to
map ids, the period column's type and the values of every column the analysis uses.

Each check raises :class:`~spatialinno.cli.options.InputError` with one message naming the offending column,
values and rows and the fix; all of them run before the first progress line or output file.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

import geopandas as gpd
import numpy as np
import pandas as pd

from ..errors import NameMatchError, preview
from ..io import match_ids_by_name
from .options import InputError

__all__ = ["plain", "check_map_crs", "check_periods", "check_numeric_columns", "ids_from_names", "NAME_COLUMNS",
           "iv_formula"]

#: map columns the names of ``--id-by name`` are matched against (those present; ``--name-column`` first)
NAME_COLUMNS = ("name_zh", "name")


def plain(value: object) -> object:
    """A numpy scalar as the Python scalar it holds (so messages show ``130000``, not ``np.int64(130000)``).

    Parameters
    ----------
    value : object

    Returns
    -------
    object
        ``value.item()`` for numpy scalars, tuples converted element-wise, anything else unchanged.
    """
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return tuple(plain(v) for v in value)
    return value


def _plain_list(values: Iterable) -> list:
    return [plain(v) for v in values]


def check_map_crs(gdf: gpd.GeoDataFrame, where: str) -> None:
    """The map has a CRS, and a geographic (degrees) CRS has coordinates within +-180 / +-90.

    Parameters
    ----------
    gdf : GeoDataFrame
        The map as read.
    where : str
        How to name the map in messages (e.g. its path).

    Returns
    -------
    None
    """
    if gdf.crs is None:
        raise InputError(f"the map {where} has no CRS (coordinate reference system); save it with one, e.g. "
                         f"gdf.set_crs(4326).to_file(...) for lon/lat degrees or the EPSG code of its projection")
    xmin, ymin, xmax, ymax = (float(v) for v in gdf.total_bounds)
    if gdf.crs.is_geographic and not (-180.5 <= xmin and xmax <= 180.5 and -90.5 <= ymin and ymax <= 90.5):
        bounds = [round(v, 1) for v in (xmin, ymin, xmax, ymax)]
        raise InputError(f"the map {where} has the geographic CRS {gdf.crs.to_string()} (degrees) but coordinates "
                         f"outside +-180/+-90 (bounds {bounds}): they look like metres of a projected CRS; save the "
                         f"map with its real CRS, e.g. gdf.set_crs(<EPSG code>, allow_override=True)")


def check_periods(data: pd.DataFrame, time: Hashable) -> None:
    """The time column holds one type: all numbers or all text (not a mix, e.g. from an Excel column).

    Parameters
    ----------
    data : DataFrame
    time : column name

    Returns
    -------
    None
    """
    col = data[time]
    if col.dtype != object:
        return
    is_num = col.map(lambda v: isinstance(v, (int, float, np.number)) and not isinstance(v, bool)).to_numpy(bool)
    if is_num.any() and not is_num.all():
        nums, texts = pd.unique(col[is_num]), pd.unique(col[~is_num])
        raise InputError(f"the time column {time!r} mixes numbers ({preview(_plain_list(nums), 4)}) and other values "
                         f"({preview(_plain_list(texts), 4)}); convert the column to one type, e.g. all integer "
                         f"years")


def check_numeric_columns(data: pd.DataFrame, columns: Iterable[Hashable], entity: Hashable, time: Hashable,
                          what: dict | None = None, allow_missing: bool = False) -> pd.DataFrame:
    """Every column the analysis uses is numeric (or text holding numbers only) and finite.

    Parameters
    ----------
    data : DataFrame
        The panel.
    columns : iterable of column names
        Columns to check (formula variables, economic-weights columns), each once, in order.
    entity, time : column names
        Keys used to name offending rows as ``(entity, time)`` pairs.
    what : dict, optional
        Column -> how it is used, for the message (default: "used by --formula").
    allow_missing : bool
        Let missing values (NaN) pass (``--missing drop`` removes their rows next); infinite values still fail.

    Returns
    -------
    DataFrame
        ``data`` itself when every column is numeric, else a copy with the text columns converted to numbers.
    """
    what = what or {}
    converted: dict = {}
    for col in dict.fromkeys(columns):
        s = data[col]
        use = what.get(col, "used by --formula")
        if pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
            num = pd.to_numeric(s.astype("string").str.strip(), errors="coerce")
            bad = num.isna().to_numpy() & s.notna().to_numpy()
            if bad.any() or pd.api.types.is_bool_dtype(s):
                vals = pd.unique(s[bad]) if bad.any() else pd.unique(s)
                pairs = list(data.loc[bad, [entity, time]].itertuples(index=False, name=None))
                where = f" at ({entity}, {time}) = {preview(_plain_list(pairs), 3)}" if pairs else ""
                raise InputError(f"column {col!r} ({use}) has non-numeric values {preview(_plain_list(vals), 4)}"
                                 f"{where}; fix them in the data (numbers without thousands separators or units)")
            s = converted[col] = num.astype(float)
        vals = s.to_numpy(dtype=float, na_value=np.nan)
        bad = ~np.isfinite(vals) & ~(allow_missing & np.isnan(vals))
        if bad.any():
            pairs = list(data.loc[bad, [entity, time]].itertuples(index=False, name=None))
            raise InputError(f"column {col!r} ({use}) has {int(bad.sum())} missing or infinite values at "
                             f"({entity}, {time}) = {preview(_plain_list(pairs), 4)}; impute them, drop those "
                             f"regions, or pass --missing drop to drop the rows with a missing value")
    if not converted:
        return data
    out = data.copy()
    for col, values in converted.items():
        out[col] = values
    return out


def _cli_hint(exc: Exception) -> str:
    """The library's name-matching message with the command line's fix instead of the Python keyword."""
    msg = " ".join(str(exc).split()).rstrip(".")
    msg = msg.replace("Fix the spelling, use the Chinese names, or pass overrides={name: id, ...}",
                      "Fix the spelling in the data or use the map's names (name_zh or name)")
    return msg.replace(", or pass overrides={name: id, ...}", "")


def ids_from_names(names: pd.Series, gdf: gpd.GeoDataFrame, id_col: str, name_cols: tuple,
                   drop_unmatched: bool) -> tuple[pd.Series, list]:
    """Map ids for the region names of the data (``--id-by name``), via :func:`spatialinno.io.match_ids_by_name`.

    Parameters
    ----------
    names : Series
        The data's entity column (region names, Chinese or English).
    gdf : GeoDataFrame
        The map, with ``id_col`` and at least one of ``name_cols``.
    id_col : column name
        The map's id column.
    name_cols : tuple of str
        Map columns holding names to match against.
    drop_unmatched : bool
        Names matching no region are returned as unmatched instead of raising (ambiguous names always raise).

    Returns
    -------
    ids : Series
        The id of each row of ``names`` (same index; missing for unmatched names).
    unmatched : list of str
        Distinct names matching no region (empty unless ``drop_unmatched``).
    """
    cols = tuple(c for c in name_cols if c in gdf.columns)
    if not cols:
        raise InputError(f"--id-by name needs a name column on the map ({' or '.join(name_cols)}); its columns are "
                         f"{preview([c for c in gdf.columns if c != 'geometry'])}. Pass --name-column NAME")
    if names.isna().any() or not all(isinstance(v, str) for v in names):
        bad = pd.unique(names[[not isinstance(v, str) for v in names]])
        raise InputError(f"--id-by name needs region names as text in the entity column; it has "
                         f"{preview(_plain_list(bad), 4)}. Fill the names, or use --id-by code for numeric codes")
    distinct = list(dict.fromkeys(names))
    try:
        table = match_ids_by_name(distinct, gdf, id_col=id_col, name_cols=cols)
        return names.map(table), []
    except NameMatchError as exc:
        if not drop_unmatched:
            raise InputError(f"--id-by name: {_cli_hint(exc)}, or pass --drop-unmatched to drop the regions that "
                             f"match nothing") from None
    found: dict = {}
    unmatched: list = []
    for name in distinct:  # which names fail: match one at a time (only on this error path)
        try:
            found[name] = match_ids_by_name([name], gdf, id_col=id_col, name_cols=cols).iloc[0]
        except NameMatchError as exc:
            if "several regions" in str(exc):
                raise InputError(f"--id-by name: {_cli_hint(exc)}") from None
            unmatched.append(name)
    return names.map(found), unmatched


def _regions(n: int) -> str:
    return f"{n} region" if n == 1 else f"{n} regions"


def dropped_lines(dropped: dict) -> list[str]:
    """Sentences listing the regions ``--drop-unmatched`` and the rows ``--missing drop`` dropped (none if none).

    Parameters
    ----------
    dropped : dict
        ``{"map_only": [ids], "data_only": [ids or names]}``, optionally ``"missing_rows"`` [(entity, time)]
        and ``"missing_regions"``.

    Returns
    -------
    list of str
    """
    lines = []
    if dropped.get("map_only"):
        ids = dropped["map_only"]
        lines.append(f"Dropped with --drop-unmatched: {_regions(len(ids))} on the map but not in the data: "
                     f"{preview(ids, 20)}.")
    if dropped.get("data_only"):
        ids = dropped["data_only"]
        lines.append(f"Dropped with --drop-unmatched: {_regions(len(ids))} in the data but not on the map (with "
                     f"their rows): {preview(ids, 20)}.")
    if dropped.get("missing_rows"):
        rows = dropped["missing_rows"]
        lines.append(f"Dropped with --missing drop: {len(rows)} row(s) with a missing value in a used column, "
                     f"(entity, time) = {preview(rows, 10)} (all in tables/dropped_rows.csv).")
        if dropped.get("missing_regions"):
            lines.append(f"{_regions(len(dropped['missing_regions']))} lost every row and left the map and W: "
                         f"{preview(dropped['missing_regions'], 20)}.")
    return lines


def iv_formula(formula: str, endog: str, instruments: list[str]) -> str:
    """``formula`` with the plain regressor ``endog`` written as an instrumented term ``[endog ~ z1 + z2]``.

    Parameters
    ----------
    formula : str
        The analysis formula, ``"y ~ x1 + x2 + ..."``.
    endog : str
        A plain term of its right-hand side.
    instruments : list of str
        Excluded instruments (data columns).

    Returns
    -------
    str
        The formula for :func:`spatialinno.gs2sls`.

    Raises
    ------
    InputError
        ``endog`` is not a plain ``+``-separated term of the formula.
    """
    lhs, rhs = formula.split("~", 1)
    terms = [t.strip() for t in rhs.split("+")]
    if endog not in terms:
        raise InputError(f"--endog {endog!r} must be a plain term of --formula (its terms are {preview(terms)}); "
                         f"write the formula with {endog} as its own term")
    kept = [t for t in terms if t != endog]
    return f"{lhs.strip()} ~ {' + '.join(kept + ['[' + endog + ' ~ ' + ' + '.join(instruments) + ']'])}"
