"""impacts(at=...) for a variable entering through powers and interactions, against a dense S written here:

S = (I - rho W)^-1 ((b1 + 2 b2 x0 + b3 z0) I + (t1 + 2 t2 x0 + t3 z0) W) for y ~ x + I(x ** 2) + x:z + z.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import spatialinno as si
from spatialinno.models.marginal import MarginalTermError

FORMULA = "y ~ x + I(x ** 2) + z + x:z"


def simulate(w: si.Weights, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    W = w.sparse.toarray()
    x = rng.normal(1.0, 0.7, size=w.n)
    z = rng.normal(0.5, 1.0, size=w.n)
    mu = 1.0 + 2.0 * x - 0.6 * x ** 2 + 0.3 * z + 0.4 * x * z + W @ (0.5 * x - 0.2 * x ** 2)
    y = np.linalg.solve(np.eye(w.n) - 0.35 * W, mu + rng.normal(scale=0.3, size=w.n))
    return pd.DataFrame({"code": w.ids, "y": y, "x": x, "z": z})


def dense_marginal(params: pd.Series, W: np.ndarray, x0: float, z0: float) -> np.ndarray:
    n = W.shape[0]
    g = {"x": 1.0, "I(x ** 2)": 2 * x0, "x:z": z0}
    b = sum(params[t] * v for t, v in g.items())
    t = sum(params.get(f"W_{k}", 0.0) * v for k, v in g.items())
    S = np.linalg.inv(np.eye(n) - params.get("rho", 0.0) * W) @ (b * np.eye(n) + t * W)
    direct, total = np.trace(S) / n, S.sum() / n
    return np.array([direct, total - direct, total])


@pytest.mark.parametrize("model", ["SDM", "SAR", "SLX"])
def test_marginal_effect_equals_dense(province_w, model):
    w = province_w
    data = simulate(w, seed=7)
    res = si.models.fit(model, FORMULA, data, w, id="code")
    W = w.sparse.toarray()
    for at, (x0, z0) in [({"x": 1.3, "z": -0.2}, (1.3, -0.2)), ("mean", (data.x.mean(), data.z.mean())),
                         ({"x": 0.4}, (0.4, data.z.mean()))]:
        imp = res.impacts(method="exact", variables=["x"], at=at)
        ours = imp.loc["x", "estimate"].loc[["direct", "indirect", "total"]].to_numpy()
        dense = dense_marginal(res.params, W, x0, z0)
        print(model, at, "max abs diff vs dense", np.abs(ours - dense).max())
        assert np.abs(ours - dense).max() < 1e-8
        assert imp.attrs["at"]["x"] == pytest.approx(x0, abs=1e-12)
        assert imp.attrs["at"]["z"] == pytest.approx(z0, abs=1e-12)


def test_marginal_inference_delta_against_dense_gradient(province_w):
    w = province_w
    res = si.sdm(FORMULA, simulate(w, seed=8), w, id="code")
    W = w.sparse.toarray()
    x0, z0 = 1.1, 0.3
    names = [n for n in res.params.index if n != "Intercept" and n not in ("z", "W_z")]
    p0 = res.params.copy()
    grads = []
    for nm in names:
        h = 1e-6 * max(1.0, abs(p0[nm]))
        up, dn = p0.copy(), p0.copy()
        up[nm] += h
        dn[nm] -= h
        grads.append((dense_marginal(up, W, x0, z0) - dense_marginal(dn, W, x0, z0)) / (2 * h))
    G = np.array(grads).T  # (3 effects, params)
    V = res.cov_params().loc[names, names].to_numpy()
    dense_se = np.sqrt(np.diag(G @ V @ G.T))
    delta = res.impacts(method="delta", variables=["x"], at={"x": x0, "z": z0})
    ours = delta.loc["x", "std_error"].loc[["direct", "indirect", "total"]].to_numpy()
    print("marginal delta SE rel diff vs dense", np.abs(ours / dense_se - 1).max())
    assert np.abs(ours / dense_se - 1).max() < 1e-6
    sim = res.impacts(method="simulation", draws=4000, seed=3, variables=["x"], at={"x": x0, "z": z0})
    ratio = sim["std_error"].to_numpy() / delta["std_error"].to_numpy()
    print("marginal simulated/delta SE ratios", ratio)
    assert np.all((ratio > 0.9) & (ratio < 1.1))


def test_marginal_default_variables_and_z(province_w):
    """Default: every base variable; z's marginal effect is b_z + b_xz x0 (and its W terms)."""
    w = province_w
    data = simulate(w, seed=9)
    res = si.sdm(FORMULA, data, w, id="code")
    imp = res.impacts(method="exact", at="mean")
    assert list(imp.index.get_level_values("variable").unique()) == ["x", "z"]
    x0 = data.x.mean()
    b = res.params["z"] + res.params["x:z"] * x0
    t = res.params["W_z"] + res.params["W_x:z"] * x0
    n = w.n
    S = np.linalg.inv(np.eye(n) - res.rho * w.sparse.toarray()) @ (b * np.eye(n) + t * w.sparse.toarray())
    assert abs(imp.loc[("z", "total"), "estimate"] - S.sum() / n) < 1e-8
    assert abs(imp.loc[("z", "direct"), "estimate"] - np.trace(S) / n) < 1e-8


def test_marginal_unsupported_terms(province_w):
    w = province_w
    data = simulate(w, seed=10).assign(x=lambda d: d.x.abs() + 0.1)
    res = si.sar("y ~ x + np.log(x) + z", data, w, id="code")
    with pytest.raises(MarginalTermError, match=r"np\.log\(x\)"):
        res.impacts(method="exact", variables=["x"], at="mean")
    res2 = si.sar("y ~ x + x:z", data, w, id="code")
    with pytest.raises(MarginalTermError, match=r"at=\{'z'"):
        res2.impacts(method="exact", variables=["x"], at="mean")
    imp = res2.impacts(method="exact", variables=["x"], at={"z": 0.0})
    plain = res2.impacts(method="exact", variables=["x"])
    assert np.allclose(imp["estimate"].to_numpy(), plain["estimate"].to_numpy(), atol=1e-14)
    with pytest.raises(MarginalTermError, match="'w'"):
        res2.impacts(method="exact", variables=["x"], at={"z": 0.0, "w": 1.0})
