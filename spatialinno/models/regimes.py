"""Spatial regimes: coefficients by regime, Chow tests of their equality and effects per regime.

With regimes g = 1..G (a label per region, constant over time in panels) and D_g = diag(1[region in g]), the
common-rho regime model (``regimes=``; spreg's ``ML_Lag_Regimes`` with ``constant_regi="many"``,
``regime_lag_sep=False``; Anselin 1990) is

    y = rho W y + sum_g D_g X b_g + sum_g W D_g X t_g + e        (SDM; SAR without t_g, SEM with u = lambda W u + e)

estimated by the ordinary likelihood engine on the regime-interacted columns ``x[g]`` = x 1[region in g] (an
intercept per regime where the model has one: cross-sections and pooled panels; entity and two-way effects absorb
them; with time effects only, ``Intercept[g]`` are the shifts of regimes 2..G from the first, whose Chow test is that
they are all zero) and their lags ``W_x[g]`` = W (x 1[region in g]).

SEM with regimes is y = sum_g D_g X b_g + u, u = lambda W u + e: its filtered regressors are
(I - lambda W) D_g X = D_g X - lambda W D_g X, so region i's filtered row weighs a neighbour's x by the
*neighbour's* regime coefficients. spreg's ``ML_Error_Regimes`` lags X before splitting it by regime and filters
with D_g X - lambda D_g W X = D_g (I - lambda W) X (the regime split of W X): region i's neighbours enter with
*region i's* coefficients, the model (I - lambda W) y = sum_g D_g (I - lambda W) X b_g + e, which differs from the
one above whenever neighbours belong to other regimes. spatialinno estimates the former (the regime analogue of its
SEM); the lag model has no such ambiguity and matches ``ML_Lag_Regimes``.

``regime_spatial=True`` (spreg's ``regime_lag_sep=True``) estimates every regime on its own data with W restricted to
the regime's regions and normalised again (``w.subset``), so rho, sigma2 and every coefficient differ by regime
(see :mod:`.regime_results`).

Chow test (Anselin 1990; spreg ``regimes.Chow``/``wald_test``): for a variable with regime coefficients
b_1..b_G and covariance V, the Wald statistic (R b)' (R V R')^-1 (R b) with R the G - 1 contrasts b_1 - b_g,
chi2(G - 1); ``joint`` stacks the contrasts of every variable, chi2(K (G - 1)).

Effects per regime: a unit change of x in the regions of regime g has S_g = (I - rho W)^-1 (D_g b_g + W D_g t_g);
direct = tr(S_g)/n_g (own effects averaged over the regions of g), total = 1'S_g 1/n_g (the total change of y over
all regions per region of g), indirect = total - direct (LeSage & Pace 2009, §2.7, for the regions that change).
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import stats

from ..constants import EIGEN_MAX
from ..errors import IdError, SpatialInnoError, preview
from ..weights import Weights
from .data import Design, durbin_columns
from .effects import EFFECTS, effect_frame, selection_matrices
from .effects_groups import GroupKernel
from .effects_inference import EffectInference, Multiplier, infer
from .spec import ModelSpec

_TERM = re.compile(r"^(.*)\[([^\[\]]*)\]$")


class RegimeError(SpatialInnoError):
    """Regimes cannot be formed or estimated: missing labels, unknown ids, too few regions in a regime."""


@dataclass(frozen=True)
class RegimeInfo:
    """Which region belongs to which regime, and whether the spatial parameter is common.

    Parameters
    ----------
    name : str
        The regime variable (column or Series name).
    labels : Series
        Regime of every region, indexed by ``w.ids``.
    spatial : bool
        True when every regime has its own spatial parameter (``regime_spatial=True``).
    """

    name: str
    labels: pd.Series
    spatial: bool = False

    @property
    def groups(self) -> pd.Index:
        """The regimes, sorted (order of first appearance when labels cannot be sorted)."""
        values = pd.unique(self.labels.to_numpy())
        try:
            return pd.Index(sorted(values))
        except TypeError:
            return pd.Index(values)

    @property
    def counts(self) -> pd.Series:
        """Number of regions per regime."""
        return self.labels.value_counts().reindex(self.groups)

    def describe(self) -> str:
        """The regimes with their number of regions, as a summary states them.

        Returns
        -------
        str
            e.g. ``"region: central (8), east (11), west (12)"``.
        """
        return f"{self.name}: " + ", ".join(f"{g} ({n})" for g, n in self.counts.items())

    def ids(self, group: Hashable) -> pd.Index:
        """Region ids of regime ``group``.

        Parameters
        ----------
        group : hashable
            A regime.

        Returns
        -------
        Index
        """
        return pd.Index(self.labels.index[self.labels.to_numpy() == group])


def regime_labels(regimes: pd.Series | Hashable, data: pd.DataFrame, w: Weights, key: Hashable | None) -> pd.Series:
    """Regime of every region of ``w``, aligned by id (never by position).

    Parameters
    ----------
    regimes : Series or hashable
        A Series indexed by region id, or a column of ``data`` (constant over time in a panel).
    data : DataFrame
    w : Weights
    key : hashable, optional
        Id column of a cross-section or entity column of a panel (None: the index of ``data``).

    Returns
    -------
    Series
        Named after the regime variable, indexed by ``w.ids``.

    Raises
    ------
    RegimeError
        Unknown column, missing labels, labels varying over time, fewer than two regimes.
    IdError
        Regime ids that are not regions of ``w``, or regions of ``w`` without a regime.
    """
    if isinstance(regimes, pd.Series):
        name = str(regimes.name) if regimes.name is not None else "regime"
        by = regimes
    else:
        if not isinstance(regimes, Hashable) or regimes not in data.columns:
            raise RegimeError(f"regimes={regimes!r} is neither a column of the data nor a Series indexed by region "
                              f"id; columns are {preview(data.columns)}")
        name = str(regimes)
        ids = data.index if key is None else data[key]
        pairs = pd.DataFrame({"id": np.asarray(ids), "g": data[regimes].to_numpy()}).drop_duplicates()
        multi = pairs["id"][pairs["id"].duplicated()].unique()
        if len(multi):
            raise RegimeError(f"regime column {name!r} takes several values for regions {preview(list(multi))}; a "
                              f"region must stay in one regime (use a time-invariant column)")
        by = pd.Series(pairs["g"].to_numpy(), index=pairs["id"].to_numpy(), name=name)
    if by.index.has_duplicates:
        raise IdError(f"regime labels indexed by duplicated ids: {preview(by.index[by.index.duplicated()].unique())}")
    missing_label = by.index[by.isna().to_numpy()]
    if len(missing_label):
        raise RegimeError(f"regime {name!r} is missing (NaN) for regions {preview(list(missing_label))}; give every "
                          f"region a regime (or drop those regions from the data and use w.subset)")
    ids = pd.Index(w.ids)
    unknown, absent = by.index.difference(ids), ids.difference(by.index)
    if len(unknown) or len(absent):
        raise IdError(f"regime labels must cover exactly the regions of the weights: ids not in the weights "
                      f"{preview(list(unknown))}; regions without a regime {preview(list(absent))}")
    out = by.reindex(ids).rename(name)
    if out.nunique() < 2:
        raise RegimeError(f"regimes={name!r} has a single regime ({preview(out.unique())}); regimes need at least two")
    return out


def check_regime_sizes(info: RegimeInfo, per_regime: int, periods: int, extra: int = 0) -> None:
    """Refuse a regime with no more observations than parameters of its own.

    Parameters
    ----------
    info : RegimeInfo
    per_regime : int
        Coefficients of each regime.
    periods : int
        T (observations per region).
    extra : int
        Further parameters estimated from the regime alone (rho and sigma2 with ``regime_spatial=True``).

    Raises
    ------
    RegimeError
    """
    need = per_regime + extra
    small = {g: int(n) for g, n in info.counts.items() if n * periods <= need}
    if small:
        raise RegimeError(f"regimes {preview([f'{g} ({n} regions)' for g, n in small.items()])} of {info.name!r} "
                          f"have no more observations than the {need} parameters each regime needs; merge small "
                          f"regimes, use fewer regressors, or drop regime_spatial")


def interact(design: Design, info: RegimeInfo, spec: ModelSpec, durbin: Sequence[str] | None
             ) -> tuple[Design, list[str] | None]:
    """The design with regime-interacted columns ``x[g]`` = x 1[region in g] and the Durbin list they imply.

    Parameters
    ----------
    design : Design
        The design of the pooled model (time-major for panels).
    info : RegimeInfo
    spec : ModelSpec
    durbin : sequence of str, optional
        Base regressors with W x terms (default all but the intercept).

    Returns
    -------
    (Design, list of str or None)
        Columns ordered by variable, then regime; the Durbin terms ``W_x[g]`` are W (x 1[region in g]).
    """
    groups = info.groups
    rows = np.tile(info.labels.to_numpy(), design.T)
    masks = [rows == g for g in groups]
    cols, names = [], []
    if design.T > 1 and design.fixed_effects == "time":  # regime shifts are not absorbed: all but the first regime
        for g, m in zip(groups[1:], masks[1:]):
            cols.append(m.astype(float))
            names.append(f"Intercept[{g}]")
    for j, name in enumerate(design.names):
        for g, m in zip(groups, masks):
            cols.append(design.X[:, j] * m)
            names.append(f"{name}[{g}]")
    check_regime_sizes(info, len(names) // len(groups) + (len(durbin_columns(design.names, durbin))
                                                          if spec.durbin else 0), design.T)
    new = replace(design, X=np.column_stack(cols), names=names)
    if not spec.durbin:
        return new, None
    base = durbin_columns(design.names, durbin)
    return new, [f"{c}[{g}]" for c in base for g in groups]


def split_term(name: str, groups: pd.Index) -> tuple[str, str] | None:
    """``"agglom[east]"`` -> ``("agglom", "east")`` when ``east`` is a regime, else None.

    Parameters
    ----------
    name : str
        A parameter name.
    groups : Index
        The regimes (compared as strings).

    Returns
    -------
    (str, str) or None
    """
    m = _TERM.match(name)
    if m is None or m.group(2) not in {str(g) for g in groups}:
        return None
    return m.group(1), m.group(2)


def _regime_of(name: str, groups: pd.Index) -> str:
    part = split_term(name, groups)
    if part is None:
        raise SpatialInnoError(f"{name!r} is not a regime variable (name[regime])")
    return part[1]


def chow_table(params: pd.Series, cov: pd.DataFrame, groups: pd.Index) -> pd.DataFrame:
    """Chow (Wald) tests of equal coefficients across regimes, per variable and jointly (module docstring).

    Parameters
    ----------
    params : Series
        Estimates named ``x[g]`` (other parameters, e.g. a common rho, are ignored).
    cov : DataFrame
        Their covariance, labelled like ``params``.
    groups : Index
        The regimes.

    Returns
    -------
    DataFrame
        Index: each variable with regime coefficients, then ``joint``; columns ``statistic``, ``df``, ``p_value``.
    """
    names = list(params.index)
    by_var: dict[str, dict[str, int]] = {}
    for i, n in enumerate(names):
        part = split_term(n, groups)
        if part is not None:
            by_var.setdefault(part[0], {})[part[1]] = i
    b, V = params.to_numpy(), cov.loc[names, names].to_numpy()
    rows, blocks = {}, []
    for var, pos in by_var.items():
        idx = [pos[str(g)] for g in groups if str(g) in pos]
        if len(idx) < len(groups):  # shifts from a reference regime (time effects): equality means all zero
            R = np.zeros((len(idx), len(b)))
            R[np.arange(len(idx)), idx] = 1.0
        else:
            R = np.zeros((len(idx) - 1, len(b)))
            R[:, idx[0]] = 1.0
            R[np.arange(len(idx) - 1), idx[1:]] = -1.0
        blocks.append(R)
        rows[var] = _wald(R, b, V)
    rows["joint"] = _wald(np.vstack(blocks), b, V)
    return pd.DataFrame.from_dict(rows, orient="index", columns=["statistic", "df", "p_value"])


def _wald(R: np.ndarray, b: np.ndarray, V: np.ndarray) -> tuple[float, int, float]:
    rb = R @ b
    stat = float(rb @ np.linalg.solve(R @ V @ R.T, rb))
    df = R.shape[0]
    return stat, df, float(stats.chi2.sf(stat, df))


def regime_impacts(spec: ModelSpec, w: Weights, info: RegimeInfo, params: pd.Series, cov: np.ndarray, *,
                   bounds: tuple[float, float], dist, df: float | None, variables: Sequence[str] | None,
                   allowed: Sequence[str], model: str, method: str, draws: int, seed: int, alpha: float
                   ) -> pd.DataFrame:
    """Direct, indirect and total effects of every regime variable ``x[g]`` of a common-rho regime fit.

    The kernel of regime g is [tr(A^-1 D_g), tr(A^-1 W D_g), 1'A^-1 D_g 1, 1'A^-1 W D_g 1] / n_g, A = I - rho W:
    the column averages over the regions of g, i.e. :class:`.effects_groups.GroupKernel` (row averages) of W'.
    Inference as every other effect (:func:`.effects_inference.infer`, the same draws for every regime).

    Parameters
    ----------
    spec : ModelSpec
    w : Weights
    info : RegimeInfo
    params : Series
        Estimates (``x[g]``, ``W_x[g]``, spatial parameters).
    cov : ndarray
        Their covariance.
    bounds, dist, df, model, method, draws, seed, alpha
        As :func:`.effects.impacts`.
    variables : sequence of str, optional
        Regime variables (``"agglom[east]"``) or base variables (``"agglom"``: every regime); default all.
    allowed : sequence of str
        Regime variables with effects.

    Returns
    -------
    DataFrame
        Indexed by (variable, effect), variable named ``x[g]``.

    Raises
    ------
    RegimeError
        Above ``EIGEN_MAX`` regions (the kernel needs a dense eigen-decomposition of W).
    """
    groups = info.groups
    allowed = [v for v in allowed if not v.startswith("Intercept[")]
    if variables is None:
        chosen = allowed
    else:
        chosen = []
        for v in variables:
            expanded = [a for a in allowed if a == v or (split_term(a, groups) or ("", ""))[0] == v]
            if not expanded:
                raise SpatialInnoError(f"unknown variable {v!r}; choose from {preview(allowed)} or their base names")
            chosen += [a for a in expanded if a not in chosen]
    names = list(params.index)
    b = params.to_numpy()
    C, D = selection_matrices(names, chosen, allowed)
    if w.n > EIGEN_MAX:
        raise RegimeError(f"effects per regime are exact up to {EIGEN_MAX} regions (dense eigen-decomposition); this "
                          f"W has {w.n}: report the regime coefficients, or estimate the regimes separately "
                          f"(regime_spatial=True)")
    wt = Weights.from_sparse(w.sparse.T.tocsr(), w.ids)
    kernel = GroupKernel(wt, info.labels)
    lookup = {str(g): g for g in groups}
    row = np.array([int(kernel.groups.get_indexer([lookup[_regime_of(v, groups)]])[0]) for v in chosen])
    res = infer(kernel, C, D, b, cov, mult=Multiplier(names, spec.lag, bounds), dist=dist, df=df, method=method,
                draws=draws, seed=seed, alpha=alpha)
    pick = np.arange(len(chosen))

    def own(a: np.ndarray) -> np.ndarray:
        return a[pick, row][:, None, :]

    mine = EffectInference(own(res.estimate), own(res.std_error), own(res.ci_lower), own(res.ci_upper), own(res.sd),
                           res.rejected)
    out = effect_frame(mine, [(v, e) for v in chosen for e in EFFECTS], ["variable", "effect"], dist)
    out.attrs.update({"method": method, "draws": draws if method == "simulation" else 0, "rejected": res.rejected,
                      "seed": seed, "alpha": alpha, "model": model, "horizon": "short", "regimes": info.name})
    return out
