"""Result objects of every spatial model: estimates, inference, effects, tests and summaries."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import SpatialInnoError, preview
from ..weights import Weights
from .effects import EffectsKernel, effect_values
from .likelihood import Problem

DEFAULT_SEED = 20240601


def _no_lag_kernel(w: Weights):
    """Kernel at rho = 0 in closed form: [1, tr(W)/n, 1, 1'W 1/n] (exact zeros where they are zero)."""
    row = np.array([1.0, w.sparse.diagonal().sum() / w.n, 1.0, w.sparse.sum() / w.n])

    def kern(r):
        return np.repeat(row[None, :], np.atleast_1d(r).size, axis=0)

    kern.by_order = lambda rho, orders: np.vstack([row[None, :], np.zeros((orders, 4))])
    return kern


class SpatialResults:
    """Fitted spatial model (cross-section or panel).

    ``params`` holds the regression coefficients (``W_x`` for Durbin terms) followed by ``rho``
    and/or ``lambda``; ``sigma2`` is reported separately. Standard errors come from the inverse of
    the analytic information matrix.
    """

    def __init__(self, problem: Problem, rho: float, lam: float, fit: dict, cov: np.ndarray,
                 extra: dict | None = None) -> None:
        self._p = problem
        d, s = problem.design, problem.spec
        self.model: str = s.name
        self.weights: Weights = d.w
        self.N, self.T = d.N, d.T
        self.nobs: int = d.n
        self.fixed_effects: str | None = d.fixed_effects if d.T > 1 else None
        self.bias_correction: str | None = problem.scale.bias_correction if d.T > 1 and d.fixed_effects not in ("none", "random") else None
        self.formula_outcome = d.yname
        names = problem.names + s.spatial_params
        values = list(fit["beta"]) + ([rho] if s.lag else []) + ([lam] if s.error else [])
        self.params = pd.Series(values, index=names, name="params", dtype=float)
        k = len(names)
        self.covariance = "inverse analytic information matrix"
        self.df_resid: float | None = None  # set by the small-sample option: t instead of normal inference
        self._set_covariance(cov)
        self.sigma2: float = fit["sigma2"]
        self.llf: float = fit["llf"]
        self.df_model = k + 1  # coefficients, spatial parameters and sigma2
        self.aic = -2 * self.llf + 2 * self.df_model
        self.bic = -2 * self.llf + np.log(self.nobs) * self.df_model
        idx = (pd.Index(d.w.ids) if d.T == 1 else
               pd.MultiIndex.from_product([d.periods, d.w.ids], names=["time", "entity"]).swaplevel())
        self.resid = pd.Series(fit["resid"], index=idx, name="resid")
        self.fitted = pd.Series(d.demean(d.y) - fit["resid"], index=idx, name="fitted")
        self.extra: dict = dict(extra or {})
        self.intercept, self.entity_effects, self.time_effects = self._recover_fixed_effects()

    def _recover_fixed_effects(self):
        """Elhorst (2014, §3.2) intercept alpha, entity effects mu_i and time effects xi_t (each summing to zero)
        from the structural residual r = y - rho W y - X b: alpha = mean(r), mu_i = mean_t(r_it) - alpha,
        xi_t = mean_i(r_it) - alpha."""
        p, d = self._p, self._p.design
        if d.T == 1 or d.fixed_effects in ("none", "random"):
            return None, None, None
        k = p.k
        r = d.y - self.rho * p.Wy_raw - p.X_raw @ self.params.to_numpy()[:k]
        R = r.reshape(d.T, d.N)
        alpha = float(R.mean())
        ent = tim = None
        if d.fixed_effects in ("entity", "twoway"):
            ent = pd.Series(R.mean(axis=0) - alpha, index=d.w.ids, name="entity effect")
        if d.fixed_effects in ("time", "twoway"):
            tim = pd.Series(R.mean(axis=1) - alpha, index=d.periods, name="time effect")
        return alpha, ent, tim

    def _set_covariance(self, cov: np.ndarray) -> None:
        names = list(self.params.index)
        k = len(names)
        self._cov_full = cov
        self._cov = pd.DataFrame(cov[:k, :k], index=names, columns=names)
        self.bse = pd.Series(np.sqrt(np.diag(cov)[:k]), index=names, name="bse")
        self.zvalues = (self.params / self.bse).rename("z")
        self.pvalues = pd.Series(2 * self._dist.sf(np.abs(self.zvalues)), index=names, name="p")
        self.sigma2_se: float = float(np.sqrt(cov[-1, -1])) if cov.shape[0] > k else float("nan")

    @property
    def _dist(self):
        """Reference distribution of z-statistics: normal, or t(df_resid) under the small-sample option."""
        return stats.norm if self.df_resid is None else stats.t(self.df_resid)

    def small_sample(self, df_resid: float) -> None:
        """Scale the covariance by n/df_resid and use t(df_resid) for p-values, intervals and effect draws."""
        self.df_resid = float(df_resid)
        self._set_covariance(self._cov_full * (self._p.scale.n_eff / df_resid))
        self.covariance += f", small-sample: scaled by n/(n-p), t({df_resid:g}) inference"

    # -- inference -------------------------------------------------------------------------
    @property
    def rho(self) -> float:
        return float(self.params["rho"]) if "rho" in self.params else 0.0

    @property
    def lambda_(self) -> float:
        return float(self.params["lambda"]) if "lambda" in self.params else 0.0

    def cov_params(self) -> pd.DataFrame:
        return self._cov.copy()

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        z = self._dist.ppf(1 - alpha / 2)
        return pd.DataFrame({"lower": self.params - z * self.bse, "upper": self.params + z * self.bse})

    @property
    def variables(self) -> list[str]:
        """Regressors with effects: every coefficient except the intercept and the W_x terms."""
        return [c for c in self._p.design.names if c != "Intercept"]

    # -- effects ---------------------------------------------------------------------------
    def _coef_pair(self, var: str) -> tuple[int, int | None]:
        names = list(self.params.index)
        if var not in names or var.startswith("W_") and var[2:] in names:
            raise SpatialInnoError(f"unknown variable {var!r}; choose from {preview(self.variables)}")
        wname = f"W_{var}"
        return names.index(var), (names.index(wname) if wname in names else None)

    def impacts(self, method: str = "simulation", draws: int = 1000, seed: int = DEFAULT_SEED, alpha: float = 0.05,
                by_order: int | None = None, variables: Sequence[str] | None = None) -> pd.DataFrame:
        """Direct, indirect and total effects with inference.

        ``method``: ``"simulation"`` (draws from the asymptotic normal of the estimates; draws with rho
        outside its interval are rejected and counted in ``.attrs["rejected"]``), ``"delta"`` (delta
        method with numerical gradients of the exact effect functions), or ``"exact"`` (point estimates
        only). ``by_order=Q`` adds rows for the power-series terms j = 0..Q (``effect`` like ``direct_W0``).

        With simulation, ``ci_lower``/``ci_upper`` are percentiles of the draws and ``std_error`` is half the
        width of their central 68.27% interval: it equals the standard deviation for normal draws but,
        unlike it, stays stable when rho is imprecise and 1/(1 - rho) gives the effects a heavy right tail
        (the standard deviation then grows with the number of draws). Column ``sd`` holds the draws'
        standard deviation, the quantity R's ``impacts()`` and LeSage's code report.
        """
        if method not in ("simulation", "delta", "exact"):
            raise SpatialInnoError(f"method must be 'simulation', 'delta' or 'exact' (got {method!r})")
        variables = list(variables) if variables is not None else self.variables
        rho = self.rho
        if "rho" in self.params:
            kern = EffectsKernel(self.weights, rho_max=min(0.999, abs(rho) + 8 * float(self.bse["rho"])))
        else:
            kern = _no_lag_kernel(self.weights)
        lo, hi = self._p.bounds
        pos = [self._coef_pair(v) for v in variables]
        b = self.params.to_numpy()
        k0 = kern(rho)[0]
        est = np.array([effect_values(k0, b[i], b[j] if j is not None else 0.0) for i, j in pos])  # (q, 3)
        se = np.full_like(est, np.nan)
        sd = np.full_like(est, np.nan)
        lower = np.full_like(est, np.nan)
        upper = np.full_like(est, np.nan)
        rejected = 0
        idx_rho = list(self.params.index).index("rho") if "rho" in self.params else None
        if method == "simulation":
            rng = np.random.default_rng(seed)
            C = self._cov.to_numpy()
            P = rng.multivariate_normal(np.zeros_like(b), C, size=draws,
                                        method="cholesky" if np.all(np.linalg.eigvalsh(C) > 0) else "eigh")
            if self.df_resid is not None:  # multivariate t draws
                P = P / np.sqrt(rng.chisquare(self.df_resid, size=(draws, 1)) / self.df_resid)
            P = P + b
            if idx_rho is not None:
                ok = (P[:, idx_rho] > lo) & (P[:, idx_rho] < hi)
                rejected = int((~ok).sum())
                P = P[ok]
                kd = kern(P[:, idx_rho])
            else:
                kd = np.repeat(kern(0.0), len(P), axis=0)
            sims = np.stack([effect_values(kd, P[:, i], P[:, j] if j is not None else 0.0) for i, j in pos], axis=1)
            sd = sims.std(axis=0, ddof=1)
            q16, q84 = np.quantile(sims, [stats.norm.cdf(-1.0), stats.norm.cdf(1.0)], axis=0)
            se = (q84 - q16) / 2.0
            lower = np.quantile(sims, alpha / 2, axis=0)
            upper = np.quantile(sims, 1 - alpha / 2, axis=0)
        elif method == "delta":
            C = self._cov.to_numpy()
            z = self._dist.ppf(1 - alpha / 2)
            for q, (i, j) in enumerate(pos):
                idx = [i] + ([j] if j is not None else []) + ([idx_rho] if idx_rho is not None else [])

                def f(v, i=i, j=j):
                    r = v[-1] if idx_rho is not None else 0.0
                    return effect_values(kern(r)[0], v[0], v[1] if j is not None else 0.0)

                v0 = b[idx]
                grad = np.zeros((3, len(idx)))
                for c in range(len(idx)):
                    h = 1e-6 * max(1.0, abs(v0[c]))
                    vp, vm = v0.copy(), v0.copy()
                    vp[c] += h
                    vm[c] -= h
                    grad[:, c] = (f(vp) - f(vm)) / (2 * h)
                V = grad @ C[np.ix_(idx, idx)] @ grad.T
                se[q] = np.sqrt(np.diag(V))
                lower[q], upper[q] = est[q] - z * se[q], est[q] + z * se[q]
        se = np.where(se == 0.0, np.nan, se)  # structurally zero effects (e.g. SEM indirect) have no inference
        rows = []
        for q, v in enumerate(variables):
            for e, name in enumerate(("direct", "indirect", "total")):
                zval = est[q, e] / se[q, e] if se[q, e] > 0 else np.nan
                rows.append((v, name, est[q, e], se[q, e], zval, 2 * self._dist.sf(abs(zval)) if np.isfinite(zval) else np.nan,
                             lower[q, e], upper[q, e], sd[q, e]))
        if by_order is not None:
            terms = kern.by_order(rho, int(by_order))
            for v, (i, j) in zip(variables, pos):
                vals = effect_values(terms, b[i], b[j] if j is not None else 0.0)
                for o in range(int(by_order) + 1):
                    for e, name in enumerate(("direct", "indirect", "total")):
                        rows.append((v, f"{name}_W{o}", vals[o, e], *[np.nan] * 6))
        out = pd.DataFrame(rows, columns=["variable", "effect", "estimate", "std_error", "z", "p_value", "ci_lower",
                                          "ci_upper", "sd"]).set_index(["variable", "effect"])
        out.attrs.update({"method": method, "draws": draws if method == "simulation" else 0, "rejected": rejected,
                          "seed": seed, "alpha": alpha, "model": self.model})
        return out

    def spillover_from(self, source_id: Hashable, variable: str) -> pd.Series:
        """Column ``source_id`` of S_k(W): effect on every region of a unit change of ``variable`` in the source."""
        i, j = self._coef_pair(variable)
        w = self.weights
        src = w._pos([source_id])[0]
        e = np.zeros(w.n)
        e[src] = 1.0
        b = self.params.to_numpy()
        v = b[i] * e + (b[j] * w.sparse[:, src].toarray().ravel() if j is not None else 0.0)
        if self.rho != 0.0:
            import scipy.sparse as sp
            import scipy.sparse.linalg as spla

            v = spla.spsolve(sp.csc_matrix(sp.identity(w.n) - self.rho * w.sparse), v)
        return pd.Series(v, index=w.ids, name=f"spillover of {variable} from {source_id}")

    # -- tests -----------------------------------------------------------------------------
    def lr_test(self, other: SpatialResults) -> pd.Series:
        """Likelihood-ratio test against a nested model: 2 (l_big - l_small) ~ chi2(df)."""
        from .tests import lr_test

        return lr_test(self, other)

    def wald_test(self, restriction) -> pd.Series:
        """Wald test of ``"theta=0"``, ``"rho=0"``, ``"lambda=0"``, ``"common_factor"``, a list of parameter
        names jointly zero, or a pair (R, q) for R params = q."""
        from .tests import wald_test

        return wald_test(self, restriction)

    # -- presentation ----------------------------------------------------------------------
    def coef_table(self, alpha: float = 0.05) -> pd.DataFrame:
        ci = self.conf_int(alpha)
        return pd.DataFrame({"coef": self.params, "std err": self.bse, "z": self.zvalues, "P>|z|": self.pvalues,
                             "[lower": ci["lower"], "upper]": ci["upper"]})

    def _header(self) -> list[tuple[str, str]]:
        fe = self.fixed_effects or "-"
        bc = self.bias_correction or "-"
        return [("Model", self.model + (" (panel)" if self.T > 1 else " (cross-section)")),
                ("Outcome", self.formula_outcome), ("Fixed effects", fe), ("Bias correction", bc),
                ("Weights", self.weights.describe()), ("N", str(self.N)), ("T", str(self.T)),
                ("Observations", str(self.nobs)), ("Log-likelihood", f"{self.llf:.4f}"), ("AIC", f"{self.aic:.4f}"),
                ("BIC", f"{self.bic:.4f}"), ("sigma2", f"{self.sigma2:.6g}"),
                ("Log-det method", self._p.logdet.method if self._p.logdet else "-"),
                ("Covariance", self.covariance)] + \
               [(k, str(v)) for k, v in self.extra.items() if isinstance(v, (int, float, str))]

    def summary(self) -> str:
        head = "\n".join(f"{k:<16}{v}" for k, v in self._header())
        table = self.coef_table().to_string(float_format=lambda x: f"{x:.6g}")
        line = "=" * max(len(l) for l in table.splitlines())
        return f"{line}\n{self.model} estimated by maximum likelihood\n{line}\n{head}\n{line}\n{table}\n{line}"

    def __repr__(self) -> str:
        return f"<{self.model} results: N={self.N}, T={self.T}, llf={self.llf:.4f}>"

    def to_latex(self) -> str:
        """Coefficient table as a LaTeX tabular (underscores escaped)."""
        t = self.coef_table()
        t.index = [str(i).replace("_", r"\_") for i in t.index]
        body = t.to_latex(float_format=lambda x: f"{x:.4f}", escape=False)
        notes = ", ".join(f"{k}: {v}" for k, v in self._header()[:9]).replace("_", r"\_").replace("%", r"\%")
        return body + f"% {notes}\n"

    def model_matrix(self) -> pd.DataFrame:
        """Regressor matrix the coefficients were estimated on.

        Returns
        -------
        pandas.DataFrame
            One column per coefficient, named as in ``params`` (``W_x`` Durbin terms included, ``rho`` and
            ``lambda`` excluded); rows indexed like ``resid``. For fixed-effects panels the columns are
            within-transformed (W applied before demeaning), exactly the matrix behind ``resid``; it is not
            filtered by (I - lambda W).
        """
        return pd.DataFrame(self._p.Xt, index=self.resid.index, columns=list(self._p.names))
