"""``GMMResults``: the immutable result of :func:`spatialinno.dynamic_gmm`."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from scipy import stats

from ..summary import Summary


@dataclass(frozen=True)
class GMMResults:
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
                       tables=[coef, tests], captions=["", "Specification tests"], notes=notes)
