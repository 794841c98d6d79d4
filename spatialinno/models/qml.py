"""Quasi-maximum-likelihood sandwich covariance of spatial ML estimates under non-normal iid errors.

Lee (2004, Econometrica 72: 1899-1925, Theorem 3.2) shows that the Gaussian ML estimates of a spatial
autoregressive model stay consistent and asymptotically normal when the iid errors are not normal, with

    Var(theta_hat) = Sigma^-1 (Sigma + Omega) Sigma^-1,

Sigma the (Gaussian) information matrix and Omega a correction built from the third and fourth moments
mu3, mu4 of the errors (zero for normal errors). Here Sigma and Omega are totals over the observations
(Lee's per-observation matrices times n), so the formula holds without the 1/n.

**Derivation used for every model.** For B (A y - X b) = e (A = I - rho W, B = I - lambda W) each score is a
linear-quadratic form in the errors, s_j = a_j'e + e'P_j e - E[e'P_j e], with

    beta:    a = X* / s2          P = 0                    (X* = B X)
    rho:     a = q / s2           P = Gt / s2              (q = B G X b, G = W A^-1, Gt = B G B^-1)
    lambda:  a = 0                P = H / s2               (H = W B^-1)
    sigma2:  a = 0                P = I / (2 s4)

For iid errors with variance s2, third moment mu3 and fourth moment mu4 (Kelejian & Prucha 2001, Lemma A.1)

    Cov(s_j, s_l) = [s2 a_j'a_l + 2 s4 tr(P_j^s P_l^s)] + mu3 sum_i (a_j,i p_l,i + a_l,i p_j,i)
                    + (mu4 - 3 s4) sum_i p_j,i p_l,i,

p_j the diagonal of P_j. The bracket is the information matrix Sigma; the rest is Omega. For SAR (B = I) this
is exactly Lee's (2004) Omega (e.g. Omega_rho,rho = 2 mu3/s4 sum_i G_ii (G X b)_i + (mu4 - 3 s4)/s4 sum_i G_ii^2,
Omega_s2,s2 = n (mu4 - 3 s4)/(4 s8)); SEM/SDEM get the error-model analogue (diagonals of H), SDM/SDEM carry
their Durbin terms in X, and SAC uses both blocks (rho and lambda together).

**Fixed-effects panels** (Lee & Yu 2010, J. Econometrics 154: 165-185, transformation approach). The within
likelihood is a function of the transformed errors e~ = J e with J = J_T (x) I_N (entity effects),
I_T (x) J_N (time effects) or J_T (x) J_N (two-way), J_m = I_m - 11'/m; e are the iid original errors. The
quadratic forms become e'J (I_T (x) M) e, whose diagonals are diag(J_T) (x) diag(J_N M J_N) (diag(J_N M) equals
diag(J_N M J_N) when M has constant row sums, i.e. for the row-normalised W the Lee-Yu time transformation
requires; with another W and ``bias_correction="none"`` the latter is used as an approximation), and the linear
vectors are already transformed. The moments of e are recovered from those of the residuals e~:
E[e~_i^3] = mu3 s_3, E[e~_i^4] = (mu4 - 3 s4) s_4 + 3 s4 c^2 and E[e~_i^2] = s2 c, with c = J_ii,
s_3 = sum_j J_ij^3, s_4 = sum_j J_ij^4 (for J_m: c = (m-1)/m, s_3 = (m-1)(m-2)/m^2, s_4 = (m-1)(m^2-3m+3)/m^3,
multiplied over the Kronecker factors). With entity effects every mu3 term vanishes (a is demeaned over time
while the diagonals are constant over time). Sigma is the package's information matrix of the fit (Lee-Yu or
dummy-variable form, see :mod:`.information`).

**Validity.** Non-normal iid errors (skewness, excess kurtosis). It does *not* make ML robust to
heteroskedasticity: with heteroskedastic errors spatial ML is inconsistent (Lee 2004, §4), so use
``si.gs2sls(..., robust=True)`` (Arraiz, Drukker, Kelejian & Prucha 2010) there. Not available for random
effects or Elhorst's correction (their covariance is not the information matrix of the likelihood).

**Diagonals for large N.** Up to ``DENSE_INFORMATION_MAX`` regions diag(Gt) and diag(H) are exact (dense LU,
identity probes). Above, they come from the stochastic diagonal estimator of Bekas, Kokiopoulou & Saad (2007,
Appl. Numer. Math. 57: 1214-1229): diag(M) ~ sum_k v_k * (M v_k) / s with ``DIAGONAL_PROBES`` seeded Rademacher
vectors v_k (unbiased, element error sqrt(sum_{j != i} M_ij^2 / s)); the probes are split in two independent
halves and products of diagonals sum_i p_i p'_i use one half for each factor, so they too are unbiased. The
estimates enter only Omega; the relative error of the affected sums is O(1/sqrt(N s)) times the ratio of the
off-diagonal to the diagonal mass of the operator: largest for Omega_lambda,lambda with a small lambda (about 7%
at N = 576 and lambda = 0.2 with 256 probes, shrinking like 1/sqrt(N)); the standard errors move far less
(about 1% in that case, mostly from the Hutchinson traces of the information matrix).
"""

