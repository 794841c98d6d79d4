"""Step 1 of the report: read the map and the panel (or the bundled demo data) and check them.

Every problem raises :class:`~spatialinno.cli.options.InputError` with a message naming the offending
file, column or ids and the fix; nothing is written before these checks pass.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
from formulaic import Formula, model_matrix

from .. import datasets
from ..errors import GeometryError, ReadError, mismatch, preview
from ..io import read_table
from ..models.data import panel_positions
from ..models.missing import handle_missing
from ..weights import Weights
from ..weights.geometry import check_geometries, to_geographic
from .checks import (
    NAME_COLUMNS,
    check_map_crs,
    check_numeric_columns,
    check_periods,
    ids_from_names,
    iv_formula,
    plain,
)
from .options import InputError

__all__ = ["Inputs", "load_inputs", "economic_values"]


@dataclass(frozen=True)
class Inputs:
    """The checked inputs of one run.

    Parameters
    ----------
    opts : dict
        Resolved options (:func:`spatialinno.cli.options.resolve_options`).
    demo : bool
        ``spatialinno demo`` (bundled simulated data) rather than ``analyze``.
    gdf : GeoDataFrame
        Regions, ids harmonised with the data.
    data : DataFrame
        Long balanced panel (a copy; the outcome column added when the formula transforms it).
    X : DataFrame
        Design columns of the formula's right-hand side, on ``data``'s index.
    outcome, regressors, main_var :
        Outcome name, regressor names, the regressor whose spillovers are traced.
    ids : Index
        Region ids in map order.
    periods : ndarray
        Sorted periods.
    names : dict or None
        Region id -> name, for labels.
    shock, shock_why :
        The region whose unit shock is mapped and why it was chosen.
    files : dict
        Provenance of the inputs (paths, sha256, sizes).
    truth : dict or None
        True parameters of the simulated demo panel.
    dropped : dict
        Regions dropped by ``--drop-unmatched``: ``{"map_only": [ids], "data_only": [ids or names]}``; with
        ``--missing drop`` also ``"missing_rows"`` ([(entity, time), ...] of the rows dropped for a missing
        value) and ``"missing_regions"`` (regions left without any row, removed from the map).
    """

    opts: dict
    demo: bool
    gdf: gpd.GeoDataFrame
    data: pd.DataFrame
    X: pd.DataFrame
    outcome: str
    regressors: list[str]
    main_var: str
    ids: pd.Index
    periods: np.ndarray
    names: dict | None
    shock: Hashable
    shock_why: str
    files: dict
    truth: dict | None
    dropped: dict = field(default_factory=lambda: {"map_only": [], "data_only": []})

    def label(self, i: Hashable) -> str:
        """``"Name (id)"`` of region ``i`` (the id alone when there is no name).

        Parameters
        ----------
        i : hashable
            Region id.

        Returns
        -------
        str
        """
        nm = self.names.get(i) if self.names is not None else None
        return f"{nm} ({i})" if nm is not None and str(nm) != str(i) else str(i)

    @property
    def last_period(self) -> object:
        """The last period of the panel."""
        return self.periods[-1]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _harmonise_ids(map_ids: pd.Series, data_ids: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Bring map and data ids to one type: integral floats -> int; numeric strings -> numbers when the other
    side is numeric; otherwise both as stripped strings."""
    def integral(s: pd.Series) -> pd.Series:
        if pd.api.types.is_float_dtype(s) and s.notna().all() and np.all(np.mod(s.to_numpy(), 1) == 0):
            return s.astype("int64")
        return s

    a, b = integral(map_ids), integral(data_ids)
    na, nb = pd.api.types.is_numeric_dtype(a), pd.api.types.is_numeric_dtype(b)
    if na == nb:
        if not na:
            a, b = a.astype(str).str.strip(), b.astype(str).str.strip()
        return a, b
    try:
        if na:
            return a, integral(pd.to_numeric(b.astype(str).str.strip()))
        return integral(pd.to_numeric(a.astype(str).str.strip())), b
    except (ValueError, TypeError):
        return a.astype(str).str.strip(), b.astype(str).str.strip()


