"""Regression-based (Mundlak) test of random against fixed effects, always defined.

Mundlak (1978); Wooldridge (2010, §10.7.3): random effects are consistent when the entity effect is
uncorrelated with the regressors. Augment the random-effects model with the entity means x-bar_i of the
time-varying regressors,

    y_it = [rho W y_t]_i + x_it' b + [W x_t]_i' t + x-bar_i' g + [W x-bar]_i' h + mu_i + e_it,

and test g = 0 (and h = 0 for Durbin models) jointly with a Wald test: W = c' V_c^-1 c ~ chi2(dim c). Under
H0 the augmented RE fit is the RE model; under the alternative the means absorb the correlation and b is
the within estimator. Unlike the contrast b_FE - b_RE the Wald statistic is a quadratic form in a positive
definite covariance, so it is never negative and always has a p-value.

Estimation is the package's random-effects ML (SAR, SEM, their Durbin forms, SLX, OLS: Elhorst 2014,
§3.5), and V_c is the inverse numerical Hessian of that likelihood. A cluster-robust version (Wooldridge's
recommendation for the non-spatial case) is not available for these ML fits. For OLS the test differs from
plm's ``phtest(method="aux")`` only in the variance components (ML here, Swamy-Arora there).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd

from ..errors import PanelError, SpatialInnoError, preview
from ..weights import Weights
from .missing import handle_missing
from .model import fit


def mundlak_test(formula: str, data: pd.DataFrame, w: Weights, *, entity: Hashable, time: Hashable,
                 model: str = "SAR", durbin: Sequence[str] | None = None, method: str = "auto",
                 missing: str = "raise") -> pd.Series:
    """Mundlak test: Wald test of the entity means added to a random-effects spatial panel (module docstring).

    Time-invariant regressors (constant within every entity) get no mean: it would duplicate them.

    Parameters
    ----------
    formula : str
        ``"y ~ x1 + x2"`` as for the estimators.
    data : DataFrame
        Balanced long panel (not modified).
    w : Weights
    entity, time : hashable
        Panel id columns.
    model : str
        ``"SAR"`` (default), ``"SEM"``, ``"SDM"``, ``"SDEM"``, ``"SLX"`` or ``"OLS"``.
    durbin : sequence of str, optional
        Regressors with W x terms (Durbin models; default all): the means of these get W terms too.
    method : str
        Log-determinant strategy.
    missing : {"raise", "drop"}
        Rows with a NaN in a used column: ``"raise"`` names them; ``"drop"`` drops them before the entity means
        are formed (their keys in ``.attrs["dropped"]``).

    Returns
    -------
    Series
        ``statistic``, ``df``, ``p_value``, ``method`` (``"mundlak"``), ``note``, ``coefficients`` (the mean
        terms tested) and ``results`` (the augmented random-effects fit).
    """
    from formulaic import model_matrix

    if not isinstance(data, pd.DataFrame):
        raise SpatialInnoError("data must be a pandas DataFrame")
    if entity not in data.columns:
        raise PanelError(f"panel column {entity!r} not in the data; columns are {preview(data.columns)}")
    data, w, record = handle_missing(data, formula, w, entity=entity, time=time, missing=missing)
    try:
        rhs = model_matrix(formula, data, na_action="ignore").rhs
    except Exception as exc:  # formulaic raises several types for unknown names and syntax
        raise SpatialInnoError(f"cannot build the design from formula {formula!r}: {str(exc).splitlines()[0]}. "
                               f"Columns available: {preview(data.columns)}") from None
    X = pd.DataFrame(np.asarray(rhs, dtype=float), columns=list(rhs.columns), index=data.index)
    X = X.drop(columns=[c for c in ("Intercept",) if c in X.columns])
    means = X.groupby(data[entity].to_numpy()).transform("mean")
    varying = [c for c in X.columns if np.ptp((X[c] - means[c]).to_numpy()) > 1e-12 * max(1.0, np.abs(X[c]).max())]
    if not varying:
        raise SpatialInnoError(f"no regressor of {formula!r} varies over time within an entity; the Mundlak test "
                               f"needs time-varying regressors")
    labels = {c: f"mean({c})" for c in varying}
    clash = [lab for lab in labels.values() if lab in data.columns]
    if clash:
        raise SpatialInnoError(f"the data already has columns {preview(clash)}; rename them to run the test")
    aug = data.assign(**{labels[c]: means[c].to_numpy() for c in varying})
    aug_formula = formula + "".join(f" + `{labels[c]}`" for c in varying)
    aug_durbin = None if durbin is None else list(durbin) + [labels[c] for c in varying if c in set(durbin)]
    res = fit(model, aug_formula, aug, w, entity=entity, time=time, fixed_effects="random", durbin=aug_durbin,
              method=method)
    tested = [n for n in res.params.index if n in labels.values() or n.startswith("W_") and n[2:] in labels.values()]
    wt = res.wald_test(tested)
    lags = " and their W lags" if any(n.startswith("W_") for n in tested) else ""
    note = (f"Wald test that the entity means of the time-varying regressors{lags} are jointly zero in the "
            f"random-effects {res.model} ML fit (covariance: inverse numerical Hessian; no cluster-robust "
            f"covariance for ML)")
    out = pd.Series({"statistic": float(wt["statistic"]), "df": int(wt["df"]), "p_value": float(wt["p_value"]),
                     "method": "mundlak", "note": note, "coefficients": tested, "results": res},
                    name=f"Mundlak test ({res.model}, random effects)")
    out.attrs["dropped"] = record.dropped
    return out