from __future__ import annotations

import numpy as np

from ..constants import DEFAULT_SEED
from .covariance import Covariance, CovarianceError, InformationCovariance, OLSCovariance, register
from .estimate import Estimate
from .information import SpatialOps, information_matrix
from .logdet import rademacher

#: Rademacher probes of the stochastic diagonal estimator above DENSE_INFORMATION_MAX regions (two halves)
DIAGONAL_PROBES = 256


def _demeaning_factors(m: int) -> tuple[float, float, float]:
    """(c, s_3, s_4) of J_m = I_m - 11'/m: J_ii, sum_j J_ij^3, sum_j J_ij^4."""
    return (m - 1) / m, (m - 1) * (m - 2) / m ** 2, (m - 1) * (m * m - 3 * m + 3) / m ** 3


def transformation_factors(estimate: Estimate) -> tuple[bool, bool, tuple[float, float, float]]:
    """Which demeaning the within likelihood applies and its moment factors (c, s_3, s_4).

    Parameters
    ----------
    estimate : Estimate

    Returns
    -------
    (bool, bool, (float, float, float))
        Demeaning over time (entity effects), over regions (time effects), and the products over the applied
        factors of c = J_ii, s_3 = sum_j J_ij^3, s_4 = sum_j J_ij^4 (all 1 without fixed effects).
    """
    d = estimate.problem.design
    fe = d.fixed_effects if d.T > 1 else "none"
    over_time = fe in ("entity", "twoway")
    over_regions = fe in ("time", "twoway")
    c = s3 = s4 = 1.0
    for applied, m in ((over_time, d.T), (over_regions, d.N)):
        if applied:
            fc, f3, f4 = _demeaning_factors(m)
            c, s3, s4 = c * fc, s3 * f3, s4 * f4
    return over_time, over_regions, (c, s3, s4)


def error_moments(estimate: Estimate) -> tuple[float, float, float]:
    """Variance, third moment and excess fourth moment (s2, mu3, mu4 - 3 s2^2) of the iid errors.

    Method-of-moments estimates from the residuals e~ (module docstring): s2 = mean(e~^2) / c,
    mu3 = mean(e~^3) / s_3 (0 when s_3 = 0, i.e. T = 2 with entity effects, where mu3 does not enter),
    mu4 - 3 s4 = (mean(e~^4) - 3 s4 c^2) / s_4. For a cross-section: s2 = e'e/n (the ML sigma2),
    mu3 = mean(e^3), mu4 = mean(e^4), as in Lee (2004, §3).

    Parameters
    ----------
    estimate : Estimate

    Returns
    -------
    (float, float, float)
    """
    e = np.asarray(estimate.resid, dtype=float)
    _, _, (c, s3, s4) = transformation_factors(estimate)
    s2 = float(np.mean(e ** 2)) / c
    mu3 = float(np.mean(e ** 3)) / s3 if s3 > 0 else 0.0
    kappa = (float(np.mean(e ** 4)) - 3.0 * s2 ** 2 * c ** 2) / s4
    return s2, mu3, kappa


