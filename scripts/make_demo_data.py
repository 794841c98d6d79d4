"""Build the SIMULATED demo data shipped in ``spatialinno/datasets/data/`` (build-time only).

Run from the repository root::

    python scripts/make_demo_data.py

Writes

``demo_industry.csv.gz``
    Long table ``code, year, industry, output, employment`` for the 31 provinces, 2006-2020, and the
    industries of :data:`INDUSTRIES`: five high-tech manufacturing industries, ``manufacturing``,
    ``producer_services`` and ``all`` (the whole economy). ``output`` is value added in 100 million
    yuan, ``employment`` in 10,000 persons. Simulated, loosely calibrated to the orders of magnitude
    of Chinese provincial statistics (GDP, population, industry shares); NOT official data.
``demo_panel.csv``
    Provincial panel ``code, year, name, region, innov, agglom, coagg, pgdp, open, infr, educ, rd,
    hist_univ``. ``agglom`` and ``coagg`` are computed from ``demo_industry`` with
    :func:`spatialinno.agglomeration.location_quotient` and
    :func:`spatialinno.agglomeration.coagglomeration`; the controls are simulated; the outcome
    ``innov`` is simulated from a two-way fixed-effects spatial Durbin model on the 31-province queen
    contiguity matrix with known parameters (:data:`RHO`, :data:`BETA`, :data:`THETA`,
    :data:`SIGMA2`). The errors e are the FIRST (T, N) draw of the seeded error stream, whatever the
    estimates on it show (no draw is ever rejected).
``demo_truth.json``
    The true parameters, the formula, the seed, the weights, the fixed effects drawn, the role of
    every variable and the instrument's design.

Endogeneity and the instrument (see :func:`high_tech_shifters`). Two terms enter the log high-tech
share of GDP of province i in year t, and through it the high-tech location quotient ``agglom``:

* ``GAMMA_UNIV * (hist_univ_it - hist_univ_i,2006)``: ``hist_univ`` (SIMULATED log enrolment in universities
  founded before 1990, per 10,000 people) is drawn from its own seeded stream, independently of everything
  else, and does not enter the equation of ``innov``: an excluded instrument for ``agglom``
  (relevance by construction, exclusion by construction);
* ``KAPPA_E * e_it``: the error of ``innov``'s own equation in the same province and year (an
  innovation shock draws high-tech output to where the ideas are), so ``agglom`` is endogenous:
  correlated with ``innov``'s error, and maximum-likelihood SDM estimates that treat it as exogenous
  are biased; spatial 2SLS with ``hist_univ`` and its spatial lags as instruments is consistent.

The instrument's strength was set in a second design after the first gave a weak first stage (see
:data:`GAMMA_UNIV`); the estimates of innov's parameters were not a criterion.

Everything is drawn from ``numpy.random.default_rng`` streams spawned from :data:`SEED`; running the
script twice gives identical files (the gzip header carries no time stamp).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

import spatialinno as si
from spatialinno.agglomeration import coagglomeration, location_quotient
from spatialinno.datasets.maps import load_provinces

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "spatialinno" / "datasets" / "data"

SEED = 31  # chosen once, before any estimate was seen (31 provinces); never tuned
YEARS = np.arange(2006, 2021)
HIGH_TECH = (
    "pharmaceuticals",
    "aerospace",
    "electronics_communication",
    "computers_office",
    "medical_instruments",
)
INDUSTRIES = HIGH_TECH + ("manufacturing", "producer_services", "all")

# ---- true parameters of the outcome equation (two-way FE spatial Durbin model) -------------------
REGRESSORS = ["agglom", "coagg", "pgdp", "open", "infr", "educ", "rd"]
RHO = 0.35
BETA = {"agglom": 0.30, "coagg": 0.15, "pgdp": 0.60, "open": 0.10, "infr": 0.15, "educ": 0.08, "rd": 0.12}
THETA = {"W_agglom": 0.25, "W_coagg": 0.10, "W_pgdp": -0.20, "W_open": 0.0, "W_infr": 0.0, "W_educ": 0.05,
         "W_rd": 0.08}
SIGMA2 = 0.01
# ---- agglomeration: instrument and endogeneity (see high_tech_shifters) ------------------------------
# GAMMA_UNIV and the AR(1) part of hist_univ are a second design: the first (GAMMA_UNIV 0.8, hist_univ in levels
# varying only through province trends plus AR(1) noise sd 0.03) gave a weak first stage on the generated panel
# (two-way FE partial F about 5.5 with the spatial instruments), so the instrument was made stronger once; KAPPA_E,
# the true parameters, the seed and the error draw were not changed. The ML and 2SLS estimates of innov's equation
# on the first version had been seen (ML agglom 0.48) but were not a criterion for the change.
GAMMA_UNIV = 1.0  # elasticity of the high-tech share of GDP with respect to pre-1990 university enrolment
KAPPA_E = 0.5  # log high-tech share moves by KAPPA_E * e_it: a 1-sd innov shock (0.1) raises it by 5%
FORMULA = "innov ~ " + " + ".join(REGRESSORS)
INSTRUMENT = "hist_univ"
IV_FORMULA = "innov ~ " + " + ".join(REGRESSORS[1:]) + f" + [agglom ~ {INSTRUMENT}]"

# ---- 2006 baselines (rounded, order-of-magnitude calibration) --------------------------------------
# code: (population 10k, GDP per capita yuan, manufacturing share, producer-services share,
#        high-tech share of GDP, trade/GDP, road km per km2, years of schooling, R&D % of GDP)
BASE = {
    110000: (1601, 50000, 0.19, 0.42, 0.060, 1.50, 1.25, 10.6, 5.50),
    120000: (1075, 41000, 0.47, 0.20, 0.080, 1.00, 0.92, 9.6, 2.20),
    130000: (6898, 16900, 0.45, 0.12, 0.012, 0.13, 0.78, 8.3, 0.70),
    140000: (3375, 14100, 0.43, 0.13, 0.008, 0.15, 0.75, 8.5, 0.80),
    150000: (2397, 20000, 0.40, 0.12, 0.006, 0.10, 0.12, 8.2, 0.35),
    210000: (4271, 21800, 0.42, 0.16, 0.025, 0.40, 0.70, 8.9, 1.50),
    220000: (2723, 15700, 0.39, 0.14, 0.022, 0.14, 0.45, 8.6, 1.00),
    230000: (3823, 16200, 0.40, 0.13, 0.012, 0.20, 0.30, 8.4, 0.95),
    310000: (1815, 57700, 0.42, 0.30, 0.090, 1.60, 1.80, 10.1, 2.50),
    320000: (7550, 28800, 0.50, 0.16, 0.100, 1.05, 1.30, 8.5, 1.60),
    330000: (4980, 31900, 0.48, 0.17, 0.050, 0.70, 0.95, 8.2, 1.40),
    340000: (6110, 10000, 0.36, 0.12, 0.015, 0.15, 1.10, 7.6, 1.00),
    350000: (3558, 21500, 0.43, 0.14, 0.050, 0.65, 0.65, 7.9, 0.85),
    360000: (4339, 10800, 0.38, 0.11, 0.020, 0.10, 0.65, 8.0, 0.80),
    370000: (9309, 23800, 0.50, 0.13, 0.045, 0.35, 1.30, 8.1, 1.05),
    410000: (9392, 13300, 0.48, 0.11, 0.015, 0.06, 1.40, 8.2, 0.65),
    420000: (5693, 13300, 0.39, 0.14, 0.030, 0.12, 0.95, 8.5, 1.25),
    430000: (6342, 11900, 0.36, 0.13, 0.018, 0.07, 0.80, 8.3, 0.70),
    440000: (9304, 28300, 0.47, 0.17, 0.120, 1.50, 0.90, 8.6, 1.20),
    450000: (4719, 10300, 0.33, 0.12, 0.008, 0.10, 0.40, 7.9, 0.40),
    460000: (836, 12700, 0.20, 0.13, 0.015, 0.25, 0.50, 8.2, 0.20),
    500000: (2808, 12400, 0.36, 0.15, 0.020, 0.10, 1.10, 7.8, 1.00),
    510000: (8169, 10500, 0.37, 0.13, 0.030, 0.08, 0.35, 7.5, 1.30),
    520000: (3757, 5800, 0.34, 0.12, 0.010, 0.06, 0.60, 7.0, 0.60),
    530000: (4483, 8900, 0.32, 0.13, 0.006, 0.12, 0.45, 6.9, 0.50),
    540000: (281, 10400, 0.07, 0.20, 0.003, 0.10, 0.04, 4.6, 0.15),
    610000: (3735, 12100, 0.41, 0.14, 0.030, 0.09, 0.40, 8.4, 2.20),
    620000: (2606, 8700, 0.38, 0.12, 0.008, 0.11, 0.20, 7.3, 0.90),
    630000: (548, 11800, 0.40, 0.13, 0.004, 0.07, 0.08, 7.2, 0.50),
    640000: (604, 11800, 0.38, 0.13, 0.005, 0.12, 0.30, 7.8, 0.70),
    650000: (2050, 15000, 0.30, 0.13, 0.004, 0.35, 0.09, 8.2, 0.30),
}

# national composition of high-tech value added and regional tilts (multiplicative)
HT_SHARES = np.array([0.18, 0.05, 0.45, 0.20, 0.12])
HT_TILT = {
    "pharmaceuticals": {220000: 3, 130000: 2, 370000: 1.8, 330000: 1.6, 360000: 2, 540000: 8, 530000: 3,
                        460000: 4, 630000: 4, 620000: 3, 520000: 2, 150000: 2, 640000: 3, 650000: 3},
    "aerospace": {610000: 8, 510000: 4, 520000: 6, 210000: 4, 230000: 5, 110000: 3, 120000: 3, 360000: 3,
                  430000: 2, 620000: 2},
    "electronics_communication": {440000: 1.6, 320000: 1.2, 310000: 1.2, 500000: 1.4, 510000: 1.2,
                                  410000: 1.5, 350000: 1.3, 120000: 1.3},
    "computers_office": {320000: 1.8, 310000: 1.8, 440000: 1.3, 500000: 2.0, 510000: 1.5, 350000: 1.4},
    "medical_instruments": {110000: 1.8, 330000: 1.5, 320000: 1.3, 310000: 1.3},
}
NO_AEROSPACE = {460000, 540000, 630000, 640000, 650000}


def _ar1(rng: np.random.Generator, shape: tuple[int, int], sd: float, phi: float) -> np.ndarray:
    """Stationary AR(1) paths along axis 1: (N, T)."""
    e = rng.normal(0.0, sd, size=shape)
    out = np.empty(shape)
    out[:, 0] = e[:, 0] / np.sqrt(1 - phi ** 2)
    for t in range(1, shape[1]):
        out[:, t] = phi * out[:, t - 1] + e[:, t]
    return out


def simulate_hist_univ(rng_z: np.random.Generator, N: int) -> np.ndarray:
    """(N, T) ``hist_univ``: log enrolment in universities founded before 1990, per 10,000 people (SIMULATED).

    hist_univ_it = log h_i + g_i t + a_it, with log h_i ~ N(log 40, 0.5^2), province growth rates
    g_i ~ N(0.06, 0.03^2) and persistent AR(1) deviations a_it (innovations sd 0.08, phi 0.8: enrolment
    expansions and cuts that last several years); drawn from its own stream only, so it is independent of
    every other variable and of the errors of innov.
    """
    T = len(YEARS)
    level = np.log(40.0) + rng_z.normal(0, 0.5, N)
    growth = rng_z.normal(0.06, 0.03, N)
    return level[:, None] + growth[:, None] * np.arange(T)[None, :] + _ar1(rng_z, (N, T), 0.08, 0.8)


def high_tech_shifters(hist_univ: np.ndarray, e: np.ndarray) -> np.ndarray:
    """(N, T) shift of the log high-tech share of GDP: GAMMA_UNIV (hist_univ_it - hist_univ_i,2006) + KAPPA_E e_it.

    ``hist_univ`` (already in logs) is the excluded instrument: it moves ``agglom`` and nothing else; it is
    measured from its 2006 value so that the 2006 calibration of :data:`BASE` is kept. ``e`` (N, T) is the
    error of innov's equation, which makes ``agglom`` endogenous.
    """
    return GAMMA_UNIV * (hist_univ - hist_univ[:, :1]) + KAPPA_E * e


def simulate_economy(rng: np.random.Generator, prov: pd.DataFrame, ht_shift: np.ndarray
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Industry table (long) and the control variables (wide by code, year).

    ``ht_shift`` (N, T, rows in the order of ``prov``) is added to the log high-tech share of GDP
    (see :func:`high_tech_shifters`).
    """
    codes = prov["code"].to_numpy()
    N, T = len(codes), len(YEARS)
    region = prov["region"].to_numpy()
    east, west = (region == "east"), (region == "west")
    base = np.array([BASE[c] for c in codes], dtype=float)
    pop0, pgdp0, m0, ps0, ht0, open0, infr0, educ0, rd0 = base.T
    tt = np.arange(T)[None, :].astype(float)

    # population (10k) and GDP per capita (yuan)
    pop_g = (0.005 + np.where(codes == 440000, 0.012, 0)
             + np.where(np.isin(codes, [210000, 220000, 230000]), -0.007, 0) + rng.normal(0, 0.003, N))
    pop = pop0[:, None] * np.exp(pop_g[:, None] * tt)
    g_nat = 0.14 - 0.0065 * tt
    g_nat[:, YEARS == 2009] -= 0.03
    g_nat[:, YEARS == 2020] -= 0.04
    g = g_nat + np.where(east, 0.0, 0.012)[:, None] + rng.normal(0, 0.01, (N, 1)) + _ar1(rng, (N, T), 0.012, 0.5)
    g[:, 0] = 0.0
    lpgdp = np.log(pgdp0)[:, None] + np.cumsum(g, axis=1)
    pgdp = np.exp(lpgdp)
    gdp = pgdp * pop / 1e4  # 100 million yuan

    # industry shares of GDP
    m_tr = np.where(east, -0.0055, -0.0025)[:, None] + rng.normal(0, 0.002, (N, 1))
    m_share = np.clip(m0[:, None] + m_tr * tt + _ar1(rng, (N, T), 0.008, 0.7), 0.04, 0.6)
    ps_tr = 0.004 + rng.normal(0, 0.0015, (N, 1))
    ps_share = np.clip(ps0[:, None] + ps_tr * tt + _ar1(rng, (N, T), 0.006, 0.7), 0.05, 0.6)
    ht_tr = np.where(east, 0.015, 0.045)[:, None] + rng.normal(0, 0.015, (N, 1))
    ht_tr[codes == 410000] += 0.06  # the Zhengzhou electronics cluster after 2010
    ht_tr[codes == 500000] += 0.04  # Chongqing laptops
    ht_share = np.exp(np.log(ht0)[:, None] + ht_tr * tt + _ar1(rng, (N, T), 0.07, 0.6) + ht_shift)
    ht_share = np.minimum(ht_share, 0.6 * m_share)

    # split high tech into the five industries: tilted national composition drifting slowly
    comp = np.tile(HT_SHARES, (N, 1)).astype(float)
    for k, ind in enumerate(HIGH_TECH):
        for c, f in HT_TILT[ind].items():
            comp[codes == c, k] *= f
    comp *= np.exp(rng.normal(0, 0.25, comp.shape))
    comp[np.isin(codes, list(NO_AEROSPACE)), 1] = 0.0
    logc = np.log(np.where(comp > 0, comp, 1.0))[:, None, :] + np.cumsum(rng.normal(0, 0.05, (N, T, 5)), axis=1)
    comp_t = np.where(comp[:, None, :] > 0, np.exp(logc), 0.0)
    comp_t /= comp_t.sum(axis=2, keepdims=True)

    # output (value added, 100 million yuan)
    out = {"all": gdp, "manufacturing": m_share * gdp, "producer_services": ps_share * gdp}
    ht_out = ht_share * gdp
    for k, ind in enumerate(HIGH_TECH):
        out[ind] = ht_out * comp_t[:, :, k]

    # employment (10k persons) = output / labour productivity
    emp_rate = np.clip(0.55 + rng.normal(0, 0.03, (N, 1)) + 0.002 * tt, 0.4, 0.7)
    emp_all = pop * emp_rate
    prod_all = gdp / emp_all  # 100 million yuan per 10k persons
    rel_prod = {"manufacturing": 1.3, "producer_services": 1.25, "pharmaceuticals": 1.6, "aerospace": 1.4,
                "electronics_communication": 1.5, "computers_office": 1.7, "medical_instruments": 1.5}
    emp = {"all": emp_all}
    for ind, r in rel_prod.items():
        noise = np.exp(rng.normal(0, 0.05, (N, T)))
        emp[ind] = out[ind] / (r * prod_all * noise)

    rows = []
    for ind in INDUSTRIES:
        rows.append(pd.DataFrame({"code": np.repeat(codes, T), "year": np.tile(YEARS, N), "industry": ind,
                                  "output": out[ind].ravel(), "employment": emp[ind].ravel()}))
    industry = pd.concat(rows, ignore_index=True)
    industry["output"] = industry["output"].round(2)
    industry["employment"] = industry["employment"].round(2)
    industry["industry"] = pd.Categorical(industry["industry"], categories=list(INDUSTRIES))
    industry = industry.sort_values(["code", "year", "industry"]).reset_index(drop=True)
    industry["industry"] = industry["industry"].astype(str)

    # controls
    dip = (YEARS == 2009).astype(float)[None, :]  # the 2009 trade collapse
    open_tr = np.where(east, -0.035, 0.015)[:, None] + rng.normal(0, 0.02, (N, 1))
    openness = open0[:, None] * np.exp(open_tr * np.maximum(tt - 2, 0) - 0.18 * dip + _ar1(rng, (N, T), 0.06, 0.6))
    infr_tr = np.where(west, 0.045, 0.03)[:, None] + rng.normal(0, 0.012, (N, 1))
    infr = infr0[:, None] * np.exp(infr_tr * tt + _ar1(rng, (N, T), 0.03, 0.7))
    educ = educ0[:, None] + (0.075 + rng.normal(0, 0.015, (N, 1))) * tt + rng.normal(0, 0.12, (N, T))
    rd_tr = 0.035 + np.where(east, 0.01, 0.0)[:, None] + rng.normal(0, 0.015, (N, 1))
    rd = rd0[:, None] * np.exp(rd_tr * tt + _ar1(rng, (N, T), 0.06, 0.6))
    controls = pd.DataFrame({"code": np.repeat(codes, T), "year": np.tile(YEARS, N),
                             "pgdp": lpgdp.ravel(), "open": openness.ravel(), "infr": infr.ravel(),
                             "educ": educ.ravel(), "rd": rd.ravel()})
    return industry, controls