def _one_line(exc: BaseException, limit: int) -> str:
    return " ".join(str(exc).split())[:limit]


def _read_files(opts: dict) -> tuple[gpd.GeoDataFrame, pd.DataFrame, dict]:
    mp, dp = Path(opts["map"]), Path(opts["data"])
    for path, flag, kinds in ((mp, "--map", "shapefile (.shp), GeoPackage (.gpkg) or GeoJSON file"),
                              (dp, "--data", "data file (.csv, .xlsx, .dta or .parquet)")):
        if not path.exists():
            raise InputError(f"{flag} file not found: {path}; pass {flag} with the path of an existing {kinds}")
        if path.is_dir():
            raise InputError(f"{flag} {path} is a directory; pass {flag} with the path of a {kinds}")
        if not os.access(path, os.R_OK):
            raise InputError(f"{flag} file {path} is not readable (permission denied); fix its permissions")
    try:
        gdf = gpd.read_file(mp)
    except Exception as exc:  # pyogrio raises DataSourceError etc.
        raise InputError(f"cannot read the map {mp}: {_one_line(exc, 200)}; use a shapefile, GeoPackage or "
                         f"GeoJSON") from None
    if len(gdf) == 0 or "geometry" not in gdf:
        raise InputError(f"the map {mp} has no regions (no features with geometry)")
    try:
        data = read_table(dp, encoding=opts.get("encoding"), sheet=opts.get("sheet"))
    except ReadError as exc:
        msg = _one_line(exc, 300).replace("pass encoding='...'", "pass --encoding ENC")
        raise InputError(f"--data: {msg}") from None
    except (OSError, UnicodeError) as exc:
        raise InputError(f"cannot read the data {dp}: {_one_line(exc, 200)}") from None
    files = {"map": {"path": str(mp.resolve()), "sha256": _sha256(mp), "bytes": mp.stat().st_size},
             "data": {"path": str(dp.resolve()), "sha256": _sha256(dp), "bytes": dp.stat().st_size}}
    return gdf, data, files


def load_inputs(opts: dict) -> Inputs:
    """Read the inputs (bundled data for the demo) and check them against the options.

    Parameters
    ----------
    opts : dict
        Resolved options.

    Returns
    -------
    Inputs
    """
    truth = None
    if opts["command"] == "demo":
        gdf = datasets.load_provinces()
        data, truth = datasets.load_demo_panel(return_truth=True)
        files = {"map": {"source": "spatialinno.datasets.load_provinces()"},
                 "data": {"source": "spatialinno.datasets.load_demo_panel()"}}
    else:
        gdf, data, files = _read_files(opts)
    return _validate(opts, gdf, data, files, truth)


