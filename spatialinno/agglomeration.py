r"""Agglomeration, co-agglomeration, specialisation and diversity indices for regional industry data.

All functions take **long** data: one row per region (and period) and industry, with a non-negative
value column (output, value added, employment, ...). Inputs are never modified.

Notation: :math:`q_{ij}` is the value of industry *i* in region *j* (in one period),
:math:`q_j = \sum_i q_{ij}` the region's total, :math:`q_i = \sum_j q_{ij}` the national total of the
industry and :math:`q = \sum_j q_j` the national total. Shares: :math:`s_{ij} = q_{ij}/q_j` (industry
*i*'s share in region *j*) and :math:`s_i = q_i / q` (its national share).

Location quotient (Balassa/Isard; e.g. Isard 1960, *Methods of Regional Analysis*)
    .. math:: LQ_{ij} = \frac{q_{ij}/q_j}{q_i/q}

    LQ > 1: the industry is over-represented in the region relative to the nation. When the data
    hold a row with the regional totals (``total="all"``), :math:`q_j` is that row and
    :math:`q = \sum_j q_j`; otherwise :math:`q_j` is the sum over the industries present.

Synergy co-agglomeration (widely used in the Chinese regional literature for, e.g., producer
services and manufacturing; Chen, Chen & Yang 2016 and followers)
    .. math:: C_j = 1 - \frac{|LQ_{1j} - LQ_{2j}|}{LQ_{1j} + LQ_{2j}} + (LQ_{1j} + LQ_{2j})

    The first part (between 0 and 1) measures how balanced the two industries' agglomeration is,
    the second its level.

Ellison-Glaeser co-agglomeration (Ellison & Glaeser 1997, *JPE* 105(5), section on co-agglomeration;
pairwise form of Ellison, Glaeser & Kerr 2010, *AER* 100(3), eq. 1)
    For industries 1, 2 with regional shares :math:`s_{m1}, s_{m2}` (share of the industry's
    national value located in region *m*) and aggregate regional shares :math:`x_m`, with
    :math:`G_k = \sum_m (s_{mk} - x_m)^2`, plant Herfindahls :math:`H_k`, industry weights
    :math:`w_k = q_k / (q_1 + q_2)` and :math:`G` computed for the two industries pooled,

    .. math::
        \gamma_k = \frac{G_k/(1-\sum_m x_m^2) - H_k}{1 - H_k}, \qquad
        \gamma^c = \frac{G/(1-\sum_m x_m^2) - H - \sum_k \gamma_k w_k^2 (1-H_k)}{1 - \sum_k w_k^2},
        \quad H = \sum_k w_k^2 H_k .

    Substituting :math:`\gamma_k` the plant Herfindahls cancel, and for two industries
    (:math:`G - \sum_k w_k^2 G_k = 2 w_1 w_2 \sum_m (s_{m1}-x_m)(s_{m2}-x_m)`,
    :math:`1 - \sum_k w_k^2 = 2 w_1 w_2`) the index is exactly

    .. math:: \gamma^c = \frac{\sum_m (s_{m1}-x_m)(s_{m2}-x_m)}{1 - \sum_m x_m^2},

    which needs only the regional shares (no plant data, no industry sizes).

Krugman specialisation index (Krugman 1991, *Geography and Trade*; regional form of
Midelfart-Knarvik, Overman, Redding & Venables 2000)
    .. math:: K_j = \sum_i |s_{ij} - \bar s_{ij}|

    with :math:`\bar s_{ij}` industry *i*'s share in all *other* regions (``reference="rest"``,
    default) or in the nation (``reference="national"``). Between 0 (same structure) and 2.

Herfindahl specialisation index
    .. math:: H_j = \sum_i s_{ij}^2

Diversity (Jacobs externalities; e.g. Glaeser, Kallal, Scheinkman & Shleifer 1992; Frenken, van
Oort & Verburg 2007)
    Inverse Herfindahl :math:`1/H_j` (the "numbers equivalent" of equally sized industries) and
    Shannon entropy :math:`E_j = -\sum_i s_{ij} \ln s_{ij}` (with :math:`0 \ln 0 = 0`).

Specialisation and diversity use the shares of the listed industries **among themselves**: list a
partition of the economy (non-overlapping industries). A ``total=`` label, if given, is dropped.

Errors (all :class:`~spatialinno.SpatialInnoError`): :class:`~spatialinno.errors.DataError` for
negative, missing or non-numeric values, a region whose total is zero, or an industry with zero
national total; :class:`~spatialinno.errors.IdError` for duplicated rows or an industry missing for
some region(-period). Messages name the region, industry and period.
"""