def agglomeration_measures(industry: pd.DataFrame) -> pd.DataFrame:
    """``agglom`` (LQ of the five high-tech industries combined) and ``coagg`` (synergy of producer
    services and manufacturing), both from output with the ``all`` rows as regional totals."""
    ht = (industry[industry["industry"].isin(HIGH_TECH)].groupby(["code", "year"], as_index=False)["output"].sum()
          .assign(industry="high_tech"))
    rest = industry[industry["industry"].isin(["manufacturing", "producer_services", "all"])]
    long = pd.concat([ht, rest[["code", "year", "industry", "output"]]], ignore_index=True)
    lq = location_quotient(long, region="code", industry="industry", value="output", total="all", period="year")
    agglom = lq.xs("high_tech", level="industry").rename("agglom")
    coagg = coagglomeration(lq.xs("producer_services", level="industry"), lq.xs("manufacturing", level="industry"),
                            kind="synergy").rename("coagg")
    return pd.concat([agglom, coagg], axis=1).reset_index()


def outcome_mean(rng_mu: np.random.Generator, panel: pd.DataFrame, w: si.Weights
                 ) -> tuple[np.ndarray, np.ndarray, dict]:
    """A = I - rho W and the (T, N) systematic part X_t beta + W X_t theta + mu + xi_t of the DGP."""
    ids = list(w.ids)
    N, T = len(ids), len(YEARS)
    W = w.sparse.toarray()
    A = np.eye(N) - RHO * W
    P = panel.set_index(["year", "code"]).sort_index()
    X = np.stack([P.loc[y].reindex(ids)[REGRESSORS].to_numpy(float) for y in YEARS])  # (T, N, k)
    b = np.array([BETA[v] for v in REGRESSORS])
    th = np.array([THETA[f"W_{v}"] for v in REGRESSORS])
    Z = np.stack([X[t] @ b + W @ X[t] @ th for t in range(T)])  # (T, N)

    # fixed effects: chosen so that innov (log patent grants per 10,000 people) has plausible levels
    # (national mean about ln 2 in 2006 rising to about ln 25 in 2020; rich, R&D-intensive provinces
    # higher), plus a random provincial component
    lp0 = P.loc[YEARS[0]].reindex(ids)["pgdp"].to_numpy()
    rd0 = P.loc[YEARS[0]].reindex(ids)["rd"].to_numpy()
    level = 0.7 + 0.8 * (lp0 - lp0.mean()) + 0.3 * (np.log(rd0) - np.log(rd0).mean())
    trend = 2.5 * np.arange(T) / (T - 1)
    target = level[None, :] + trend[:, None]  # (T, N)
    R = np.stack([A @ target[t] for t in range(T)]) - Z
    xi = R.mean(axis=1)  # (T,)
    mu = (R - xi[:, None]).mean(axis=0) + rng_mu.normal(0, 0.15, N)
    effects = {"mu": {int(c): round(float(m), 10) for c, m in zip(ids, mu)},
               "xi": {int(t): round(float(x), 10) for t, x in zip(YEARS, xi)}}
    return A, Z + mu[None, :] + xi[:, None], effects


