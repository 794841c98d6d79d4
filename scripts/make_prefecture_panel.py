"""Build the SIMULATED prefecture panel shipped in ``spatialinno/datasets/data/`` (build-time only).

Run from the repository root::

    python scripts/make_prefecture_panel.py

Writes ``prefecture_panel.csv.gz`` (the panel as a yearbook compilation would deliver it: codes in force in
each year, holes, missing values) and ``prefecture_truth.json`` (the data-generating process and its draws).
See :mod:`spatialinno.datasets.prefecture_panel` for what the user sees.

Design
------
Units (the DGP's regions): the 336 prefecture-level units of the shipped map
(:func:`spatialinno.datasets.load_prefectures`, codes ending in 00, i.e. without the county-level units
administered by provinces and without Sansha 460300, which has no resident statistics), with the 2020 codes.
Years 2004-2019 (T = 16).

Sample of period t, S_t: every unit but the HOLES (city-years with no row at all) and the city-years whose
``rd`` is MISSING (NaN). Both are drawn once, seeded, among units with at least three neighbours, so that no
unit loses all its neighbours in a period (a deterministic rule fixed before any draw).

Outcome: the unbalanced two-way fixed-effects spatial Durbin model, period by period on S_t,

    y_t = (I - rho W_t)^-1 (X_t beta + W_t X_t theta + mu + xi_t 1 + e_t),   e_t ~ N(0, sigma2 I),

with W_t the binary queen contiguity of the 336 units (islands linked to the nearest unit) restricted to S_t
and row-normalised: exactly the model of ``si.sdm(..., fixed_effects="twoway", bias_correction="none")`` on
an unbalanced panel. e is the FIRST draw of its seeded stream on the full (T, N) grid (only S_t is used); no
draw is selected on what estimates show. Rows with a missing ``rd`` are outside the sample: their ``innov``
is X beta + mu + xi + e (no spatial term), a placeholder that ``missing="drop"`` removes.

Code history (what harmonisation must undo), from :func:`spatialinno.datasets.prefecture_changes`:

- units RECODED in 2005-2019 (e.g. Bijie 522400 -> 520500 in 2011, Danzhou 469003 -> 460400 in 2015) carry
  their old code before the change year;
- LAIWU 371200 merged into Jinan 370100 in 2019: before 2019 the DGP unit 370100 is delivered as two rows,
  Jinan proper (370100) and Laiwu (371200), with population ``pop`` split (Laiwu's share drawn per year) and
  every other column such that the population-weighted mean of the two rows is the DGP value: harmonising
  with ``aggregate={"pop": "sum", <others>: ("mean", "pop")}`` restores the DGP panel;
- CHAOHU 341400 (dissolved 2011 among Hefei, Wuhu and Ma'anshan) has rows for 2004-2010 that are NOT part of
  the DGP (the DGP units Hefei, Wuhu and Ma'anshan carry their own territories); ``split={341400: None}``
  drops them.

Everything is drawn from ``numpy.random.default_rng`` streams spawned from :data:`SEED`; running the script
twice gives identical files (the gzip header has no time stamp).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

import spatialinno as si

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "spatialinno" / "datasets" / "data"

SEED = 20260416
YEARS = np.arange(2004, 2020)
REGRESSORS = ["agglom", "open", "educ", "rd"]
RHO = 0.30
BETA = {"agglom": 0.25, "open": 0.10, "educ": 0.08, "rd": 0.15}
THETA = {"W_agglom": 0.20, "W_open": 0.0, "W_educ": 0.05, "W_rd": 0.10}
SIGMA2 = 0.02
N_HOLES = 24       # city-years with no row
N_MISSING_RD = 12  # city-years with rd = NaN
LAIWU, JINAN, CHAOHU = 371200, 370100, 341400
CHAOHU_SUCCESSORS = (340100, 340200, 340500)
SANSHA = 460300
FORMULA = "innov ~ agglom + open + educ + rd"
AGGREGATE_RULE = {"pop": "sum", **{c: ("mean", "pop") for c in ["innov", "pgdp", *REGRESSORS]}}
DECIMALS = 8


def units() -> tuple[pd.DataFrame, si.Weights]:
    """The DGP's units (map rows) and their binary queen contiguity (islands linked to the nearest unit)."""
    pref = si.datasets.load_prefectures()
    pref = pref[(pref["code"] % 100 == 0) & (pref["code"] != SANSHA)].reset_index(drop=True)
    w = si.weights.contiguity(pref, id="code", rule="queen", islands="nearest", normalize="none")
    return pref, w