def operator_diagonals(ops: SpatialOps, which: list[str], seed: int = DEFAULT_SEED
                       ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Diagonals of the N x N operators ``ops.Gt`` / ``ops.H`` (exact when dense, else Bekas et al. 2007).

    Parameters
    ----------
    ops : SpatialOps
        Operators at the estimates (with the region projection J_N when time effects are removed).
    which : list of str
        ``"Gt"`` and/or ``"H"``.
    seed : int
        Seed of the Rademacher probes (large N only).

    Returns
    -------
    dict
        name -> (d1, d2): two estimates of the diagonal, independent for the stochastic estimator (use one
        for each factor of a product), both the exact diagonal when dense.
    """
    out = {}
    if ops.dense:
        eye = np.eye(ops.n)
        for name in which:
            diag = np.diag(getattr(ops, name)(eye)).copy()
            out[name] = (diag, diag)
        return out
    rng = np.random.default_rng(seed)
    V = rademacher(rng, (ops.n, DIAGONAL_PROBES))
    half = DIAGONAL_PROBES // 2
    for name in which:
        MV = getattr(ops, name)(V)
        prod = V * MV
        out[name] = (prod[:, :half].mean(axis=1), prod[:, half:].mean(axis=1))
    return out


def qml_sandwich(estimate: Estimate, inverse_information: np.ndarray | None = None
                 ) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
    """Sigma^-1 (Sigma + Omega) Sigma^-1 = Sigma^-1 + Sigma^-1 Omega Sigma^-1 and Omega itself.

    Over (coefficients, spatial parameters, sigma2).

    Parameters
    ----------
    estimate : Estimate
        A fit of the likelihood engine (cross-section or fixed-effects / pooled panel).
    inverse_information : ndarray, optional
        Sigma^-1 if already computed (default: from :func:`.information.information_matrix`).

    Returns
    -------
    (ndarray, ndarray, dict)
        The sandwich covariance, Omega, and the moments used (``sigma2`` = mean(e~^2)/c, ``mu3``, ``mu4``,
        ``kappa`` = mu4 - 3 sigma2^2; see :func:`error_moments`). The scores use the fit's sigma2 (equal to
        this one except for the dummy-variable ``"none"`` panels, whose ML sigma2 divides by NT).

    Raises
    ------
    CovarianceError
        Singular information matrix.
    """
    e, p = estimate, estimate.problem
    d, s = p.design, p.spec
    s2 = e.sigma2
    if inverse_information is None:
        try:
            inverse_information = np.linalg.inv(information_matrix(p, e.rho, e.lam, e.beta, s2))
        except np.linalg.LinAlgError:
            raise CovarianceError("the information matrix is singular; the model is not identified on these "
                                  "data") from None
    K = inverse_information.shape[0]
    k = len(e.beta)
    over_time, over_regions, (c, _, _) = transformation_factors(e)
    ops = SpatialOps(d.w, e.rho, e.lam, over_regions)
    diags = operator_diagonals(ops, (["Gt"] if s.lag else []) + (["H"] if s.error else []))
    time_factor = (d.T - 1) / d.T if over_time else 1.0

    def tiled(diag: np.ndarray) -> np.ndarray:
        return np.tile(diag * time_factor, d.T)

    n = d.n
    lin = np.zeros((n, K))     # a_j
    quad1 = np.zeros((n, K))   # p_j (first estimate of the diagonal)
    quad2 = np.zeros((n, K))   # p_j (second, independent estimate)
    lin[:, :k] = (p.Xt - e.lam * p.WXt) / s2
    col = k
    if s.lag:
        Ay = d.y - e.rho * p.Wy_raw
        fitted = Ay - d.demean(Ay - p.X_raw @ e.beta)
        q = d.demean(ops.B(ops.W(ops.Ainv(fitted.reshape(d.T, d.N).T))).T.reshape(-1))
        lin[:, col] = q / s2
        quad1[:, col], quad2[:, col] = (tiled(v) / s2 for v in diags["Gt"])
        col += 1
    if s.error:
        quad1[:, col], quad2[:, col] = (tiled(v) / s2 for v in diags["H"])
    quad1[:, -1] = quad2[:, -1] = c / (2 * s2 ** 2)
    s2_moments, mu3, kappa = error_moments(e)
    skew = lin.T @ (quad1 + quad2) / 2
    omega = mu3 * (skew + skew.T) + kappa * (quad1.T @ quad2 + quad2.T @ quad1) / 2
    cov = inverse_information + inverse_information @ omega @ inverse_information
    return (cov + cov.T) / 2, omega, {"sigma2": s2_moments, "mu3": mu3, "mu4": kappa + 3 * s2_moments ** 2,
                                          "kappa": kappa}


@register
class QMLCovariance(Covariance):
    """QML sandwich Sigma^-1 (Sigma + Omega) Sigma^-1 for non-normal iid errors (Lee 2004; Lee & Yu 2010).

    See the module docstring for the formula, the panel version and what it is valid for. Models without
    spatial parameters (OLS, SLX) keep the OLS coefficient block s2 (X'X)^-1 (Omega does not change it); the
    sigma2 row and its covariance with the coefficients get the third- and fourth-moment terms.

    Parameters
    ----------
    estimate : Estimate
    inverse_information : ndarray, optional
        Sigma^-1 if already computed.
    """

    cov_type = "qml"
    label = "QML sandwich (Lee 2004): robust to non-normal iid errors"

    def __init__(self, estimate: Estimate, inverse_information: np.ndarray | None = None) -> None:
        cov, omega, moments = qml_sandwich(estimate, inverse_information)
        if not (estimate.spec.lag or estimate.spec.error):
            k = len(estimate.names)
            cov[:k, :k] = OLSCovariance(estimate).matrix[:k, :k]
        self._omega = omega
        self._moments = moments
        super().__init__(estimate, cov)

    @classmethod
    def for_estimate(cls, estimate: Estimate, base: Covariance | None = None) -> Covariance:
        """The QML sandwich of ``estimate``.

        Parameters
        ----------
        estimate : Estimate
        base : Covariance, optional
            The estimator's own ML covariance: its matrix is reused as Sigma^-1 when it is the plain inverse
            information matrix (otherwise Sigma^-1 is computed).

        Returns
        -------
        QMLCovariance

        Raises
        ------
        CovarianceError
            Random effects or Elhorst's correction.
        """
        if estimate.fixed_effects == "random" or estimate.bias_correction == "elhorst":
            raise CovarianceError("cov_type='qml' needs the information matrix of the likelihood, which random "
                                  "effects and bias_correction='elhorst' do not use; use bias_correction='lee-yu' "
                                  "(or 'none'), or cov_type='bootstrap'")
        reused = None
        if type(base) is InformationCovariance and base.estimate is estimate:
            reused = base.matrix
        return cls(estimate, reused)

    @property
    def omega(self) -> np.ndarray:
        """Lee's Omega (third- and fourth-moment term, totals over observations); read-only copy."""
        out = self._omega.copy()
        out.setflags(write=False)
        return out

    @property
    def moments(self) -> dict[str, float]:
        """Error moments used: ``sigma2``, ``mu3``, ``mu4``, ``kappa`` = mu4 - 3 sigma2^2 (a new dict)."""
        return dict(self._moments)

    @property
    def name(self) -> str:
        """The label with the estimated skewness and excess kurtosis of the errors."""
        m = self._moments
        return (f"{self.label}; error skewness {m['mu3'] / m['sigma2'] ** 1.5:.3g}, "
                f"excess kurtosis {m['kappa'] / m['sigma2'] ** 2:.3g}")