from __future__ import annotations

import inspect
from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd

from .errors import DataError, IdError, mismatch, preview

__all__ = ["location_quotient", "coagglomeration", "specialisation", "specialization", "diversity"]


# --------------------------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------------------------
def _where(row: pd.Series | tuple, keys: Sequence[Hashable]) -> str:
    vals = row if isinstance(row, tuple) else tuple(row[k] for k in keys)
    vals = tuple(v.item() if isinstance(v, np.generic) else v for v in vals)
    return ", ".join(f"{k}={v!r}" for k, v in zip(keys, vals, strict=False))


def _prepare(data: pd.DataFrame, region: Hashable, industry: Hashable, value: Hashable,
             period: Hashable | None) -> tuple[pd.DataFrame, list]:
    """Checked copy with columns (region[, period], industry, value); returns it and the group keys."""
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"data must be a long pandas DataFrame (got {type(data).__name__})")
    cols = [region] + ([period] if period is not None else []) + [industry, value]
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise DataError(f"column(s) {preview(missing)} not in data; available: {preview(list(data.columns), 20)}")
    if len(set(cols)) != len(cols):
        raise DataError(f"region, period, industry and value must be different columns (got {cols})")
    df = data.loc[:, cols].copy()
    keys = [region] + ([period] if period is not None else [])
    for k in keys + [industry]:
        if df[k].isna().any():
            bad = df.loc[df[k].isna()].head(8)
            raise IdError(f"column {k!r} has missing labels in {int(df[k].isna().sum())} row(s), e.g. "
                          + "; ".join(_where(r, keys + [industry]) for _, r in bad.iterrows()))
    v = pd.to_numeric(df[value], errors="coerce")
    nonnum = v.isna() & df[value].notna()
    if nonnum.any():
        r = df.loc[nonnum].iloc[0]
        raise DataError(f"value column {value!r} is not numeric at {_where(r, keys + [industry])} "
                        f"(value {r[value]!r}); convert it with pd.to_numeric")
    df[value] = v.astype(float)
    bad = ~np.isfinite(df[value].to_numpy())
    if bad.any():
        rows = df.loc[bad].head(8)
        raise DataError(f"{int(bad.sum())} missing or non-finite {value!r} value(s) at "
                        + "; ".join(_where(r, keys + [industry]) for _, r in rows.iterrows())
                        + ". Fill or drop them (dropping a row makes that industry missing for the region).")
    neg = df[value].to_numpy() < 0
    if neg.any():
        rows = df.loc[neg].head(8)
        raise DataError(f"{int(neg.sum())} negative {value!r} value(s) at "
                        + "; ".join(f"{_where(r, keys + [industry])} ({r[value]:g})" for _, r in rows.iterrows())
                        + "; agglomeration indices need non-negative quantities")
    dup = df.duplicated(keys + [industry], keep=False)
    if dup.any():
        rows = df.loc[dup].drop_duplicates(keys + [industry]).head(8)
        raise IdError("duplicated rows for " + "; ".join(_where(r, keys + [industry]) for _, r in rows.iterrows())
                      + ": each region" + ("-period" if period is not None else "")
                      + " must have one row per industry; aggregate them first")
    # balance: every industry must be present for every region(-period)
    inds = pd.Index(pd.unique(df[industry]))
    if period is not None:
        regions = pd.unique(df[region])
        periods = pd.unique(df[period])
        full = pd.MultiIndex.from_product([regions, periods, inds], names=keys + [industry])
    else:
        full = pd.MultiIndex.from_product([pd.unique(df[region]), inds], names=keys + [industry])
    have = pd.MultiIndex.from_frame(df[keys + [industry]])
    absent = full.difference(have)
    if len(absent):
        shown = "; ".join(_where(tuple(a), keys + [industry]) for a in list(absent)[:8])
        more = f" ({len(absent)} in all)" if len(absent) > 8 else ""
        raise IdError(f"industry rows missing for {shown}{more}: every industry must appear for every region"
                      + ("-period" if period is not None else "") + " (use a 0 value where the industry is absent)")
    return df, keys


def _pivot(df: pd.DataFrame, keys: list, industry: Hashable, value: Hashable) -> pd.DataFrame:
    """Rows (region[, period]) x columns industry, preserving first-appearance order."""
    wide = df.pivot(index=keys, columns=industry, values=value)
    wide = wide.reindex(columns=pd.Index(pd.unique(df[industry]), name=industry))
    return wide