def _check_ids(opts: dict, gdf: gpd.GeoDataFrame, data: pd.DataFrame,
               where: str) -> tuple[gpd.GeoDataFrame, pd.DataFrame, pd.Index, np.ndarray, dict]:
    ent, tim, idc = opts["entity"], opts["time"], opts["id_column"]
    for col, flag in ((ent, "--entity"), (tim, "--time")):
        if col not in data.columns:
            raise InputError(f"{flag} column {col!r} not in {where}; its columns are "
                             f"{preview(list(data.columns))}. Pass {flag} NAME")
    if len(data) == 0:
        raise InputError(f"{where} has no rows; give a long panel with one row per (entity, time)")
    if idc not in gdf.columns:
        hint = "" if opts.get("id_column") != opts.get("entity") else " (default: the --entity name)"
        raise InputError(f"id column {idc!r}{hint} not in the map; its columns are "
                         f"{preview([c for c in gdf.columns if c != 'geometry'])}. Pass --id-column NAME")
    if gdf[idc].isna().any():
        raise InputError(f"the map's id column {idc!r} has missing values; every region needs an id")
    if data[ent].isna().any() or data[tim].isna().any():
        raise InputError(f"missing values in the {ent!r}/{tim!r} columns of the data; every row needs both")
    check_periods(data, tim)
    gdf, data = gdf.copy(), data.copy()
    data_only: list = []
    if opts.get("id_by") == "name":
        ncol = opts.get("name_column")
        name_cols = tuple(dict.fromkeys(((ncol,) if ncol else ()) + NAME_COLUMNS))
        ids, data_only = ids_from_names(data[ent], gdf, idc, name_cols, opts["drop_unmatched"])
        keep = ids.notna().to_numpy()
        data = data.loc[keep].copy()
        data[ent] = ids[keep].to_numpy()
    mids, dids = _harmonise_ids(gdf[idc], data[ent])
    gdf[idc] = mids.to_numpy()
    data[ent] = dids.to_numpy()
    dup = pd.Index(gdf[idc]).duplicated()
    if dup.any():
        raise InputError(f"the map has duplicated ids in {idc!r}: {preview(_plain(pd.unique(gdf[idc][dup])))}; "
                         f"dissolve them into one region each")
    map_ids, data_ids = pd.Index(gdf[idc]), pd.Index(pd.unique(data[ent]))
    data_extra = sorted(data_ids.difference(map_ids, sort=False), key=str)
    map_extra = sorted(map_ids.difference(data_ids, sort=False), key=str)
    if (data_extra or map_extra) and not opts.get("drop_unmatched"):
        diff = mismatch("in the data but not on the map", _plain(data_extra), "on the map but not in the data",
                        _plain(map_extra), limit=5)
        raise InputError(f"map ids ({idc!r}) and data ids ({ent!r}) do not match: {diff}. "
                         f"Use the same region codes in both, drop the extra regions, or pass --drop-unmatched")
    if data_extra or map_extra:
        data = data.loc[~data[ent].isin(data_extra)]
        gdf = gdf.loc[~gdf[idc].isin(map_extra)].reset_index(drop=True)
        map_ids = pd.Index(gdf[idc])
        if len(map_ids) < 3:
            raise InputError(f"only {len(map_ids)} regions are both on the map and in the data; check that "
                             f"--entity and --id-column (or --id-by) refer to the same regions")
    dropped = {"map_only": _plain(map_extra), "data_only": list(data_only) + _plain(data_extra)}
    check_map_crs(gdf, where=str(opts.get("map", "(bundled)")))
    try:
        check_geometries(gdf, map_ids)
        to_geographic(gdf)
    except GeometryError as exc:
        raise InputError(f"the map {opts.get('map', '(bundled)')}: {_one_line(exc, 300)}") from None
    # duplicated rows and balance: the library's own panel check (PanelError), on empty weights over the map ids
    periods, _ = panel_positions(data, Weights.from_sparse(sp.csr_matrix((len(map_ids),) * 2), map_ids), ent, tim)
    periods = periods.to_numpy()
    if len(periods) < 2:
        raise InputError(f"the data have a single period ({_plain([periods[0]])[0]}) in {tim!r}; the analysis "
                         f"needs a panel with at least two periods")
    if opts.get("dynamic") and len(periods) < 3:
        raise InputError(f"--dynamic needs at least 3 periods (the first is the initial condition); the data have "
                         f"{len(periods)}")
    return gdf, data, map_ids, periods, dropped


def _plain(values: Iterable) -> list:
    return [plain(v) for v in values]


