"""Local indicators of spatial association: local Moran (LISA), local bivariate Moran, local G / G*.

Every function returns a DataFrame indexed by region id (``w.ids`` order).

Permutation inference is *conditional* (Anselin 1995): for region i the value at i is held fixed
and its neighbours' values are drawn without replacement from the other n - 1 regions. The draws
are vectorised with numpy (no numba compile cost): each replication draws only the k_max + 1
distinct positions the regions need (not a full permutation of n) and shares them by all regions,
as GeoDa and esda share one permutation, so the p-values of different regions are correlated but
each is a valid conditional permutation p-value. (Since 0.2 this sampler replaces full permutations:
p_sim values differ from 0.1's for the same seed; the same seed still gives the same numbers.)
``p_sim`` is two-sided, about the exact mean of the conditional permutation distribution:
p_sim = (1 + #{|S_perm - E_c| >= |S - E_c|}) / (1 + permutations). (GeoDa/esda report a folded
one-sided value, roughly half of this.)

Regions without neighbours (islands) get NaN statistics and cluster ``"island"``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import stats

from ..constants import PERMUTATION_SEED
from ..errors import SpatialInnoError
from ..weights import Weights
from ..weights.convert import takes_weights
from ..weights.normalize import normalize_matrix
from .inputs import nonconstant, standardise, values_by_id, variable_label
from .permutation import BLOCK_ELEMENTS, TIE_RTOL, check_permutations, generator, two_sided_p

#: GeoDa numbering of Moran-scatterplot quadrants
QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}


# ------------------------------------------------------------------ conditional permutations
def distinct_draws(n: int, reps: int, m: int, rng: np.random.Generator) -> np.ndarray:
    """``reps`` ordered samples of ``m`` distinct indices from range(n), uniform, one per row.

    Sequential sampling without replacement: column j is uniform on range(n) and redrawn, row by row,
    while it repeats an earlier column, i.e. uniform on the indices not yet chosen. Costs O(reps m^2),
    not O(reps n) as full permutations do.

    Parameters
    ----------
    n : int
        Population size.
    reps : int
        Number of samples (rows).
    m : int
        Sample size, at most n.
    rng : np.random.Generator

    Returns
    -------
    ndarray
        (reps, m) int64.
    """
    R = np.empty((reps, m), dtype=np.int64)
    for j in range(m):
        col = rng.integers(0, n, size=reps)
        dup = (R[:, :j] == col[:, None]).any(axis=1)
        while dup.any():
            col[dup] = rng.integers(0, n, size=int(dup.sum()))
            dup = (R[:, :j] == col[:, None]).any(axis=1)
        R[:, j] = col
    return R


def _conditional_counts(W: sp.csr_matrix, v: np.ndarray, obs_lag: np.ndarray, permutations: int,
                        rng: np.random.Generator) -> np.ndarray:
    """Two-sided conditional-permutation p-values of the spatial lag ``sum_{j != i} w_ij v_j``.

    ``W`` must have a zero diagonal. For each region the permuted lag puts values drawn without
    replacement from ``{v_j : j != i}`` on i's neighbours; the count is of permuted lags at least
    as far from their exact conditional mean ``w_i. * mean_{j != i} v_j`` as the observed lag.
    Each replication draws only k_max + 1 distinct positions (not a permutation of all n), shared by
    all regions: region i takes the first k_i of them that are not i, a uniform ordered sample of
    the other n - 1 values. Lags are one matrix product per chunk of regions with equal k; the rare
    (region, replication) pairs whose own position was drawn among the first k_i are corrected.
    Memory is O(chunk) with chunk = ``BLOCK_ELEMENTS``. Returns p (NaN for regions without neighbours).
    """
    n = v.shape[0]
    W = sp.csr_matrix(W)
    card = np.diff(W.indptr)
    wsum = np.asarray(W.sum(axis=1)).ravel()
    center = wsum * (v.sum() - v) / (n - 1)
    dev = np.abs(obs_lag - center)
    thresh = dev - TIE_RTOL * (dev + np.abs(center) + np.abs(obs_lag) + 1e-300)
    counts = np.zeros(n)
    p = np.full(n, np.nan)
    if permutations == 0:
        return p
    kmax = int(card.max()) if n else 0
    if kmax == 0:
        return p
    m = kmax + 1
    groups = [(k, np.flatnonzero(card == k)) for k in np.unique(card) if k > 0]
    per = max(1, min(permutations, BLOCK_ELEMENTS // m))
    done = 0
    while done < permutations:
        b = min(per, permutations - done)
        R = distinct_draws(n, b, m, rng)                   # (b, kmax + 1)
        V = v[R]
        for k, rows in groups:
            Vk = np.ascontiguousarray(V[:, :k].T)          # (k, b)
            step = max(1, BLOCK_ELEMENTS // b)
            for s in range(0, rows.size, step):
                r = rows[s:s + step]
                L = W.data[W.indptr[r][:, None] + np.arange(k)[None, :]] @ Vk   # (r, b) permuted lags
                L -= center[r, None]
                np.abs(L, out=L)
                counts[r] += (L >= thresh[r, None]).sum(axis=1)
        # pairs where region i's own position is among its first k_i draws: replace that lag
        s_idx, q_idx = np.nonzero(np.arange(m)[None, :] < card[R])
        if s_idx.size:
            i = R[s_idx, q_idx]
            k = card[i]
            pos = np.arange(kmax)[None, :]
            valid = pos < k[:, None]
            wts = np.where(valid, W.data[W.indptr[i][:, None] + np.minimum(pos, k[:, None] - 1)], 0.0)
            wrong = np.sum(wts * V[s_idx[:, None], pos], axis=1)
            right = np.sum(wts * V[s_idx[:, None], pos + (pos >= q_idx[:, None])], axis=1)
            ext = (np.abs(right - center[i]) >= thresh[i]).astype(float)
            ext -= np.abs(wrong - center[i]) >= thresh[i]
            np.add.at(counts, i, ext)
        done += b
    has = card > 0
    p[has] = (counts[has] + 1.0) / (permutations + 1.0)
    return p


def _fdr(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (NaN kept)."""
    out = np.full_like(p, np.nan)
    ok = np.isfinite(p)
    if ok.any():
        out[ok] = stats.false_discovery_control(p[ok], method="bh")
    return out


