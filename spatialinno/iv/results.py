"""Immutable results of spatial 2SLS / GMM (:func:`spatialinno.gs2sls`) and of spatial 3SLS systems."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from ..constants import DEFAULT_SEED, EIGEN_MAX
from ..errors import SpatialInnoError, preview
from ..models.effects import EffectsKernel, effect_values
from ..models.missing import DroppedRows, MissingRecord
from ..summary import Summary
from ..weights import Weights


def _inference(params: pd.Series, cov: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    bse = pd.Series(np.sqrt(np.diag(cov.to_numpy())), index=params.index, name="bse")
    z = (params / bse).rename("zvalues")
    p = pd.Series(2 * stats.norm.sf(np.abs(z.to_numpy())), index=params.index, name="pvalues")
    return bse, z, p


def _coef_table(params: pd.Series, cov: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    bse, z, p = _inference(params, cov)
    q = stats.norm.ppf(1 - alpha / 2)
    return pd.DataFrame({"coef": params, "std_err": bse, "z": z, "p_value": p,
                         "ci_lower": params - q * bse, "ci_upper": params + q * bse})


def _rho_interval(w: Weights) -> tuple[float, float]:
    """(1/min eigenvalue, 1/max eigenvalue) of W (real parts), (-1, 1) above EIGEN_MAX regions."""
    if w.n > EIGEN_MAX:
        return -1.0, 1.0
    lam = np.linalg.eigvals(w.sparse.toarray()).real
    return 1.0 / lam.min(), 1.0 / lam.max()


class NormalInference:
    """Normal (z) inference shared by the IV results: ``bse``, ``zvalues``, ``pvalues``, ``conf_int``.

    Subclasses hold ``params`` (Series) and ``cov`` (DataFrame); parameters without a standard error (the
    Kelejian-Prucha lambda) have NaN rows in ``cov`` and NaN inference.
    """

    params: pd.Series
    cov: pd.DataFrame

    @property
    def bse(self) -> pd.Series:
        """Standard errors (NaN for a GM lambda)."""
        return _inference(self.params, self.cov)[0]

    @property
    def zvalues(self) -> pd.Series:
        """params / bse."""
        return _inference(self.params, self.cov)[1]

    @property
    def pvalues(self) -> pd.Series:
        """Two-sided normal p-values."""
        return _inference(self.params, self.cov)[2]

    def cov_params(self) -> pd.DataFrame:
        """Covariance matrix of ``params`` (a copy).

        Returns
        -------
        DataFrame
        """
        return self.cov.copy()

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Normal confidence intervals, columns ``lower`` and ``upper``.

        Parameters
        ----------
        alpha : float

        Returns
        -------
        DataFrame
        """
        t = _coef_table(self.params, self.cov, alpha)
        return t[["ci_lower", "ci_upper"]].set_axis(["lower", "upper"], axis=1)


