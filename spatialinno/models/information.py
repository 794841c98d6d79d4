"""Analytic asymptotic information matrix of the general spatial model (Anselin 1988, ch. 6).

For B (A y - X b) = e with A = I - rho W, B = I - lambda W, G = W A^-1, H = W B^-1,
Gt = B G B^-1, X* = B X and q = B G X b, the information matrix over (b, rho, lambda, sigma2) is

    I_bb = X*'X* / s2           I_b,rho = X*'q / s2         I_b,lambda = I_b,s2 = 0
    I_rho,rho = m [tr(Gt Gt) + tr(Gt'Gt)] + q'q / s2
    I_rho,lambda = m [tr(H'Gt) + tr(H Gt)]     I_rho,s2 = m tr(G) / s2
    I_lambda,lambda = m [tr(H H) + tr(H'H)]    I_lambda,s2 = m tr(H) / s2
    I_s2,s2 = n_eff / (2 s4)

SAR (lambda = 0), SEM (rho = 0) and the Durbin forms are special cases (Durbin terms sit in X).
For panels (Elhorst 2014, §3.4; Lee & Yu 2010) the traces are over the N x N W and multiplied by
the number m of periods in the likelihood; with the Lee-Yu time projection, G, Gt and H are
replaced by Q G Q etc. with Q = I - 11'/N; the vectors X* and q are within-transformed. For the
dummy-variable model ("none") X b in q includes the estimated fixed effects (the exact information of the
LSDV model, as spatialreg gives on explicit dummies). For ``bias_correction="elhorst"`` the matrix is the
``xpx`` of Elhorst's ``sar_panel_FE``/``sdm_panel_FE``: q = (I_T (x) B G) X~ b with X~ the
within-transformed regressors, i.e. without the fixed effects and without transforming q again, m = T and
n_eff = NT (it differs from the dummy-model matrix for time and two-way effects, and equals it for entity
effects).

Up to ``DENSE_MAX`` regions every trace is exact (dense LU, identity probes). Above, no N x N inverse is
formed: tr(G), tr(G^2) (= tr(Gt^2)), tr(H), tr(H^2) come from central differences of the exact
log-determinant (d/dr log|I - r W| = -tr(W (I - r W)^-1), d2/dr2 = -tr((W (I - r W)^-1)^2); with the
Lee-Yu projection the same identities hold for log|I - r W| - log(1 - r)), and only the cross-products
tr(G'G), tr(H'H), tr(H'Gt), tr(H Gt) use Hutchinson's estimator with seeded Rademacher probes on the
factor at the estimate: ``PILOT_PROBES``, then as many as keep the Monte Carlo error of every standard error
within ``SE_TOL`` = 0.1% (:func:`probes_for_se`; the relative error of a trace is about
sqrt(2/probes) ||M||_F / tr(M) = O(1/sqrt(N probes)) for sparse W, so large maps need few probes). Per-period
panels (:func:`_period_information`) use ``PROBES`` = 50 at N = 2,500, fewer for larger N, at least 20.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ..constants import DENSE_INFORMATION_MAX as DENSE_MAX
from ..weights import Weights
from .likelihood import Problem
from .logdet import LogDet, rademacher
from .newton import NEWTON_STEP, NEWTON_TOL
from .period_layout import PeriodLogDet

PROBES = 50
#: information-matrix probes above DENSE_MAX (one-period W): a pilot, then as many as keep the Monte Carlo error
#: of every standard error within SE_TOL (relative; :func:`probes_for_se`), at most MAX_PROBES
PILOT_PROBES = 8
SE_TOL = 1e-3
MAX_PROBES = 400


class SpatialOps:
    """N x N operators at (rho, lambda) applied to blocks of columns.

    Parameters
    ----------
    w : Weights
    rho, lam : float
        Spatial parameters.
    project : bool
        Apply the Lee-Yu time projection Q = I - 11'/N.
    logdet : LogDet, optional
        Sparse log-determinant of the same W whose factors serve the solves (the factor of the last
        evaluation is reused, so the fitted rho costs no new factorisation); otherwise SpatialOps factorises.
    within : float
        Reuse that factor when it was made within this distance of rho (lambda); see :meth:`.LogDet.solver`.
    refine : bool
        Refine the solutions of such a factor once (:meth:`.LogDet.solver`).
    """

    def __init__(self, w: Weights, rho: float, lam: float, project: bool, logdet: LogDet | None = None,
                 within: float = 0.0, refine: bool = True) -> None:
        self.Wm = w.sparse
        self.n = w.n
        self.rho, self.lam, self.project = rho, lam, project
        self.dense = self.n <= DENSE_MAX
        eye = sp.identity(self.n, format="csc")
        if self.dense:
            Wd = self.Wm.toarray()
            self._A = sla.lu_factor(np.eye(self.n) - rho * Wd) if rho != 0 else None
            self._B = sla.lu_factor(np.eye(self.n) - lam * Wd) if lam != 0 else None
        elif logdet is not None and logdet.method == "sparse":
            self._A = logdet.solver(rho, within, refine) if rho != 0 else None
            self._B = logdet.solver(lam, within, refine) if lam != 0 else None
        else:
            opts = {"permc_spec": "MMD_AT_PLUS_A", "options": {"SymmetricMode": True}}
            self._A = spla.splu(sp.csc_matrix(eye - rho * self.Wm), **opts).solve if rho != 0 else None
            self._B = spla.splu(sp.csc_matrix(eye - lam * self.Wm), **opts).solve if lam != 0 else None

    def W(self, Z: np.ndarray) -> np.ndarray:
        """W Z.

        Parameters
        ----------
        Z : ndarray
            (N,) or (N, m) block of columns.

        Returns
        -------
        ndarray
        """
        return self.Wm @ Z

    def _solve(self, f, Z):
        return sla.lu_solve(f, Z) if self.dense else f(np.asarray(Z, dtype=float))

    def Ainv(self, Z: np.ndarray) -> np.ndarray:
        """A^-1 Z with A = I - rho W.

        Parameters
        ----------
        Z : ndarray
            (N,) or (N, m) block of columns.

        Returns
        -------
        ndarray
        """
        return Z if self.rho == 0 else self._solve(self._A, Z)

    def Binv(self, Z: np.ndarray) -> np.ndarray:
        """B^-1 Z with B = I - lambda W.

        Parameters
        ----------
        Z : ndarray
            (N,) or (N, m) block of columns.

        Returns
        -------
        ndarray
        """
        return Z if self.lam == 0 else self._solve(self._B, Z)

    def B(self, Z: np.ndarray) -> np.ndarray:
        """B Z = Z - lambda W Z.

        Parameters
        ----------
        Z : ndarray
            (N,) or (N, m) block of columns.

        Returns
        -------
        ndarray
        """
        return Z - self.lam * self.W(Z)

    def P(self, Z: np.ndarray) -> np.ndarray:
        """Q Z with Q = I - 11'/N (the Lee-Yu time projection; identity without it).

        Parameters
        ----------
        Z : ndarray
            (N,) or (N, m) block of columns.

        Returns
        -------
        ndarray
        """
        return Z - Z.mean(axis=0, keepdims=True) if self.project else Z

    def G(self, Z: np.ndarray) -> np.ndarray:
        """P W A^-1 P Z.

        Parameters
        ----------
        Z : ndarray
            (N,) or (N, m) block of columns.

        Returns
        -------
        ndarray
        """
        return self.P(self.W(self.Ainv(self.P(Z))))

    def Gt(self, Z: np.ndarray) -> np.ndarray:
        """P B W A^-1 B^-1 P Z.

        Parameters
        ----------
        Z : ndarray
            (N,) or (N, m) block of columns.

        Returns
        -------
        ndarray
        """
        return self.P(self.B(self.W(self.Ainv(self.Binv(self.P(Z))))))

    def H(self, Z: np.ndarray) -> np.ndarray:
        """P W B^-1 P Z.

        Parameters
        ----------
        Z : ndarray
            (N,) or (N, m) block of columns.

        Returns
        -------
        ndarray
        """
        return self.P(self.W(self.Binv(self.P(Z))))

    def probes(self, m: int | None = None) -> tuple[np.ndarray, float]:
        """Identity (exact traces) or seeded Rademacher probes, with the divisor for the mean.

        Parameters
        ----------
        m : int, optional
            Number of probes (default ``PROBES`` x 2,500 / N between 20 and ``PROBES``).

        Returns
        -------
        (ndarray, float)
        """
        if self.dense:
            return np.eye(self.n), 1.0
        m = m or int(np.clip(PROBES * 2500 / self.n, 20, PROBES))
        rng = np.random.default_rng(20101)
        return rademacher(rng, (self.n, m)), float(m)


def _tr(Z, MZ, div):
    """tr(M) from probes Z and M Z (exact when Z = I)."""
    return float(np.sum(Z * MZ)) / div


def logdet_traces(p: Problem, r: float) -> tuple[float, float]:
    """(tr(M), tr(M^2)) for M = W (I - r W)^-1 (projected for Lee-Yu time effects) from the exact
    log-determinant: d/dr ld(r) = -tr(M), d2/dr2 ld(r) = -tr(M^2), ld(r) = log|I - r W| [- log(1 - r)].

    When the Newton polish of the fit left a memoised stencil within ``NEWTON_TOL`` of r, the derivatives
    come from it (:meth:`.LogDet.local`; no new factorisation); otherwise from central differences at r with
    h = 1e-4.

    Parameters
    ----------
    p : Problem
    r : float
        rho or lambda.

    Returns
    -------
    (float, float)
    """
    local = p.ld_local(r)
    if local is not None:
        return -local[1], -local[2]
    m = p.scale.ld_mult
    return _difference_traces(lambda v: p.ld(v) / m, r)


def _difference_traces(f: Callable[[float], float], r: float, h: float = 1e-4) -> tuple[float, float]:
    """(-f'(r), -f''(r)) by central differences: tr(M), tr(M^2) when f is the log-determinant."""
    f0, fp, fm = f(r), f(r + h), f(r - h)
    return -(fp - fm) / (2 * h), -(fp - 2 * f0 + fm) / h ** 2


def information_matrix(p: Problem, rho: float, lam: float, beta: np.ndarray, sigma2: float) -> np.ndarray:
    """Information matrix over (beta, [rho], [lambda], sigma2) for the problem's specification.

    Parameters
    ----------
    p : Problem
    rho, lam : float
        Spatial parameters.
    beta : ndarray
        Coefficients.
    sigma2 : float

    Returns
    -------
    ndarray
        (K, K) with K = coefficients + spatial parameters + 1.
    """
    d, s, sc = p.design, p.spec, p.scale
    if d.layout is not None:
        return _period_information(p, rho, lam, beta, sigma2)
    assert not isinstance(p.logdet, PeriodLogDet)
    # the factor of the last Newton evaluation, within NEWTON_STEP + NEWTON_TOL of the estimate, serves the solves:
    # q is refined once (relative error ~1e-10); the Hutchinson probes are not (their terms move by a relative
    # ~1e-5, 1% of their Monte Carlo error SE_TOL)
    within = NEWTON_STEP + NEWTON_TOL
    ops = SpatialOps(d.w, rho, lam, sc.time_projection, p.logdet, within=within)
    m, s2 = sc.ld_mult, sigma2
    Xs = p.Xt - lam * p.WXt
    k = Xs.shape[1]
    names = ["beta"] * k + (["rho"] if s.lag else []) + (["lambda"] if s.error else []) + ["sigma2"]
    K = len(names)
    info = np.zeros((K, K))
    info[:k, :k] = Xs.T @ Xs / s2
    ir = k if s.lag else None
    il = (k + 1 if s.lag else k) if s.error else None
    isg = K - 1
    info[isg, isg] = sc.n_eff / (2 * s2 ** 2)
    if s.lag:
        if sc.bias_correction == "elhorst":
            # Elhorst's xpx: q = B G X~ b from the within-transformed X b, no fixed effects, not re-transformed
            q = ops.B(ops.W(ops.Ainv((p.Xt @ beta).reshape(d.T, d.N).T))).T.reshape(-1)
        else:
            # q = transformed B G (fitted), fitted = A y - T(A y - X b) (includes fixed effects when present)
            Ay = d.y - rho * p.Wy_raw
            fitted = Ay - d.demean(Ay - p.X_raw @ beta)
            F = fitted.reshape(d.T, d.N).T                      # N x T
            q = d.demean(ops.B(ops.W(ops.Ainv(F))).T.reshape(-1))
        info[:k, ir] = info[ir, :k] = Xs.T @ q / s2
        trG, trG2 = (0.0, 0.0) if ops.dense else logdet_traces(p, rho)
        info[ir, ir] = m * trG2 + q @ q / s2
        info[ir, isg] = info[isg, ir] = m * trG / s2
    if s.error:
        trH, trH2 = (0.0, 0.0) if ops.dense else logdet_traces(p, lam)
        info[il, il] = m * trH2
        info[il, isg] = info[isg, il] = m * trH / s2
    if ops.dense:
        Z = np.eye(ops.n)
        if s.lag:
            GtZ = ops.Gt(Z)
            trG, trG2 = float(np.trace(GtZ)), float(np.sum(GtZ * GtZ.T))
            info[ir, ir] += m * (trG2 + np.sum(GtZ * GtZ))
            info[ir, isg] = info[isg, ir] = m * trG / s2
        if s.error:
            HZ = ops.H(Z)
            trH, trH2 = float(np.trace(HZ)), float(np.sum(HZ * HZ.T))
            info[il, il] += m * (trH2 + np.sum(HZ * HZ))
            info[il, isg] = info[isg, il] = m * trH / s2
            if s.lag:
                info[ir, il] = info[il, ir] = m * (np.sum(HZ * GtZ) + _tr(Z, ops.H(GtZ), 1.0))
        return info
    idx = [i for i in (ir, il) if i is not None]
    sparse_ld = isinstance(p.logdet, LogDet) and p.logdet.method == "sparse"
    probe_ops = SpatialOps(d.w, rho, lam, sc.time_projection, p.logdet, within=within, refine=False) \
        if sparse_ld else ops
    per_probe = _probe_block(probe_ops, s.lag, s.error, PILOT_PROBES)
    probes = probes_for_se(info, idx, m * per_probe)
    if probes > per_probe.shape[0]:
        per_probe = _probe_block(probe_ops, s.lag, s.error, probes)
    info[np.ix_(idx, idx)] += m * per_probe.mean(axis=0)
    return info


def _probe_block(ops: SpatialOps, lag: bool, error: bool, probes: int) -> np.ndarray:
    """(probes, P, P) per-probe Hutchinson terms of the spatial block (P = 1 or 2 spatial parameters):
    z'Gt'Gt z, z'H'H z and z'(H'Gt + H Gt)z for each seeded Rademacher probe z (their mean estimates
    tr(Gt'Gt), tr(H'H), tr(H'Gt) + tr(H Gt))."""
    Z, _ = ops.probes(probes)
    mats = ([ops.Gt(Z)] if lag else []) + ([ops.H(Z)] if error else [])
    P = len(mats)
    out = np.empty((Z.shape[1], P, P))
    out[:, 0, 0] = np.einsum("ij,ij->j", mats[0], mats[0])
    if P == 2:
        GtZ, HZ = mats
        out[:, 1, 1] = np.einsum("ij,ij->j", HZ, HZ)
        out[:, 0, 1] = out[:, 1, 0] = np.einsum("ij,ij->j", HZ, GtZ) + np.einsum("ij,ij->j", Z, ops.H(GtZ))
    return out


def probes_for_se(info: np.ndarray, idx: list[int], per_probe: np.ndarray) -> int:
    """Probes that keep the Monte Carlo error of every standard error within ``SE_TOL`` (relative).

    The Hutchinson terms enter the spatial block of the information matrix I as the mean of per-probe
    matrices D_i; an error E in that block changes V = I^-1 by dV = -V E V to first order, so the standard
    error of parameter p moves by the relative amount -(V E V)_pp / (2 V_pp). With m probes the Monte Carlo
    standard deviation of that amount is sd_i(f_i) / (2 V_pp sqrt(m)), f_i = (V D_i V)_pp, estimated from the
    probes in hand (``info`` holds every other term). The rule returns m when it is within ``SE_TOL`` for every
    p, else ceil(m (ratio)^2) (the error falls like 1/sqrt(m)), at most ``MAX_PROBES`` (Hutchinson 1990;
    the same rule as the effects' :mod:`.trace_probes`).

    Parameters
    ----------
    info : ndarray
        (K, K) information matrix without the Hutchinson terms.
    idx : list of int
        Rows of the spatial parameters in ``info``.
    per_probe : ndarray
        (m, P, P) per-probe Hutchinson terms (already multiplied by the number of periods).

    Returns
    -------
    int
    """
    m = per_probe.shape[0]
    full = info.copy()
    full[np.ix_(idx, idx)] += per_probe.mean(axis=0)
    V = np.linalg.inv(full)
    Vs = V[:, idx]                                              # (K, P)
    f = np.einsum("kp,mpq,kq->mk", Vs, per_probe, Vs)           # (m, K): (V D_i V)_kk
    rel = f.std(axis=0, ddof=1) / (2.0 * np.abs(np.diag(V)) * np.sqrt(m))
    ratio = float(np.max(rel)) / SE_TOL
    return m if ratio <= 1.0 else int(min(MAX_PROBES, np.ceil(m * ratio ** 2)))


def _part_traces(ops: SpatialOps, ld: LogDet, r: float, M) -> tuple[float, float, np.ndarray, np.ndarray, float]:
    """(tr(M), tr(M^2), probes Z, M Z, divisor) for one period's operator M (exact when dense, else the
    log-determinant differences of :func:`logdet_traces` at r with h = 1e-4)."""
    Z, div = ops.probes()
    MZ = M(Z)
    if ops.dense:
        return float(np.trace(MZ)), float(np.sum(MZ * MZ.T)), Z, MZ, div
    return (*_difference_traces(ld, r), Z, MZ, div)


def _period_information(p: Problem, rho: float, lam: float, beta: np.ndarray, sigma2: float) -> np.ndarray:
    """Information matrix of the exact dummy-variable model with per-period W_t (:mod:`.period_layout`).

    As :func:`information_matrix` with every trace the sum over periods of the trace of that period's
    operator (computed once per distinct W_t, times the number of periods sharing it) and q stacked from
    B_t W_t A_t^-1 (fitted values including the fixed effects) period by period; X* and q have the
    (transformed) dummies partialled out (within transformation, or the projection off B D of
    :mod:`.gls_effects`): the (b, rho, lambda, sigma2) block of the inverse of the full dummy-variable
    information matrix (the dummies' rows are orthogonal to lambda and sigma2).
    """
    d, s = p.design, p.spec
    L = d.layout
    assert L is not None
    parts = p.logdet.parts if isinstance(p.logdet, PeriodLogDet) else []   # none without spatial parameters
    ops = [SpatialOps(w, rho, lam, False, part) for w, part in zip(L.group_weights, parts)]
    counts = [len(ts) for ts in L.group_periods]
    s2 = sigma2
    Xs = p.regressors_at(lam)
    k = Xs.shape[1]
    K = k + len(s.spatial_params) + 1
    info = np.zeros((K, K))
    info[:k, :k] = Xs.T @ Xs / s2
    ir = k if s.lag else None
    il = (k + 1 if s.lag else k) if s.error else None
    isg = K - 1
    if s.lag:
        Ay = d.y - rho * p.Wy_raw
        fitted = p.X_raw @ beta + p.dummy_fit(Ay - p.X_raw @ beta, lam)
        q = np.empty(d.n)
        for t in range(L.T):
            o, rows = ops[L.period_group[t]], L.rows(t)
            q[rows] = o.B(o.W(o.Ainv(fitted[rows])))
        q = p.remove_effects(q, lam)
        info[:k, ir] = info[ir, :k] = Xs.T @ q / s2
        info[ir, ir] = q @ q / s2
    for o, part, c in zip(ops, parts, counts):
        if s.lag:
            trG, trG2, Z, GtZ, div = _part_traces(o, part, rho, o.Gt)
            info[ir, ir] += c * (trG2 + np.sum(GtZ * GtZ) / div)
            info[ir, isg] += c * trG / s2
        if s.error:
            trH, trH2, Z, HZ, div = _part_traces(o, part, lam, o.H)
            info[il, il] += c * (trH2 + np.sum(HZ * HZ) / div)
            info[il, isg] += c * trH / s2
            if s.lag:
                info[ir, il] += c * (np.sum(HZ * GtZ) / div + _tr(Z, o.H(GtZ), div))
    for i in (ir, il):
        if i is not None:
            info[isg, i] = info[i, isg]
    if s.lag and s.error:
        info[il, ir] = info[ir, il]
    info[isg, isg] = p.scale.n_eff / (2 * s2 ** 2)
    return info