def _formula_columns(formula: str, data: pd.DataFrame, keys: tuple) -> list:
    """Data columns the formula uses (checked: it parses, has an outcome, every name is a column)."""
    if "~" not in formula:
        raise InputError(f"--formula {formula!r} needs an outcome, e.g. 'innov ~ agglom + pgdp'")
    try:
        req = Formula(formula).required_variables
    except Exception as exc:
        raise InputError(f"cannot parse --formula {formula!r}: {_one_line(exc, 150)}") from None
    unknown = sorted(str(v) for v in req if str(v) not in data.columns)
    if unknown:
        raise InputError(f"--formula names unknown column(s) {', '.join(map(repr, unknown))}; the data columns are "
                         f"{preview([c for c in data.columns if c not in keys], 12)}")
    return [c for c in data.columns if c in {str(v) for v in req}]


def _design(formula: str, data: pd.DataFrame, keys: tuple) -> tuple[str, list[str], pd.DataFrame]:
    try:
        mm = model_matrix(formula, data, na_action="ignore")
    except Exception as exc:
        raise InputError(f"cannot build the design of --formula {formula!r}: {_one_line(exc, 150)}") from None
    if mm.lhs.shape[1] != 1:
        raise InputError(f"--formula {formula!r} must have exactly one outcome variable")
    outcome = str(mm.lhs.columns[0])
    regressors = [str(c) for c in mm.rhs.columns if str(c) != "Intercept"]
    if not regressors:
        raise InputError(f"--formula {formula!r} has no regressors; add some, e.g. 'y ~ x1 + x2'")
    if outcome not in data.columns:
        data[outcome] = np.asarray(mm.lhs, float).ravel()
    X = pd.DataFrame(np.asarray(mm.rhs, float), columns=[str(c) for c in mm.rhs.columns], index=data.index)
    return outcome, regressors, X