def _check_region_totals(qj: pd.Series, keys: list, what: str) -> None:
    zero = qj.index[qj.to_numpy() <= 0]
    if len(zero):
        shown = "; ".join(_where(z if isinstance(z, tuple) else (z,), keys) for z in list(zero)[:8])
        raise DataError(f"zero {what} for {shown}" + (f" ({len(zero)} in all)" if len(zero) > 8 else "")
                        + ": the shares of a region with nothing in it are undefined; drop the region")


def _by_period(wide: pd.DataFrame, period: Hashable | None):
    """Iterate over (period label or None, block of regions x industries)."""
    if period is None:
        yield None, wide
    else:
        yield from wide.groupby(level=period, sort=False)


# --------------------------------------------------------------------------------------------
# location quotient
# --------------------------------------------------------------------------------------------
def location_quotient(data: pd.DataFrame, region: Hashable, industry: Hashable, value: Hashable,
                      total: Hashable | None = None, period: Hashable | None = None) -> pd.Series:
    r"""Location quotients :math:`LQ_{ij} = (q_{ij}/q_j)/(q_i/q)` from long data.

    Parameters
    ----------
    data : DataFrame
        Long data, one row per region (and period) and industry. Not modified.
    region, industry, value : column names
        Region id, industry label and the non-negative quantity (output, employment, ...).
    total : industry label, optional
        Label of the rows holding each region's total (e.g. ``"all"``). Then :math:`q_j` is that row,
        :math:`q = \sum_j q_j`, and the listed industries may overlap or cover only part of the
        economy (each must not exceed the regional total). Without it, :math:`q_j` is the sum over the
        industries present (which should then be a partition of the economy).
    period : column name, optional
        Compute the quotients separately in every period (national totals per period).

    Returns
    -------
    Series named ``"lq"`` with a MultiIndex (region[, period], industry), sorted in the order of
    first appearance in ``data``; the ``total`` rows are not included. Select one industry with
    ``lq.xs("electronics", level=industry)``.

    Raises
    ------
    DataError
        Negative, missing or non-numeric values; a region(-period) whose total is zero; an industry
        with zero national total; an industry exceeding the regional total.
    IdError
        Duplicated rows, an industry missing for some region(-period), an unknown ``total`` label.

    Examples
    --------
    >>> from spatialinno.datasets import load_demo_industry
    >>> df = load_demo_industry()
    >>> lq = location_quotient(df, "code", "industry", "output", total="all", period="year")
    """
    df, keys = _prepare(data, region, industry, value, period)
    wide = _pivot(df, keys, industry, value)
    if total is not None:
        if total not in wide.columns:
            raise IdError(f"total={total!r} is not an industry label in column {industry!r}; labels are "
                          f"{preview(list(wide.columns), 12)}. Pass total=None to use the sum over industries.")
        qj = wide[total]
        q_ind = wide.drop(columns=[total])
        if q_ind.shape[1] == 0:
            raise IdError(f"data hold only the total rows ({total!r}); add industry rows")
        _check_region_totals(qj, keys, f"total ({industry}={total!r}) {value!r}")
        over = q_ind.gt(qj * (1 + 1e-9), axis=0)
        if over.to_numpy().any():
            r, c = np.argwhere(over.to_numpy())[0]
            idx = q_ind.index[r]
            where_idx = _where(idx if isinstance(idx, tuple) else (idx,), keys)
            raise DataError(f"{where_idx}, {industry}={q_ind.columns[c]!r}: "
                            f"{value!r} ({q_ind.iat[r, c]:g}) exceeds the regional total {total!r} "
                            f"({qj.iat[r]:g}); check the units or the total label")
    else:
        q_ind = wide
        qj = wide.sum(axis=1)
        _check_region_totals(qj, keys, f"total {value!r} over all industries")
    out = []
    for p, block in _by_period(q_ind, period):
        qj_b = qj.loc[block.index]
        qi = block.sum(axis=0)
        q = float(qj_b.sum())
        zero = qi.index[qi.to_numpy() <= 0]
        if len(zero):
            where = f" in {_where((p,), [period])}" if period is not None else ""
            raise DataError(f"industry {preview(list(zero))} has zero national {value!r}{where}: its location "
                            "quotient is undefined (0/0); drop the industry"
                            + (" or the period" if period is not None else ""))
        lq = block.div(qj_b, axis=0).div(qi / q, axis=1)
        out.append(lq)
    lq = pd.concat(out) if len(out) > 1 else out[0]
    lq = lq.reindex(q_ind.index)
    s = lq.stack(future_stack=True) if _has_future_stack() else lq.stack(dropna=False)
    s.name = "lq"
    s.index = s.index.set_names(keys + [industry])
    return s.astype(float)