def _quadrants(a: np.ndarray, lag: np.ndarray) -> np.ndarray:
    hi, lhi = a > 0, lag > 0
    return np.where(hi & lhi, 1, np.where(~hi & lhi, 2, np.where(~hi & ~lhi, 3, 4)))


def _clusters(quad: np.ndarray, p: np.ndarray, alpha: float, island: np.ndarray) -> np.ndarray:
    lab = np.array([QUADRANTS[q] for q in quad], dtype=object)
    lab[~(p <= alpha)] = "ns"
    lab[island] = "island"
    return lab


def _check_alpha(alpha) -> float:
    if not (0 < float(alpha) < 1):
        raise SpatialInnoError(f"alpha must lie strictly between 0 and 1 (got {alpha!r})")
    return float(alpha)


def _lisa_frame(w: Weights, cols: dict, quad: np.ndarray, p_norm: np.ndarray, p_sim: np.ndarray,
                permutations: int, alpha: float, fdr: bool, island: np.ndarray, attrs: dict) -> pd.DataFrame:
    p_used = p_sim if permutations else p_norm
    p_adj = _fdr(np.where(island, np.nan, p_used))
    lab = _clusters(quad, p_adj if fdr else p_used, alpha, island)
    df = pd.DataFrame(cols, index=w.ids.copy())
    df["p_norm"] = p_norm
    df["p_sim"] = p_sim
    df["p_fdr"] = p_adj
    df["quadrant"] = pd.array(np.where(island, pd.NA, quad), dtype="Int64")
    df["cluster"] = pd.Categorical(lab, categories=["HH", "LL", "LH", "HL", "ns", "island"])
    for c in df.columns[: len(cols)]:
        df.loc[island, c] = np.nan
    df.loc[island, ["p_norm", "p_sim"]] = np.nan
    df.attrs.update(attrs, permutations=permutations, alpha=alpha, fdr=fdr,
                    cluster_p="p_sim" if permutations else "p_norm")
    return df