def _validate(opts: dict, gdf: gpd.GeoDataFrame, data: pd.DataFrame, files: dict, truth: dict | None) -> Inputs:
    demo = opts["command"] == "demo"
    ent, tim, idc = opts["entity"], opts["time"], opts["id_column"]
    where = "the data" if demo else f"the data file {opts.get('data')}"
    gdf, data, map_ids, periods, dropped = _check_ids(opts, gdf, data, where)
    formula = opts["formula"]
    used = _formula_columns(formula, data, (ent, tim))
    econ = [spec.args["column"] for spec in opts["wspecs"] if spec.kind == "economic"]
    for spec in opts["wspecs"]:
        if spec.kind == "knn" and spec.args["k"] >= len(map_ids):
            raise InputError(f"weights {spec.label}: K must be smaller than the number of regions ({len(map_ids)}); "
                             f"use e.g. knn:4")
    endog, instruments = opts["endog"], list(opts["instruments"])
    if endog is not None:
        if endog not in used:
            raise InputError(f"--endog {endog!r} is not a regressor of --formula {formula!r}; name one of its columns")
        missing = [z for z in instruments if z not in data.columns]
        if missing:
            raise InputError(f"--instruments {preview(missing)} not in the data; columns are "
                             f"{preview(list(data.columns), 12)}")
        clash = [z for z in instruments if z in used]
        if clash:
            raise InputError(f"--instruments {preview(clash)} already enter --formula: an excluded instrument must "
                             f"not be a regressor")
        iv_formula(formula, endog, instruments)  # endog must be a plain term: checked before any output
        used = used + [z for z in instruments if z not in used]
    for col in econ:
        if col not in data.columns:
            raise InputError(f"weights economic:{col}: column {col!r} not in the data; columns are "
                             f"{preview(list(data.columns), 12)}")
    data = check_numeric_columns(data, used + [c for c in econ if c not in used], ent, tim,
                          what={c: f"economic:{c} weights" for c in econ if c not in used},
                          allow_missing=opts.get("missing") == "drop")
    if opts.get("missing") == "drop":
        data, _, record = handle_missing(data, [], None, entity=ent, time=tim, extra=used + econ, missing="drop")
        gdf = gdf.loc[~gdf[idc].isin(record.removed_regions)].reset_index(drop=True)
        map_ids = pd.Index(gdf[idc])
        periods = np.sort(pd.unique(data[tim]))
        dropped = {**dropped, "missing_rows": _plain(record.dropped.itertuples(index=False, name=None)),
                   "missing_regions": _plain(record.removed_regions)}
    outcome, regressors, X = _design(formula, data, (ent, tim))
    bad = ~np.isfinite(data[outcome].to_numpy(float))
    if bad.any():
        pairs = list(data.loc[bad, [ent, tim]].itertuples(index=False, name=None))
        raise InputError(f"the outcome {outcome!r} has missing or infinite values for {preview(_plain(pairs), 4)}; "
                         f"drop those regions, impute the values, or pass --missing drop")
    badx = ~np.isfinite(X.to_numpy(float)).all(axis=1)
    if badx.any():
        cols = [c for c in X.columns if not np.isfinite(X[c].to_numpy(float)).all()]
        pairs = list(data.loc[badx, [ent, tim]].itertuples(index=False, name=None))
        raise InputError(f"the formula terms {preview(cols)} are missing or infinite at ({ent}, {tim}) = "
                         f"{preview(_plain(pairs), 4)} (e.g. log of zero); change the formula or the data "
                         f"(missing values: --missing drop)")
    dv = opts.get("decay_variable")
    if dv is None:
        dv = regressors[0]
    elif dv not in regressors:
        raise InputError(f"--decay-variable {dv!r} is not a regressor of the formula; choose from "
                         f"{preview(regressors)}")
    for spec in opts["wspecs"]:
        if spec.kind == "economic":
            economic_values(spec.args["column"], data, ent, map_ids)
    ncol = opts.get("name_column")
    if ncol is not None and ncol not in gdf.columns:
        raise InputError(f"--name-column {ncol!r} not in the map; its columns are "
                         f"{preview([c for c in gdf.columns if c != 'geometry'])}")
    if ncol is None and "name" in gdf.columns and "name" != idc:
        ncol = "name"
    names = dict(zip(gdf[idc], gdf[ncol].astype(str))) if ncol else None
    se = opts.get("shock_entity")
    if se is None:
        means = data.groupby(ent)[dv].mean() if dv in data.columns else X[dv].groupby(data[ent]).mean()
        shock, why = means.idxmax(), f"the region with the largest mean of {dv} over {periods[0]}-{periods[-1]}"
    else:
        cand = [i for i in map_ids if str(i) == str(se).strip()]
        if not cand:
            raise InputError(f"--shock-entity {se!r} is not a region id; ids are e.g. {preview(list(map_ids), 5)}")
        shock, why = cand[0], ("chosen with --shock-entity" if not demo else "Guangdong, the demo's example")
    return Inputs(opts=opts, demo=demo, gdf=gdf, data=data, X=X, outcome=outcome, regressors=regressors, main_var=dv,
                  ids=map_ids, periods=periods, names=names, shock=shock, shock_why=why, files=files, truth=truth,
                  dropped=dropped)


def economic_values(col: str, data: pd.DataFrame, ent: Hashable, ids: pd.Index) -> pd.Series:
    """Entity means of ``col`` in the order of the map ids (checked: present, numeric, not missing).

    Parameters
    ----------
    col : str
        Data column.
    data : DataFrame
        The panel.
    ent : column name
        Entity column.
    ids : Index
        Region ids in map order.

    Returns
    -------
    Series
        Named ``col``, indexed by ``ids``.
    """
    if col not in data.columns:
        raise InputError(f"weights economic:{col}: column {col!r} not in the data; columns are "
                         f"{preview(list(data.columns), 12)}")
    if not pd.api.types.is_numeric_dtype(data[col]):
        raise InputError(f"weights economic:{col}: column {col!r} is not numeric")
    vals = data.groupby(ent)[col].mean().reindex(ids)
    if vals.isna().any():
        raise InputError(f"weights economic:{col}: {col!r} is missing in every period for "
                         f"{preview(list(vals.index[vals.isna()]))}")
    vals.name = col
    return vals
