"""impacts(by=...) against group averages of the rows of a dense S_k = (I - rho W)^-1 (b I + t W)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from simulate import lattice

import spatialinno as si
from spatialinno.errors import IdError
from spatialinno.models.effects_groups import GroupEffectsError, GroupKernel


def simulate(w: si.Weights, rho: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    W = w.sparse.toarray()
    x, z = rng.normal(size=(2, w.n))
    y = np.linalg.solve(np.eye(w.n) - rho * W, 1.0 + x - 0.5 * z + 0.6 * W @ x + rng.normal(scale=0.5, size=w.n))
    return pd.DataFrame({"code": w.ids, "y": y, "x": x, "z": z})


def dense_group_effects(params: pd.Series, W: np.ndarray, var: str, groups: np.ndarray, labels) -> np.ndarray:
    """(G, 3) direct, indirect, total from the dense S_k, rows averaged within each group."""
    n = W.shape[0]
    rho = params.get("rho", 0.0)
    S = np.linalg.inv(np.eye(n) - rho * W) @ (params[var] * np.eye(n) + params.get(f"W_{var}", 0.0) * W)
    out = []
    for g in labels:
        m = groups == g
        direct = np.diag(S)[m].mean()
        total = S.sum(axis=1)[m].mean()
        out.append([direct, total - direct, total])
    return np.array(out)


def check_against_dense(res, provinces, w):
    region = provinces.set_index("code")["region"]
    imp = res.impacts(method="exact", by=region)
    assert imp.index.names == ["group", "variable", "effect"]
    labels = sorted(region.unique())
    assert list(imp.index.get_level_values("group").unique()) == labels
    groups = region.reindex(w.ids).to_numpy()
    worst = 0.0
    for var in ("x", "z"):
        dense = dense_group_effects(res.params, w.sparse.toarray(), var, groups, labels)
        ours = np.array([[imp.loc[(g, var, e), "estimate"] for e in ("direct", "indirect", "total")] for g in labels])
        worst = max(worst, np.abs(ours - dense).max())
    return worst, imp


@pytest.mark.parametrize("wkind", ["contiguity-row", "knn4-row", "knn5-row", "distance-spectral"])
@pytest.mark.parametrize("model", ["SDM", "SAR", "SDEM"])
def test_group_effects_equal_dense(provinces, wkind, model):
    if wkind == "contiguity-row":
        w = si.weights.contiguity(provinces, id="code", islands="nearest")
    elif wkind.startswith("knn"):  # k = 4: nearly defective W (dense inverses); k = 5: complex eigenvectors
        w = si.weights.knn(provinces, id="code", k=int(wkind[3]))
    else:
        w = si.weights.inverse_distance(provinces, id="code", normalize="spectral")
    res = si.models.fit(model, "y ~ x + z", simulate(w, 0.4, seed=3), w, id="code")
    mode = GroupKernel(w, provinces.set_index("code")["region"].reindex(w.ids)).mode
    assert mode == ("dense" if wkind == "knn4-row" else "eigen")
    worst, imp = check_against_dense(res, provinces, w)
    print(model, wkind, "max abs diff vs dense", worst)
    assert worst < 1e-8
    # groups weighted by their size average to the overall effects
    overall = res.impacts(method="exact")
    share = provinces.set_index("code")["region"].reindex(w.ids).value_counts(normalize=True)
    for e in ("direct", "indirect", "total"):
        avg = sum(share[g] * imp.loc[(g, "x", e), "estimate"] for g in share.index)
        assert abs(avg - overall.loc[("x", e), "estimate"]) < 1e-10


def dense_delta_se(res, groups, labels, var: str) -> np.ndarray:
    """Delta-method SEs of the dense group effects, central differences over (b, t, rho) written here."""
    W = res.weights.sparse.toarray()
    names = [var, f"W_{var}", "rho"]
    p0 = res.params.copy()
    grads = []
    for nm in names:
        h = 1e-6 * max(1.0, abs(p0[nm]))
        up, dn = p0.copy(), p0.copy()
        up[nm] += h
        dn[nm] -= h
        grads.append((dense_group_effects(up, W, var, groups, labels) - dense_group_effects(dn, W, var, groups, labels))
                     / (2 * h))
    G = np.stack(grads, axis=-1)  # (G, 3, 3 params)
    V = res.cov_params().loc[names, names].to_numpy()
    return np.sqrt(np.einsum("gei,ij,gej->ge", G, V, G))


def test_group_inference_delta_and_simulation(provinces, province_w):
    w = province_w
    res = si.sdm("y ~ x + z", simulate(w, 0.4, seed=11), w, id="code")
    region = provinces.set_index("code")["region"]
    labels = sorted(region.unique())
    groups = region.reindex(w.ids).to_numpy()
    delta = res.impacts(method="delta", by=region)
    dense = dense_delta_se(res, groups, labels, "x")
    ours = np.array([[delta.loc[(g, "x", e), "std_error"] for e in ("direct", "indirect", "total")] for g in labels])
    print("group delta SE max rel diff vs dense", np.abs(ours / dense - 1).max())
    assert np.abs(ours / dense - 1).max() < 1e-6
    sim = res.impacts(method="simulation", draws=4000, seed=5, by=region)
    ratio = sim["std_error"] / delta["std_error"]
    print("group simulated/delta SE ratios", ratio.min(), ratio.max())
    assert ratio.between(0.9, 1.1).all()
    inside = (sim["ci_lower"] < sim["estimate"]) & (sim["estimate"] < sim["ci_upper"])
    assert inside.all() and sim["p_value"].notna().all()


def test_by_column_of_a_panel(province_w):
    panel = si.datasets.load_demo_panel()
    w = province_w
    res = si.sdm("innov ~ agglom + open", panel, w, entity="code", time="year", fixed_effects="twoway")
    a = res.impacts(method="exact", by="region", data=panel, id="code")
    b = res.impacts(method="exact", by=panel.drop_duplicates("code").set_index("code")["region"])
    pd.testing.assert_frame_equal(a, b)
    groups = panel.drop_duplicates("code").set_index("code")["region"].reindex(w.ids).to_numpy()
    labels = sorted(set(groups))
    dense = dense_group_effects(res.params, w.sparse.toarray(), "agglom", groups, labels)
    ours = np.array([[a.loc[(g, "agglom", e), "estimate"] for e in ("direct", "indirect", "total")] for g in labels])
    assert np.abs(ours - dense).max() < 1e-8


def test_by_bad_input(provinces, province_w):
    w = province_w
    res = si.sar("y ~ x", simulate(w, 0.3, seed=2), w, id="code")
    region = provinces.set_index("code")["region"]
    with pytest.raises(IdError, match="110000"):
        res.impacts(method="exact", by=region.drop(110000))
    with pytest.raises(GroupEffectsError, match="data="):
        res.impacts(method="exact", by="region")
    with pytest.raises(GroupEffectsError, match="'province'"):
        res.impacts(method="exact", by="province", data=provinces, id="code")
    panel = si.datasets.load_demo_panel()
    with pytest.raises(GroupEffectsError, match="constant over time"):
        res.impacts(method="exact", by="year", data=panel, id="code")
    with pytest.raises(si.SpatialInnoError, match="by_order"):
        res.impacts(method="exact", by=region, by_order=3)


def test_by_refuses_beyond_eigen_max():
    w = lattice(40)  # 1600 regions > EIGEN_MAX
    labels = pd.Series(np.arange(w.n) % 3, index=w.ids)
    with pytest.raises(GroupEffectsError, match="1600"):
        GroupKernel(w, labels)
