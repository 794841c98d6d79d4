"""Unbalanced panels and time-varying weights against a brute-force dummy-variable ML written here.

Reference (textbook formulas, dense matrices; Anselin 1988, ch. 6; Elhorst 2014, ch. 3): Produc with a seeded
5% of state-years removed, stacked by year; the block-diagonal W_NT = diag(W_t) with W_t the contiguity
matrix of the states observed in year t, row-normalised again (a state left without an observed neighbour
keeps a zero row: the weights are built with islands="keep"); explicit state (and year) dummies; the
log-determinant sum_t log|I - rho W_t| = log|I - rho W_NT| by a dense ``slogdet`` of the n x n matrix; the
concentrated likelihood maximised over rho with scipy; standard errors from the inverse of the analytic
information matrix of the *full* dummy-variable model (coefficients, every dummy, rho, sigma2):

    I_gg = Z'Z/s2, I_g,rho = Z'G Z g/s2, I_rho,rho = tr(G G) + tr(G'G) + |G Z g|^2/s2,
    I_rho,s2 = tr(G)/s2, I_s2,s2 = n/(2 s4),   G = W_NT (I - rho W_NT)^-1.

Error models (SEM, SDEM, SAC): min |B (A y - X b - D a)|^2 with B = I - lambda W_NT applied to the dummies too,
log-determinants from the eigenvalues of W_NT, and the information matrix of the full model (coefficients, every
dummy, rho, lambda, sigma2) with I_gg = (B Z)'(B Z)/s2, q = B G Z g, I_rho,lambda = tr(H'Gt) + tr(H Gt),
I_lambda,lambda = tr(H H) + tr(H'H), H = W_NT B^-1, Gt = B G B^-1 (Anselin 1988, ch. 6).

Time-varying W: the same brute force with W_t the row-normalised inverse absolute difference of each year's
output per worker among the states observed that year.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import optimize

import spatialinno as si
from spatialinno.errors import IslandError, PanelError, PeriodWeightsError

FORMULA = "np.log(gsp) ~ np.log(pcap) + np.log(pc) + np.log(emp) + unemp"
XNAMES = ["np.log(pcap)", "np.log(pc)", "np.log(emp)", "unemp"]
EST = {"SAR": si.sar, "SDM": si.sdm, "SEM": si.sem}
ERR = {"SEM": si.sem, "SDEM": si.sdem, "SAC": si.sac}
KW = dict(entity="state", time="year", bias_correction="none")


@pytest.fixture(scope="module")
def unbalanced(produc):
    data, w = produc
    rng = np.random.default_rng(20240516)
    drop = rng.choice(len(data), size=int(round(0.05 * len(data))), replace=False)
    wk = si.Weights(w.raw, w.ids, normalization="row", kind="contiguity", meta={"islands": "keep"})
    return data.drop(index=data.index[drop]).reset_index(drop=True), wk


def _row_normalise(m: np.ndarray) -> np.ndarray:
    rs = m.sum(axis=1, keepdims=True)
    return np.divide(m, rs, out=np.zeros_like(m), where=rs > 0)


def contiguity_blocks(d: pd.DataFrame, w: si.Weights, normalization: str = "row") -> list[np.ndarray]:
    raw = w.raw.toarray()
    out = []
    for _, g in d.groupby("year", sort=True):
        pos = w.ids.get_indexer(g["state"])
        sub = raw[np.ix_(pos, pos)]
        if normalization == "row":
            out.append(_row_normalise(sub))
        else:  # spectral: the sub-matrix divided by its own spectral radius
            out.append(sub / np.abs(np.linalg.eigvals(sub)).max())
    return out


def economic_blocks(d: pd.DataFrame) -> list[np.ndarray]:
    out = []
    for _, g in d.groupby("year", sort=True):
        v = (g["gsp"] / g["emp"]).to_numpy()
        diff = np.abs(v[:, None] - v[None, :])
        m = np.divide(1.0, diff, out=np.zeros_like(diff), where=diff > 0)
        out.append(_row_normalise(m))
    return out


def block_diag(blocks: list[np.ndarray]) -> np.ndarray:
    n = sum(len(b) for b in blocks)
    W = np.zeros((n, n))
    i = 0
    for b in blocks:
        W[i:i + len(b), i:i + len(b)] = b
        i += len(b)
    return W


def brute_force_lag(d: pd.DataFrame, W: np.ndarray, fe: str, durbin: bool) -> dict:
    """Dense dummy-variable ML of the SAR/SDM on the rows of ``d`` sorted by (year, state)."""
    y = np.log(d["gsp"]).to_numpy()
    X = np.column_stack([np.log(d["pcap"]), np.log(d["pc"]), np.log(d["emp"]), d["unemp"]])
    names = list(XNAMES)
    if durbin:
        X = np.column_stack([X, W @ X])
        names += [f"W_{c}" for c in XNAMES]
    E = pd.get_dummies(d["state"]).to_numpy(dtype=float)
    D = [E]
    if fe == "twoway":
        D.append(pd.get_dummies(d["year"]).to_numpy(dtype=float)[:, 1:])
    Z = np.column_stack([X] + D)
    n, k = len(y), X.shape[1]
    Wy = W @ y
    eye = np.eye(n)

    def resid(rho):
        g, *_ = np.linalg.lstsq(Z, y - rho * Wy, rcond=None)
        return y - rho * Wy - Z @ g, g

    def llf(rho):
        e, _ = resid(rho)
        s2 = e @ e / n
        return -0.5 * n * (np.log(2 * np.pi * s2) + 1) + np.linalg.slogdet(eye - rho * W)[1]

    opt = optimize.minimize_scalar(lambda r: -llf(r), bounds=(-0.9, 0.99), method="bounded",
                                   options={"xatol": 1e-12})
    rho = opt.x
    e, g = resid(rho)
    s2 = e @ e / n
    G = W @ np.linalg.inv(eye - rho * W)
    q = G @ (Z @ g)
    p = Z.shape[1]
    info = np.zeros((p + 2, p + 2))
    info[:p, :p] = Z.T @ Z / s2
    info[:p, p] = info[p, :p] = Z.T @ q / s2
    info[p, p] = np.trace(G @ G) + np.sum(G * G) + q @ q / s2
    info[p, p + 1] = info[p + 1, p] = np.trace(G) / s2
    info[p + 1, p + 1] = n / (2 * s2 ** 2)
    se = np.sqrt(np.diag(np.linalg.inv(info)))
    params = pd.Series(np.r_[g[:k], rho], index=names + ["rho"])
    bse = pd.Series(np.r_[se[:k], se[p]], index=names + ["rho"])
    return {"params": params, "bse": bse, "llf": -opt.fun, "sigma2": s2, "dummy_fit": Z[:, k:] @ g[k:]}


def dummies(d: pd.DataFrame, fe: str) -> np.ndarray:
    """Explicit dummy columns: a constant (pooled), year dummies (time), state dummies (entity), both less the
    first year (two-way)."""
    if fe == "none":
        return np.ones((len(d), 1))
    if fe == "time":
        return pd.get_dummies(d["year"]).to_numpy(dtype=float)
    D = [pd.get_dummies(d["state"]).to_numpy(dtype=float)]
    if fe == "twoway":
        D.append(pd.get_dummies(d["year"]).to_numpy(dtype=float)[:, 1:])
    return np.column_stack(D)


def brute_force_sem(d: pd.DataFrame, W: np.ndarray, fe: str, durbin: bool = False, lag: bool = False) -> dict:
    """Dense dummy-variable ML of the SEM / SDEM (``durbin``) / SAC (``lag``):
    min |B (A y - X b - D a)|^2 with the dummies transformed by B too, A = I - rho W, B = I - lambda W."""
    y = np.log(d["gsp"]).to_numpy()
    X = np.column_stack([np.log(d["pcap"]), np.log(d["pc"]), np.log(d["emp"]), d["unemp"]])
    names = list(XNAMES)
    if durbin:
        X = np.column_stack([X, W @ X])
        names += [f"W_{c}" for c in XNAMES]
    Z = np.column_stack([X, dummies(d, fe)])
    n, k, eye = len(y), X.shape[1], np.eye(len(y))
    omega = np.linalg.eigvals(W)                       # exact: log|I - r W| = sum log|1 - r omega|

    def logdet(r):
        return float(np.sum(np.log(np.abs(1 - r * omega))))

    def fit(rho, lam):
        B = eye - lam * W
        Ay = y - rho * (W @ y)
        g, *_ = np.linalg.lstsq(B @ Z, B @ Ay, rcond=None)
        return B @ (Ay - Z @ g), g

    def llf(rho, lam):
        e, _ = fit(rho, lam)
        return -0.5 * n * (np.log(2 * np.pi * e @ e / n) + 1) + logdet(lam) + logdet(rho)

    if lag:
        f = lambda v: -llf(v[0], v[1])  # noqa: E731
        start = optimize.minimize(f, np.array([0.1, 0.1]), method="L-BFGS-B", bounds=[(-0.9, 0.99)] * 2).x
        opt = optimize.minimize(f, start, method="Nelder-Mead",
                                options={"xatol": 1e-11, "fatol": 1e-14, "maxiter": 4000})
        rho, lam = opt.x
    else:
        opt = optimize.minimize_scalar(lambda r: -llf(0.0, r), bounds=(-0.9, 0.99), method="bounded",
                                       options={"xatol": 1e-12})
        rho, lam = 0.0, opt.x
    e, g = fit(rho, lam)
    s2 = e @ e / n
    B = eye - lam * W
    H = W @ np.linalg.inv(B)
    BZ = B @ Z
    p = Z.shape[1]
    ix = [*range(p), p, p + 1, p + 2] if lag else [*range(p), p + 1, p + 2]
    info = np.zeros((p + 3, p + 3))
    info[:p, :p] = BZ.T @ BZ / s2
    info[p + 1, p + 1] = np.trace(H @ H) + np.sum(H * H)
    info[p + 1, p + 2] = info[p + 2, p + 1] = np.trace(H) / s2
    info[p + 2, p + 2] = n / (2 * s2 ** 2)
    if lag:
        G = W @ np.linalg.inv(eye - rho * W)
        Gt = B @ G @ np.linalg.inv(B)
        q = B @ G @ (Z @ g)
        info[:p, p] = info[p, :p] = BZ.T @ q / s2
        info[p, p] = np.trace(Gt @ Gt) + np.sum(Gt * Gt) + q @ q / s2
        info[p, p + 1] = info[p + 1, p] = np.trace(H.T @ Gt) + np.trace(H @ Gt)
        info[p, p + 2] = info[p + 2, p] = np.trace(G) / s2
    se = np.sqrt(np.diag(np.linalg.inv(info[np.ix_(ix, ix)])))
    spatial = ["rho", "lambda"] if lag else ["lambda"]
    names = names + spatial
    return {"params": pd.Series(np.r_[g[:k], [rho, lam] if lag else [lam]], index=names),
            "bse": pd.Series(np.r_[se[:k], se[p:p + len(spatial)]], index=names),
            "llf": -opt.fun, "sigma2": s2, "dummy_fit": Z[:, k:] @ g[k:]}


def compare(res, ref, label: str) -> tuple[float, float, float]:
    dp = float(np.max(np.abs(res.params[ref["params"].index] - ref["params"])))
    dse = float(np.max(np.abs(res.bse[ref["bse"].index] - ref["bse"]) / ref["bse"]))
    dl = abs(res.llf - ref["llf"])
    print(f"{label}: max|d params| {dp:.2e}, max rel d SE {dse:.2e}, |d llf| {dl:.2e}, "
          f"distinct log-dets {res.estimate.layout.n_logdets}")
    return dp, dse, dl


@pytest.mark.parametrize("fe", ["entity", "twoway"])
@pytest.mark.parametrize("model", ["SAR", "SDM"])
def test_unbalanced_lag_models_match_brute_force(unbalanced, fe, model):
    data, w = unbalanced
    d = data.sort_values(["year", "state"])
    ref = brute_force_lag(d, block_diag(contiguity_blocks(d, w)), fe, durbin=model == "SDM")
    res = EST[model](FORMULA, data, w, fixed_effects=fe, **KW)
    dp, dse, dl = compare(res, ref, f"{model} {fe} unbalanced")
    assert dp < 1e-6 and dse < 1e-4 and dl < 1e-8
    assert res.sigma2 == pytest.approx(ref["sigma2"], rel=1e-8)
    assert res.nobs == len(data)
    # recovered effects reproduce the fitted dummies: alpha + mu_i + xi_t
    rec = res.intercept + res.entity_effects[d["state"]].to_numpy()
    if fe == "twoway":
        rec = rec + res.time_effects[d["year"]].to_numpy()
    assert np.max(np.abs(rec - ref["dummy_fit"])) < 1e-6
    # the cache holds one log-determinant per distinct set of observed states
    assert res.estimate.layout.n_logdets == d.groupby("year")["state"].agg(frozenset).nunique()


def test_unbalanced_spectral_normalisation_recomputed_per_period(unbalanced):
    data, w = unbalanced
    ws = w.normalize("spectral")
    d = data.sort_values(["year", "state"])
    ref = brute_force_lag(d, block_diag(contiguity_blocks(d, ws, "spectral")), "entity", durbin=False)
    res = si.sar(FORMULA, data, ws, fixed_effects="entity", **KW)
    dp, dse, dl = compare(res, ref, "SAR entity unbalanced, spectral W")
    assert dp < 1e-6 and dse < 1e-4 and dl < 1e-8


@pytest.mark.parametrize("fe", ["none", "time"])
def test_unbalanced_sem_matches_brute_force(unbalanced, fe):
    data, w = unbalanced
    d = data.sort_values(["year", "state"])
    blocks = contiguity_blocks(d, w)
    assert all((b.sum(axis=1) > 0).all() for b in blocks)   # no island: B_t 1 = (1 - lambda) 1, time dummies exact
    ref = brute_force_sem(d, block_diag(blocks), fe)
    res = si.sem(FORMULA, data, w, fixed_effects=fe, **KW)
    dp, dse, dl = compare(res, ref, f"SEM {fe} unbalanced")
    assert dp < 1e-6 and dse < 1e-4 and dl < 1e-8


@pytest.mark.parametrize("model", ["SAR", "SDM"])
def test_time_varying_economic_weights_match_brute_force(unbalanced, model):
    data, _ = unbalanced
    d = data.sort_values(["year", "state"])
    states = sorted(data["state"].unique())
    ref = brute_force_lag(d, block_diag(economic_blocks(d)), "twoway", durbin=model == "SDM")
    # the caller's W_t cover every state (values imputed by the year mean where a state is unobserved); the
    # estimator restricts each to the observed states and re-normalises, as the brute force does directly
    pw = {}
    for year, g in data.groupby("year"):
        v = (g["gsp"] / g["emp"]).groupby(g["state"]).first().reindex(states)
        v = v.fillna(v.mean()).to_numpy()
        diff = np.abs(v[:, None] - v[None, :])
        pw[year] = si.Weights(np.divide(1.0, diff, out=np.zeros_like(diff), where=diff > 0), states)
    res = EST[model](FORMULA, data, si.weights.by_period(pw), fixed_effects="twoway", **KW)
    dp, dse, dl = compare(res, ref, f"{model} twoway time-varying W")
    assert dp < 1e-6 and dse < 1e-4 and dl < 1e-8
    assert res.estimate.layout.n_logdets == data["year"].nunique()


@pytest.mark.parametrize("fe", ["entity", "time", "twoway", "none"])
def test_balanced_panel_through_the_period_path_equals_balanced(produc, fe):
    data, w = produc
    pw = si.weights.by_period({year: w for year in data["year"].unique()})
    a = si.sdm(FORMULA, data, w, fixed_effects=fe, **KW)
    b = si.sdm(FORMULA, data, pw, fixed_effects=fe, **KW)
    assert b.estimate.layout is not None and b.estimate.layout.n_logdets == 1
    assert np.max(np.abs(a.params - b.params)) < 1e-10
    assert np.max(np.abs(a.bse - b.bse)) < 1e-10
    assert abs(a.llf - b.llf) < 1e-10


def test_lee_yu_refused_on_unbalanced_panels(unbalanced):
    data, w = unbalanced
    with pytest.raises(PanelError, match="bias_correction='none'"):
        si.sar(FORMULA, data, w, entity="state", time="year", fixed_effects="twoway")
    with pytest.raises(PanelError, match="bias_correction='none'"):
        si.sem(FORMULA, data, w, entity="state", time="year", fixed_effects="entity")


ERROR_CASES = [("SEM", "entity"), ("SEM", "twoway"), ("SDEM", "twoway"), ("SAC", "entity")]


@pytest.mark.parametrize(("model", "fe"), ERROR_CASES)
def test_unbalanced_error_models_with_entity_effects_match_brute_force(unbalanced, model, fe):
    data, w = unbalanced
    d = data.sort_values(["year", "state"])
    ref = brute_force_sem(d, block_diag(contiguity_blocks(d, w)), fe, durbin=model == "SDEM", lag=model == "SAC")
    res = ERR[model](FORMULA, data, w, fixed_effects=fe, **KW)
    dp, dse, dl = compare(res, ref, f"{model} {fe} unbalanced")
    assert dp < 1e-6 and dse < 1e-4 and dl < 1e-8
    assert res.sigma2 == pytest.approx(ref["sigma2"], rel=1e-8)
    # recovered effects reproduce the GLS fit of the dummies: alpha + mu_i (+ xi_t)
    rec = res.intercept + res.entity_effects[d["state"]].to_numpy()
    if fe == "twoway":
        rec = rec + res.time_effects[d["year"]].to_numpy()
    assert np.max(np.abs(rec - ref["dummy_fit"])) < 1e-6


def test_error_model_time_varying_weights_matches_brute_force(unbalanced):
    data, _ = unbalanced
    d = data.sort_values(["year", "state"])
    states = sorted(data["state"].unique())
    ref = brute_force_sem(d, block_diag(economic_blocks(d)), "twoway", durbin=True)
    pw = {}
    for year, g in data.groupby("year"):
        v = (g["gsp"] / g["emp"]).groupby(g["state"]).first().reindex(states)
        v = v.fillna(v.mean()).to_numpy()
        diff = np.abs(v[:, None] - v[None, :])
        pw[year] = si.Weights(np.divide(1.0, diff, out=np.zeros_like(diff), where=diff > 0), states)
    res = si.sdem(FORMULA, data, si.weights.by_period(pw), fixed_effects="twoway", **KW)
    dp, dse, dl = compare(res, ref, "SDEM twoway time-varying W")
    assert dp < 1e-6 and dse < 1e-4 and dl < 1e-8


@pytest.mark.parametrize("fe", ["entity", "twoway"])
def test_balanced_error_model_through_the_projection_equals_balanced(produc, fe):
    data, w = produc
    # one Weights object per year: the layout cannot tell they are equal, so the effects are projected off B D
    pw = si.weights.by_period({year: si.Weights(w.raw, w.ids, normalization="row")
                               for year in data["year"].unique()})
    a = si.sem(FORMULA, data, w, fixed_effects=fe, **KW)
    b = si.sem(FORMULA, data, pw, fixed_effects=fe, **KW)
    assert b.estimate.layout is not None and b.estimate.layout.n_logdets == data["year"].nunique()
    dp, dse, dl = (float(np.max(np.abs(a.params - b.params))), float(np.max(np.abs(a.bse - b.bse) / a.bse)),
                   abs(a.llf - b.llf))
    print(f"SEM {fe} balanced, projection vs demeaning: max|d params| {dp:.2e}, max rel d SE {dse:.2e}, "
          f"|d llf| {dl:.2e}")
    assert dp < 1e-8 and dse < 1e-8 and dl < 1e-8


def test_island_in_a_period_is_named(produc):
    data, w = produc
    # Maine's only neighbour is New Hampshire: without it in 1975, Maine has no observed neighbour
    assert list(w.neighbors("MAINE").index) == ["NEW_HAMPSHIRE"]
    gap = data[~((data.state == "NEW_HAMPSHIRE") & (data.year == 1975))]
    with pytest.raises(IslandError, match=r"MAINE.*1975"):
        si.sar(FORMULA, gap, w, fixed_effects="entity", **KW)


def test_effects_average_periods_weighted_by_regions(unbalanced):
    data, w = unbalanced
    d = data.sort_values(["year", "state"])
    res = si.sdm(FORMULA, data, w, fixed_effects="twoway", **KW)
    eff = res.impacts(method="exact")
    rho, b, t = res.rho, res.params["np.log(emp)"], res.params["W_np.log(emp)"]
    direct = total = 0.0
    for Wt in contiguity_blocks(d, w):            # textbook S_t, dense, per year
        S = np.linalg.inv(np.eye(len(Wt)) - rho * Wt) @ (np.eye(len(Wt)) * b + Wt * t)
        direct += np.trace(S)
        total += S.sum()
    n = len(d)
    assert eff.loc[("np.log(emp)", "direct"), "estimate"] == pytest.approx(direct / n, rel=1e-10)
    assert eff.loc[("np.log(emp)", "total"), "estimate"] == pytest.approx(total / n, rel=1e-10)
    assert "weighted by the regions observed" in str(res.summary())


def test_time_varying_effects_by_period(produc):
    data, w = produc
    years = sorted(data["year"].unique())
    raw = w.raw.toarray()
    busy = raw.sum(axis=0, keepdims=True) > 3                 # links into states with many neighbours grow
    pw = si.weights.by_period({y: si.Weights(raw * (1 + 0.1 * i * busy), w.ids) for i, y in enumerate(years)})
    assert abs(pw[years[0]].sparse - pw[years[-1]].sparse).max() > 0.05
    res = si.sar(FORMULA, data, pw, fixed_effects="twoway", **KW)
    eff = res.impacts(method="exact")
    assert list(eff.index.names) == ["period", "variable", "effect"]
    b = res.params["np.log(emp)"]
    per = []
    for y in years:
        Wt = pw[y].sparse.toarray()
        per.append(np.trace(np.linalg.inv(np.eye(len(Wt)) - res.rho * Wt)) * b / len(Wt))
        assert eff.loc[(y, "np.log(emp)", "direct"), "estimate"] == pytest.approx(per[-1], rel=1e-10)
    assert eff.loc[("average", "np.log(emp)", "direct"), "estimate"] == pytest.approx(np.mean(per), rel=1e-10)


@pytest.mark.parametrize("fe", ["entity", "twoway"])
def test_lm_tests_on_unbalanced_panel_match_dense_formula(unbalanced, fe):
    data, w = unbalanced
    d = data.sort_values(["year", "state"])
    W = block_diag(contiguity_blocks(d, w))
    y = np.log(d["gsp"]).to_numpy()
    X = np.column_stack([np.log(d["pcap"]), np.log(d["pc"]), np.log(d["emp"]), d["unemp"]])
    D = [pd.get_dummies(d["state"]).to_numpy(dtype=float)]
    if fe == "twoway":
        D.append(pd.get_dummies(d["year"]).to_numpy(dtype=float)[:, 1:])
    D = np.column_stack(D)
    within = lambda v: v - D @ np.linalg.lstsq(D, v, rcond=None)[0]  # noqa: E731  exact dummy projection
    y, X = within(y), within(X)
    b = np.linalg.lstsq(X, y, rcond=None)[0]
    e = y - X @ b
    n = len(y)
    s2 = e @ e / n
    TW = np.trace(W.T @ W + W @ W)
    WXb = W @ (X @ b)
    J = (WXb @ (WXb - X @ np.linalg.lstsq(X, WXb, rcond=None)[0]) + TW * s2) / s2
    lm_err = (e @ W @ e / s2) ** 2 / TW
    lm_lag = (e @ W @ y / s2) ** 2 / J
    out = si.lm_tests(FORMULA, data, w, entity="state", time="year", fixed_effects=fe)
    print(f"LM {fe} unbalanced: d LM_error {abs(out.loc['LM_error', 'statistic'] - lm_err):.2e}, "
          f"d LM_lag {abs(out.loc['LM_lag', 'statistic'] - lm_lag):.2e}")
    assert out.loc["LM_error", "statistic"] == pytest.approx(lm_err, rel=1e-10)
    assert out.loc["LM_lag", "statistic"] == pytest.approx(lm_lag, rel=1e-10)
    assert out.attrs["n"] == len(data)


def test_distance_decay_on_unbalanced_panel(provinces):
    panel = si.datasets.load_demo_panel()
    rng = np.random.default_rng(3)
    gaps = panel.drop(index=panel.index[rng.choice(len(panel), 20, replace=False)])
    kw = dict(entity="code", time="year", fixed_effects="twoway", bias_correction="none")
    dec = si.distance_decay("innov ~ agglom + rd", gaps, provinces, model="sdm", thresholds_km=[600, 1200],
                            scheme="within", draws=200, seed=1, **kw)
    for t in (600.0, 1200.0):
        res = dec.results[t]
        assert res is not None and res.nobs == len(gaps) and res.estimate.layout is not None
        direct = si.sdm("innov ~ agglom + rd", gaps, dec.weights[t], **kw)
        assert np.allclose(res.params, direct.params, rtol=0, atol=1e-12)
        tab = dec.table
        row = tab[(tab.threshold == t) & (tab.variable == "agglom") & (tab.effect == "indirect")]
        imp = direct.impacts(draws=200, seed=dec.seeds[t])
        assert row["estimate"].iloc[0] == pytest.approx(imp.loc[("agglom", "indirect"), "estimate"], rel=1e-12)


def test_period_weights_bad_input(produc, unbalanced):
    data, w = produc
    years = sorted(data["year"].unique())
    short = si.weights.by_period({y: w for y in years[:-1]})
    with pytest.raises(PeriodWeightsError, match=str(years[-1])):
        si.sar(FORMULA, data, short, fixed_effects="entity", **KW)
    no_al = w.subset([s for s in w.ids if s != "ALABAMA"])
    pw = si.weights.by_period({y: (no_al if y == 1975 else w) for y in years})
    with pytest.raises(PeriodWeightsError, match=r"ALABAMA.*1975"):
        si.sar(FORMULA, data, pw, fixed_effects="entity", **KW)
    full = si.weights.by_period({y: w for y in years})
    with pytest.raises(si.SpatialInnoError, match="PeriodWeights"):
        si.sar(FORMULA, data[data.year == 1975], full, id="state")
    with pytest.raises(si.SpatialInnoError, match="PeriodWeights"):
        si.sar(FORMULA, data, full, entity="state", time="year", fixed_effects="random")
    gaps, wk = unbalanced
    with pytest.raises(si.SpatialInnoError, match="qml"):
        si.sar(FORMULA, gaps, wk, fixed_effects="entity", cov_type="qml", **KW)
    with pytest.raises(PanelError, match="elhorst"):
        si.sar(FORMULA, gaps, wk, entity="state", time="year", fixed_effects="entity", bias_correction="elhorst")


def test_unbalanced_sem_time_effects_spectral_weights_match_brute_force(unbalanced):
    # W_t not row-normalised: B_t 1 is not proportional to 1, so the time dummies are projected off B D too
    data, w = unbalanced
    ws = w.normalize("spectral")
    d = data.sort_values(["year", "state"])
    ref = brute_force_sem(d, block_diag(contiguity_blocks(d, ws, "spectral")), "time")
    res = si.sem(FORMULA, data, ws, fixed_effects="time", **KW)
    dp, dse, dl = compare(res, ref, "SEM time unbalanced, spectral W")
    assert dp < 1e-6 and dse < 1e-4 and dl < 1e-8
    assert np.max(np.abs(res.intercept + res.time_effects[d["year"]].to_numpy() - ref["dummy_fit"])) < 1e-6