@dataclass(frozen=True)
class IVResults(NormalInference, DroppedRows):
    """Spatial 2SLS / generalised-moments estimates of one equation.

    Parameters
    ----------
    model : str
        ``"sar"``, ``"sem"``, ``"sarar"`` or ``"sdm"``.
    params : Series
        Coefficients (``W_x`` Durbin terms), ``rho`` (coefficient of W y) and ``lambda`` (spatial error).
    cov : DataFrame
        Covariance of ``params`` (NaN row/column for the KP lambda, which has no standard error).
    sigma2 : float
        e'e / divisor of the (filtered) residuals.
    sigma2_divisor : str
        The divisor in words, e.g. ``"n = 49"``.
    nobs, N, T : int
        Observations, regions, periods.
    fixed_effects : str or None
        Panel fixed effects (None for cross-sections).
    robust : bool
        Heteroskedasticity-robust covariance (and Arraiz et al. moments for lambda).
    w_lags : int
        Highest power of W in the instruments.
    instruments : list of str
        Names of the columns of H.
    endogenous : list of str
        Instrumented regressors (including ``rho``).
    first_stage : DataFrame
        Partial F and partial R^2 per instrumented regressor.
    overid : DataFrame or None
        Sargan (``robust=False``) or Hansen J (``robust=True``) when over-identified, else None.
    ak_test : DataFrame or None
        Anselin-Kelejian test of residual spatial dependence (cross-section SAR/SDM, robust=False), else None.
    resid : Series
        Residuals y - Z delta (within-transformed for panels), indexed by id or (entity, time).
    weights : Weights
        The weights used.
    notes : tuple of str
        Conventions stated in the summary.
    outcome : str
        Name of the outcome.
    missing : MissingRecord, optional
        Rows dropped by ``missing="drop"`` (``dropped`` lists them).
    """

    model: str
    params: pd.Series
    cov: pd.DataFrame
    sigma2: float
    sigma2_divisor: str
    nobs: int
    N: int
    T: int
    fixed_effects: str | None
    robust: bool
    w_lags: int
    instruments: list[str]
    endogenous: list[str]
    first_stage: pd.DataFrame
    overid: pd.DataFrame | None
    ak_test: pd.DataFrame | None
    resid: pd.Series
    weights: Weights
    notes: tuple[str, ...] = field(default_factory=tuple)
    outcome: str = "y"
    missing: MissingRecord | None = None

    @property
    def rho(self) -> float:
        """Coefficient of W y (NaN for the SEM)."""
        return float(self.params.get("rho", np.nan))

    @property
    def lambda_(self) -> float:
        """Spatial error parameter (NaN for SAR/SDM)."""
        return float(self.params.get("lambda", np.nan))

    def summary(self) -> Summary:
        """What was estimated: coefficients, first stage, over-identification and residual-dependence tests.

        Returns
        -------
        Summary
        """
        est = {"sar": "SAR (W y instrumented)", "sdm": "SDM (W y instrumented)",
               "sem": "SEM", "sarar": "SARAR (W y instrumented, spatial errors)"}[self.model]
        method = "Arraiz et al. (2010) heteroskedastic GM" if self.robust else "Kelejian-Prucha GM"
        header = [("Model", est), ("Outcome", self.outcome), ("Observations", str(self.nobs)),
                  ("Regions (N)", str(self.N)), ("Periods (T)", str(self.T)),
                  ("Fixed effects", self.fixed_effects or "none (cross-section)"),
                  ("Instruments", f"{len(self.instruments)} (w_lags = {self.w_lags})" if self.endogenous
                   else "none (exogenous regressors: feasible GLS)"),
                  ("Covariance", "heteroskedasticity-robust" if self.robust else "homoskedastic"),
                  ("sigma2", f"{self.sigma2:.6g} (e'e / {self.sigma2_divisor})")]
        if "lambda" in self.params:
            header.append(("lambda", method))
        tables = [_coef_table(self.params, self.cov)]
        captions = ["Spatial 2SLS estimates"]
        for t, c in ((self.first_stage, "First stage (excluded instruments)"), (self.overid, "Over-identification"),
                     (self.ak_test, "Anselin-Kelejian test")):
            if t is not None and len(t):
                tables.append(t)
                captions.append(c)
        return Summary(title=f"Spatial two-stage least squares: {est}", header=header, tables=tables,
                       captions=captions,
                       notes=list(self.notes) + self.missing_notes() + ([f"Instruments: {', '.join(self.instruments)}."]
                                                                        if self.endogenous else []))

    def impacts(self, draws: int = 1000, seed: int = DEFAULT_SEED, alpha: float = 0.05,
                variables: Sequence[str] | None = None) -> pd.DataFrame:
        """LeSage-Pace direct, indirect and total effects with simulation inference.

        S_k = (I - rho W)^-1 (I b_k + W t_k); direct = tr(S_k)/n, total = 1'S_k 1/n (LeSage & Pace 2009, §2.7),
        evaluated at the estimates. Inference from ``draws`` draws of the asymptotic normal of (b, t, rho) (draws
        with rho outside the stationary interval of W are discarded and counted in ``.attrs["rejected"]``):
        ``ci_lower``/``ci_upper`` are percentiles of the simulated effects, ``std_error`` half the width of their
        central 68.27% interval (the convention of the ML results: stable when rho is imprecise and 1/(1 - rho)
        gives the effects a heavy tail) and ``sd`` their standard deviation.

        Parameters
        ----------
        draws : int
        seed : int
        alpha : float
        variables : sequence of str, optional
            Regressors (default all but the intercept, Durbin terms and spatial parameters).

        Returns
        -------
        DataFrame
            MultiIndex (``variable``, ``effect``), columns ``estimate``, ``std_error``, ``z``, ``p_value``,
            ``ci_lower``, ``ci_upper``, ``sd``.
        """
        if "rho" not in self.params:
            raise SpatialInnoError(f"impacts() needs a spatial lag of the outcome; model={self.model!r} has none "
                                   f"(its marginal effects are the coefficients)")
        names = [c for c in self.params.index if c not in ("Intercept", "rho", "lambda") and not c.startswith("W_")]
        variables = names if variables is None else list(variables)
        unknown = [v for v in variables if v not in names]
        if unknown:
            raise SpatialInnoError(f"impacts(): unknown variables {preview(unknown)}; choose from {preview(names)}")
        idx = list(self.params.index)
        pos = [(idx.index(v), idx.index(f"W_{v}") if f"W_{v}" in idx else None) for v in variables]
        use = [i for i, c in enumerate(idx) if c != "lambda"]
        b = self.params.to_numpy()[use]
        C = self.cov.to_numpy()[np.ix_(use, use)]
        r = [idx[i] for i in use].index("rho")
        local = {i: k for k, i in enumerate(use)}
        kern = EffectsKernel(self.weights)
        est = np.array([effect_values(kern(self.rho)[0], b[local[i]], b[local[j]] if j is not None else 0.0)
                        for i, j in pos])
        rng = np.random.default_rng(seed)
        P = rng.multivariate_normal(b, C, size=draws, method="eigh")
        lo, hi = _rho_interval(self.weights)
        ok = (P[:, r] > lo) & (P[:, r] < hi)
        P = P[ok]
        kd = kern(P[:, r])
        sims = np.stack([effect_values(kd, P[:, local[i]], P[:, local[j]] if j is not None else 0.0)
                         for i, j in pos], axis=1)
        q16, q84 = np.quantile(sims, [stats.norm.cdf(-1.0), stats.norm.cdf(1.0)], axis=0)
        se = (q84 - q16) / 2.0
        lower, upper = np.quantile(sims, [alpha / 2, 1 - alpha / 2], axis=0)
        index = pd.MultiIndex.from_product([variables, ["direct", "indirect", "total"]], names=["variable", "effect"])
        z = est / se
        out = pd.DataFrame({"estimate": est.ravel(), "std_error": se.ravel(), "z": z.ravel(),
                            "p_value": 2 * stats.norm.sf(np.abs(z.ravel())), "ci_lower": lower.ravel(),
                            "ci_upper": upper.ravel(), "sd": sims.std(axis=0, ddof=1).ravel()}, index=index)
        out.attrs["rejected"] = int((~ok).sum())
        return out


