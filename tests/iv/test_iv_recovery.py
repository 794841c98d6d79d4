"""Seeded Monte Carlo recovery of the entity fixed-effects SARAR by gs2sls (W y instrumented, KP moments of the
within-demeaned residuals, spatial filtering commuting with the entity demeaning): no package at hand estimates
this model by GM, so the known truth is the reference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla

import spatialinno as si


@pytest.mark.slow
def test_entity_fe_sarar_recovery(make_lattice):
    w = make_lattice(10)
    n, T = w.n, 5
    beta, rho, lam = 2.0, 0.3, 0.5
    eye = sp.identity(n, format="csc")
    err = spla.splu((eye - lam * w.sparse).tocsc()).solve
    out = spla.splu((eye - rho * w.sparse).tocsc()).solve
    rng = np.random.default_rng(20240612)
    est, cover = [], []
    for _ in range(120):
        mu = rng.normal(size=n)
        frames = []
        for t in range(T):
            x = rng.normal(size=n) + 0.5 * mu  # regressor correlated with the entity effect
            y = out(beta * x + mu + err(rng.normal(size=n)))
            frames.append(pd.DataFrame({"e": np.arange(n), "t": t, "y": y, "x": x}))
        res = si.gs2sls("y ~ x", pd.concat(frames), w, model="sarar", entity="e", time="t", w_lags=2)
        ci = res.conf_int()
        est.append(res.params[["x", "rho", "lambda"]].to_numpy())
        cover.append([ci.loc[v, "lower"] <= tv <= ci.loc[v, "upper"] for v, tv in (("x", beta), ("rho", rho))])
    bias = np.mean(est, axis=0) - [beta, rho, lam]
    coverage = np.mean(cover, axis=0)
    print(f"entity-FE SARAR recovery: bias (x, rho, lambda) = {bias}, coverage (x, rho) = {coverage}")
    assert np.abs(bias).max() < 0.03
    assert ((coverage >= 0.90) & (coverage <= 0.99)).all()
