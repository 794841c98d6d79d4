"""gs2sls against linearmodels/statsmodels on explicitly built instrument matrices.

The test builds W y, the spatial lags of the instruments and the fixed-effect dummies itself (dense W, numpy),
and hands them to linearmodels' IV2SLS / IVGMM and statsmodels' OLS: the package's alignment, lagging and
within transformation are checked against a dummy-variable 2SLS that shares none of that code.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from linearmodels.iv import IV2SLS, IVGMM

import spatialinno as si


def _lags(M: np.ndarray, W: np.ndarray, T: int, q: int) -> list[np.ndarray]:
    """[W M, W^2 M, ...] period by period for an (N T, k) array stacked time-major."""
    N = W.shape[0]
    out, cur = [], M
    for _ in range(q):
        cur = np.vstack([W @ cur[t * N:(t + 1) * N] for t in range(T)])
        out.append(cur)
    return out


def _produc_stack(produc):
    data, w = produc
    df = data.assign(lgsp=np.log(data.gsp), lpcap=np.log(data.pcap), lpc=np.log(data.pc), lemp=np.log(data.emp))
    # shuffle rows: alignment must be by (entity, time), not by position
    df = df.sample(frac=1.0, random_state=7).reset_index(drop=True)
    stacked = df.set_index(["year", "state"]).sort_index().loc[
        pd.MultiIndex.from_product([sorted(df.year.unique()), list(w.ids)])]
    return df, stacked, w


@pytest.mark.parametrize("fe", ["entity", "twoway", "time"])
def test_fe_panel_sar_against_dummy_variable_iv2sls(produc, fe):
    df, st, w = _produc_stack(produc)
    W = w.sparse.toarray()
    T, N = st.index.levels[0].size, w.n
    y = st[["lgsp"]].to_numpy()
    X = st[["lpcap", "lpc"]].to_numpy()
    E = st[["lemp"]].to_numpy()
    Zx = st[["unemp"]].to_numpy()
    Wy = _lags(y, W, T, 1)[0]
    lx, lz = _lags(X, W, T, 2), _lags(Zx, W, T, 2)
    H_ex = np.hstack([Zx, lx[0], lz[0], lx[1], lz[1]])
    ent = pd.get_dummies(st.index.get_level_values(1)).to_numpy(float)
    tim = pd.get_dummies(st.index.get_level_values(0)).to_numpy(float)
    D = {"entity": ent, "time": tim, "twoway": np.hstack([ent, tim[:, 1:]])}[fe]
    lm = IV2SLS(y, np.hstack([X, D]), np.hstack([E, Wy]), H_ex).fit(cov_type="unadjusted", debiased=False)
    res = si.gs2sls("lgsp ~ lpcap + lpc + [lemp ~ unemp]", df, w, model="sar", entity="state", time="year",
                    fixed_effects=fe, w_lags=2)
    n, absorbed = N * T, D.shape[1]
    p = np.asarray(lm.params)
    lm_b = np.r_[p[:2], p[-2:]]
    lm_se = np.r_[np.asarray(lm.std_errors)[:2], np.asarray(lm.std_errors)[-2:]] * np.sqrt(n / (n - absorbed))
    db = np.abs(res.params.to_numpy() - lm_b).max()
    dse = np.abs(res.bse.to_numpy() - lm_se).max()
    print(f"FE panel ({fe}) vs dummy-variable IV2SLS: max|d coef| = {db:.2e}, max|d se| = {dse:.2e}")
    assert list(res.params.index) == ["lpcap", "lpc", "lemp", "rho"]
    assert db < 1e-6 and dse < 1e-6
    # sigma2 divisor n - absorbed fixed effects, stated in the summary
    assert res.sigma2 == pytest.approx(float(lm.resids @ lm.resids) / (n - absorbed), rel=1e-10)
    assert f"e'e / {n - absorbed}" in str(res.summary())


def test_first_stage_against_statsmodels(baltimore_iv):
    data, w = baltimore_iv
    W = w.sparse.toarray()
    X = np.column_stack([np.ones(len(data)), data.NROOM])
    E = np.column_stack([data.AGE, W @ data.PRICE])
    Zx = data[["SQFT", "LOTSZ"]].to_numpy()
    lags = _lags(np.column_stack([data.NROOM, Zx]), W, 1, 2)
    H = np.hstack([X, Zx] + lags)
    res = si.gs2sls("PRICE ~ NROOM + [AGE ~ SQFT + LOTSZ]", data, w, model="sar", id="id", w_lags=2)
    diffs = []
    for j, name in enumerate(["AGE", "rho"]):
        full = sm.OLS(E[:, j], H).fit()
        restricted = sm.OLS(E[:, j], X).fit()
        F, p, df = full.compare_f_test(restricted)
        r2 = 1 - full.ssr / restricted.ssr
        row = res.first_stage.loc[name]
        diffs += [abs(row.partial_F - F), abs(row.partial_R2 - r2), abs(row.p_value - p)]
        assert row.df_num == df
    print(f"first stage vs statsmodels: max abs diff = {max(diffs):.2e}")
    assert max(diffs) < 1e-6


def test_sargan_and_hansen_against_linearmodels(baltimore_iv):
    data, w = baltimore_iv
    W = w.sparse.toarray()
    y = data.PRICE.to_numpy()
    X = np.column_stack([np.ones(len(data)), data.NROOM])
    E = np.column_stack([data.AGE, W @ y])
    Zx = data[["SQFT", "LOTSZ"]].to_numpy()
    lags = _lags(np.column_stack([data.NROOM, Zx]), W, 1, 2)
    Hx = np.hstack([Zx] + lags)
    res = si.gs2sls("PRICE ~ NROOM + [AGE ~ SQFT + LOTSZ]", data, w, model="sar", id="id", w_lags=2)
    lm = IV2SLS(y, X, E, Hx).fit(cov_type="unadjusted", debiased=False)
    d_s = abs(res.overid.loc["Sargan", "statistic"] - lm.sargan.stat)
    rob = si.gs2sls("PRICE ~ NROOM + [AGE ~ SQFT + LOTSZ]", data, w, model="sar", id="id", w_lags=2, robust=True)
    gmm = IVGMM(y, X, E, Hx, weight_type="robust").fit(cov_type="robust", iter_limit=2)
    d_j = abs(rob.overid.loc["Hansen J", "statistic"] - gmm.j_stat.stat)
    d_rob = np.abs(rob.bse.to_numpy() - np.asarray(lm_robust_se(y, X, E, Hx))).max()
    print(f"Sargan vs linearmodels: {d_s:.2e}; Hansen J vs linearmodels IVGMM: {d_j:.2e}; White SE: {d_rob:.2e}")
    assert res.overid.loc["Sargan", "df"] == lm.sargan.df == Hx.shape[1] - 2
    assert d_s < 1e-6 and d_j < 1e-6 and d_rob < 1e-6


def lm_robust_se(y, X, E, Hx):
    """White (HC0) standard errors of 2SLS from linearmodels, in the order [X, E]."""
    return IV2SLS(y, X, E, Hx).fit(cov_type="robust", debiased=False).std_errors