def _ar1(rng: np.random.Generator, shape: tuple[int, int], sd: float, phi: float) -> np.ndarray:
    """Stationary AR(1) paths along axis 0 (time), one per column."""
    out = np.empty(shape)
    out[0] = rng.normal(0, sd / np.sqrt(1 - phi ** 2), shape[1])
    for t in range(1, shape[0]):
        out[t] = phi * out[t - 1] + rng.normal(0, sd, shape[1])
    return out


def regressors(rng: np.random.Generator, region: np.ndarray) -> dict[str, np.ndarray]:
    """(T, N) arrays of pop, pgdp and the model's regressors."""
    T, N = len(YEARS), len(region)
    east, central = (region == "east").astype(float), (region == "central").astype(float)
    t = np.arange(T)[:, None]
    belt = 0.5 * east + 0.2 * central
    log_pop = rng.normal(5.9, 0.5, N)
    pop = np.exp(log_pop + 0.006 * t + _ar1(rng, (T, N), 0.01, 0.5))
    pgdp = 9.9 + belt + rng.normal(0, 0.35, N) + 0.08 * t + _ar1(rng, (T, N), 0.04, 0.7)
    agglom = np.exp(0.4 * belt + rng.normal(0, 0.4, N) + _ar1(rng, (T, N), 0.08, 0.8))
    openness = np.exp(-2.0 + 1.2 * east + rng.normal(0, 0.7, N) + _ar1(rng, (T, N), 0.1, 0.7))
    educ = 8.4 + 0.8 * east + rng.normal(0, 0.5, N) + 0.06 * t + rng.normal(0, 0.1, (T, N))
    rd = -0.6 + 0.5 * east + rng.normal(0, 0.5, N) + 0.04 * t + _ar1(rng, (T, N), 0.08, 0.6)
    return {"pop": pop, "pgdp": pgdp, "agglom": agglom, "open": openness, "educ": educ, "rd": rd}


