"""Monte Carlo recovery of known spatial processes (used by test_recovery.py; seeds fixed).

Cross-section: y = (I - rho W)^-1 (1 + b x + t W x + e), x ~ N(0, 1), e ~ N(0, s2).
Panel: y_t = (I - rho W)^-1 (b x_t + t W x_t + mu + xi_t + e_t) with entity effects mu ~ N(0, 1),
time effects xi_t ~ N(0, 1) and x_t correlated with mu (so that random effects would be inconsistent).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

import spatialinno as si


def lattice(side: int) -> si.Weights:
    """Rook contiguity on a side x side grid, row-normalised."""
    n = side * side
    idx = np.arange(n).reshape(side, side)
    pairs = [(idx[:, :-1].ravel(), idx[:, 1:].ravel()), (idx[:-1, :].ravel(), idx[1:, :].ravel())]
    r = np.concatenate([np.concatenate([a, b]) for a, b in pairs])
    c = np.concatenate([np.concatenate([b, a]) for a, b in pairs])
    m = sp.csr_matrix((np.ones(len(r)), (r, c)), shape=(n, n))
    return si.Weights.from_sparse(m, np.arange(n), normalization="row", kind=f"{side}x{side} rook lattice")


def sdm_lattice_data(side: int, seed: int, rho: float, theta: float) -> tuple[pd.DataFrame, si.Weights]:
    """y = (I - rho W)^-1 (1 + x + theta W x + e) on a side x side queen lattice, x and e iid N(0, 1) (seeded)."""
    w = lattice(side)
    rng = np.random.default_rng(seed)
    W = w.sparse.toarray()
    x = rng.normal(size=w.n)
    y = np.linalg.solve(np.eye(w.n) - rho * W, 1 + x + theta * W @ x + rng.normal(size=w.n))
    return pd.DataFrame({"id": w.ids, "y": y, "x": x}), w


def cross_section_study(w: si.Weights, model: str, reps: int, seed: int, rho: float = 0.4, beta: float = 1.0,
                        theta: float = 0.5, sigma: float = 1.0, draws: int = 500,
                        small_sample: bool = False) -> pd.DataFrame:
    theta = theta if model == "SDM" else 0.0
    rng = np.random.default_rng(seed)
    W = w.sparse.toarray()
    Ainv = np.linalg.inv(np.eye(w.n) - rho * W)
    true_ind = (beta + theta) / (1 - rho) - np.trace(Ainv @ (beta * np.eye(w.n) + theta * W)) / w.n
    rows = []
    for r in range(reps):
        x = rng.normal(size=w.n)
        y = Ainv @ (1.0 + beta * x + theta * W @ x + sigma * rng.normal(size=w.n))
        res = si.models.fit(model, "y ~ x", pd.DataFrame({"id": w.ids, "y": y, "x": x}), w, id="id",
                            small_sample=small_sample)
        ci = res.conf_int().loc["rho"]
        imp = res.impacts(method="simulation", draws=draws, seed=r).loc[("x", "indirect")]
        rows.append({"rho": res.rho, "rho_cover": ci["lower"] <= rho <= ci["upper"],
                     "indirect": imp["estimate"], "ind_cover": imp["ci_lower"] <= true_ind <= imp["ci_upper"]})
    out = pd.DataFrame(rows)
    out.attrs.update({"true_rho": rho, "true_indirect": true_ind})
    return out


def panel_study(w: si.Weights, T: int, reps: int, seed: int, bias_correction: str, rho: float = 0.4,
                beta: float = 1.0, theta: float = 0.5, sigma2: float = 1.0, draws: int = 500) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    N = w.n
    W = w.sparse.toarray()
    Ainv = np.linalg.inv(np.eye(N) - rho * W)
    true_ind = (beta + theta) / (1 - rho) - np.trace(Ainv @ (beta * np.eye(N) + theta * W)) / N
    ids = np.asarray(w.ids)
    rows = []
    for r in range(reps):
        mu = rng.normal(size=N)
        xi = rng.normal(size=T)
        X = rng.normal(size=(T, N)) + 0.5 * mu[None, :]
        E = rng.normal(scale=np.sqrt(sigma2), size=(T, N))
        Y = (Ainv @ (beta * X + theta * X @ W.T + mu[None, :] + xi[:, None] + E).T).T
        df = pd.DataFrame({"entity": np.tile(ids, T), "time": np.repeat(np.arange(T), N), "y": Y.ravel(),
                           "x": X.ravel()})
        res = si.sdm("y ~ x", df, w, entity="entity", time="time", fixed_effects="twoway",
                     bias_correction=bias_correction)
        ci = res.conf_int().loc["rho"]
        imp = res.impacts(method="simulation", draws=draws, seed=r).loc[("x", "indirect")]
        rows.append({"rho": res.rho, "rho_cover": ci["lower"] <= rho <= ci["upper"], "sigma2": res.sigma2,
                     "indirect": imp["estimate"], "ind_cover": imp["ci_lower"] <= true_ind <= imp["ci_upper"]})
    out = pd.DataFrame(rows)
    out.attrs.update({"true_rho": rho, "true_indirect": true_ind, "true_sigma2": sigma2})
    return out


def summarise(study: pd.DataFrame) -> dict:
    a = study.attrs
    out = {"reps": len(study), "rho_bias": study["rho"].mean() - a["true_rho"],
           "rho_coverage": study["rho_cover"].mean(), "indirect_bias": study["indirect"].mean() - a["true_indirect"],
           "indirect_coverage": study["ind_cover"].mean()}
    if "sigma2" in study:
        out["sigma2_rel_bias"] = study["sigma2"].mean() / a["true_sigma2"] - 1
    return out
