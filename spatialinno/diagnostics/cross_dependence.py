"""Pesaran's (2004) CD test of cross-sectional dependence in a panel.

For a panel variable or a panel model's residuals u_it (entities i = 1..N, periods t),

    CD = sqrt(1 / P) * sum_{i<j} sqrt(T_ij) * rho_ij  ~  N(0, 1) under cross-sectional independence,

where rho_ij is the Pearson correlation of u_i and u_j over the T_ij periods both are observed in, and the
sum runs over the P pairs with T_ij >= 2 (Pesaran 2004, eq. 30; 2015, §4). In a balanced panel P = N(N-1)/2
and T_ij = T, which is Pesaran's sqrt(2T / (N(N-1))) sum rho_ij. The p-value is two-sided.

Conventions follow R ``plm::pcdtest(test = "cd")`` (Millo 2017), against which the tests check it: the
correlation is the sample correlation (each series centred on the common periods; for the residuals of a
model with entity effects the centring changes nothing in a balanced panel), unbalanced panels use the
pairwise common periods, and pairs sharing fewer than two periods are left out with a warning. With
``w`` only pairs of neighbours enter (Pesaran's local CD; plm's ``w`` argument).
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import DataError, IdError, PanelError, SpatialInnoError, SpatialInnoWarning, preview
from ..models.results import SpatialResults
from ..weights import Weights


@dataclass(frozen=True)
class CDTestResult:
    """Pesaran's CD statistic; unpacks as ``statistic, p_value = si.cd_test(...)``.

    Attributes
    ----------
    statistic : float
        CD = sqrt(1/P) sum_{i<j} sqrt(T_ij) rho_ij, asymptotically N(0, 1) under independence.
    p_value : float
        Two-sided normal p-value.
    mean_rho : float
        Average pairwise correlation over the P pairs used (plm's ``test = "rho"``).
    n_entities, n_periods : int
        Entities and distinct periods with at least one observation.
    n_pairs : int
        P, the pairs used.
    omitted_pairs : int
        Pairs left out because they share fewer than two periods.
    local : bool
        True when only pairs of neighbours in ``w`` entered (local CD).
    """

    statistic: float
    p_value: float
    mean_rho: float
    n_entities: int
    n_periods: int
    n_pairs: int
    omitted_pairs: int
    local: bool

    def __iter__(self) -> Iterator[float]:
        """Yield ``statistic`` and ``p_value`` (tuple unpacking)."""
        return iter((self.statistic, self.p_value))


def _long_series(values, entity, time) -> pd.Series:
    """The input as a Series with a (entity, time) MultiIndex, aligned by labels."""
    if isinstance(values, SpatialResults):
        if entity is not None or time is not None:
            raise SpatialInnoError("entity= and time= are taken from the results; leave them out")
        if values.T < 2:
            raise PanelError(f"the CD test needs a panel; this {values.model} result is a cross-section (T = 1)")
        return values.resid
    if isinstance(values, pd.DataFrame):
        raise SpatialInnoError("pass one column (a Series), e.g. df.set_index(['region', 'year'])['innov'], or "
                               "df['innov'] with entity=df['region'], time=df['year']")
    if not isinstance(values, pd.Series):
        raise SpatialInnoError(f"values must be a pandas Series or panel results (got {type(values).__name__})")
    if isinstance(entity, pd.Series) or isinstance(time, pd.Series):
        if not (isinstance(entity, pd.Series) and isinstance(time, pd.Series)):
            raise SpatialInnoError("give both entity= and time= as Series indexed like values")
        for name, key in (("entity", entity), ("time", time)):
            if not key.index.equals(values.index) and set(key.index) != set(values.index):
                raise IdError(f"{name}= is not indexed like values; both must carry the same row labels")
        if values.index.has_duplicates:
            raise IdError("values has duplicated index labels; entity= and time= cannot be aligned to it")
        idx = pd.MultiIndex.from_arrays([entity.reindex(values.index).to_numpy(),
                                         time.reindex(values.index).to_numpy()], names=["entity", "time"])
        return pd.Series(values.to_numpy(), index=idx, name=values.name)
    if not isinstance(values.index, pd.MultiIndex) or values.index.nlevels != 2:
        raise PanelError("values needs a two-level (entity, time) MultiIndex, or entity= and time= Series indexed "
                         "like it")
    names = list(values.index.names)
    levels = []
    for label, given, default in (("entity", entity, 0), ("time", time, 1)):
        if given is None:
            levels.append(default)
        elif given in names:
            levels.append(names.index(given))
        else:
            raise PanelError(f"{label}={given!r} is not a level of the index; levels are {preview(names)}")
    if levels[0] == levels[1]:
        raise PanelError("entity= and time= name the same index level")
    return values.reorder_levels(levels)


def _neighbour_pairs(w: Weights, entities: pd.Index) -> np.ndarray:
    """Boolean N x N matrix of neighbour pairs (w_ij != 0 or w_ji != 0) in the order of ``entities``."""
    if not isinstance(w, Weights):
        raise SpatialInnoError("w must be a spatialinno Weights (build one with si.weights.*)")
    pos = w.align(entities, "panel")  # pos[k] = position in `entities` of w.ids[k]
    A = (w.sparse != 0).toarray()
    A = A | A.T
    out = np.zeros_like(A)
    out[np.ix_(pos, pos)] = A
    return out


def cd_test(values, entity: Hashable | pd.Series | None = None, time: Hashable | pd.Series | None = None, *,
            w: Weights | None = None) -> CDTestResult:
    """Pesaran's (2004) CD test of cross-sectional dependence.

    CD = sqrt(1/P) sum_{i<j} sqrt(T_ij) rho_ij, rho_ij the correlation of entities i and j over their
    T_ij common periods, P the number of pairs with T_ij >= 2; CD ~ N(0, 1) under cross-sectional
    independence (Pesaran 2004; 2015, Econometric Reviews 34). Same numbers as R
    ``plm::pcdtest(x, test = "cd")``, also for unbalanced panels.

    Parameters
    ----------
    values : pandas.Series or SpatialResults
        A panel variable as a Series with an (entity, time) MultiIndex; or a Series with any index plus
        ``entity=`` and ``time=`` Series holding each row's entity and period (aligned by index label);
        or a fitted panel model, whose residuals are tested. Missing values are dropped with a warning
        (the entity is then unobserved in that period).
    entity, time : hashable or pandas.Series, optional
        Level names of the MultiIndex (default: level 0 is the entity, level 1 the time), or Series as
        described above. Not used with results.
    w : Weights, optional
        Only pairs of neighbours (w_ij or w_ji non-zero) enter: the local CD test. Its ids must be the
        entities.

    Returns
    -------
    CDTestResult
        ``statistic``, ``p_value`` (two-sided), ``mean_rho``, counts; unpacks as ``(statistic, p_value)``.

    Raises
    ------
    PanelError
        Fewer than two periods or entities, duplicated (entity, time) rows, unknown index levels, or no
        pair sharing two periods.
    DataError
        Non-numeric values, or an entity whose values do not vary over the periods it shares with another
        (its correlations are undefined; the pair is named).
    """
    s = _long_series(values, entity, time)
    if not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)):
        raise DataError(f"values must be numeric (got dtype {s.dtype}); convert the column first")
    s = s.astype(float)
    if s.index.duplicated().any():
        raise PanelError(f"duplicated (entity, time) rows: {preview(list(s.index[s.index.duplicated()].unique()))}; "
                         f"aggregate or drop duplicates")
    missing = ~np.isfinite(s.to_numpy())
    if missing.any():
        warnings.warn(f"{int(missing.sum())} missing or infinite values dropped, e.g. at "
                      f"{preview(list(s.index[missing]), 4)}", SpatialInnoWarning, stacklevel=2)
        s = s[~missing]
    wide = s.unstack(level=0)  # periods x entities, NaN where unobserved
    T, N = wide.shape
    if T < 2:
        raise PanelError(f"the CD test needs at least 2 periods; the data have {T}")
    if N < 2:
        raise PanelError(f"the CD test needs at least 2 entities; the data have {N}")
    present = np.isfinite(wide.to_numpy())
    M = present.astype(float)
    X = np.where(present, wide.to_numpy() - np.nanmean(wide.to_numpy(), axis=0), 0.0)  # shift keeps rho unchanged
    Tij = M.T @ M
    Sx = X.T @ M                       # [i, j] = sum over common periods of x_i
    Sxx = (X ** 2).T @ M               # [i, j] = sum over common periods of x_i^2
    with np.errstate(divide="ignore", invalid="ignore"):
        cov = X.T @ X - Sx * Sx.T / Tij
        var = Sxx - Sx ** 2 / Tij      # [i, j]: variation of x_i over the periods shared with j
        rho = cov / np.sqrt(var * var.T)
    pairs = np.triu(np.ones((N, N), dtype=bool), k=1)
    if w is not None:
        pairs &= _neighbour_pairs(w, wide.columns)
    use = pairs & (Tij >= 2)
    omitted = int((pairs & (Tij < 2)).sum())
    if not use.any():
        raise PanelError("no pair of entities shares two periods" + (" among neighbours in w" if w is not None else ""))
    tiny = var <= 1e-12 * Sxx
    flat = use & (tiny | tiny.T)
    if flat.any():
        bad = [(wide.columns[i], wide.columns[j]) for i, j in zip(*np.nonzero(flat))]
        raise DataError(f"values do not vary over the common periods of {len(bad)} pair(s), e.g. "
                        f"{preview(bad, 4)}; their correlation is undefined (drop constant entities)")
    if omitted:
        warnings.warn(f"{omitted} pair(s) of entities share fewer than two periods and are left out (as plm)",
                      SpatialInnoWarning, stacklevel=2)
    P = int(use.sum())
    cd = float(np.sum(np.sqrt(Tij[use]) * rho[use]) / np.sqrt(P))
    return CDTestResult(statistic=cd, p_value=float(2 * stats.norm.sf(abs(cd))), mean_rho=float(rho[use].mean()),
                        n_entities=N, n_periods=T, n_pairs=P, omitted_pairs=omitted, local=w is not None)
