"""Bad input, alignment by id, islands, invariants and non-mutation of the diagnostics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import spatialinno as si
from spatialinno.diagnostics import (
    bivariate_moran,
    geary,
    getis_ord,
    lm_tests,
    local_bivariate_moran,
    local_getis_ord,
    local_moran,
    moran,
    moran_by_period,
)
from spatialinno.errors import DataError, IdError, PanelError, SpatialInnoError


def lattice(rows=5, cols=5, ids=None, normalization="row"):
    """Rook lattice with string ids."""
    n = rows * cols
    m = sp.lil_matrix((n, n))
    for r in range(rows):
        for c in range(cols):
            i = r * cols + c
            if c + 1 < cols:
                m[i, i + 1] = m[i + 1, i] = 1
            if r + 1 < rows:
                m[i, i + cols] = m[i + cols, i] = 1
    ids = ids or [f"R{i:02d}" for i in range(n)]
    return si.Weights.from_sparse(m.tocsr(), ids, normalization=normalization)


@pytest.fixture
def w():
    return lattice()


@pytest.fixture
def y(w):
    rng = np.random.default_rng(42)
    base = np.add.outer(np.arange(5), np.arange(5)).ravel().astype(float)
    return pd.Series(5 + base + rng.normal(0, 1, 25), index=w.ids, name="innov")


ALL_Y = [
    lambda y, w: moran(y, w, permutations=9),
    lambda y, w: geary(y, w, permutations=9),
    lambda y, w: getis_ord(y, w, permutations=9),
    lambda y, w: local_moran(y, w, permutations=9),
    lambda y, w: local_getis_ord(y, w, permutations=9),
    lambda y, w: bivariate_moran(y, y, w, permutations=9),
    lambda y, w: local_bivariate_moran(y, y, w, permutations=9),
]


def test_alignment_is_by_id_not_position(w, y):
    shuffled = y.sample(frac=1.0, random_state=0)
    assert not shuffled.index.equals(y.index)
    a, b = moran(y, w, permutations=99), moran(shuffled, w, permutations=99)
    assert a.I == pytest.approx(b.I, rel=1e-14) and a.p_sim == b.p_sim
    pd.testing.assert_frame_equal(local_moran(y, w), local_moran(shuffled, w))
    # a bare array is taken in w.ids order
    assert moran(y.to_numpy(), w, permutations=0).I == pytest.approx(a.I, rel=1e-14)
    # result indexed by the weights ids
    assert local_moran(shuffled, w).index.equals(w.ids)


@pytest.mark.parametrize("fn", ALL_Y)
def test_misaligned_ids_raise_naming_them(fn, w, y):
    bad = y.rename(index={"R03": "X99"})
    with pytest.raises(IdError, match="X99") as exc:
        fn(bad, w)
    assert "R03" in str(exc.value)
    with pytest.raises(IdError, match="R24"):
        fn(y.drop("R24"), w)


def test_bare_array_of_wrong_length(w, y):
    with pytest.raises(IdError, match="25 regions"):
        moran(y.to_numpy()[:-1], w)


@pytest.mark.parametrize("fn", ALL_Y)
def test_nan_values_name_ids(fn, w, y):
    bad = y.copy()
    bad["R07"] = np.nan
    bad["R11"] = np.inf
    with pytest.raises(DataError, match="R07") as exc:
        fn(bad, w)
    assert "R11" in str(exc.value)


@pytest.mark.parametrize("fn", ALL_Y)
def test_constant_variable(fn, w, y):
    with pytest.raises(DataError, match="constant"):
        fn(pd.Series(3.0, index=w.ids, name="flat"), w)


@pytest.mark.parametrize("fn", ALL_Y)
def test_fewer_than_three_regions(fn):
    w2 = si.Weights.from_sparse(sp.csr_matrix(np.array([[0, 1], [1, 0]], float)), ["a", "b"], normalization="row")
    with pytest.raises(DataError, match="at least 3"):
        fn(pd.Series([1.0, 2.0], index=["a", "b"]), w2)


def _dense_moments(v, W):
    """Moran's I, Geary's C and their normality variances by double loops over a dense W (textbook
    formulas: Cliff & Ord 1981, eqs. 1.35, 1.36, 1.46; no code shared with spatialinno)."""
    n = len(v)
    z = [vi - sum(v) / n for vi in v]
    S0 = sum(W[i][j] for i in range(n) for j in range(n))
    S1 = 0.5 * sum((W[i][j] + W[j][i]) ** 2 for i in range(n) for j in range(n))
    S2 = sum((sum(W[i][j] for j in range(n)) + sum(W[j][i] for j in range(n))) ** 2 for i in range(n))
    zz = sum(zi * zi for zi in z)
    I = n / S0 * sum(W[i][j] * z[i] * z[j] for i in range(n) for j in range(n)) / zz
    C = (n - 1) * sum(W[i][j] * (v[i] - v[j]) ** 2 for i in range(n) for j in range(n)) / (2 * S0 * zz)
    var_I = (n * n * S1 - n * S2 + 3 * S0 ** 2) / ((n * n - 1) * S0 ** 2) - 1 / (n - 1) ** 2
    var_C = ((2 * S1 + S2) * (n - 1) - 4 * S0 ** 2) / (2 * (n + 1) * S0 ** 2)
    return I, C, var_I, var_C


def test_three_regions_work_without_randomisation_variance():
    """n = 3: I, C and their normality variances equal a brute-force dense computation; the
    randomisation variance (denominator (n-1)(n-2)(n-3)) is NaN; p_sim is a multiple of 1/(P+1)."""
    A = np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], float)
    w3 = si.Weights.from_sparse(sp.csr_matrix(A), list("abc"), normalization="row")
    v = [1.0, 2.0, 4.0]
    r = moran(pd.Series(v, index=list("abc")), w3, permutations=9)
    g = geary(pd.Series(v, index=list("abc")), w3, permutations=0)
    Wrow = (A / A.sum(axis=1, keepdims=True)).tolist()
    I, C, var_I, var_C = _dense_moments(v, Wrow)
    assert r.I == pytest.approx(I, rel=1e-12) and r.expected == pytest.approx(-0.5, rel=1e-15)
    assert r.variance_norm == pytest.approx(var_I, rel=1e-12)
    assert g.C == pytest.approx(C, rel=1e-12) and g.variance_norm == pytest.approx(var_C, rel=1e-12)
    assert np.isnan(r.variance_rand) and np.isnan(g.variance_rand)
    assert r.p_sim * 10 == pytest.approx(round(r.p_sim * 10), abs=1e-12)


def test_non_weights_and_bad_arguments(w, y):
    with pytest.raises(SpatialInnoError, match="Weights"):
        moran(y, w.sparse)
    with pytest.raises(SpatialInnoError, match="permutations"):
        moran(y, w, permutations=-1)
    with pytest.raises(SpatialInnoError, match="alpha"):
        local_moran(y, w, alpha=1.5)
    with pytest.raises(SpatialInnoError, match="moments"):
        local_moran(y, w, moments="exact")
    with pytest.raises(DataError, match="negative"):
        getis_ord(y - 100, w)
    with pytest.raises(DataError, match="numeric"):
        moran(pd.Series(list("abcdefghijklmnopqrstuvwxy"), index=w.ids), w)
    with pytest.raises(DataError, match="one variable"):
        moran(pd.DataFrame({"a": y, "b": y}), w)


def test_inputs_not_mutated(w, y):
    y0 = y.copy()
    arr = y.to_numpy().copy()
    arr0 = arr.copy()
    sparse0 = w.sparse.copy()
    for fn in ALL_Y:
        fn(y, w)
    moran(arr, w)
    local_moran(arr, w)
    pd.testing.assert_series_equal(y, y0)
    np.testing.assert_array_equal(arr, arr0)
    assert (w.sparse != sparse0).nnz == 0
    df = pd.DataFrame({"id": w.ids, "y": y.to_numpy(), "x": np.arange(25.0) ** 0.5}).set_index("id")
    df0 = df.copy()
    lm_tests("y ~ x", df, w)
    pd.testing.assert_frame_equal(df, df0)


def test_islands_explicit():
    """Region 'Z' has no neighbour: cluster 'island', NaN statistics, no crash."""
    base = lattice()
    m = sp.block_diag([base.raw, sp.csr_matrix((1, 1))]).tocsr()
    w = si.Weights.from_sparse(m, list(base.ids) + ["Z"], normalization="row")
    assert list(w.islands) == ["Z"]
    yv = pd.Series(np.r_[np.add.outer(np.arange(5), np.arange(5)).ravel(), 30.0], index=w.ids, dtype=float)
    lm = local_moran(yv, w, permutations=99)
    assert lm.loc["Z", "cluster"] == "island"
    assert lm.loc["Z", ["Ii", "E_Ii", "Var_Ii", "Z_Ii", "p_norm", "p_sim"]].isna().all()
    assert pd.isna(lm.loc["Z", "quadrant"])
    assert lm.drop("Z")[["Ii", "Z_Ii", "p_sim"]].notna().all().all()
    lg = local_getis_ord(yv, w, star=True, permutations=99)
    assert lg.loc["Z", "cluster"] == "island" and np.isnan(lg.loc["Z", "Z_G"])
    lb = local_bivariate_moran(yv, yv, w, permutations=99)
    assert lb.loc["Z", "cluster"] == "island"
    g = moran(yv, w, permutations=99)  # global statistics keep islands in n
    assert g.n == 26 and np.isfinite(g.z_rand)


def test_local_moran_identities(w, y):
    lm = local_moran(y, w, permutations=0)
    g = moran(y, w, permutations=0)
    S0 = w.sparse.sum()
    assert lm["Ii"].sum() == pytest.approx(S0 * g.I, rel=1e-12)
    assert lm["E_Ii"].sum() == pytest.approx(-S0 / (len(y) - 1), rel=1e-12)
    assert set(lm.columns) >= {"Ii", "E_Ii", "Var_Ii", "Z_Ii", "p_norm", "p_sim", "quadrant", "cluster"}
    assert lm.index.equals(w.ids)


def test_geary_sign_convention(w, y):
    """spdep's sign: z = (1 - C) / sd, positive under positive autocorrelation; C, I and the normality
    variances against the brute-force dense computation."""
    g = geary(y, w, permutations=0)
    assert g.C < 1 and g.z_norm > 0 and g.z_rand > 0  # positive autocorrelation -> positive z
    m = moran(y, w, permutations=0)
    assert m.I > 0
    I, C, var_I, var_C = _dense_moments(y.loc[w.ids].tolist(), w.sparse.toarray().tolist())
    assert g.C == pytest.approx(C, rel=1e-12) and m.I == pytest.approx(I, rel=1e-12)
    assert g.z_norm == pytest.approx((1 - C) / np.sqrt(var_C), rel=1e-10)
    assert m.z_norm == pytest.approx((I + 1 / (len(y) - 1)) / np.sqrt(var_I), rel=1e-10)


def test_bivariate_is_directional(w, y):
    x = pd.Series(np.random.default_rng(1).normal(size=25), index=w.ids)
    a, b = bivariate_moran(x, y, w, permutations=0), bivariate_moran(y, x, w, permutations=0)
    assert a.I != pytest.approx(b.I)
    # symmetric W: I_B(x, y) = I_B(y, x) only for symmetric W; with y = x it is Moran's I
    assert bivariate_moran(y, y, w, permutations=0).I == pytest.approx(moran(y, w, permutations=0).I, rel=1e-12)


def panel_frame(w, T=3, seed=0):
    rng = np.random.default_rng(seed)
    rows = [(e, 2000 + t, rng.normal(), rng.normal()) for t in range(T) for e in w.ids]
    return pd.DataFrame(rows, columns=["region", "year", "y", "x"])


def test_moran_by_period_errors(w):
    df = panel_frame(w)
    with pytest.raises(PanelError, match="unbalanced") as exc:
        moran_by_period(df.iloc[1:], "y", w, "region", "year")
    assert "R00" in str(exc.value) and "2000" in str(exc.value)
    with pytest.raises(PanelError, match="duplicated"):
        moran_by_period(pd.concat([df, df.iloc[:1]]), "y", w, "region", "year")
    with pytest.raises(PanelError, match="'nope'"):
        moran_by_period(df, "nope", w, "region", "year")
    extra = pd.concat([df, pd.DataFrame([("ZZ", 2000, 1.0, 1.0)], columns=df.columns)])
    with pytest.raises(IdError, match="ZZ"):
        moran_by_period(extra, "y", w, "region", "year")
    bad = df.copy()
    bad.loc[5, "y"] = np.nan
    with pytest.raises(DataError, match="R05"):
        moran_by_period(bad, "y", w, "region", "year")
    out = moran_by_period(df, "y", w, "region", "year", permutations=9)
    assert list(out.columns) == ["I", "expected", "variance_norm", "variance_rand", "z_norm", "z_rand", "p_norm",
                                 "p_rand", "p_sim", "n", "permutations"]


def test_lm_tests_bad_input(w):
    df = panel_frame(w)
    with pytest.raises(SpatialInnoError, match="both entity"):
        lm_tests("y ~ x", df, w, entity="region")
    with pytest.raises(SpatialInnoError, match="random"):
        lm_tests("y ~ x", df, w, entity="region", time="year", fixed_effects="random")
    cs = df[df.year == 2000].set_index("region")
    with pytest.raises(SpatialInnoError, match="needs a panel"):
        lm_tests("y ~ x", cs, w, fixed_effects="entity")
    with pytest.raises(IdError):
        lm_tests("y ~ x", cs.iloc[1:], w)
    # an unbalanced panel is accepted (W_t restricted per period; validated in tests/models/test_unbalanced_panel.py)
    assert lm_tests("y ~ x", df.iloc[1:], w, entity="region", time="year").attrs["n"] == len(df) - 1
    bad = cs.copy()
    bad.loc["R04", "y"] = np.nan
    with pytest.raises(DataError, match="R04"):
        lm_tests("y ~ x", bad, w)
    # a time-invariant regressor is absorbed by entity effects
    df["c"] = df["region"].str[1:].astype(float)
    with pytest.raises(DataError, match="'c'"):
        lm_tests("y ~ x + c", df, w, entity="region", time="year", fixed_effects="entity")
    # pooled panel (no fixed effects) runs and has an intercept
    out = lm_tests("y ~ x", df, w, entity="region", time="year", fixed_effects="none")
    assert "Intercept" in out.attrs["coefficients"]
    assert (out["p_value"].between(0, 1)).all()