# ----------------------------------------------------------------------------- local Moran
@takes_weights
def local_moran(y, w: Weights, permutations: int = 999, seed: int | None = PERMUTATION_SEED, alpha: float = 0.05,
                fdr: bool = False, moments: str = "total") -> pd.DataFrame:
    """Local Moran's I_i (Anselin 1995) with analytic and conditional-permutation inference.

    With z = y - mean(y) and m2 = sum z^2 / n: ``Ii = z_i sum_j w_ij z_j / m2``; sum_i Ii = S0 * I,
    so for row-normalised W without islands the mean of the Ii is the global Moran's I.

    ``moments="total"`` (default): Anselin (1995) total-randomisation moments
    E[Ii] = -w_i./(n-1), Var[Ii] = w_i(2)(n-b2)/(n-1) + (w_i.^2 - w_i(2))(2b2-n)/((n-1)(n-2)) - E^2,
    b2 = (sum z^4/n)/m2^2, as ``spdep::localmoran(conditional=FALSE, mlvar=TRUE)``.
    ``moments="conditional"``: Sokal et al. (1998) conditional moments, as spdep's
    ``conditional=TRUE``. (esda's ``Moran_Local.Is`` is (n-1)/n times this Ii.)

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
    alpha : float
        Significance level of the cluster labels, in (0, 1).
    fdr : bool
        Label clusters by Benjamini-Hochberg adjusted p-values.
    moments : str
        ``"total"`` or ``"conditional"`` (see above).

    Returns
    -------
    pd.DataFrame
        Indexed by id with ``Ii, E_Ii, Var_Ii, Z_Ii, p_norm`` (two-sided normal), ``p_sim``
        (two-sided conditional permutation, seeded; NaN if ``permutations=0``), ``p_fdr``
        (Benjamini-Hochberg adjustment of the p-value used for clusters), ``quadrant`` (1 HH, 2 LH,
        3 LL, 4 HL: GeoDa's numbering) and ``cluster`` (``"HH"|"LL"|"HL"|"LH"`` where significant at
        ``alpha``, else ``"ns"``; ``"island"`` for regions without neighbours, whose statistics are
        NaN). Clusters use ``p_sim`` (``p_norm`` when ``permutations=0``), BH-adjusted if ``fdr``.
    """
    permutations = check_permutations(permutations)
    alpha = _check_alpha(alpha)
    if moments not in ("total", "conditional"):
        raise SpatialInnoError(f"moments must be 'total' (Anselin 1995) or 'conditional' (got {moments!r})")
    v = values_by_id(y, w)
    z = nonconstant(v, variable_label(y), "local Moran's I")
    n = v.shape[0]
    W = w.sparse
    m2 = float(z @ z) / n
    lag = W @ z
    Ii = z * lag / m2
    wi = np.asarray(W.sum(axis=1)).ravel()
    wi2 = np.asarray(W.multiply(W).sum(axis=1)).ravel()
    with np.errstate(divide="ignore", invalid="ignore"):
        if moments == "total":
            b2 = (float((z ** 4).sum()) / n) / m2 ** 2
            E = -wi / (n - 1)
            V = wi2 * (n - b2) / (n - 1) + (wi ** 2 - wi2) * (2 * b2 - n) / ((n - 1) * (n - 2)) - E ** 2
        else:
            E = -(z ** 2) * wi / ((n - 1) * m2)
            V = (z / m2) ** 2 * (n / (n - 2)) * (wi2 - wi ** 2 / (n - 1)) * (m2 - z ** 2 / (n - 1))
        Z = (Ii - E) / np.sqrt(V)
    island = np.diff(W.indptr) == 0
    p_norm = two_sided_p(Z)
    p_sim = _conditional_counts(W, z, lag, permutations, generator(seed))
    p_sim = np.where(z == 0, 1.0, p_sim) if permutations else p_sim  # Ii = 0 for every draw
    return _lisa_frame(w, {"Ii": Ii, "E_Ii": E, "Var_Ii": V, "Z_Ii": Z}, _quadrants(z, lag), p_norm, p_sim,
                       permutations, alpha, fdr, island,
                       {"statistic": "local Moran (Anselin 1995)", "moments": moments, "variable": variable_label(y)})


