"""Result objects of every spatial model: estimates, inference, effects, tests and summaries.

A :class:`SpatialResults` joins what a fit produced (:class:`~.estimate.Estimate`) with how its
uncertainty is measured (a :class:`~.covariance.Covariance`); every number it reports is derived from
those two on first use and cached. It is immutable: assigning any attribute raises AttributeError.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from ..constants import DEFAULT_SEED
from ..errors import SpatialInnoError
from ..summary import Summary
from ..validation import check_alpha, check_draws, check_int_seed
from ..weights import Weights
from . import effects, effects_groups, hypotheses, prediction
from .covariance import Covariance
from .dynamic_effects import LongRun, NonStationaryError, spectral_radius
from .estimate import Estimate
from .missing import DroppedRows, MissingRecord
from .regimes import RegimeInfo, chow_table, regime_impacts

__all__ = ["SpatialResults", "DEFAULT_SEED"]  # DEFAULT_SEED re-exported for decay.py until it imports constants

FE_LABELS = {"entity": "entity fixed effects", "time": "time fixed effects", "twoway": "two-way fixed effects",
             "none": "pooled panel (no fixed effects)", "random": "random effects"}
BIAS_LABELS = {"lee-yu": "Lee-Yu", "elhorst": "Elhorst", "none": "no bias correction"}


@dataclass(frozen=True, eq=False)
class SpatialResults(DroppedRows):
    """Fitted spatial model (cross-section or panel).

    ``params`` holds the regression coefficients (``W_x`` for Durbin terms) followed by ``rho``
    and/or ``lambda``; ``sigma2`` is reported separately. Standard errors, p-values, intervals and effect
    inference come from ``covariance`` (``cov_type`` names it).

    Parameters
    ----------
    estimate : Estimate
        What the fit produced.
    covariance : Covariance
        Covariance estimator of the estimates.
    weights : Weights
        The spatial weights of the fit.
    missing : MissingRecord, optional
        Rows dropped under ``missing="drop"`` (see :mod:`.missing`); ``dropped`` lists them.
    regimes : RegimeInfo, optional
        The regimes of a ``regimes=`` fit (coefficients ``x[g]``, a common spatial parameter).
    """

    estimate: Estimate
    covariance: Covariance
    weights: Weights
    missing: MissingRecord | None = None
    regimes: RegimeInfo | None = None

    # -- estimates -------------------------------------------------------------------------
    @cached_property
    def params(self) -> pd.Series:
        """Coefficients followed by the spatial parameters.

        Returns
        -------
        Series
        """
        e = self.estimate
        return pd.Series(e.param_values, index=e.param_names, name="params", dtype=float)

    @property
    def model(self) -> str:
        """Model name (OLS, SLX, SAR, SEM, SDM, SDEM, SAC)."""
        return self.estimate.spec.name

    @property
    def rho(self) -> float:
        """Spatial lag parameter (0 for models without rho W y)."""
        return float(self.params["rho"]) if "rho" in self.params else 0.0

    @property
    def lambda_(self) -> float:
        """Spatial error parameter (0 for models without lambda W u)."""
        return float(self.params["lambda"]) if "lambda" in self.params else 0.0

    @property
    def sigma2(self) -> float:
        """ML error variance."""
        return self.estimate.sigma2

    @property
    def llf(self) -> float:
        """Maximised log-likelihood."""
        return self.estimate.llf

    @property
    def df_model(self) -> int:
        """Number of estimated parameters (coefficients, spatial parameters, sigma2, any extra variance)."""
        return self.estimate.df_model

    @property
    def aic(self) -> float:
        """Akaike information criterion -2 llf + 2 df_model."""
        return -2 * self.llf + 2 * self.df_model

    @property
    def bic(self) -> float:
        """Schwarz criterion -2 llf + log(nobs) df_model."""
        return -2 * self.llf + np.log(self.nobs) * self.df_model

    @property
    def N(self) -> int:
        """Number of regions."""
        return self.estimate.N

    @property
    def T(self) -> int:
        """Number of periods (1 for a cross-section)."""
        return self.estimate.T

    @property
    def nobs(self) -> int:
        """Number of observations N T."""
        return self.estimate.nobs

    @property
    def fixed_effects(self) -> str | None:
        """Panel effects (``entity``, ``time``, ``twoway``, ``none``, ``random``); None for cross-sections."""
        return self.estimate.fixed_effects

    @property
    def bias_correction(self) -> str | None:
        """``lee-yu``, ``elhorst`` or ``none`` for fixed-effects panels, else None."""
        return self.estimate.bias_correction

    @property
    def formula_outcome(self) -> str:
        """Name of the outcome variable."""
        return self.estimate.outcome

    @cached_property
    def resid(self) -> pd.Series:
        """Residuals (within-transformed for fixed-effects panels), indexed by id or (entity, time).

        Returns
        -------
        Series
        """
        return pd.Series(self.estimate.resid, index=self.estimate.index, name="resid")

    @cached_property
    def fitted(self) -> pd.Series:
        """Fitted values: the (within-transformed) outcome minus the residuals.

        Returns
        -------
        Series
        """
        return pd.Series(self.estimate.fitted, index=self.estimate.index, name="fitted")

    def predict(self, newdata: pd.DataFrame | None = None, kind: str = "reduced", *, id: Hashable | None = None,
                entity: Hashable | None = None, time: Hashable | None = None) -> pd.Series:
        """Predicted outcome: reduced form (default) or naive predictor (Kelejian & Prucha 2007).

        With s = X b + W X theta (+ alpha + mu_i + xi_t, the recovered fixed effects of a panel):
        ``kind="reduced"`` gives E[y | X] = (I - rho W)^-1 s (spreg's ``predy_e``; X b for SEM);
        ``kind="naive"`` gives rho W y + s + lambda W (y - rho W y - s) (spreg's ``predy`` of ``ML_Lag``),
        which conditions on the observed neighbouring outcomes. See :mod:`.prediction`.

        Parameters
        ----------
        newdata : DataFrame, optional
            New regressor values for every region, aligned by id (cross-section, column ``id`` or the index)
            or by (``entity``, ``time``) (panel); None: the estimation sample. ``"naive"`` also needs the outcome.
        kind : {"reduced", "naive"}
        id, entity, time : hashable, optional
            Key columns of ``newdata``.

        Returns
        -------
        Series
            In-sample: indexed like ``resid``; new data: indexed like ``newdata``.
        """
        return prediction.predict(self.estimate, newdata, kind, id=id, entity=entity, time=time)

    @property
    def intercept(self) -> float | None:
        """Recovered intercept of a fixed-effects panel (Elhorst 2014, §3.2); None otherwise."""
        return self.estimate.intercept

    @property
    def entity_effects(self) -> pd.Series | None:
        """Recovered entity effects (summing to zero); None without entity effects."""
        return self.estimate.entity_effects

    @property
    def time_effects(self) -> pd.Series | None:
        """Recovered time effects (summing to zero); None without time effects."""
        return self.estimate.time_effects

    @property
    def extra(self) -> dict:
        """Further estimates (e.g. random-effect variance ratio phi and its standard error); a copy."""
        return self.estimate.extra

    @property
    def variables(self) -> list[str]:
        """Regressors with effects: every coefficient except the intercept and the W_x terms."""
        return [c for c in self.estimate.regressors if c != "Intercept"]

    def model_matrix(self) -> pd.DataFrame:
        """The regressor matrix the coefficients multiply (within-transformed for fixed-effects panels).

        Returns
        -------
        DataFrame
            Columns are the coefficient names without spatial parameters; rows as ``resid``.
        """
        return self.estimate.model_matrix

    @property
    def logdet_method(self) -> str | None:
        """Log-determinant strategy used (None without spatial parameters)."""
        return self.estimate.logdet_method

    # -- inference -------------------------------------------------------------------------
    @property
    def cov_type(self) -> str:
        """Name of the covariance estimator (``"information"``, ``"small-sample"``, ...)."""
        return self.covariance.cov_type

    @property
    def df_resid(self) -> float | None:
        """Degrees of freedom of t inference (small-sample option); None for normal inference."""
        return self.covariance.df

    @cached_property
    def bse(self) -> pd.Series:
        """Standard errors of ``params``.

        Returns
        -------
        Series
        """
        k = len(self.params)
        return pd.Series(np.sqrt(np.diag(self.covariance.matrix)[:k]), index=self.params.index, name="bse")

    @cached_property
    def zvalues(self) -> pd.Series:
        """params / bse.

        Returns
        -------
        Series
        """
        return (self.params / self.bse).rename("z")

    @property
    def tvalues(self) -> pd.Series:
        """Alias of ``zvalues`` (t-statistics under the small-sample option)."""
        return self.zvalues

    @cached_property
    def pvalues(self) -> pd.Series:
        """Two-sided p-values from the covariance's reference distribution.

        Returns
        -------
        Series
        """
        return pd.Series(2 * self.covariance.dist.sf(np.abs(self.zvalues)), index=self.params.index, name="p")

    @property
    def sigma2_se(self) -> float:
        """Standard error of sigma2 (NaN when the covariance has no sigma2 row)."""
        return float(np.sqrt(self.covariance.sigma2_variance))

    def cov_params(self) -> pd.DataFrame:
        """Covariance of ``params``.

        Returns
        -------
        DataFrame
        """
        return self.covariance.frame

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Confidence intervals params -/+ q bse, q the 1 - alpha/2 quantile of the reference distribution.

        Parameters
        ----------
        alpha : float
            Level, 0 < alpha < 1 (else :class:`~spatialinno.errors.SpatialInnoError`).

        Returns
        -------
        DataFrame
            Columns ``lower``, ``upper``.
        """
        z = self.covariance.dist.ppf(1 - check_alpha(alpha) / 2)
        return pd.DataFrame({"lower": self.params - z * self.bse, "upper": self.params + z * self.bse})

    # -- dynamics --------------------------------------------------------------------------
    @property
    def dynamic(self) -> str | None:
        """``"time"``, ``"spacetime"`` or ``"both"`` for a dynamic panel (lagged outcome terms), else None."""
        return self.estimate.dynamic.kind if self.estimate.dynamic is not None else None

    @cached_property
    def stable(self) -> bool:
        """Stationarity: the spectral radius of (I - rho W)^-1 (tau I + eta W) is below 1.

        Exact from the eigenvalues of W up to ``EIGEN_MAX`` regions (and for larger W with a real spectrum);
        otherwise the sufficient condition ``(|tau| + |eta| ||W||_inf) / (1 - |rho| ||W||_inf) < 1`` (see
        :mod:`.dynamic_effects`). A static model (tau = eta = 0) with rho in its interval is stable.

        Returns
        -------
        bool
        """
        p = self.params
        tau = float(p["tau"]) if "tau" in p else 0.0
        eta = float(p["eta"]) if "eta" in p else 0.0
        return bool(spectral_radius(self.weights, tau, eta, self.rho)[0][0] < 1.0)

    # -- effects ---------------------------------------------------------------------------
    def impacts(self, method: str = "simulation", draws: int = 1000, seed: int = DEFAULT_SEED, alpha: float = 0.05,
                by_order: int | None = None, variables: Sequence[str] | None = None,
                horizon: str = "short", *, by: pd.Series | Hashable | None = None, data: pd.DataFrame | None = None,
                id: Hashable | None = None, at: Mapping[str, float] | str | None = None) -> pd.DataFrame:
        """Direct, indirect and total effects with inference.

        ``method``: ``"simulation"`` (draws from the asymptotic normal of the estimates; draws with rho
        outside its interval are rejected and counted in ``.attrs["rejected"]``), ``"delta"`` (delta
        method with numerical gradients of the exact effect functions), or ``"exact"`` (point estimates
        only). ``by_order=Q`` adds rows for the power-series terms j = 0..Q (``effect`` like ``direct_W0``),
        rho^j [b tr(W^j) + t tr(W^j+1)]/n etc., each with inference from the same draws (or delta method).

        With simulation, ``ci_lower``/``ci_upper`` are percentiles of the draws and ``std_error`` is half the
        width of their central 68.27% interval: it equals the standard deviation for normal draws but,
        unlike it, stays stable when rho is imprecise and 1/(1 - rho) gives the effects a heavy right tail
        (the standard deviation then grows with the number of draws). Column ``sd`` holds the draws'
        standard deviation, the quantity R's ``impacts()`` and LeSage's code report. Effects that are zero by
        construction (e.g. SEM's indirect effect) have NaN in every inference column. Above 1,500 regions the
        Hutchinson trace probes follow :mod:`.trace_probes` (``.attrs["trace_probes"]``, ``.attrs["trace_se"]``).

        Unbalanced panels and time-varying weights: the effects average S_t = (I - rho W_t)^-1 (I b + W_t theta)
        over periods, weighted by the regions observed in each; with time-varying weights (``PeriodWeights``)
        each period's effects are reported too, indexed (period, variable, effect), the average as period
        ``"average"``.

        ``by``: effects averaged over the regions of each group (rows of S_k averaged within the group, see
        :mod:`.effects_groups`), indexed (group, variable, effect). The results do not keep the data, so
        ``by`` is a Series of group labels indexed by region id (every region of the weights), or a column
        name together with ``data=`` (a cross-section, or a long panel whose column is constant over time) and
        ``id=`` (its id/entity column; default the index).

        ``at``: marginal effects of variables entering through several terms (``x + I(x ** 2)``, ``x:z``),
        combining their terms at a common evaluation point: ``"mean"`` (sample means of the regressor
        columns) or a dict of values (the others at their means); ``variables`` then names base variables
        (default all). See :mod:`.marginal`; the point used is in ``.attrs["at"]``.

        Parameters
        ----------
        method : {"simulation", "delta", "exact"}
        draws : int
            Simulation draws, at least :data:`spatialinno.validation.MIN_DRAWS` (2).
        seed : int, numpy Generator or None
            Seed of the draws (None: :data:`spatialinno.constants.DEFAULT_SEED`).
        alpha : float
            Level of the intervals, 0 < alpha < 1.
        by_order : int, optional
        variables : sequence of str, optional
            Default: every regressor with effects (``variables``).
        horizon : {"short", "long"}
            Dynamic panels: short run (I - rho W)^-1 (I b + W theta) or long run
            ((1 - tau) I - (rho + eta) W)^-1 (I b + W theta) (see :mod:`.dynamic_effects`; non-stationary draws
            are rejected). Static models have only the short run.
        by : Series or hashable, optional
            Group of every region (a Series indexed by region id, or a column of ``data``): effects averaged
            over the regions of each group (rows of S_k averaged within the group).
        data : DataFrame, optional
            The data holding the column ``by`` names.
        id : hashable, optional
            The id column of ``data`` (default: its index; for panels the entity column).
        at : mapping or "mean", optional
            Marginal effects of variables entering through several terms (squares, interactions), evaluated
            at these values (default for missing ones: the sample mean).

        Returns
        -------
        DataFrame
            Indexed by (variable, effect), or (group, variable, effect) with ``by``.

        Raises
        ------
        NonStationaryError
            Long-run effects of a fit that is not stationary (``stable`` is False).
        """
        alpha, seed = check_alpha(alpha), check_int_seed(seed)
        if method == "simulation":
            draws = check_draws(draws)
        seed = DEFAULT_SEED if seed is None else seed
        cov = self.covariance
        if self.regimes is not None:
            if by is not None or by_order is not None or at is not None or horizon != "short":
                raise SpatialInnoError("a regime fit reports effects per regime variable (agglom[east]); by=, "
                                       "by_order=, at= and horizon= are not available with regimes")
            return regime_impacts(self.estimate.spec, self.weights, self.regimes, self.params, cov.frame.to_numpy(),
                                  bounds=self.estimate.bounds, dist=cov.dist, df=cov.df, variables=variables,
                                  allowed=self.variables, model=self.model, method=method, draws=draws, seed=seed,
                                  alpha=alpha)
        multiplier = None
        if horizon not in ("short", "long"):
            raise SpatialInnoError(f"horizon must be 'short' or 'long' (got {horizon!r})")
        if horizon == "long":
            if self.dynamic is None:
                raise SpatialInnoError("long-run effects need a dynamic panel (dynamic='time', 'spacetime' or "
                                       "'both'); a static model's effects are its short-run effects")
            if not self.stable:
                raise NonStationaryError(
                    f"long-run effects do not exist: the fit is not stationary (tau, eta, rho = "
                    f"{self.params.get('tau', 0.0):.4f}, {self.params.get('eta', 0.0):.4f}, {self.rho:.4f}; "
                    f"spectral radius of (I - rho W)^-1 (tau I + eta W) >= 1); report short-run effects")
            multiplier = LongRun(list(self.params.index), self.weights)
        labels = None if by is None else effects_groups.group_labels(by, self.weights, data, id)
        means = None
        if at is not None:
            means = dict(zip(self.estimate.names, self.estimate.problem.X_raw.mean(axis=0)))
        layout = self.estimate.layout
        source = self.weights if layout is None else layout
        return effects.impacts(self.estimate.spec, source, self.params, cov.frame.to_numpy(),
                               bounds=self.estimate.bounds, dist=cov.dist, df=cov.df,
                               variables=variables if variables is not None or at is not None else self.variables,
                               allowed=self.variables, model=self.model, method=method, draws=draws, seed=seed,
                               alpha=alpha, by_order=by_order, by=labels, at=at, regressors=self.variables,
                               means=means, multiplier=multiplier)

    def spillover_from(self, source_id: Hashable, variable: str) -> pd.Series:
        """Column ``source_id`` of S_k(W): effect on every region of a unit change of ``variable`` in the source.

        Parameters
        ----------
        source_id : hashable
            Region id.
        variable : str
            Regressor with effects.

        Returns
        -------
        Series
            Indexed by ``weights.ids``.
        """
        if self.estimate.layout is not None:
            raise SpatialInnoError("spillover_from is not available for unbalanced panels or time-varying weights "
                                   "(each period has its own W_t); use impacts() for the effects averaged over periods")
        return effects.spillover_column(self.weights, self.params, self.variables, self.rho, source_id, variable)

    # -- tests -----------------------------------------------------------------------------
    def chow_test(self) -> pd.DataFrame:
        """Chow (Wald) tests that each coefficient is equal across regimes, and jointly (:mod:`.regimes`).

        Returns
        -------
        DataFrame
            One row per variable plus ``joint``; columns ``statistic``, ``df``, ``p_value`` (chi2).

        Raises
        ------
        SpatialInnoError
            For a fit without ``regimes=``.
        """
        if self.regimes is None:
            raise SpatialInnoError("chow_test() needs a fit with regimes= (e.g. si.sdm(..., regimes='region'))")
        return chow_table(self.params, self.cov_params(), self.regimes.groups)

    def lr_test(self, other: SpatialResults) -> pd.Series:
        """Likelihood-ratio test against a nested model: 2 (l_big - l_small) ~ chi2(df).

        Parameters
        ----------
        other : SpatialResults

        Returns
        -------
        Series
        """
        return hypotheses.lr_test(self, other)

    def wald_test(self, restriction) -> pd.Series:
        """Wald test of ``"theta=0"``, ``"rho=0"``, ``"lambda=0"``, ``"common_factor"``, a list of parameter
        names jointly zero, or a pair (R, q) for R params = q.

        Parameters
        ----------
        restriction : str, list of str or (array, array)

        Returns
        -------
        Series
        """
        return hypotheses.wald_test(self, restriction)

    # -- presentation ----------------------------------------------------------------------
    def coef_table(self, alpha: float = 0.05) -> pd.DataFrame:
        """Coefficients, standard errors, z, p-values and confidence intervals.

        Parameters
        ----------
        alpha : float

        Returns
        -------
        DataFrame
        """
        ci = self.conf_int(alpha)
        return pd.DataFrame({"coef": self.params, "std err": self.bse, "z": self.zvalues, "P>|z|": self.pvalues,
                             "[lower": ci["lower"], "upper]": ci["upper"]})

    def _header(self) -> list[tuple[str, str]]:
        fe = self.fixed_effects or "-"
        bc = self.bias_correction if self.bias_correction and self.estimate.spec.spatial_params else "-"
        return [("Model", self.model + (" (panel)" if self.T > 1 else " (cross-section)")),
                ("Outcome", self.formula_outcome), ("Fixed effects", fe), ("Bias correction", bc),
                ("Weights", self.weights.describe()), ("N", str(self.N)), ("T", str(self.T)),
                ("Observations", str(self.nobs)), ("Log-likelihood", f"{self.llf:.4f}"), ("AIC", f"{self.aic:.4f}"),
                ("BIC", f"{self.bic:.4f}"), ("sigma2", f"{self.sigma2:.6g}"),
                ("Log-det method", self.estimate.logdet_label or "-"),
                ("Covariance", self.covariance.name), ("cov_type", self.cov_type)] + \
               [(k, str(v)) for k, v in self.extra.items() if isinstance(v, (int, float, str))] + \
               ([("Regimes", self.regimes.describe())] + [(p, "common to all regimes") for p in self.estimate.spec
                                                          .spatial_params] if self.regimes is not None else [])

    @property
    def title(self) -> str:
        """What was estimated, e.g. ``"SDM, two-way fixed effects (Lee-Yu), estimated by maximum likelihood"``."""
        if self.T == 1:
            what = "cross-section"
        else:
            what = FE_LABELS.get(str(self.fixed_effects), str(self.fixed_effects))
            if self.bias_correction is not None and self.estimate.spec.spatial_params:
                what += f" ({BIAS_LABELS.get(self.bias_correction, self.bias_correction)})"
            if self.estimate.dynamic is not None:
                what = f"dynamic ({self.estimate.dynamic.description}), {what}"
        return f"{self.model}, {what}, estimated by maximum likelihood"

    def summary(self) -> Summary:
        """Title, header facts, the coefficient table and notes on the inference.

        Returns
        -------
        Summary
        """
        dist = "normal" if self.df_resid is None else f"t({self.df_resid:g})"
        notes = [f"Covariance ({self.cov_type}): {self.covariance.name}; p-values and intervals from the {dist} "
                 f"distribution."]
        notes += self.missing_notes()
        dyn = self.estimate.dynamic
        if dyn is not None:
            notes.append(f"Dynamic panel: the first period ({dyn.initial_period}) is the initial condition; "
                         f"{dyn.periods_used} of {dyn.periods_total} periods enter the likelihood "
                         f"(observations N(T-1) = {self.nobs}).")
            if self.bias_correction == "lee-yu" and self.fixed_effects in ("entity", "twoway"):
                notes.append("Bias correction of Yu, de Jong & Lee (2008)" + (
                    " after the Lee & Yu (2010) F_N transformation for time effects" if self.fixed_effects ==
                    "twoway" else "") + "; log-likelihood of the uncorrected estimates; covariance at the "
                    "corrected ones.")
            elif self.bias_correction == "lee-yu" and self.fixed_effects == "time":
                notes.append("Time effects removed by the Lee & Yu (2010) F_N transformation; without entity effects "
                             "no Nickell bias arises, so no further correction is applied.")
        layout = self.estimate.layout
        if layout is not None:
            notes.append(f"Panel: {layout.describe()}, re-normalised as W ({layout.source.normalization}); fixed "
                         f"effects removed exactly (dummy-variable ML). Effects average S_t = (I - rho W_t)^-1 "
                         f"(I b + W_t theta) over periods, weighted by the regions observed.")
        return Summary(title=self.title, header=tuple(self._header()), tables=(self.coef_table(),),
                       captions=("Coefficients",), notes=tuple(notes))

    def __repr__(self) -> str:
        return f"<{self.model} results: N={self.N}, T={self.T}, llf={self.llf:.4f}>"

    def to_latex(self) -> str:
        """Coefficient table as a LaTeX tabular (underscores escaped).

        Returns
        -------
        str
        """
        t = self.coef_table()
        t.index = [str(i).replace("_", r"\_") for i in t.index]
        body = t.to_latex(float_format=lambda x: f"{x:.4f}", escape=False)
        notes = ", ".join(f"{k}: {v}" for k, v in self._header()[:9]).replace("_", r"\_").replace("%", r"\%")
        return body + f"% {notes}\n"
