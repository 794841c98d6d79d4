"""Regimes with their own spatial parameter (``regime_spatial=True``): one fit per regime, reported as one.

Every regime g is estimated on its own regions with W_g, the weights restricted to g and normalised again
(``w.subset``), so that rho_g, sigma2_g and every coefficient are specific to the regime; this is spreg's
``ML_Lag_Regimes(regime_lag_sep=True)``. The joint log-likelihood is the sum over regimes, the covariance is
block diagonal (the regimes share no parameter), and the Chow tests (:func:`.regimes.chow_table`) include the
spatial parameters. Effects of regime g are the effects of its own fit, S = (I - rho_g W_g)^-1 (I b_g + W_g t_g).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
import scipy.linalg as sla

from ..constants import DEFAULT_SEED
from ..summary import Summary
from ..weights import Weights
from .regimes import RegimeInfo, chow_table
from .results import SpatialResults


def _rename(names: Sequence[str], group: Hashable) -> list[str]:
    return [f"{n}[{group}]" for n in names]


def _rows_of(data: pd.DataFrame, key: Hashable | None, ids: pd.Index) -> pd.DataFrame:
    keys = data.index if key is None else data[key]
    return data[np.asarray(pd.Index(keys).isin(ids))]


@dataclass(frozen=True, eq=False)
class RegimeSpatialResults:
    """Fits of one model per regime, each with its own spatial parameter, reported as one model.

    Parameters
    ----------
    fits : dict
        Regime -> :class:`~.results.SpatialResults` of that regime (W restricted to it).
    regimes : RegimeInfo
    weights : Weights
        The weights of the whole sample (before the restriction to regimes).
    """

    fits: dict[Hashable, SpatialResults]
    regimes: RegimeInfo
    weights: Weights

    @classmethod
    def estimate(cls, fitter: Callable[[pd.DataFrame, Weights], SpatialResults], data: pd.DataFrame,
                 w: Weights, info: RegimeInfo, key: Hashable | None) -> RegimeSpatialResults:
        """Fit every regime on its rows of ``data`` with ``w.subset`` of its regions.

        Parameters
        ----------
        fitter : callable
            (data of one regime, its weights) -> SpatialResults.
        data : DataFrame
        w : Weights
        info : RegimeInfo
        key : hashable, optional
            Id (cross-section) or entity (panel) column; None: the index.

        Returns
        -------
        RegimeSpatialResults
        """
        fits = {}
        for g in info.groups:
            ids = info.ids(g)
            fits[g] = fitter(_rows_of(data, key, ids), w.subset(ids))
        return cls(fits, info, w)

    # -- estimates and inference ---------------------------------------------------------
    @property
    def model(self) -> str:
        """Model name."""
        return next(iter(self.fits.values())).model

    @cached_property
    def params(self) -> pd.Series:
        """Coefficients and spatial parameters of every regime, named ``x[g]``, ``rho[g]``; regime by regime.

        Returns
        -------
        Series
        """
        return pd.concat([pd.Series(f.params.to_numpy(), index=_rename(f.params.index, g))
                          for g, f in self.fits.items()]).rename("params")

    def _stack(self, attr: str) -> pd.Series:
        return pd.concat([pd.Series(getattr(f, attr).to_numpy(), index=_rename(f.params.index, g))
                          for g, f in self.fits.items()]).rename(attr)

    @property
    def bse(self) -> pd.Series:
        """Standard errors (each regime's own covariance)."""
        return self._stack("bse")

    @property
    def pvalues(self) -> pd.Series:
        """p-values (each regime's own reference distribution)."""
        return self._stack("pvalues")

    def cov_params(self) -> pd.DataFrame:
        """Block-diagonal covariance of ``params`` (regimes share no parameter).

        Returns
        -------
        DataFrame
        """
        blocks = [f.cov_params().to_numpy() for f in self.fits.values()]
        names = list(self.params.index)
        return pd.DataFrame(sla.block_diag(*blocks), index=names, columns=names)

    def coef_table(self, alpha: float = 0.05) -> pd.DataFrame:
        """Coefficient tables of the regimes stacked, rows named ``x[g]``.

        Parameters
        ----------
        alpha : float

        Returns
        -------
        DataFrame
        """
        tables = []
        for g, f in self.fits.items():
            t = f.coef_table(alpha)
            t.index = _rename(t.index, g)
            tables.append(t)
        return pd.concat(tables)

    @property
    def sigma2(self) -> pd.Series:
        """Error variance of every regime."""
        return pd.Series({g: f.sigma2 for g, f in self.fits.items()}, name="sigma2")

    @property
    def sigma2_se(self) -> pd.Series:
        """Standard error of every regime's sigma2."""
        return pd.Series({g: f.sigma2_se for g, f in self.fits.items()}, name="sigma2_se")

    @property
    def llf(self) -> float:
        """Log-likelihood: the sum over regimes."""
        return float(sum(f.llf for f in self.fits.values()))

    @property
    def df_model(self) -> int:
        """Estimated parameters over all regimes."""
        return int(sum(f.df_model for f in self.fits.values()))

    @property
    def nobs(self) -> int:
        """Observations over all regimes."""
        return int(sum(f.nobs for f in self.fits.values()))

    @property
    def aic(self) -> float:
        """-2 llf + 2 df_model."""
        return -2.0 * self.llf + 2.0 * self.df_model

    @property
    def bic(self) -> float:
        """-2 llf + log(nobs) df_model."""
        return -2.0 * self.llf + np.log(self.nobs) * self.df_model

    @property
    def resid(self) -> pd.Series:
        """Residuals of every region (and period), from its regime's fit, in the order of the weights."""
        r = pd.concat([f.resid for f in self.fits.values()])
        first = next(iter(self.fits.values()))
        if first.T == 1:
            return r.reindex(self.weights.ids)
        return r.sort_index()

    # -- tests and effects ---------------------------------------------------------------
    def chow_test(self) -> pd.DataFrame:
        """Wald (Chow) tests that a coefficient, or a spatial parameter, is equal in every regime.

        Returns
        -------
        DataFrame
            One row per variable (``rho`` included) plus ``joint``; columns ``statistic``, ``df``, ``p_value``.
        """
        return chow_table(self.params, self.cov_params(), self.regimes.groups)

    def impacts(self, method: str = "simulation", draws: int = 1000, seed: int = DEFAULT_SEED,
                alpha: float = 0.05, variables: Sequence[str] | None = None) -> pd.DataFrame:
        """Direct, indirect and total effects of every regime, from its own fit, variables named ``x[g]``.

        Parameters
        ----------
        method, draws, seed, alpha
            As :meth:`.SpatialResults.impacts`.
        variables : sequence of str, optional
            Base variable names (``"agglom"``); default every regressor with effects.

        Returns
        -------
        DataFrame
            Indexed by (variable, effect).
        """
        parts = []
        for g, f in self.fits.items():
            e = f.impacts(method=method, draws=draws, seed=seed, alpha=alpha, variables=variables)
            e.index = pd.MultiIndex.from_tuples([(f"{v}[{g}]", k) for v, k in e.index], names=e.index.names)
            parts.append(e)
        out = pd.concat(parts)
        out.attrs.update(parts[0].attrs)
        out.attrs["rejected"] = int(sum(p.attrs.get("rejected", 0) for p in parts))
        out.attrs["regimes"] = self.regimes.name
        return out

    # -- presentation --------------------------------------------------------------------
    @property
    def title(self) -> str:
        """What was estimated."""
        first = next(iter(self.fits.values()))
        return first.title.replace(", estimated", f", regimes of {self.regimes.name} with a spatial parameter per "
                                                 f"regime, estimated")

    def summary(self) -> Summary:
        """Title, header (regimes, regions per regime, spatial parameter per regime), coefficients, Chow tests.

        Returns
        -------
        Summary
        """
        first = next(iter(self.fits.values()))
        header = [("Model", first.model), ("Outcome", first.formula_outcome),
                  ("Regimes", self.regimes.describe()), ("Spatial parameter", "one per regime (W restricted to "
                                                                              "each regime, normalised again)"),
                  ("Observations", str(self.nobs)), ("Log-likelihood", f"{self.llf:.4f}"),
                  ("sigma2", ", ".join(f"{g}: {v:.6g}" for g, v in self.sigma2.items())),
                  ("cov_type", first.cov_type)]
        notes = ("Each regime is estimated on its own regions (spreg's regime_lag_sep=True); the Chow tests use the "
                 "block-diagonal covariance of the separate fits (chi2).",)
        return Summary(title=self.title, header=tuple(header), tables=(self.coef_table(), self.chow_test()),
                       captions=("Coefficients", "Chow tests of equality across regimes"), notes=notes)

    def __repr__(self) -> str:
        return f"<{self.model} regime results ({self.regimes.describe()}), llf={self.llf:.4f}>"
