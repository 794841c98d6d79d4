"""``GMMResults``: the immutable result of :func:`spatialinno.dynamic_gmm`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from scipy import stats

from ..constants import DEFAULT_SEED
from ..errors import SpatialInnoError
from ..models import effects
from ..models.dynamic_effects import LongRun
from ..models.effects_inference import Multiplier
from ..models.logdet import rho_bounds
from ..models.missing import DroppedRows, MissingRecord
from ..models.spec import SPECS
from ..summary import Summary
from ..validation import check_alpha, check_draws, check_int_seed
from ..weights import Weights


@dataclass(frozen=True)
class GMMResults(DroppedRows):
    """Dynamic panel GMM estimates (Arellano-Bond difference or Blundell-Bond system GMM).

    Parameters
    ----------
    params, bse, pvalues : Series
        Coefficients, standard errors and two-sided normal p-values, indexed by regressor name
        (``L1.y`` for lagged outcomes, ``W_y`` for the spatial lag, ``Intercept``, period dummies).
    vcov : DataFrame
        Coefficient covariance (Windmeijer-corrected for robust two-step).
    ar_tests : DataFrame
        Arellano-Bond AR(1), AR(2) tests of the differenced residuals (columns ``statistic``, ``p_value``).
    sargan, hansen : Series
        Over-identification tests (``statistic``, ``df``, ``p_value``): Sargan from the one-step estimate
        (not robust), Hansen J from the two-step estimate (robust) -- whatever ``two_step`` is.
    n_instruments, n_groups, nobs : int
        Instrument columns, groups with at least one equation, equations used (differenced + level rows).
    sigma2 : float
        Idiosyncratic error variance from the differenced residuals (scales the non-robust one-step variance).
    method : str
        ``"difference"`` or ``"system"``.
    two_step, robust, collapse, time_effects : bool
        The options of the fit.
    formula, outcome : str
        The model.
    instrument_names : tuple of str
        Label of each instrument column.
    weights : Weights or None
        The spatial weights of a spatial dynamic GMM fit (``w=``), used by :meth:`impacts`.
    missing : MissingRecord, optional
        Rows dropped by ``missing="drop"`` (``dropped`` lists them).
    """

    params: pd.Series
    bse: pd.Series
    pvalues: pd.Series
    vcov: pd.DataFrame
    ar_tests: pd.DataFrame
    sargan: pd.Series
    hansen: pd.Series
    n_instruments: int
    n_groups: int
    nobs: int
    sigma2: float
    method: str
    two_step: bool
    robust: bool
    collapse: bool
    time_effects: bool
    formula: str
    outcome: str
    instrument_names: tuple
    weights: Weights | None = None
    missing: MissingRecord | None = None

    @property
    def tvalues(self) -> pd.Series:
        """z statistics ``params / bse``."""
        return self.params / self.bse

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Normal confidence intervals.

        Parameters
        ----------
        alpha : float
            1 - coverage.

        Returns
        -------
        DataFrame
            Columns ``lower``, ``upper`` by regressor.
        """
        q = stats.norm.ppf(1 - alpha / 2)
        return pd.DataFrame({"lower": self.params - q * self.bse, "upper": self.params + q * self.bse})

    def impacts(self, horizon: str = "short", method: str = "simulation", draws: int = 1000,
                seed: int = DEFAULT_SEED, alpha: float = 0.05, variables: Sequence[str] | None = None) -> pd.DataFrame:
        """Short- or long-run direct, indirect and total effects of a spatial dynamic GMM fit (``w=``).

        With y_t = tau y_{t-1} + rho W y_t + X_t b + ... (``L1.y`` = tau, ``W_y`` = rho), the short-run multiplier
        of regressor k is S_k = (I - rho W)^-1 b_k and the long-run one ((1 - tau) I - rho W)^-1 b_k
        (Debarsy, Ertur & LeSage 2012; Elhorst 2014, ch. 4); direct = tr(S_k)/N, total = 1'S_k 1/N, indirect =
        total - direct (LeSage & Pace 2009), computed with the kernels of the ML results and inference from the
        GMM covariance (``vcov``: Windmeijer-corrected for robust two-step). Period dummies and the intercept
        have no effects.

        Parameters
        ----------
        horizon : {"short", "long"}
        method : {"simulation", "delta", "exact"}
        draws, seed : int
            Simulation draws (>= 2) and their seed.
        alpha : float
            1 - coverage of the intervals.
        variables : sequence of str, optional
            Regressors (default: every regressor except the lagged and spatially lagged outcome, the intercept
            and period dummies).

        Returns
        -------
        DataFrame
            Indexed by (variable, effect), columns as ``SpatialResults.impacts``.

        Raises
        ------
        SpatialInnoError
            A non-spatial fit, a second lag of the outcome with ``horizon="long"``, an unknown horizon, or a
            long-run multiplier that is not stationary.
        """
        if self.weights is None:
            raise SpatialInnoError("impacts need a spatial dynamic GMM fit: pass w= to si.dynamic_gmm")
        if horizon not in ("short", "long"):
            raise SpatialInnoError(f"horizon must be 'short' or 'long' (got {horizon!r})")
        alpha, seed, draws = check_alpha(alpha), check_int_seed(seed), check_draws(draws)
        y = self.outcome
        rename = {f"L1.{y}": "tau", f"W_{y}": "rho"}
        params = self.params.rename(index=rename)
        cov = self.vcov.rename(index=rename, columns=rename).to_numpy()
        names = list(params.index)
        if horizon == "long" and any(n.startswith("L") and n.endswith(f".{y}") and n != f"L1.{y}" for n in names):
            raise SpatialInnoError("long-run effects with more than one lag of the outcome are not implemented; "
                                   "fit lags=1")
        allowed = [n for n in names if n not in ("tau", "rho", "Intercept") and "[" not in n
                   and not n.endswith(f".{y}")]
        multiplier: Multiplier = (LongRun(names, self.weights) if horizon == "long"
                                  else Multiplier(names, True, rho_bounds(self.weights)))
        if horizon == "long" and not multiplier(params.to_numpy())[2][0]:
            raise SpatialInnoError("long-run effects do not exist: the GMM estimates are not stationary "
                                   "(spectral radius of (I - rho W)^-1 tau >= 1); report short-run effects")
        return effects.impacts(SPECS["SAR"], self.weights, params, cov, bounds=rho_bounds(self.weights),
                               dist=stats.norm, df=None, variables=allowed if variables is None else list(variables),
                               allowed=allowed, model=f"GMM ({self.method})", method=method, draws=draws, seed=seed,
                               alpha=alpha, multiplier=multiplier)

    def summary(self) -> Summary:
        """What was estimated, the coefficient table and the specification tests.

        Returns
        -------
        Summary
        """
        name = "Arellano-Bond difference GMM" if self.method == "difference" else "Blundell-Bond system GMM"
        step = "two-step" if self.two_step else "one-step"
        cov = ("Windmeijer-corrected" if self.two_step else "robust sandwich") if self.robust else "non-robust"
        coef = pd.DataFrame({"coef": self.params, "std err": self.bse, "z": self.tvalues,
                             "p_value": self.pvalues})
        tests = pd.DataFrame({"statistic": [*self.ar_tests["statistic"], self.sargan["statistic"],
                                            self.hansen["statistic"]],
                              "df": ["", "", int(self.sargan["df"]), int(self.hansen["df"])],
                              "p_value": [*self.ar_tests["p_value"], self.sargan["p_value"], self.hansen["p_value"]]},
                             index=["AR(1) in differences", "AR(2) in differences", "Sargan (one-step, not robust)",
                                    "Hansen J (two-step, robust)"])
        notes = ["Sargan: not robust to heteroskedasticity; Hansen J: robust but weakened by many instruments "
                 "(Roodman 2009)."]
        if self.n_instruments > self.n_groups:
            notes.append(f"{self.n_instruments} instruments exceed {self.n_groups} groups: the Hansen test and the "
                         "two-step estimates are unreliable; consider collapse=True or max_lag=.")
        return Summary(title=f"{name}, {step}",
                       header=[("Outcome", self.outcome), ("Formula", self.formula), ("Groups", str(self.n_groups)),
                               ("Equations used", str(self.nobs)), ("Instruments", str(self.n_instruments)),
                               ("Collapsed instruments", "yes" if self.collapse else "no"),
                               ("Period dummies", "yes" if self.time_effects else "no"), ("Std. errors", cov)],
                       tables=[coef, tests], captions=["", "Specification tests"],
                       notes=notes + self.missing_notes())
