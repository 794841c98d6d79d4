"""Effects against brute-force dense S_k(W) = (I - rho W)^-1 (I b_k + W t_k), for any normalisation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import spatialinno as si


def simulate_xs(w: si.Weights, rho: float, beta: float, theta: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    W = w.sparse.toarray()
    x = rng.normal(size=w.n)
    y = np.linalg.solve(np.eye(w.n) - rho * W, 1.0 + beta * x + theta * W @ x + rng.normal(scale=0.5, size=w.n))
    return pd.DataFrame({"code": w.ids, "y": y, "x": x})


def brute_force(res, var: str) -> tuple[np.ndarray, float, float, float]:
    W = res.weights.sparse.toarray()
    n = W.shape[0]
    b = res.params[var]
    t = res.params.get(f"W_{var}", 0.0)
    S = np.linalg.inv(np.eye(n) - res.rho * W) @ (b * np.eye(n) + t * W)
    direct = np.trace(S) / n
    total = S.sum() / n
    return S, direct, total - direct, total


@pytest.mark.parametrize("normalize", ["spectral", "minmax", "none", "row"])
@pytest.mark.parametrize("model", ["SAR", "SDM", "SAC", "SLX", "SDEM"])
def test_effects_equal_dense_inverse(provinces, normalize, model):
    w = si.weights.inverse_distance(provinces, id="code", normalize=normalize)
    if normalize == "none":  # raw 1/d in 1/km: rescale so that rho is of order one (still not row-stochastic)
        w = si.Weights.from_sparse(w.sparse * 1000.0, w.ids, kind="inverse distance x 1000")
    data = simulate_xs(w, 0.3 if normalize != "none" else 0.05, 1.0, 0.5, seed=5)
    res = si.models.fit(model, "y ~ x", data, w, id="code")
    imp = res.impacts(method="exact")
    _, d, i, t = brute_force(res, "x")
    assert abs(imp.loc[("x", "direct"), "estimate"] - d) < 1e-10 * max(1, abs(d))
    assert abs(imp.loc[("x", "indirect"), "estimate"] - i) < 1e-10 * max(1, abs(i))
    assert abs(imp.loc[("x", "total"), "estimate"] - t) < 1e-10 * max(1, abs(t))


def test_spillover_from_is_column_of_S(provinces):
    w = si.weights.inverse_distance(provinces, id="code", normalize="spectral")
    res = si.sdm("y ~ x", simulate_xs(w, 0.4, 1.0, 0.8, seed=9), w, id="code")
    S, *_ = brute_force(res, "x")
    total = res.impacts(method="exact").loc[("x", "total"), "estimate"]
    acc = np.zeros(w.n)
    for j, src in enumerate(w.ids):
        s = res.spillover_from(src, "x")
        assert s.index.equals(w.ids)
        assert np.max(np.abs(s.to_numpy() - S[:, j])) < 1e-10
        acc += s.to_numpy()
    assert abs(acc.sum() - w.n * total) < 1e-9 * w.n


def test_by_order_decomposition_sums_to_total(province_w):
    res = si.sdm("y ~ x", simulate_xs(province_w, 0.4, 1.0, 0.8, seed=2), province_w, id="code")
    imp = res.impacts(method="exact", by_order=60)
    for eff in ("direct", "indirect", "total"):
        parts = sum(imp.loc[("x", f"{eff}_W{o}"), "estimate"] for o in range(61))
        assert abs(parts - imp.loc[("x", eff), "estimate"]) < 1e-10
    # order 0 of the direct effect is beta itself (tr(I)/n = 1; tr(W) = 0 for W_ii = 0)
    assert abs(imp.loc[("x", "direct_W0"), "estimate"] - res.params["x"]) < 1e-12


@pytest.mark.parametrize("model", ["SAR", "SEM", "SDM", "SAC"])
def test_logdet_methods_agree(province_w, model):
    data = simulate_xs(province_w, 0.3, 1.0, 0.5, seed=4)
    a = si.models.fit(model, "y ~ x", data, province_w, id="code", method="eigen")
    b = si.models.fit(model, "y ~ x", data, province_w, id="code", method="sparse")
    assert abs(a.llf - b.llf) < 1e-8
    assert np.allclose(a.params, b.params, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("normalize", ["row", "none"])
def test_knn_asymmetric_weights_use_complex_eigenvalues(provinces, normalize):
    """Asymmetric W: traces from complex eigenvalues, totals n/(1-rho) (row) or via the Schur form (none)."""
    w = si.weights.knn(provinces, id="code", k=4, normalize=normalize)
    assert not w.is_symmetric
    rho = 0.3 if normalize == "row" else 0.07
    res = si.sdm("y ~ x", simulate_xs(w, rho, 1.0, 0.5, seed=8), w, id="code")
    _, d, i, t = brute_force(res, "x")
    imp = res.impacts(method="exact")
    assert abs(imp.loc[("x", "direct"), "estimate"] - d) < 1e-10
    assert abs(imp.loc[("x", "total"), "estimate"] - t) < 1e-10
    assert abs(res.llf - si.sdm("y ~ x", simulate_xs(w, rho, 1.0, 0.5, seed=8), w, id="code",
                                method="sparse").llf) < 1e-8


@pytest.mark.parametrize("model", ["SEM", "OLS"])
def test_models_without_spillover_have_exactly_zero_indirect_effect(province_w, model):
    res = si.models.fit(model, "y ~ x", simulate_xs(province_w, 0.0, 1.0, 0.0, seed=1), province_w, id="code")
    for method in ("simulation", "delta"):
        imp = res.impacts(method=method, draws=200)
        row = imp.loc[("x", "indirect")]
        assert row["estimate"] == 0.0 and np.isnan(row["std_error"]) and np.isnan(row["p_value"])
        assert imp.loc[("x", "direct"), "estimate"] == res.params["x"]


def test_effects_exact_with_islands(provinces):
    """Hainan kept as an island (zero row and column): effects still equal the dense S_k(W)."""
    w = si.weights.contiguity(provinces, id="code", islands="keep")
    assert list(w.islands) == [460000]
    res = si.sdm("y ~ x", simulate_xs(w, 0.4, 1.0, 0.8, seed=12), w, id="code")
    _, d, i, t = brute_force(res, "x")
    imp = res.impacts(method="exact")
    assert abs(imp.loc[("x", "direct"), "estimate"] - d) < 1e-10
    assert abs(imp.loc[("x", "indirect"), "estimate"] - i) < 1e-10
    assert abs(imp.loc[("x", "total"), "estimate"] - t) < 1e-10


def test_lee_yu_time_effects_with_islands_warn(provinces):
    from spatialinno.errors import SpatialInnoWarning

    w = si.weights.contiguity(provinces, id="code", islands="keep")
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"code": np.tile(w.ids, 5), "t": np.repeat(range(5), w.n), "y": rng.normal(size=5 * w.n),
                       "x": rng.normal(size=5 * w.n)})
    with pytest.warns(SpatialInnoWarning, match="460000"):
        si.sar("y ~ x", df, w, entity="code", time="t", fixed_effects="twoway")