@dataclass(frozen=True)
class SystemResults(NormalInference, DroppedRows):
    """Spatial simultaneous-equations (GS3SLS) estimates.

    Parameters
    ----------
    params : Series
        MultiIndex (``equation``, ``variable``).
    cov : DataFrame
        Covariance of ``params`` (NaN rows/columns for the GM lambdas).
    equations : dict of str to IVResults
        Per-equation (spatial 2SLS) results, the first step of the system estimator.
    sigma : DataFrame
        Cross-equation covariance of the (filtered) 2SLS residuals (divisor n, or n minus the absorbed fixed
        effects for panels; stated in the notes).
    nobs, N, T : int
    spatial_error : bool
    notes : tuple of str
    missing : MissingRecord, optional
        Rows dropped by ``missing="drop"`` (``dropped`` lists them).
    """

    params: pd.Series
    cov: pd.DataFrame
    equations: dict
    sigma: pd.DataFrame
    nobs: int
    N: int
    T: int
    spatial_error: bool
    notes: tuple[str, ...] = field(default_factory=tuple)
    missing: MissingRecord | None = None

    def summary(self) -> Summary:
        """Coefficients of every equation and the cross-equation residual covariance.

        Returns
        -------
        Summary
        """
        header = [("Equations", ", ".join(self.equations)), ("Observations per equation", str(self.nobs)),
                  ("Regions (N)", str(self.N)), ("Periods (T)", str(self.T)),
                  ("Spatial errors", "yes (KP lambda per equation)" if self.spatial_error else "no")]
        return Summary(title="Spatial simultaneous equations: GS3SLS (Kelejian & Prucha 2004)", header=header,
                       tables=[_coef_table(self.params, self.cov), self.sigma],
                       captions=["GS3SLS estimates", "Cross-equation residual covariance (2SLS step)"],
                       notes=list(self.notes) + self.missing_notes())