@takes_weights
def local_bivariate_moran(x, y, w: Weights, permutations: int = 999, seed: int | None = PERMUTATION_SEED,
                          alpha: float = 0.05, fdr: bool = False) -> pd.DataFrame:
    """Local bivariate Moran ``Ii = z_x,i * sum_j w_ij z_y,j`` (population-sd z-scores).

    The mean of the local values is the global :func:`bivariate_moran` I_B (Anselin, Syabri &
    Smirnov 2002). (spdep's ``localmoran_bv`` uses sample-sd z-scores, i.e. n/(n-1) times these
    values.) Inference holds x_i fixed and draws the neighbours' y from the other n - 1 regions:
    ``E_Ii``/``Var_Ii`` are the exact moments of that conditional permutation distribution,
    ``p_sim`` its two-sided pseudo p.

    Parameters
    ----------
    x, y : pd.Series
        Values indexed by region id, aligned to ``w`` by id.
    w : Weights
        Spatial weights, used as normalised (``w.sparse``).
    permutations : int
        Number of random permutations for ``p_sim`` (0 to skip).
    seed : int, np.random.Generator or None
        Seed of the permutations (default :data:`spatialinno.constants.PERMUTATION_SEED`; None means
        the same default); same seed, same ``p_sim``.
    alpha : float
        Significance level of the cluster labels, in (0, 1).
    fdr : bool
        Label clusters by Benjamini-Hochberg adjusted p-values.

    Returns
    -------
    pd.DataFrame
        Columns as :func:`local_moran`. Quadrants and clusters combine high/low x at i with high/low
        lag of y (``"HL"`` = high x surrounded by low y).
    """
    permutations = check_permutations(permutations)
    alpha = _check_alpha(alpha)
    vx, vy = values_by_id(x, w, name="x"), values_by_id(y, w, name="y")
    zx = standardise(vx, variable_label(x, "x"), "bivariate Moran's I")
    zy = standardise(vy, variable_label(y, "y"), "bivariate Moran's I")
    n = w.n
    W = w.sparse
    lag = W @ zy
    Ii = zx * lag
    wi = np.asarray(W.sum(axis=1)).ravel()
    wi2 = np.asarray(W.multiply(W).sum(axis=1)).ravel()
    # others' y: mean -zy_i/(n-1); population variance over the n-1 others
    mo = -zy / (n - 1)
    s2o = (n - zy ** 2) / (n - 1) - mo ** 2
    E = zx * wi * mo
    with np.errstate(divide="ignore", invalid="ignore"):
        V = zx ** 2 * s2o * ((n - 1) * wi2 - wi ** 2) / (n - 2)
        Z = (Ii - E) / np.sqrt(V)
    island = np.diff(W.indptr) == 0
    p_sim = _conditional_counts(W, zy, lag, permutations, generator(seed))
    p_sim = np.where(zx == 0, 1.0, p_sim) if permutations else p_sim
    return _lisa_frame(w, {"Ii": Ii, "E_Ii": E, "Var_Ii": V, "Z_Ii": Z}, _quadrants(zx, lag), two_sided_p(Z),
                       p_sim, permutations, alpha, fdr, island,
                       {"statistic": "local bivariate Moran", "x": variable_label(x, "x"), "y": variable_label(y, "y")})