def _has_future_stack() -> bool:
    return "future_stack" in inspect.signature(pd.DataFrame.stack).parameters


# --------------------------------------------------------------------------------------------
# co-agglomeration
# --------------------------------------------------------------------------------------------
def _drop_label_levels(a: pd.Series, b: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Drop index levels that both Series share by name, that are constant within each and differ
    between them (typically the industry label kept by ``lq.xs(..., drop_level=False)``)."""
    if not (isinstance(a.index, pd.MultiIndex) and isinstance(b.index, pd.MultiIndex)):
        return a, b
    drop = []
    for name in a.index.names:
        if name is None or name not in b.index.names:
            continue
        va, vb = a.index.get_level_values(name), b.index.get_level_values(name)
        if va.nunique() == 1 and vb.nunique() == 1 and va[0] != vb[0]:
            drop.append(name)
    if drop and len(drop) < a.index.nlevels and len(drop) < b.index.nlevels:
        a, b = a.droplevel(drop), b.droplevel(drop)
    return a, b


def _as_series(x, name: str) -> pd.Series:
    if isinstance(x, pd.DataFrame) and x.shape[1] == 1:
        x = x.iloc[:, 0]
    if not isinstance(x, pd.Series):
        raise DataError(f"{name} must be a pandas Series indexed by region (got {type(x).__name__}); ids are needed "
                        "to align the two inputs")
    if x.index.has_duplicates:
        raise IdError(f"{name} has duplicated index entries {preview(list(x.index[x.index.duplicated()].unique()))}")
    v = pd.to_numeric(x, errors="coerce")
    bad = ~np.isfinite(v.to_numpy(dtype=float))
    if bad.any():
        raise DataError(f"{name} has missing or non-finite values at {preview(list(x.index[bad]))}")
    if (v.to_numpy(dtype=float) < 0).any():
        raise DataError(f"{name} has negative values at {preview(list(x.index[v.to_numpy(dtype=float) < 0]))}")
    return v.astype(float)


def _align(a: pd.Series, b: pd.Series, na: str, nb: str) -> tuple[pd.Series, pd.Series]:
    a, b = _drop_label_levels(a, b)
    if a.index.nlevels != b.index.nlevels:
        raise IdError(f"{na} and {nb} have different index levels ({list(a.index.names)} vs {list(b.index.names)}); "
                      "select one industry from each with .xs(label, level=...)")
    diff = mismatch(f"in {na} only", a.index.difference(b.index), f"in {nb} only", b.index.difference(a.index))
    if diff:
        raise IdError(f"{na} and {nb} cover different ids ({diff}); restrict both to the same regions")
    return a, b.reindex(a.index)


def coagglomeration(lq1: pd.Series, lq2: pd.Series, kind: str = "synergy", *,
                    aggregate: pd.Series | None = None,
                    by: Hashable | Sequence[Hashable] | None = None) -> pd.Series | float:
    r"""Co-agglomeration of two industries: synergy index or Ellison-Glaeser :math:`\gamma^c`.

    ``kind="synergy"`` (default; Chen, Chen & Yang 2016, see the module docstring)
        :math:`C_j = 1 - |LQ_1-LQ_2|/(LQ_1+LQ_2) + (LQ_1+LQ_2)` in each region. ``lq1``, ``lq2`` are
        the two industries' location quotients, Series indexed by region (or (region, period)); they
        are aligned by index (different ids raise :class:`IdError`; index levels with the same name
        that are constant within each Series but differ between them, such as the industry label of
        ``lq.xs(..., drop_level=False)``, are dropped first). A region where both quotients are zero
        raises :class:`DataError` (the index is 0/0 there).

    ``kind="ellison_glaeser"`` (Ellison & Glaeser 1997; pairwise form of Ellison, Glaeser & Kerr 2010)
        :math:`\gamma^c = \sum_m (s_{m1}-x_m)(s_{m2}-x_m)/(1-\sum_m x_m^2)` (plant Herfindahls cancel
        out of the pairwise index, see the module docstring). ``lq1``, ``lq2`` are then the two
        industries' regional **levels or shares** (employment or output by region, not location
        quotients), ``aggregate`` the regional level (or share) of all activity, e.g. total
        employment, all indexed by region (aligned by id). Shares :math:`s_{m1}, s_{m2}, x_m` are
        formed inside (each input divided by its sum). Positive: the two industries co-locate beyond
        what aggregate activity implies.

    Parameters
    ----------
    lq1, lq2 : pd.Series
        Location quotients (synergy) or regional levels (Ellison-Glaeser) of the two industries,
        indexed by region (or (region, period)).
    kind : str
        ``"synergy"`` or ``"ellison_glaeser"`` (alias ``"eg"``).
    aggregate : pd.Series, optional
        Regional level of all activity (needed by ``"ellison_glaeser"``).
    by : hashable or sequence, optional
        Index level name(s), e.g. ``"year"``: compute :math:`\gamma^c` separately in each group.

    Returns
    -------
    pd.Series or float
        Synergy: the Series named ``"coagg"`` on the aligned index. Ellison-Glaeser: the scalar
        :math:`\gamma^c`, or with ``by=`` a Series named ``"gamma_c"`` with one value per group.

    Raises
    ------
    IdError
        If the inputs cover different ids or index levels.
    DataError
        For a 0/0 synergy index, a missing ``aggregate`` or unusable values.
    """
    a = _as_series(lq1, "lq1")
    b = _as_series(lq2, "lq2")
    a, b = _align(a, b, "lq1", "lq2")
    if kind == "synergy":
        s = a + b
        zero = s.to_numpy() == 0
        if zero.any():
            raise DataError(f"both location quotients are zero at {preview(list(a.index[zero]))}: the synergy index "
                            "is undefined (0/0) there; drop those regions")
        out = 1.0 - (a - b).abs() / s + s
        out.name = "coagg"
        return out
    if kind in ("ellison_glaeser", "eg"):
        if aggregate is None:
            raise DataError("kind='ellison_glaeser' needs aggregate= (regional level of all activity, "
                            "indexed like lq1)")
        x = _as_series(aggregate, "aggregate")
        a2, x = _align(a, x, "lq1", "aggregate")
        frame = pd.DataFrame({"s1": a2, "s2": b.reindex(a2.index), "x": x})
        if by is None:
            return _eg_pair(frame, None)
        levels = [by] if isinstance(by, (str, int)) or not isinstance(by, Sequence) else list(by)
        unknown = [lv for lv in levels if lv not in frame.index.names]
        if unknown:
            raise IdError(f"by={preview(unknown)} is not an index level; levels are {list(frame.index.names)}")
        grouper = levels[0] if len(levels) == 1 else levels
        res = {g: _eg_pair(block, g) for g, block in frame.groupby(level=grouper, sort=False)}
        out = pd.Series(res, name="gamma_c", dtype=float)
        out.index.names = levels
        return out
    raise DataError(f"kind must be 'synergy' or 'ellison_glaeser' (got {kind!r})")


def _eg_pair(frame: pd.DataFrame, group) -> float:
    where = f" in group {group!r}" if group is not None else ""
    tot = frame.sum()
    for col, name in (("s1", "lq1"), ("s2", "lq2"), ("x", "aggregate")):
        if tot[col] <= 0:
            raise DataError(f"{name} sums to zero{where}: shares are undefined")
    s1 = frame["s1"] / tot["s1"]
    s2 = frame["s2"] / tot["s2"]
    x = frame["x"] / tot["x"]
    denom = 1.0 - float((x ** 2).sum())
    if denom <= 0:
        raise DataError(f"all aggregate activity is in one region{where}: the Ellison-Glaeser index is undefined")
    return float(((s1 - x) * (s2 - x)).sum() / denom)


# --------------------------------------------------------------------------------------------
# specialisation and diversity
# --------------------------------------------------------------------------------------------
def _shares(data, region, industry, value, total, period) -> tuple[pd.DataFrame, list]:
    df, keys = _prepare(data, region, industry, value, period)
    if total is not None:
        if not (df[industry] == total).any():
            raise IdError(f"total={total!r} is not an industry label in column {industry!r}")
        df = df.loc[df[industry] != total]
    wide = _pivot(df, keys, industry, value)
    if wide.shape[1] < 2:
        raise DataError(f"need at least two industries (got {preview(list(wide.columns))})")
    qj = wide.sum(axis=1)
    _check_region_totals(qj, keys, f"total {value!r} over all industries")
    return wide, keys


def specialisation(data: pd.DataFrame, region: Hashable, industry: Hashable, value: Hashable,
                   total: Hashable | None = None, period: Hashable | None = None,
                   reference: str = "rest") -> pd.DataFrame:
    r"""Krugman and Herfindahl specialisation indices of each region.

    Krugman (1991) index in the regional form of Midelfart-Knarvik, Overman, Redding & Venables
    (2000): :math:`K_j = \sum_i |s_{ij} - \bar s_{ij}|`; Herfindahl :math:`H_j = \sum_i s_{ij}^2`.
    Shares :math:`s_{ij}` are of the listed industries among themselves (list a partition of the
    economy; the ``total`` label, if given, is dropped).

    Parameters
    ----------
    data : DataFrame
        Long data, one row per region (and period) and industry. Not modified.
    region, industry, value : column names
        Region id, industry label and the non-negative quantity (output, employment, ...).
    total : industry label, optional
        Label of the rows holding each region's total (e.g. ``"all"``); those rows are dropped.
    period : column name, optional
        Compute the indices separately in every period.
    reference : str
        :math:`\bar s_{ij}` is industry *i*'s share in all other regions (``"rest"``, default) or in
        the nation including region *j* (``"national"``).

    Returns
    -------
    pd.DataFrame
        Indexed by region (or (region, period)) with columns ``krugman`` (0 = same structure as the
        reference, 2 = disjoint) and ``herfindahl`` (from 1/(number of industries) to 1).
    """
    if reference not in ("rest", "national"):
        raise DataError(f"reference must be 'rest' or 'national' (got {reference!r})")
    wide, keys = _shares(data, region, industry, value, total, period)
    out = []
    for p, block in _by_period(wide, period):
        qj = block.sum(axis=1)
        sij = block.div(qj, axis=0)
        if reference == "national":
            ref = block.sum(axis=0) / qj.sum()
            k = sij.sub(ref, axis=1).abs().sum(axis=1)
        else:
            if len(block) < 2:
                raise DataError("reference='rest' needs at least two regions"
                                + (f" in {_where((p,), [period])}" if period is not None else ""))
            rest = block.sum(axis=0).to_numpy()[None, :] - block.to_numpy()
            rest_tot = rest.sum(axis=1, keepdims=True)
            if (rest_tot <= 0).any():
                raise DataError("the rest of the country has zero total for some region; use reference='national'")
            k = pd.Series(np.abs(sij.to_numpy() - rest / rest_tot).sum(axis=1), index=block.index)
        h = (sij ** 2).sum(axis=1)
        out.append(pd.DataFrame({"krugman": k, "herfindahl": h}))
    res = pd.concat(out).reindex(wide.index)
    res.columns.name = None
    return res


specialization = specialisation


def diversity(data: pd.DataFrame, region: Hashable, industry: Hashable, value: Hashable,
              total: Hashable | None = None, period: Hashable | None = None) -> pd.DataFrame:
    r"""Jacobs-type diversity of each region's industry structure.

    Inverse Herfindahl :math:`1/\sum_i s_{ij}^2` and Shannon entropy
    :math:`-\sum_i s_{ij}\ln s_{ij}` (natural log, :math:`0\ln 0=0`; Frenken, van Oort & Verburg
    2007). Shares are of the listed industries among themselves (the ``total`` label, if given, is
    dropped).

    Parameters
    ----------
    data : DataFrame
        Long data, one row per region (and period) and industry. Not modified.
    region, industry, value : column names
        Region id, industry label and the non-negative quantity (output, employment, ...).
    total : industry label, optional
        Label of the rows holding each region's total (e.g. ``"all"``); those rows are dropped.
    period : column name, optional
        Compute the indices separately in every period.

    Returns
    -------
    pd.DataFrame
        Indexed by region (or (region, period)) with columns ``inverse_herfindahl`` (from 1, one
        industry, to the number of industries, all equal) and ``entropy`` (from 0 to
        :math:`\ln(\text{number of industries})`).
    """
    wide, keys = _shares(data, region, industry, value, total, period)
    sij = wide.div(wide.sum(axis=1), axis=0)
    arr = sij.to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        ent = -np.where(arr > 0, arr * np.log(np.where(arr > 0, arr, 1.0)), 0.0).sum(axis=1)
    res = pd.DataFrame({"inverse_herfindahl": 1.0 / (arr ** 2).sum(axis=1), "entropy": ent}, index=wide.index)
    return res
