"""Global spatial autocorrelation: Moran's I (also by period), bivariate Moran, Geary's C, Getis-Ord G.

Conventions (checked against R spdep 1.2.7, ``tests/reference/diagnostics``):

- Values are aligned to the weights **by id**: pass a ``pd.Series`` indexed by region id. A bare
  array is accepted only when its length equals ``w.n`` and is then taken in ``w.ids`` order.
- With z = y - mean(y) and S0 = sum_ij w_ij, S1 = 1/2 sum_ij (w_ij + w_ji)^2,
  S2 = sum_i (w_i. + w_.i)^2, the moments are Cliff & Ord's (1981) under normality and under
  randomisation (kurtosis b2 = n sum z^4 / (sum z^2)^2), as in ``spdep::moran.test`` and
  ``geary.test``. Regions without neighbours (islands) stay in n and in every sum: the
  randomisation moments are then exact for permutations over all n values (as esda; spdep's
  ``adjust.n`` would instead drop them from n).
- ``p_norm`` / ``p_rand`` are two-sided normal p-values (upper tails computed directly, so tiny
  p-values keep their relative accuracy). The pseudo p-value from ``permutations`` random
  permutations is two-sided too: p_sim = (1 + #{|S_perm - E| >= |S - E|}) / (1 + permutations).
- Randomness only through ``seed`` (default :data:`spatialinno.constants.PERMUTATION_SEED`; ``None``
  means the same default, a ``np.random.Generator`` is used as given): same seed, same numbers.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import Field, asdict, dataclass, field, fields
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import stats

from ..constants import PERMUTATION_SEED
from ..errors import DataError, PanelError, PeriodWeightsError, SpatialInnoError, preview
from ..models.data import panel_positions
from ..models.missing import handle_missing
from ..weights import PeriodWeights, Weights
from ..weights.convert import takes_weights
from .inputs import check_weights, nonconstant, standardise, values_by_id, variable_label
from .permutation import check_permutations, count_extreme, generator, permuted_blocks, pseudo_p, two_sided_p


def _weight_sums(W: sp.csr_matrix) -> tuple[float, float, float, np.ndarray, np.ndarray]:
    """S0, S1, S2 and row/column sums of W."""
    rs = np.asarray(W.sum(axis=1)).ravel()
    cs = np.asarray(W.sum(axis=0)).ravel()
    S0 = float(W.sum())
    sym = W + W.T
    S1 = 0.5 * float(sym.multiply(sym).sum())
    S2 = float(((rs + cs) ** 2).sum())
    if S0 == 0:
        raise SpatialInnoError("the weights have no links (every region is an island); build weights with links")
    return S0, S1, S2, rs, cs


def _result_frame(results: dict, index_name) -> pd.DataFrame:
    rows = {k: r.to_series() for k, r in results.items()}
    out = pd.DataFrame(rows).T
    out.index.name = index_name
    for c in ("n", "permutations"):
        if c in out:
            out[c] = out[c].astype(int)
    for c in out.columns:
        if c not in ("n", "permutations"):
            out[c] = out[c].astype(float)
    return out


class _Result:
    """Shared behaviour of the global result dataclasses."""

    __dataclass_fields__: ClassVar[dict[str, Field[Any]]]

    def to_series(self) -> pd.Series:
        """The scalar fields as a Series (the permutation draws are left out)."""
        d = {f.name: getattr(self, f.name) for f in fields(self) if f.repr}
        return pd.Series(d, name=type(self).__name__, dtype=object)

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if k != "sims"}

    def __str__(self) -> str:
        lines = [f"{type(self).__name__}"]
        for f in fields(self):
            if f.repr:
                v = getattr(self, f.name)
                lines.append(f"  {f.name:<14}{v:.6g}" if isinstance(v, float) else f"  {f.name:<14}{v}")
        return "\n".join(lines)


# ---------------------------------------------------------------------------------- Moran
@dataclass(frozen=True, repr=True)
class MoranResult(_Result):
    """Global Moran's I with normality and randomisation moments and a permutation p-value.

    ``I = n / S0 * z'Wz / z'z`` (Moran 1950) with z = y - mean(y); moments of Cliff & Ord (1981,
    *Spatial Processes*, ch. 2) as in ``spdep::moran.test``.

    Attributes
    ----------
    I : float
        Moran's I.
    expected : float
        ``E[I] = -1/(n-1)``.
    variance_norm, variance_rand : float
        Variance of I under normality and under randomisation.
    z_norm, z_rand : float
        ``(I - expected) / sqrt(variance_*)``.
    p_norm, p_rand : float
        Two-sided normal p-values of ``z_norm``, ``z_rand``.
    p_sim : float
        Two-sided permutation pseudo p-value (NaN when ``permutations=0``).
    n : int
        Number of regions.
    permutations : int
        Number of permutations drawn.
    sims : np.ndarray
        The permuted statistics (left out of ``to_series``/``to_dict``).
    """

    I: float
    expected: float
    variance_norm: float
    variance_rand: float
    z_norm: float
    z_rand: float
    p_norm: float
    p_rand: float
    p_sim: float
    n: int
    permutations: int
    sims: np.ndarray | None = field(default=None, repr=False, compare=False)


def _moran_core(v: np.ndarray, W: sp.csr_matrix, permutations: int, rng: np.random.Generator,
                label: str) -> MoranResult:
    n = v.shape[0]
    z = nonconstant(v, label)
    S0, S1, S2, _, _ = _weight_sums(W)
    zz = float(z @ z)
    scale = n / S0 / zz
    I = float(z @ (W @ z)) * scale
    E = -1.0 / (n - 1)
    var_norm = (n * n * S1 - n * S2 + 3 * S0 ** 2) / ((n * n - 1) * S0 ** 2) - E ** 2
    b2 = n * float((z ** 4).sum()) / zz ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        var_rand = float(np.float64(n * ((n * n - 3 * n + 3) * S1 - n * S2 + 3 * S0 ** 2)
                                    - b2 * ((n * n - n) * S1 - 2 * n * S2 + 6 * S0 ** 2))
                         / np.float64((n - 1) * (n - 2) * (n - 3) * S0 ** 2) - E ** 2)
        if n < 4:
            var_rand = float("nan")
        z_norm = (I - E) / np.sqrt(var_norm)
        z_rand = (I - E) / np.sqrt(var_rand) if var_rand > 0 else float("nan")
    sims = np.empty(permutations)
    done = 0
    for Z in permuted_blocks(z, permutations, rng):
        k = Z.shape[0]
        sims[done:done + k] = np.einsum("kn,kn->k", Z, (W @ Z.T).T) * scale
        done += k
    p_sim = pseudo_p(count_extreme(sims, I, E), permutations)
    return MoranResult(I=I, expected=E, variance_norm=float(var_norm), variance_rand=var_rand,
                       z_norm=float(z_norm), z_rand=float(z_rand), p_norm=float(two_sided_p(z_norm)),
                       p_rand=float(two_sided_p(z_rand)), p_sim=p_sim, n=n, permutations=permutations, sims=sims)


@takes_weights
def moran(y, w: Weights, permutations: int = 999, seed: int | None = PERMUTATION_SEED) -> MoranResult:
    """Global Moran's I of ``y`` on weights ``w``.

    ``I = (n / S0) * sum_ij w_ij z_i z_j / sum_i z_i^2`` with z = y - mean(y) and S0 = sum_ij w_ij
    (Moran 1950; moments of Cliff & Ord 1981, see the module docstring).

    Parameters
    ----------
    y : pd.Series
        Values indexed by region id (aligned to ``w.ids`` by id; every weights id needed, no extra
        ids). A bare array of length ``w.n`` is read in ``w.ids`` order.
    w : Weights
        Spatial weights, used as normalised (``w.sparse``).
    permutations : int
        Number of random permutations for ``p_sim`` (0 to skip).
    seed : int, np.random.Generator or None
        Seed of the permutations (default :data:`spatialinno.constants.PERMUTATION_SEED`; None means
        the same default); same seed, same ``p_sim``.

    Returns
    -------
    MoranResult
        ``I, expected, variance_norm, variance_rand, z_norm, z_rand, p_norm, p_rand, p_sim, n,
        permutations`` (matches ``spdep::moran.test``; see the module docstring).

    Raises
    ------
    IdError
        If the ids of ``y`` and ``w`` differ.
    DataError
        For NaN values, a constant variable or fewer than 3 regions.
    """
    permutations = check_permutations(permutations)
    v = values_by_id(y, w)
    return _moran_core(v, w.sparse, permutations, generator(seed), variable_label(y))


@takes_weights
def moran_by_period(data: pd.DataFrame, column: Hashable, w: Weights | PeriodWeights, entity: Hashable,
                    time: Hashable, permutations: int = 999, seed: int | None = PERMUTATION_SEED,
                    missing: str = "raise") -> pd.DataFrame:
    """Global Moran's I of ``column`` in each period of a long, balanced panel.

    Every weights id must appear exactly once in every period; with time-varying weights (``PeriodWeights``)
    period t uses W_t, and its regions must be exactly those of W_t. The permutations of successive
    periods come from one generator seeded with ``seed``, so the whole table is reproducible.

    Parameters
    ----------
    data : pd.DataFrame
        Long panel with entity, time and value columns.
    column : hashable
        The variable.
    w : Weights or PeriodWeights
        Spatial weights, used as normalised (``w.sparse``), or one W_t per period (``si.weights.by_period``).
    entity, time : hashable
        Columns holding the region id (matching ``w.ids``) and the period.
    permutations : int
        Number of random permutations for ``p_sim`` (0 to skip).
    seed : int, np.random.Generator or None
        Seed of the permutations (default :data:`spatialinno.constants.PERMUTATION_SEED`; None means
        the same default); same seed, same ``p_sim``.
    missing : {"raise", "drop"}
        Rows with a NaN in ``column``, ``entity`` or ``time``: ``"raise"`` names them; ``"drop"`` drops them
        first (their keys in ``.attrs["dropped"]``; a region losing every row leaves W).

    Returns
    -------
    pd.DataFrame
        Indexed by period (sorted, named ``time``) with the :class:`MoranResult` fields as columns.

    Raises
    ------
    PanelError
        For a missing column or an unbalanced panel (naming the missing (entity, time) pairs).
    """
    if not isinstance(w, PeriodWeights):
        check_weights(w)
    permutations = check_permutations(permutations)
    if not isinstance(data, pd.DataFrame):
        raise SpatialInnoError("data must be a long DataFrame with entity, time and value columns")
    if column not in data.columns:
        raise PanelError(f"value column {column!r} not in the data; columns are {preview(data.columns)}")
    data, w, record = handle_missing(data, [], w, entity=entity, time=time, extra=[column], missing=missing)
    if isinstance(w, Weights):
        periods, pos = panel_positions(data, w, entity, time)
    else:
        pos = None
        periods = pd.Index(np.sort(data[time].unique()), name=time)
        absent = [t for t in periods if t not in w]
        if absent:
            raise PeriodWeightsError(f"no weights for period(s) {preview(absent)} of the data; the time-varying "
                                     f"weights cover {preview(list(w.periods))}")
    rng = generator(seed)
    out = {}
    for k, t in enumerate(periods):
        wt = w if isinstance(w, Weights) else check_weights(w[t])
        rows = data.iloc[pos[k * wt.n:(k + 1) * wt.n]] if pos is not None else data[data[time] == t]
        order = wt.align(rows[entity], f"data of period {t!r}")
        v = values_by_id(pd.Series(rows[column].to_numpy()[order], index=wt.ids), wt, name=f"{column} ({t})")
        out[t] = _moran_core(v, wt.sparse, permutations, rng, f"{column} in period {t}")
    frame = _result_frame(out, time)
    frame.attrs["dropped"] = record.dropped
    return frame


# ------------------------------------------------------------------------ bivariate Moran
@dataclass(frozen=True, repr=True)
class BivariateMoranResult(_Result):
    """Global bivariate Moran ``I_B = z_x' W z_y / n`` (population-sd z-scores; x at i, W y around i).

    Moments are exact under random permutation of y with x held fixed (the null of ``p_sim``):
    ``expected = 0`` and ``variance_rand = n/(n-1) * sum_j (a_j - mean(a))^2`` with a = W'z_x / n.

    Attributes
    ----------
    I : float
        Bivariate Moran's I_B.
    expected : float
        0.
    variance_rand : float
        Variance of I_B over permutations of y.
    z_rand, p_rand : float
        ``I / sqrt(variance_rand)`` and its two-sided normal p-value.
    p_sim : float
        Two-sided permutation pseudo p-value about 0.
    n : int
        Number of regions.
    permutations : int
        Number of permutations drawn.
    sims : np.ndarray
        The permuted statistics (left out of ``to_series``/``to_dict``).
    """

    I: float
    expected: float
    variance_rand: float
    z_rand: float
    p_rand: float
    p_sim: float
    n: int
    permutations: int
    sims: np.ndarray | None = field(default=None, repr=False, compare=False)


@takes_weights
def bivariate_moran(x, y, w: Weights, permutations: int = 999, seed: int | None = PERMUTATION_SEED
                    ) -> BivariateMoranResult:
    """Global bivariate Moran's I between ``x`` (at each region) and the spatial lag of ``y``.

    ``I_B = z_x' W z_y / n`` with z-scores using the population standard deviation (Wartenberg
    1985; Anselin, Syabri & Smirnov 2002), equal to ``spdep::moran_bv`` and ``esda.Moran_BV``. Not
    symmetric: ``bivariate_moran(x, y)`` and ``bivariate_moran(y, x)`` differ unless W is symmetric.

    Parameters
    ----------
    x, y : pd.Series
        Values indexed by region id, aligned to ``w`` by id as in :func:`moran`.
    w : Weights
        Spatial weights, used as normalised (``w.sparse``).
    permutations : int
        Number of random permutations for ``p_sim`` (0 to skip).
    seed : int, np.random.Generator or None
        Seed of the permutations (default :data:`spatialinno.constants.PERMUTATION_SEED`; None means
        the same default); same seed, same ``p_sim``.

    Returns
    -------
    BivariateMoranResult
        ``p_sim`` permutes y (x fixed), the two-sided pseudo p about 0; ``z_rand``/``p_rand`` use
        the exact moments of that permutation distribution.
    """
    permutations = check_permutations(permutations)
    vx = values_by_id(x, w, name="x")
    vy = values_by_id(y, w, name="y")
    lx, ly = variable_label(x, "x"), variable_label(y, "y")
    n = w.n
    zx = standardise(vx, lx, "bivariate Moran's I")
    zy = standardise(vy, ly, "bivariate Moran's I")
    W = w.sparse
    a = (W.T @ zx) / n
    I = float(a @ zy)
    var = n / (n - 1) * float(((a - a.mean()) ** 2).sum())
    z = I / np.sqrt(var) if var > 0 else float("nan")
    rng = generator(seed)
    sims = np.empty(permutations)
    done = 0
    for Z in permuted_blocks(zy, permutations, rng):
        sims[done:done + Z.shape[0]] = Z @ a
        done += Z.shape[0]
    p_sim = pseudo_p(count_extreme(sims, I, 0.0), permutations)
    return BivariateMoranResult(I=I, expected=0.0, variance_rand=var, z_rand=float(z), p_rand=float(two_sided_p(z)),
                                p_sim=p_sim, n=n, permutations=permutations, sims=sims)


# ------------------------------------------------------------------------------- Geary's C
@dataclass(frozen=True, repr=True)
class GearyResult(_Result):
    """Geary's C with Cliff-Ord moments.

    **Sign convention of spdep**: ``z = (E[C] - C)/sqrt(Var)`` with E[C] = 1, so a positive z means
    positive spatial autocorrelation (C < 1); esda's z has the opposite sign.

    Attributes
    ----------
    C : float
        Geary's C.
    expected : float
        1.
    variance_norm, variance_rand : float
        Variance of C under normality and under randomisation.
    z_norm, z_rand : float
        ``(1 - C) / sqrt(variance_*)``.
    p_norm, p_rand : float
        Two-sided normal p-values.
    p_sim : float
        Two-sided permutation pseudo p-value about 1.
    n : int
        Number of regions.
    permutations : int
        Number of permutations drawn.
    sims : np.ndarray
        The permuted statistics (left out of ``to_series``/``to_dict``).
    """

    C: float
    expected: float
    variance_norm: float
    variance_rand: float
    z_norm: float
    z_rand: float
    p_norm: float
    p_rand: float
    p_sim: float
    n: int
    permutations: int
    sims: np.ndarray | None = field(default=None, repr=False, compare=False)


@takes_weights
def geary(y, w: Weights, permutations: int = 999, seed: int | None = PERMUTATION_SEED) -> GearyResult:
    """Geary's C of ``y`` on weights ``w``, as ``spdep::geary.test``.

    ``C = (n-1) sum_ij w_ij (y_i - y_j)^2 / (2 S0 sum_i z_i^2)`` (Geary 1954; moments of Cliff &
    Ord 1981). z-values follow spdep's sign (positive = positive autocorrelation, C < 1).

    Parameters
    ----------
    y : pd.Series
        Values indexed by region id (aligned to ``w.ids`` by id; every weights id needed, no extra
        ids). A bare array of length ``w.n`` is read in ``w.ids`` order.
    w : Weights
        Spatial weights, used as normalised (``w.sparse``).
    permutations : int
        Number of random permutations for ``p_sim`` (0 to skip).
    seed : int, np.random.Generator or None
        Seed of the permutations (default :data:`spatialinno.constants.PERMUTATION_SEED`; None means
        the same default); same seed, same ``p_sim``.

    Returns
    -------
    GearyResult
        ``C, expected, variance_norm, variance_rand, z_norm, z_rand, p_norm, p_rand, p_sim, n,
        permutations``.

    Raises
    ------
    IdError
        If the ids of ``y`` and ``w`` differ.
    DataError
        For NaN values, a constant variable or fewer than 3 regions.
    """
    permutations = check_permutations(permutations)
    v = values_by_id(y, w)
    label = variable_label(y)
    n = v.shape[0]
    z = nonconstant(v, label, "Geary's C")
    W = w.sparse
    S0, S1, S2, rs, cs = _weight_sums(W)
    zz = float(z @ z)
    a = rs + cs
    scale = (n - 1) / (2 * S0 * zz)
    # sum_ij w_ij (z_i - z_j)^2 = sum_i z_i^2 (r_i + c_i) - 2 z'Wz
    C = float((z * z) @ a - 2 * z @ (W @ z)) * scale
    K = n * float((z ** 4).sum()) / zz ** 2
    var_norm = ((2 * S1 + S2) * (n - 1) - 4 * S0 ** 2) / (2 * (n + 1) * S0 ** 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        var_rand = float(np.float64((n - 1) * S1 * (n * n - 3 * n + 3 - K * (n - 1))
                                    - 0.25 * (n - 1) * S2 * (n * n + 3 * n - 6 - K * (n * n - n + 2))
                                    + S0 ** 2 * (n * n - 3 - K * (n - 1) ** 2))
                         / np.float64(n * (n - 2) * (n - 3) * S0 ** 2))
        if n < 4:
            var_rand = float("nan")
        z_norm = (1.0 - C) / np.sqrt(var_norm)
        z_rand = (1.0 - C) / np.sqrt(var_rand) if var_rand > 0 else float("nan")
    rng = generator(seed)
    sims = np.empty(permutations)
    done = 0
    for Z in permuted_blocks(z, permutations, rng):
        k = Z.shape[0]
        sims[done:done + k] = ((Z * Z) @ a - 2 * np.einsum("kn,kn->k", Z, (W @ Z.T).T)) * scale
        done += k
    return GearyResult(C=C, expected=1.0, variance_norm=float(var_norm), variance_rand=var_rand,
                       z_norm=float(z_norm), z_rand=float(z_rand), p_norm=float(two_sided_p(z_norm)),
                       p_rand=float(two_sided_p(z_rand)), p_sim=pseudo_p(count_extreme(sims, C, 1.0), permutations),
                       n=n, permutations=permutations, sims=sims)


# ---------------------------------------------------------------------------- Getis-Ord G
@dataclass(frozen=True, repr=True)
class GetisOrdResult(_Result):
    """Global Getis-Ord G with the Getis & Ord (1992) randomisation variance (as ``spdep::globalG.test``).

    Attributes
    ----------
    G : float
        The general G statistic.
    expected : float
        ``E[G] = S0 / (n (n-1))``.
    variance : float
        Randomisation variance of G.
    z : float
        ``(G - expected) / sqrt(variance)``.
    p_norm : float
        Two-sided normal p-value.
    p_greater : float
        Upper-tail p-value (spdep's default alternative, "high values cluster").
    p_sim : float
        Two-sided permutation pseudo p-value about ``expected``.
    n : int
        Number of regions.
    permutations : int
        Number of permutations drawn.
    sims : np.ndarray
        The permuted statistics (left out of ``to_series``/``to_dict``).
    """

    G: float
    expected: float
    variance: float
    z: float
    p_norm: float
    p_greater: float
    p_sim: float
    n: int
    permutations: int
    sims: np.ndarray | None = field(default=None, repr=False, compare=False)


@takes_weights
def getis_ord(y, w: Weights, permutations: int = 999, seed: int | None = PERMUTATION_SEED) -> GetisOrdResult:
    """Global Getis-Ord G for non-negative ``y``.

    ``G = sum_{i!=j} w_ij y_i y_j / sum_{i!=j} y_i y_j`` (Getis & Ord 1992, *Geographical Analysis*
    24: 189-206). Getis & Ord recommend binary (``normalization="none"``) distance-band or
    contiguity weights; other weights are used as given.

    Parameters
    ----------
    y : pd.Series
        Values indexed by region id (aligned to ``w.ids`` by id; every weights id needed, no extra
        ids). A bare array of length ``w.n`` is read in ``w.ids`` order.
    w : Weights
        Spatial weights, used as normalised (``w.sparse``).
    permutations : int
        Number of random permutations for ``p_sim`` (0 to skip).
    seed : int, np.random.Generator or None
        Seed of the permutations (default :data:`spatialinno.constants.PERMUTATION_SEED`; None means
        the same default); same seed, same ``p_sim``.

    Returns
    -------
    GetisOrdResult
        ``G, expected, variance, z, p_norm, p_greater, p_sim, n, permutations``.

    Raises
    ------
    DataError
        For negative or NaN values, a constant variable or fewer than 3 regions.
    """
    permutations = check_permutations(permutations)
    v = values_by_id(y, w)
    label = variable_label(y)
    if (v < 0).any():
        raise DataError(f"{label!r} has negative values for ids {preview(w.ids[v < 0])}; Getis-Ord G needs "
                        f"non-negative values (shift or use Moran's I)")
    nonconstant(v, label, "Getis-Ord G")
    n = v.shape[0]
    W = w.sparse
    S0, S1, S2, _, _ = _weight_sums(W)
    s1, s2, s3, s4 = v.sum(), (v ** 2).sum(), (v ** 3).sum(), (v ** 4).sum()
    denom = s1 ** 2 - s2
    G = float(v @ (W @ v)) / denom
    EG = S0 / (n * (n - 1))
    nn = n * n
    B0 = (nn - 3 * n + 3) * S1 - n * S2 + 3 * S0 ** 2
    B1 = -((nn - n) * S1 - 2 * n * S2 + 6 * S0 ** 2)
    B2 = -(2 * n * S1 - (n + 3) * S2 + 6 * S0 ** 2)
    B3 = 4 * (n - 1) * S1 - 2 * (n + 1) * S2 + 8 * S0 ** 2
    B4 = S1 - S2 + S0 ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        var = float((B0 * s2 ** 2 + B1 * s4 + B2 * s1 ** 2 * s2 + B3 * s1 * s3 + B4 * s1 ** 4)
                    / np.float64(denom ** 2 * n * (n - 1) * (n - 2) * (n - 3)) - EG ** 2)
        if n < 4:
            var = float("nan")
        z = (G - EG) / np.sqrt(var) if var > 0 else float("nan")
    rng = generator(seed)
    sims = np.empty(permutations)
    done = 0
    for Z in permuted_blocks(v, permutations, rng):
        k = Z.shape[0]
        sims[done:done + k] = np.einsum("kn,kn->k", Z, (W @ Z.T).T) / denom
        done += k
    return GetisOrdResult(G=G, expected=EG, variance=var, z=float(z), p_norm=float(two_sided_p(z)),
                          p_greater=float(stats.norm.sf(z)),
                          p_sim=pseudo_p(count_extreme(sims, G, EG), permutations),
                          n=n, permutations=permutations, sims=sims)