# ------------------------------------------------------------------------------- local G
@takes_weights
def local_getis_ord(y, w: Weights, star: bool | float = False, permutations: int = 999,
                    seed: int | None = PERMUTATION_SEED, alpha: float = 0.05, fdr: bool = False) -> pd.DataFrame:
    """Local Getis-Ord G_i (``star=False``) or G_i* (``star=True``), as ``spdep::localG``.

    G_i = sum_{j!=i} w_ij y_j / sum_{j!=i} y_j with leave-one-out moments (Getis & Ord 1992; Ord &
    Getis 1995); G_i* includes i itself: a self weight (1 on the scale of ``w.raw`` when
    ``star=True``, or the number given) is added to the raw weights, which are then normalised as
    ``w`` (``include.self`` + ``nb2listw`` in spdep). ``Z_G`` is spdep's standard deviate
    (unchanged by rescaling a row, so row-normalised and binary weights give the same z); ``G``,
    ``E_G``, ``V_G`` are on the G scale.

    Parameters
    ----------
    y : pd.Series
        Values indexed by region id (aligned to ``w.ids`` by id; every weights id needed, no extra
        ids). A bare array of length ``w.n`` is read in ``w.ids`` order.
    w : Weights
        Spatial weights, used as normalised (``w.sparse``).
    star : bool or float
        False for G_i, True (self weight 1) or a positive self weight for G_i*.
    permutations : int
        Number of random permutations for ``p_sim`` (0 to skip).
    seed : int, np.random.Generator or None
        Seed of the permutations (default :data:`spatialinno.constants.PERMUTATION_SEED`; None means
        the same default); same seed, same ``p_sim``.
    alpha : float
        Significance level of the cluster labels, in (0, 1).
    fdr : bool
        Label clusters by Benjamini-Hochberg adjusted p-values.

    Returns
    -------
    pd.DataFrame
        Indexed by id with ``G, E_G, V_G, Z_G, p_norm`` (two-sided), ``p_sim`` (two-sided
        conditional permutation: values around i drawn from the other regions, y_i fixed),
        ``p_fdr`` and ``cluster`` (``"hot"`` for significant positive z, ``"cold"`` for negative,
        ``"ns"``, ``"island"``).
    """
    permutations = check_permutations(permutations)
    alpha = _check_alpha(alpha)
    v = values_by_id(y, w)
    nonconstant(v, variable_label(y), "local G")
    n = v.shape[0]
    island = np.diff(w.raw.indptr) == 0
    if star is False or star is None:
        Wf = w.sparse
        Wo = Wf
        self_w = np.zeros(n)
    else:
        s = 1.0 if star is True else float(star)
        if not s > 0:
            raise SpatialInnoError(f"star must be True, False or a positive self weight (got {star!r})")
        Wf = sp.csr_matrix(normalize_matrix(w.raw + s * sp.identity(n, format="csr"), w.normalization))
        self_w = Wf.diagonal()
        Wo = sp.csr_matrix(Wf - sp.diags(self_w))
        Wo.eliminate_zeros()
    wi = np.asarray(Wf.sum(axis=1)).ravel()
    s1i = np.asarray(Wf.multiply(Wf).sum(axis=1)).ravel()
    lx = Wf @ v
    with np.errstate(divide="ignore", invalid="ignore"):
        if star is False or star is None:
            xbar = (v.sum() - v) / (n - 1)
            s2 = ((v ** 2).sum() - v ** 2) / (n - 1) - xbar ** 2
            VG = s2 * ((n - 1) * s1i - wi ** 2) / (n - 2)
            denom = v.sum() - v
        else:
            xbar = np.full(n, v.mean())
            s2 = np.full(n, ((v - v.mean()) ** 2).sum() / n)
            VG = s2 * (n * s1i - wi ** 2) / (n - 1)
            denom = np.full(n, v.sum())
        EG = wi * xbar
        Z = (lx - EG) / np.sqrt(VG)
        G, E_G, V_G = lx / denom, EG / denom, VG / denom ** 2
    # permutations move only the values around i: the off-diagonal lag; the self term is fixed
    p_sim = _conditional_counts(Wo, v, Wo @ v, permutations, generator(seed))
    p_norm = two_sided_p(Z)
    p_used = p_sim if permutations else p_norm
    p_adj = _fdr(np.where(island, np.nan, p_used))
    sig = (p_adj if fdr else p_used) <= alpha
    lab = np.where(sig & (Z > 0), "hot", np.where(sig & (Z < 0), "cold", "ns")).astype(object)
    lab[island] = "island"
    df = pd.DataFrame({"G": G, "E_G": E_G, "V_G": V_G, "Z_G": Z, "p_norm": p_norm, "p_sim": p_sim, "p_fdr": p_adj},
                      index=w.ids.copy())
    df.loc[island, ["G", "E_G", "V_G", "Z_G", "p_norm", "p_sim"]] = np.nan
    df["cluster"] = pd.Categorical(lab, categories=["hot", "cold", "ns", "island"])
    df.attrs.update(statistic="local Getis-Ord G*" if star not in (False, None) else "local Getis-Ord G",
                    variable=variable_label(y), permutations=permutations, alpha=alpha, fdr=fdr,
                    cluster_p="p_sim" if permutations else "p_norm")
    return df
