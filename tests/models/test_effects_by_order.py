"""by_order rows against dense rho^j (b W^j + t W^(j+1)) terms, with inference for every order; structural zeros."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from simulate import lattice

import spatialinno as si

Q = 5
EFFECTS = ("direct", "indirect", "total")


def simulate(w: si.Weights, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    W = w.sparse.toarray()
    x = rng.normal(size=w.n)
    y = np.linalg.solve(np.eye(w.n) - 0.45 * W, 1.0 + x + 0.7 * W @ x + rng.normal(scale=0.4, size=w.n))
    return pd.DataFrame({"code": w.ids, "y": y, "x": x})


def dense_order_terms(params: pd.Series, W: np.ndarray, var: str) -> np.ndarray:
    """(Q+1, 3): order-j term rho^j (b W^j + t W^(j+1)), diagonal mean and row-sum mean."""
    n = W.shape[0]
    rho, b, t = params.get("rho", 0.0), params[var], params.get(f"W_{var}", 0.0)
    out, Wj = [], np.eye(n)
    for j in range(Q + 1):
        term = rho ** j * (b * Wj + t * Wj @ W)
        d, tot = np.trace(term) / n, term.sum() / n
        out.append([d, tot - d, tot])
        Wj = Wj @ W
    return np.array(out)


@pytest.mark.parametrize("normalize", ["row", "spectral"])
def test_by_order_values_equal_dense(provinces, normalize):
    w = si.weights.inverse_distance(provinces, id="code", normalize=normalize)
    res = si.sdm("y ~ x", simulate(w, seed=4), w, id="code")
    imp = res.impacts(method="exact", by_order=Q)
    dense = dense_order_terms(res.params, w.sparse.toarray(), "x")
    ours = np.array([[imp.loc[("x", f"{e}_W{j}"), "estimate"] for e in EFFECTS] for j in range(Q + 1)])
    print(normalize, "by_order max abs diff vs dense", np.abs(ours - dense).max())
    assert np.abs(ours - dense).max() < 1e-8


def test_by_order_inference_for_every_order():
    """A 20 x 20 lattice (n = 400): rho is precise enough for rho^5 to be nearly linear over its sampling spread."""
    w = lattice(20)
    res = si.sdm("y ~ x", simulate(w, seed=6), w, id="code")
    delta = res.impacts(method="delta", by_order=Q)
    sim = res.impacts(method="simulation", draws=5000, seed=17, by_order=Q)
    rows = [("x", f"{e}_W{j}") for j in range(Q + 1) for e in EFFECTS]
    for frame in (delta, sim):
        sub = frame.loc[rows]
        assert sub[["std_error", "z", "p_value", "ci_lower", "ci_upper"]].notna().all().all()
    assert sim.loc[rows, "sd"].notna().all()
    ratio = sim.loc[rows, "std_error"] / delta.loc[rows, "std_error"]
    print("by_order simulated/delta SE ratios", ratio.round(4).to_dict())
    assert ratio.between(0.9, 1.1).all()
    # the delta SE of each order row against central differences of the dense terms written here
    W = w.sparse.toarray()
    names = ["x", "W_x", "rho"]
    grads = []
    for nm in names:
        h = 1e-6 * max(1.0, abs(res.params[nm]))
        up, dn = res.params.copy(), res.params.copy()
        up[nm] += h
        dn[nm] -= h
        grads.append((dense_order_terms(up, W, "x") - dense_order_terms(dn, W, "x")) / (2 * h))
    G = np.stack(grads, axis=-1)
    V = res.cov_params().loc[names, names].to_numpy()
    dense_se = np.sqrt(np.einsum("jei,ik,jek->je", G, V, G))
    ours = np.array([[delta.loc[("x", f"{e}_W{j}"), "std_error"] for e in EFFECTS] for j in range(Q + 1)])
    print("by_order delta SE max rel diff vs dense", np.abs(ours / dense_se - 1).max())
    assert np.abs(ours / dense_se - 1).max() < 1e-6


@pytest.mark.parametrize("model", ["SEM", "OLS", "SDEM", "SAR"])
def test_structural_zeros_have_no_inference(province_w, model):
    """Exactly-zero effects (SEM/OLS indirect, order rows without rho, SAR direct_W1 with tr W = 0): NaN inference."""
    res = si.models.fit(model, "y ~ x", simulate(province_w, seed=1), province_w, id="code")
    cols = ["std_error", "z", "p_value", "ci_lower", "ci_upper", "sd"]
    for method in ("simulation", "delta"):
        imp = res.impacts(method=method, draws=300, by_order=2)
        zero = imp["estimate"] == 0.0
        assert zero.any()
        if method == "delta":
            assert imp.loc[zero, ["sd"]].isna().all().all()
        assert imp.loc[zero, cols].isna().all().all()
        live = imp.loc[~zero]
        assert live[["std_error", "ci_lower", "ci_upper"]].notna().all().all()
    if model in ("SEM", "OLS"):
        assert imp.loc[("x", "indirect"), "estimate"] == 0.0
    if model == "SAR":
        assert imp.loc[("x", "direct_W1"), "estimate"] == 0.0