def sample_holes(rng: np.random.Generator, w: si.Weights) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(code, year) of the holes and of the missing rd values: distinct, among units with >= 3 neighbours,
    never Jinan, Laiwu's merger partner, nor Chaohu's successors."""
    degree = np.asarray((w.sparse > 0).sum(axis=1)).ravel()
    excluded = {JINAN, *CHAOHU_SUCCESSORS}
    eligible = [c for c, d in zip(w.ids, degree, strict=True) if d >= 3 and c not in excluded]
    grid = [(int(c), int(y)) for c in eligible for y in YEARS]
    pick = rng.choice(len(grid), N_HOLES + N_MISSING_RD, replace=False)
    chosen = [grid[k] for k in pick]
    return sorted(chosen[:N_HOLES]), sorted(chosen[N_HOLES:])


def outcome(x: dict[str, np.ndarray], w: si.Weights, mu: np.ndarray, xi: np.ndarray, e: np.ndarray,
            out_of_sample: set[tuple[int, int]]) -> np.ndarray:
    """(T, N) outcome: the SDM on S_t per period; non-spatial placeholder outside S_t."""
    ids = list(w.ids)
    X = np.stack([x[c] for c in REGRESSORS], axis=2)  # (T, N, k)
    b = np.array([BETA[c] for c in REGRESSORS])
    th = np.array([THETA[f"W_{c}"] for c in REGRESSORS])
    raw = w.sparse.tocsr()
    y = X @ b + mu[None, :] + xi[:, None] + e  # placeholder everywhere; S_t overwritten below
    for k, year in enumerate(YEARS):
        keep = np.array([(c, int(year)) not in out_of_sample for c in ids])
        sub = raw[keep][:, keep].toarray()
        rows = sub.sum(axis=1, keepdims=True)
        if (rows == 0).any():
            raise RuntimeError(f"{year}: a unit lost every neighbour; the hole rule should prevent it")
        wt = sub / rows
        Xt = X[k][keep]
        rhs = Xt @ b + wt @ Xt @ th + mu[keep] + xi[k] + e[k][keep]
        y[k, keep] = np.linalg.solve(np.eye(int(keep.sum())) - RHO * wt, rhs)
    return y


def code_in_force(changes: pd.DataFrame, unit_codes: set[int]) -> dict[int, tuple[int, int]]:
    """DGP unit -> (old code, first year of the new code) for units recoded in 2005-2019."""
    rec = changes[(changes["kind"] == "recoded") & changes["year"].between(2005, 2019)
                  & changes["new_code"].isin(unit_codes)]
    return {int(r.new_code): (int(r.old_code), int(r.year)) for r in rec.itertuples()}


def deliver(dgp: pd.DataFrame, rng: np.random.Generator, recoded: dict[int, tuple[int, int]]) -> pd.DataFrame:
    """The DGP panel as a yearbook compilation: old codes, Jinan split into Jinan proper and Laiwu, Chaohu."""
    out = dgp.copy()
    for new, (old, year) in recoded.items():
        out.loc[(out["code"] == new) & (out["year"] < year), "code"] = old
    intensive = ["innov", "pgdp", *REGRESSORS]
    jinan = out[(out["code"] == JINAN) & (out["year"] < 2019)]
    share = rng.uniform(0.15, 0.19, len(jinan))  # Laiwu's share of the population
    noise = rng.normal(0, 0.1, (len(jinan), len(intensive)))
    laiwu = jinan.copy()
    laiwu["code"] = LAIWU
    laiwu["pop"] = jinan["pop"].to_numpy() * share
    laiwu[intensive] = jinan[intensive].to_numpy() + noise
    proper = jinan.copy()
    proper["pop"] = jinan["pop"].to_numpy() - laiwu["pop"].to_numpy()
    proper[intensive] = ((jinan[intensive].to_numpy() * jinan["pop"].to_numpy()[:, None]
                          - laiwu[intensive].to_numpy() * laiwu["pop"].to_numpy()[:, None])
                         / proper["pop"].to_numpy()[:, None])
    hefei = out[(out["code"] == CHAOHU_SUCCESSORS[0]) & (out["year"] < 2011)]
    chaohu = hefei.copy()
    chaohu["code"] = CHAOHU
    chaohu["pop"] = rng.uniform(440, 470, len(hefei))
    chaohu[intensive] = hefei[intensive].to_numpy() - 0.3 + rng.normal(0, 0.1, (len(hefei), len(intensive)))
    out = pd.concat([out.drop(jinan.index), proper, laiwu, chaohu], ignore_index=True)
    return out.sort_values(["year", "code"]).reset_index(drop=True)


def main() -> None:
    rng_x, rng_mu, rng_e, rng_holes, rng_split = (np.random.default_rng(s)
                                                  for s in np.random.SeedSequence(SEED).spawn(5))
    pref, w = units()
    ids = [int(i) for i in w.ids]
    N, T = len(ids), len(YEARS)
    region = pref.set_index("code").loc[ids, "region"].to_numpy()
    e = rng_e.normal(0, np.sqrt(SIGMA2), (T, N))  # the first draw of the error stream
    x = {k: np.round(v, DECIMALS) for k, v in regressors(rng_x, region).items()}
    mu = 0.4 * (np.log(x["agglom"]).mean(axis=0) - np.log(x["agglom"]).mean()) + rng_mu.normal(0, 0.2, N)
    xi = 0.04 * np.arange(T) + rng_mu.normal(0, 0.02, T)
    holes, missing_rd = sample_holes(rng_holes, w)
    y = outcome(x, w, mu, xi, e, set(holes) | set(missing_rd))
    dgp = pd.DataFrame({"code": np.tile(ids, T), "year": np.repeat(YEARS, N), "innov": y.ravel(),
                        **{k: v.ravel() for k, v in x.items()}})
    dgp["innov"] = dgp["innov"].round(DECIMALS)
    for code, year in missing_rd:
        dgp.loc[(dgp["code"] == code) & (dgp["year"] == year), "rd"] = np.nan
    hole_keys = pd.MultiIndex.from_tuples(holes)
    dgp = dgp[~pd.MultiIndex.from_arrays([dgp["code"], dgp["year"]]).isin(hole_keys)]
    changes = si.datasets.prefecture_changes()
    recoded = code_in_force(changes, set(ids))
    raw = deliver(dgp, rng_split, recoded)[["code", "year", "pop", "innov", "agglom", "open", "educ", "rd", "pgdp"]]
    OUT.mkdir(parents=True, exist_ok=True)
    raw.to_csv(OUT / "prefecture_panel.csv.gz", index=False, float_format=f"%.{DECIMALS + 4}g",
               compression={"method": "gzip", "mtime": 0})
    truth = {
        "description": "SIMULATED prefecture panel: innov is drawn from the unbalanced two-way fixed-effects "
                       "spatial Durbin model below, period by period on the city-years observed; codes, holes "
                       "and missing values are those a yearbook compilation delivers.",
        "model": "SDM", "fixed_effects": "twoway", "bias_correction": "none", "formula": FORMULA,
        "dgp": "y_t = (I - rho W_t)^-1 (X_t beta + W_t X_t theta + mu + xi_t 1 + e_t), e_t ~ N(0, sigma2 I), "
               "t = 2004..2019, on S_t = units observed in t (no hole, rd not missing); W_t = binary queen "
               "contiguity restricted to S_t, row-normalised",
        "rho": RHO, "beta": BETA, "theta": THETA, "sigma2": SIGMA2, "seed": SEED,
        "rng": "numpy.random.SeedSequence(seed).spawn(5) -> regressors, effects, errors, holes, Laiwu/Chaohu rows",
        "error_draw": "e is the first (T, N) draw N(0, sigma2) of the error stream (columns in the order of "
                      "weights ids); no draw is selected or rejected on what the estimates show",
        "units": "the 336 prefecture-level units of si.datasets.load_prefectures() with codes ending in 00, "
                 "without Sansha 460300",
        "weights": {"call": 'si.weights.contiguity(pref, id="code", rule="queen", islands="nearest", '
                            'normalize="row") on those units, restricted per year to S_t',
                    "island_links": [[int(a), int(b)] for a, b in w.meta.get("island_links", [])]},
        "harmonise": {"to_year": 2020, "split": {str(CHAOHU): None}, "aggregate": AGGREGATE_RULE,
                      "note": "harmonise_codes(df, 'code', 'year', 2020, split=..., aggregate=...) restores the "
                              "DGP panel: Laiwu + Jinan proper give Jinan by population-weighted means (pop "
                              "summed); Chaohu's 2004-2010 rows are outside the DGP and are dropped"},
        "recoded": {str(k): {"old_code": v[0], "year": v[1]} for k, v in sorted(recoded.items())},
        "holes": [list(h) for h in holes],
        "missing_rd": [list(m) for m in missing_rd],
        "variables": {"code": "code in force in that year (GB/T 2260)", "year": "2004-2019",
                      "pop": "SIMULATED population, 10,000 persons (extensive: sum when merging)",
                      "innov": "SIMULATED outcome, log patent grants per 10,000 people", **{
                          "agglom": "high-tech location quotient", "open": "trade over GDP (ratio)",
                          "educ": "average years of schooling", "rd": "log R&D intensity (some missing)",
                          "pgdp": "log GDP per capita: NOT a regressor of innov's equation (use it to build "
                                  "economic-distance weights)"}},
        "N": N, "T": T, "years": [int(YEARS[0]), int(YEARS[-1])],
        "entity_effects": {str(c): float(m) for c, m in zip(ids, mu, strict=True)},
        "time_effects": {str(int(t)): float(v) for t, v in zip(YEARS, xi, strict=True)},
    }
    (OUT / "prefecture_truth.json").write_text(json.dumps(truth, indent=1, ensure_ascii=False) + "\n",
                                               encoding="utf-8")
    print(f"wrote {len(raw)} rows ({N} units x {T} years; {len(holes)} holes, {len(missing_rd)} missing rd) to {OUT}")


if __name__ == "__main__":
    main()