def with_outcome(panel: pd.DataFrame, A: np.ndarray, mean: np.ndarray, e: np.ndarray, ids: list) -> pd.DataFrame:
    """The panel with innov = (I - rho W)^-1 (mean_t + e_t), rounded to 6 decimals as shipped."""
    Y = np.linalg.solve(A, (mean + e).T).T
    y = pd.Series(Y.ravel(), index=pd.MultiIndex.from_product([YEARS, ids], names=["year", "code"]), name="innov")
    out = panel.merge(y.reset_index(), on=["code", "year"], validate="one_to_one")
    out["innov"] = out["innov"].round(6)
    return out


def main() -> None:
    ss = np.random.SeedSequence(SEED)
    # spawn(4): the first three children are those of the former spawn(3), so covariates, entity effects
    # and errors are drawn from the same streams as before; the fourth child draws hist_univ
    rng_x, rng_mu, rng_e, rng_z = (np.random.default_rng(s) for s in ss.spawn(4))
    prov = pd.DataFrame(load_provinces().drop(columns="geometry"))
    w = si.weights.contiguity(load_provinces(), id="code", islands="nearest", normalize="row")
    ids = list(w.ids)
    N, T = len(ids), len(YEARS)

    e = rng_e.normal(0, np.sqrt(SIGMA2), (T, N))  # the first draw of the error stream, columns in w.ids order
    hist_univ = simulate_hist_univ(rng_z, N)  # (N, T), rows in w.ids order
    pos = pd.Index(ids).get_indexer(prov["code"])
    industry, controls = simulate_economy(rng_x, prov, high_tech_shifters(hist_univ, e.T)[pos])
    measures = agglomeration_measures(industry)
    panel = measures.merge(controls, on=["code", "year"], how="inner", validate="one_to_one")
    # round the regressors first: the outcome is simulated from exactly the values shipped
    panel[REGRESSORS] = panel[REGRESSORS].round(6)
    A, mean, effects = outcome_mean(rng_mu, panel, w)
    panel = with_outcome(panel, A, mean, e, ids)
    z = pd.DataFrame({"code": np.repeat(ids, T), "year": np.tile(YEARS, N), "hist_univ": hist_univ.ravel()})
    panel = panel.merge(z.round({"hist_univ": 6}), on=["code", "year"], validate="one_to_one")
    panel = panel.merge(prov[["code", "name", "region"]], on="code", validate="many_to_one")
    panel = panel[["code", "year", "name", "region", "innov"] + REGRESSORS + [INSTRUMENT]].sort_values(
        ["code", "year"])

    OUT.mkdir(parents=True, exist_ok=True)
    industry.to_csv(OUT / "demo_industry.csv.gz", index=False, float_format="%.2f",
                    compression={"method": "gzip", "mtime": 0})
    panel.to_csv(OUT / "demo_panel.csv", index=False)
    island = w.meta.get("island_links", [])
    truth = {
        "description": "SIMULATED data: innov is drawn from a two-way fixed-effects spatial Durbin model with the "
                       "parameters below; agglom and coagg are computed from the simulated demo_industry table; "
                       "agglom is endogenous (it moves with innov's error) and hist_univ is its excluded "
                       "instrument.",
        "model": "SDM",
        "fixed_effects": "twoway",
        "formula": FORMULA,
        "dgp": "y_t = (I - rho W)^-1 (X_t beta + W X_t theta + mu + xi_t 1 + e_t), e_t ~ N(0, sigma2 I), "
               "t = 2006..2020, W row-normalised queen contiguity of the 31 provinces",
        "rho": RHO,
        "beta": BETA,
        "theta": THETA,
        "sigma2": SIGMA2,
        "seed": SEED,
        "rng": "numpy.random.SeedSequence(seed).spawn(4) -> covariates, entity effects, errors, hist_univ",
        "error_draw": "e is the first (T, N) draw N(0, sigma2) of the error stream (columns in the order of "
                      "weights ids); no draw is selected or rejected on what the estimates show. Coverage of "
                      "the estimators is a Monte Carlo property, checked in tests/test_demo_data.py.",
        "variables": {
            "innov": "outcome; the SDM above",
            "agglom": "ENDOGENOUS regressor: high-tech location quotient from demo_industry; the log high-tech "
                      "share of GDP includes gamma_univ * (hist_univ_it - hist_univ_i2006) + kappa_e * e_it, "
                      "so agglom is correlated with innov's error e",
            "coagg": "exogenous regressor: producer services x manufacturing synergy co-agglomeration",
            "pgdp": "exogenous control", "open": "exogenous control", "infr": "exogenous control",
            "educ": "exogenous control", "rd": "exogenous control",
            "hist_univ": "excluded INSTRUMENT for agglom: drawn from its own seeded stream (independent of e "
                         "and of every other variable); shifts agglom (relevance, gamma_univ) and does not enter "
                         "innov's equation (exclusion, by construction)",
        },
        "instrument": {
            "name": INSTRUMENT,
            "endogenous": "agglom",
            "formula": IV_FORMULA,
            "hist_univ_dgp": "hist_univ_it = log h_i + g_i t + a_it (log enrolment in universities founded before "
                             "1990 per 10,000 people); log h_i ~ N(log 40, 0.5^2), g_i ~ N(0.06, 0.03^2), a_it AR(1) "
                             "with innovations sd 0.08 and phi 0.8",
            "gamma_univ": GAMMA_UNIV,
            "kappa_e": KAPPA_E,
            "relevance": "log high-tech share of GDP += gamma_univ * (hist_univ_it - hist_univ_i2006); agglom "
                         "is the location quotient of that share, so hist_univ moves agglom (first stage)",
            "exclusion": "hist_univ has no term in innov's equation and is independent of e (separate stream)",
            "endogeneity": "log high-tech share of GDP += kappa_e * e_it, with e_it the error of innov's equation "
                           "in the same province and year",
        },
        "weights": {
            "call": 'si.weights.contiguity(si.datasets.load_provinces(), id="code", rule="queen", '
                    'islands="nearest", normalize="row")',
            "description": w.describe(),
            "island_links": [[int(a), int(b)] for a, b in island],
        },
        "N": int(N),
        "T": int(T),
        "years": [int(YEARS[0]), int(YEARS[-1])],
        "entity_effects": effects["mu"],
        "time_effects": effects["xi"],
    }
    (OUT / "demo_truth.json").write_text(json.dumps(truth, indent=2) + "\n")
    print(f"wrote {len(industry)} industry rows, {len(panel)} panel rows to {OUT}")


if __name__ == "__main__":
    main()
