"""LeSage-Pace direct, indirect and total effects (LeSage & Pace 2009, §2.7; Elhorst 2014, §2.7).

For regressor k with coefficient b_k and (Durbin) coefficient t_k,

    S_k(W) = (I - rho W)^-1 (I b_k + W t_k)
    direct = tr(S_k)/n = b_k tr(A^-1)/n + t_k tr(A^-1 W)/n
    total  = 1'S_k 1/n = b_k 1'A^-1 1/n + t_k 1'A^-1 W 1/n,      indirect = total - direct.

These four scalar functions of rho ("kernel") are exact for any normalisation of W (no assumption
that rows sum to one). With W = D^-1/2 S D^1/2, S = Q L Q' symmetric (or W = V L V^-1 in general),
they are sums over eigenvalues, e.g. 1'A^-1 1 = sum_i a_i b_i / (1 - rho l_i) with a = Q'D^-1/2 1,
b = Q'D^1/2 1, so each simulation draw costs O(N). Above ``EIGEN_MAX`` regions the kernel uses the
power series A^-1 = sum_j rho^j W^j with exact 1'W^j 1 and tr(W), tr(W^2), and Hutchinson estimates of
tr(W^j), j >= 3 (LeSage & Pace 2009, §4.5), truncated when |rho|^j < 1e-12. The overall effects of
``impacts`` take as many probes as the Monte Carlo error rule of :mod:`.trace_probes` asks for (16 unless the
traces' error would inflate an effect's standard error by 1% or more).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence

import numpy as np
import pandas as pd
import scipy.linalg as sla
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ..constants import DEFAULT_SEED, EIGEN_MAX
from ..errors import SpatialInnoError, preview
from ..weights import Weights
from . import marginal
from .effects_groups import GroupKernel
from .effects_inference import EffectInference, Multiplier, effect_values, infer
from .logdet import default_probes, probe_moments, series_order, symmetric_form, trace_moments
from .period_layout import PeriodLayout
from .spec import ModelSpec
from .trace_probes import PILOT_PROBES, probes_needed, trace_error

__all__ = ["EFFECTS", "METHODS", "EffectsKernel", "NoLagKernel", "PeriodKernel", "coefficient_pairs", "effect_frame",
           "effect_values", "effects_kernel", "impacts", "selection_matrices", "spillover_column"]

#: effects of each regressor, in output order
EFFECTS = ("direct", "indirect", "total")
METHODS = ("simulation", "delta", "exact")


class EffectsKernel:
    """rho -> [tr(A^-1)/n, tr(A^-1 W)/n, 1'A^-1 1/n, 1'A^-1 W 1/n] for an array of rho.

    Modes (chosen once per W and cached on it):
    - ``eigen``: W similar to a symmetric matrix: all four from its eigen-decomposition, O(N) per rho.
    - ``schur``: other W up to ``EIGEN_MAX`` regions: traces from the eigenvalues (exact for any
      matrix), totals n/(1 - rho) when every row sums to one, else from the complex Schur form
      W = Q T Q* by a triangular solve, O(N^2) per rho.
    - ``series``: above ``EIGEN_MAX`` regions, power series with trace moments (see module docstring).

    Parameters
    ----------
    w : Weights
    rho_max : float
        Largest |rho| the kernel is evaluated at (sets the number of power-series terms).
    probes : int, optional
        Rademacher probes of the series mode's trace moments (default as :func:`.logdet.trace_moments`;
        :func:`impacts` chooses them by the rule of :mod:`.trace_probes`).
    """

    def __init__(self, w: Weights, rho_max: float = 0.99, probes: int | None = None) -> None:
        self.w, self.n = w, w.n
        self.rho_max = rho_max
        self._mode, self._data = w.memo("effects_kernel", self._prepare)
        self.probes = 0
        if self._mode == "series":
            self._data = trace_moments(w, series_order(rho_max), probes)
            self._per_probe = probe_moments(w, series_order(rho_max), probes)[0]
            self.probes = self._per_probe.shape[0]

    def _prepare(self):
        n = self.n
        one = np.ones(n)
        if n > EIGEN_MAX:
            return "series", None
        sym = symmetric_form(self.w)
        if sym is not None:
            lam, Q = np.linalg.eigh(sym[0].toarray())
            dh = np.sqrt(sym[1])
            a = Q.T @ (one / dh)
            b = Q.T @ (dh * one)
            return "eigen", (lam, a * b)
        Wd = self.w.sparse.toarray()
        if np.allclose(Wd.sum(axis=1), 1.0, rtol=0, atol=1e-12):
            return "schur", (np.linalg.eigvals(Wd), None, None, None)
        T, Q = sla.schur(Wd, output="complex")
        return "schur", (np.diag(T).copy(), T, Q.conj().T @ one, Q.conj().T @ (Wd @ one))

    def __call__(self, rho: float | np.ndarray) -> np.ndarray:
        """Kernel rows [tr(A^-1)/n, tr(A^-1 W)/n, 1'A^-1 1/n, 1'A^-1 W 1/n], one per rho."""
        rho = np.atleast_1d(np.asarray(rho, dtype=float))
        n = self.n
        if self._mode == "eigen":
            lam, ab = self._data
            inv = 1.0 / (1.0 - rho[:, None] * lam[None, :])
            out = np.column_stack([inv.sum(1), (inv * lam).sum(1), (inv * ab).sum(1), (inv * lam * ab).sum(1)])
            return np.real(out) / n
        if self._mode == "schur":
            lam, T, c, d = self._data
            inv = 1.0 / (1.0 - rho[:, None] * lam[None, :])
            out = np.empty((len(rho), 4))
            out[:, 0] = np.real(inv.sum(1))
            out[:, 1] = np.real((inv * lam).sum(1))
            if T is None:  # rows sum to one: 1'A^-1 1 = 1'A^-1 W 1 = n / (1 - rho)
                out[:, 2] = out[:, 3] = n / (1.0 - rho)
            else:
                eye = np.eye(n)
                for i, r in enumerate(rho):
                    M = eye - r * T
                    out[i, 2] = np.real(c.conj() @ sla.solve_triangular(M, c))
                    out[i, 3] = np.real(c.conj() @ sla.solve_triangular(M, d))
            return out / n
        tr, tot = self._data
        J = len(tr) - 1
        pw = rho[:, None] ** np.arange(J)[None, :]
        return np.column_stack([pw @ tr[:J], pw @ tr[1:J + 1], pw @ tot[:J], pw @ tot[1:J + 1]]) / n

    def probe_rows(self, rho: float) -> np.ndarray | None:
        """Kernel rows at ``rho`` from each probe's trace estimates alone, (probes, 4); None when exact.

        Their mean over the probes is ``self(rho)``; their spread gives the Monte Carlo error of the traces.

        Parameters
        ----------
        rho : float

        Returns
        -------
        ndarray or None
        """
        if self._mode != "series":
            return None
        tr, tot = self._per_probe, self._data[1]
        J = tr.shape[1] - 1
        pw = rho ** np.arange(J)
        rows = np.empty((tr.shape[0], 4))
        rows[:, 0], rows[:, 1] = tr[:, :J] @ pw, tr[:, 1:J + 1] @ pw
        rows[:, 2], rows[:, 3] = pw @ tot[:J], pw @ tot[1:J + 1]
        return rows / self.n

    def by_order(self, rho: float, orders: int) -> np.ndarray:
        """(orders+1, 4) matrix: the j-th power-series term rho^j [tr(W^j), tr(W^j+1), 1'W^j 1, 1'W^j+1 1]/n.

        Traces from the eigenvalues where they are known (else trace moments), tr(I), tr(W) and tr(W^2) exact
        from W (so a zero diagonal gives exact zeros); totals exact by products.

        Parameters
        ----------
        rho : float
        orders : int
            Highest power j.

        Returns
        -------
        ndarray
        """
        Wm = self.w.sparse
        tot = np.zeros(orders + 2)
        v = np.ones(self.n)
        for j in range(orders + 2):
            tot[j] = v.sum()
            v = Wm @ v
        if self._mode == "series":
            tr = trace_moments(self.w, orders + 1)[0]
        else:
            lam = self._data[0]
            tr = np.array([np.real(np.sum(lam ** j)) for j in range(orders + 2)])
            exact = [self.n, Wm.diagonal().sum(), Wm.multiply(Wm.T).sum()]  # tr(W^0..2), exact zeros kept
            tr[:min(3, orders + 2)] = exact[:orders + 2]
        js = np.arange(orders + 1)
        out = np.column_stack([tr[js], tr[js + 1], tot[js], tot[js + 1]]) * (rho ** js)[:, None]
        return out / self.n


class NoLagKernel:
    """Kernel of models without rho W y (OLS, SLX, SEM, SDEM): rho = 0 in closed form.

    [1, tr(W)/n, 1, 1'W 1/n] for every draw, with exact zeros where they are zero (no W-lag terms, so
    the power-series rows beyond order 0 are structurally zero).

    Parameters
    ----------
    w : Weights
    """

    def __init__(self, w: Weights) -> None:
        self.row = np.array([1.0, w.sparse.diagonal().sum() / w.n, 1.0, w.sparse.sum() / w.n])

    def __call__(self, rho: float | np.ndarray) -> np.ndarray:
        """Kernel rows (one per rho): the order-0 row repeated."""
        return np.repeat(self.row[None, :], np.atleast_1d(rho).size, axis=0)

    def by_order(self, rho: float, orders: int) -> np.ndarray:
        """(orders+1, 4): the order-0 row, zeros beyond.

        Parameters
        ----------
        rho : float
            Unused (no lag).
        orders : int
            Highest power j.

        Returns
        -------
        ndarray
        """
        return np.vstack([self.row[None, :], np.zeros((orders, 4))])


class PeriodKernel:
    """Kernel of an unbalanced panel or time-varying weights: S_t = (I - rho W_t)^-1 (I b + W_t t) per period.

    Each period's four kernel values are those of :class:`EffectsKernel` (or :class:`NoLagKernel`) of its W_t
    (one kernel per distinct W_t); the pooled effects are their average over periods weighted by the regions
    observed, i.e. [sum_t tr(A_t^-1), sum_t tr(A_t^-1 W_t), ...] / sum_t n_t.

    Parameters
    ----------
    layout : PeriodLayout
    spec : ModelSpec
    rho_max : float
        Largest |rho| the kernels are evaluated at.
    """

    def __init__(self, layout: PeriodLayout, spec: ModelSpec, rho_max: float) -> None:
        self.layout = layout
        self.parts = [EffectsKernel(w, rho_max) if spec.lag else NoLagKernel(w) for w in layout.group_weights]
        sizes = np.array([w.n * len(ts) for w, ts in zip(layout.group_weights, layout.group_periods)], dtype=float)
        self.shares = sizes / sizes.sum()

    def __call__(self, rho: float | np.ndarray) -> np.ndarray:
        """Pooled kernel rows (one per rho): the period kernels averaged, weighted by regions observed."""
        return sum(c * k(rho) for c, k in zip(self.shares, self.parts))

    def by_order(self, rho: float, orders: int) -> np.ndarray:
        """(orders+1, 4) pooled moments by power of W_t (weighted as ``__call__``).

        Parameters
        ----------
        rho : float
        orders : int

        Returns
        -------
        ndarray
        """
        return sum(c * k.by_order(rho, orders) for c, k in zip(self.shares, self.parts))

    def by_period(self, rho: float | np.ndarray) -> np.ndarray:
        """(len(rho), T + 1, 4): each period's kernel rows, then their weighted average.

        Parameters
        ----------
        rho : float or ndarray

        Returns
        -------
        ndarray
        """
        own = [k(rho) for k in self.parts]
        rows = [own[g] for g in self.layout.period_group] + [self(rho)]
        return np.stack(rows, axis=1)


def selection_matrices(names: Sequence[str], variables: Sequence[str], allowed: Sequence[str]
                       ) -> tuple[np.ndarray, np.ndarray]:
    """C and D picking each variable's coefficient b_k and its ``W_`` term theta_k out of the parameter vector.

    Column k of C (D) is the unit vector of b_k (theta_k; zero without a W x term), so C'p and D'p are the
    b and theta that enter S_k(W) = (I - rho W)^-1 (b_k I + theta_k W).

    Parameters
    ----------
    names : sequence of str
        Parameter names, in the order of the estimate vector.
    variables : sequence of str
        Variables with effects, one column each.
    allowed : sequence of str
        All regressors with effects (for the error message).

    Returns
    -------
    (ndarray, ndarray)
        C and D, each (len(names), len(variables)).
    """
    C = np.zeros((len(names), len(variables)))
    D = np.zeros_like(C)
    for v, (i, j) in enumerate(coefficient_pairs(names, variables, allowed)):
        C[i, v] = 1.0
        if j is not None:
            D[j, v] = 1.0
    return C, D


def coefficient_pairs(names: Sequence[str], variables: Sequence[str], allowed: Sequence[str]
                      ) -> list[tuple[int, int | None]]:
    """Positions of each variable's coefficient and of its ``W_`` term (None without one) in ``names``.

    Parameters
    ----------
    names : sequence of str
        Parameter names.
    variables : sequence of str
        Regressors whose effects are wanted.
    allowed : sequence of str
        Regressors with effects (named in the error message).

    Returns
    -------
    list of (int, int or None)

    Raises
    ------
    SpatialInnoError
        For a name that is not a regressor with effects.
    """
    names = list(names)
    out = []
    for var in variables:
        if var not in names or var.startswith("W_") and var[2:] in names:
            raise SpatialInnoError(f"unknown variable {var!r}; choose from {preview(allowed)}")
        wname = f"W_{var}"
        out.append((names.index(var), names.index(wname) if wname in names else None))
    return out


def effects_kernel(spec: ModelSpec, w: Weights | PeriodLayout, rho: float, rho_se: float,
                   probes: int | None = None):
    """The kernel of ``spec``: exact in rho for lag models, :class:`NoLagKernel` (structural zeros) otherwise.

    Parameters
    ----------
    spec : ModelSpec
    w : Weights or PeriodLayout
        A layout (unbalanced panel, time-varying weights) gives a :class:`PeriodKernel`.
    rho, rho_se : float
        Estimate and standard error of rho (they bound the power series of large maps).
    probes : int, optional
        Rademacher probes of a series :class:`EffectsKernel` (default as :func:`.logdet.trace_moments`).

    Returns
    -------
    EffectsKernel or NoLagKernel
    """
    rho_max = min(0.999, abs(rho) + 8 * rho_se)
    if isinstance(w, PeriodLayout):
        return PeriodKernel(w, spec, rho_max)
    if spec.lag:
        return EffectsKernel(w, rho_max=rho_max, probes=probes)
    return NoLagKernel(w)


def impacts(spec: ModelSpec, w: Weights | PeriodLayout, params: pd.Series, cov: np.ndarray, *,
            bounds: tuple[float, float], dist, df: float | None, variables: Sequence[str] | None,
            allowed: Sequence[str], model: str,
            method: str = "simulation", draws: int = 1000, seed: int = DEFAULT_SEED, alpha: float = 0.05,
            by_order: int | None = None, by: pd.Series | None = None, at: Mapping[str, float] | str | None = None,
            regressors: Sequence[str] = (), means: Mapping[str, float] | None = None,
            multiplier: Multiplier | None = None) -> pd.DataFrame:
    """Direct, indirect and total effects of ``variables`` with inference (see ``SpatialResults.impacts``).

    Inference for every row (overall, per order, per group) comes from :func:`.effects_inference.infer` with
    the same parameter draws; structurally zero effects have NaN inference columns.

    Parameters
    ----------
    spec : ModelSpec
        Decides the kernel: lag models use (I - rho W)^-1, the others have structural zeros.
    w : Weights or PeriodLayout
        With a layout (unbalanced panel or time-varying weights) the effects average the periods' S_t weighted
        by regions observed; with time-varying weights each period's effects come first, indexed (period,
        variable, effect), the average as period ``"average"``.
    params : Series
        Estimates (coefficients, ``W_x`` terms, spatial parameters).
    cov : ndarray
        Their covariance (same order).
    bounds : (float, float)
        Admissible interval of rho; simulation draws outside it are rejected.
    dist : scipy distribution
        Reference distribution of z-statistics (normal or t).
    df : float or None
        Degrees of freedom of t inference (draws are multivariate t), None for normal.
    variables : sequence of str or None
        Regressors whose effects are reported (None: ``allowed``, or with ``at`` every base variable).
    allowed : sequence of str
        All regressors with effects (for the error message).
    model : str
        Model name stored in ``attrs``.
    method, draws, seed, alpha, by_order
        As in ``SpatialResults.impacts``.
    by : Series, optional
        Group of every region, indexed by ``w.ids`` (:func:`.effects_groups.group_labels`): per-group rows.
    at : mapping or ``"mean"``, optional
        Marginal effects of variables entering through several terms, evaluated at these values (:mod:`.marginal`).
    regressors : sequence of str
        Coefficient names of the regressors (needed with ``at``).
    means : mapping, optional
        Sample means of the regressor columns (defaults of ``at``).
    multiplier : Multiplier, optional
        Maps parameters to the kernel argument and scale (default: the static multiplier (I - rho W)^-1; a
        dynamic long-run multiplier is ``dynamic_effects.LongRun``).

    Returns
    -------
    DataFrame
        Indexed by (variable, effect), or (group, variable, effect) with ``by``; columns estimate, std_error,
        z, p_value, ci_lower, ci_upper, sd.
    """
    if method not in METHODS:
        raise SpatialInnoError(f"method must be 'simulation', 'delta' or 'exact' (got {method!r})")
    if isinstance(w, PeriodLayout) and by is not None:
        raise SpatialInnoError("by= is not available for unbalanced panels or time-varying weights yet (the "
                               "regions differ between periods); report the pooled effects")
    if by is not None and by_order is not None:
        raise SpatialInnoError("by= and by_order= cannot be combined; ask for one decomposition at a time")
    names = list(params.index)
    b = params.to_numpy()
    mult = Multiplier(names, spec.lag, bounds) if multiplier is None else multiplier
    overall = isinstance(w, Weights) and by is None
    kern = effects_kernel(spec, w, mult.argument_max(b, cov), 0.0, PILOT_PROBES if overall else None)
    trace_se = np.zeros((0, 3))
    point = None
    if at is not None:
        variables = marginal.base_variables(regressors) if variables is None else list(variables)
        point = marginal.evaluation_point(variables, regressors, at, means or {})
        C, D = marginal.combinations(variables, names, regressors, point)
    else:
        variables = list(allowed) if variables is None else list(variables)
        C, D = selection_matrices(names, variables, allowed)
    opts = dict(mult=mult, dist=dist, df=df, method=method, draws=draws, seed=seed, alpha=alpha)
    labels: list[tuple]
    if isinstance(kern, PeriodKernel) and kern.layout.time_varying and by_order is None:
        res = infer(kern.by_period, C, D, b, cov, **opts)
        periods = list(kern.layout.periods) + ["average"]
        labels = [(p, v, e) for p in periods for v in variables for e in EFFECTS]
        out = effect_frame(res, labels, ["period", "variable", "effect"], dist, axes=(1, 0, 2))
    elif by is not None:
        assert isinstance(w, Weights)
        gk = GroupKernel(w, by)
        res = infer(gk, C, D, b, cov, **opts)
        labels = [(g, v, e) for g in gk.groups for v in variables for e in EFFECTS]
        out = effect_frame(res, labels, ["group", "variable", "effect"], dist, axes=(1, 0, 2))
    else:
        if isinstance(kern, EffectsKernel) and kern.probes:
            kern, res, trace_se = _sized_kernel(kern, C, D, b, cov, opts)
        else:
            res = infer(lambda r: kern(r)[:, None, :], C, D, b, cov, **opts)
        labels = [(v, e) for v in variables for e in EFFECTS]
        out = effect_frame(res, labels, ["variable", "effect"], dist)
        if by_order is not None:
            Q = int(by_order)
            moments = kern.by_order(1.0, Q)  # rho^j [...] at rho = 1: the moments of W^j
            js = np.arange(Q + 1)
            ores = infer(lambda r: (r[:, None] ** js[None, :])[..., None] * moments[None], C, D, b, cov, **opts)
            olabels = [(v, f"{e}_W{o}") for v in variables for o in js for e in EFFECTS]
            out = pd.concat([out, effect_frame(ores, olabels, ["variable", "effect"], dist)])
    out.attrs.update({"method": method, "draws": draws if method == "simulation" else 0, "rejected": res.rejected,
                      "seed": seed, "alpha": alpha, "model": model, "horizon": mult.horizon,
                      "trace_probes": getattr(kern, "probes", 0),
                      "trace_se": {v: float(trace_se[i, 0]) for i, v in enumerate(variables) if len(trace_se)}})
    if point is not None:
        out.attrs["at"] = point
    return out


def _one_row(kern: EffectsKernel) -> Callable[[np.ndarray], np.ndarray]:
    """rho array -> kernel rows (n, 1, 4) of ``kern`` (one kernel row per draw)."""
    return lambda r: kern(r)[:, None, :]


def _sized_kernel(kern: EffectsKernel, C: np.ndarray, D: np.ndarray, b: np.ndarray, cov: np.ndarray,
                  opts: dict) -> tuple[EffectsKernel, EffectInference, np.ndarray]:
    """Overall effects from a series kernel whose trace probes follow the rule of :mod:`.trace_probes`.

    Starts from the probes of ``kern`` (``PILOT_PROBES``) and recomputes the trace moments with more (same
    parameter draws) until the Monte Carlo error of every direct and indirect effect is within ``SHARE`` x
    its standard error.

    Returns
    -------
    (EffectsKernel, EffectInference, ndarray)
        The kernel used, the inference and the (V, 3) Monte Carlo standard errors of the estimates.
    """
    r0, c0, _ = opts["mult"](b)
    while True:
        res = infer(_one_row(kern), C, D, b, cov, **opts)
        rows = kern.probe_rows(float(r0[0]))
        assert rows is not None
        err = trace_error(rows, float(c0[0]), b @ C, b @ D)
        need = probes_needed(kern.probes, err[:, :2], res.std_error[:, 0, :2])
        need = default_probes(kern.n) if need is None else need
        if need <= kern.probes:
            return kern, res, err
        kern = EffectsKernel(kern.w, kern.rho_max, probes=need)


def effect_frame(res: EffectInference, labels: list[tuple], levels: list[str], dist,
                 axes: tuple[int, int, int] = (0, 1, 2)) -> pd.DataFrame:
    """Rows of an :class:`EffectInference` (V, R, 3), its axes transposed by ``axes``, in ``labels`` order.

    Parameters
    ----------
    res : EffectInference
    labels : list of tuple
        Row labels, one per summary after the transposition.
    levels : list of str
        Names of the index levels.
    dist : scipy distribution
        Reference distribution of z = estimate / std_error.
    axes : (int, int, int)
        Transposition of the (V, R, 3) arrays before flattening.

    Returns
    -------
    DataFrame
        Columns estimate, std_error, z, p_value, ci_lower, ci_upper, sd.
    """
    est, se, lo, hi, sd = (np.transpose(a, axes).ravel() for a in (res.estimate, res.std_error, res.ci_lower,
                                                                      res.ci_upper, res.sd))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, est / se, np.nan)
    p = np.where(np.isfinite(z), 2 * dist.sf(np.abs(z)), np.nan)
    return pd.DataFrame({"estimate": est, "std_error": se, "z": z, "p_value": p, "ci_lower": lo, "ci_upper": hi,
                         "sd": sd}, index=pd.MultiIndex.from_tuples(labels, names=levels))


def spillover_column(w: Weights, params: pd.Series, regressors: Sequence[str], rho: float, source_id: Hashable,
                     variable: str) -> pd.Series:
    """Column ``source_id`` of S_k(W) = (I - rho W)^-1 (b_k I + theta_k W): the effect on every region of a unit
    change of ``variable`` in the source region (LeSage & Pace 2009, §2.7), by one sparse solve.

    Parameters
    ----------
    w : Weights
    params : Series
        Estimates named as in the fit (``x``, ``W_x``).
    regressors : sequence of str
        The fit's regressors with effects.
    rho : float
        Spatial lag parameter (0 for models without one).
    source_id : hashable
        Region id.
    variable : str
        Regressor with effects.

    Returns
    -------
    Series
        Indexed by ``w.ids``.
    """
    [(i, j)] = coefficient_pairs(list(params.index), [variable], regressors)
    src = w.positions([source_id])[0]
    e = np.zeros(w.n)
    e[src] = 1.0
    b = params.to_numpy()
    v = b[i] * e + (b[j] * w.sparse[:, src].toarray().ravel() if j is not None else 0.0)
    if rho != 0.0:
        v = spla.spsolve(sp.csc_matrix(sp.identity(w.n) - rho * w.sparse), v)
    return pd.Series(v, index=w.ids, name=f"spillover of {variable} from {source_id}")
