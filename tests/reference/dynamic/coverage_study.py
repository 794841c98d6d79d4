"""Finite-sample coverage of the Lee-Yu bias-corrected dynamic SDM on the 31-province map (evidence, not a test).

Run from the repository root (about 10 minutes on one free core):

    python tests/reference/dynamic/coverage_study.py [--reps 3000] [--seeds 20240614 777]

Writes tests/reference/dynamic/coverage_study.md. Design: the Monte Carlo of
tests/models/test_dynamic_montecarlo.py (two-way fixed effects, T = 15 so T' = 14 periods enter, tau 0.3,
rho 0.3, eta -0.1, b 1, theta 0.5, sigma2 1; tests/models/dynamic_dgp.py), extended to ``--reps`` replications
per seed; the first 300 replications of seed 20240614 are the test's own.

For every replication and both ``bias_correction="lee-yu"`` and ``"none"`` the public API gives estimates and
standard errors. For the corrected fit the script also computes, with the dense textbook formulas of
tests/models/dynamic_textbook.py (Yu, de Jong & Lee 2008, J. Econometrics 146, Sigma_theta of their Theorem;
Lee & Yu 2010, Econometric Theory 26: F_N transformation, n = N - 1 units, W* = F_N' W F_N, T' within-demeaned
periods):

- the largest difference between spatialinno's standard errors and sqrt(diag(Sigma^-1)) at the corrected
  estimates with the corrected sigma2, and between its corrected estimates and the textbook correction of the
  textbook fit (both printed in the header);
- ``oracle_se``: sqrt(diag(Sigma^-1)) at the true parameters and the true sigma2 = 1 (the asymptotic formula
  without estimation noise in its inputs);
- ``sd_theta_hat``: Monte Carlo sd of the uncorrected transformed-likelihood estimate theta_hat (the input of
  the correction; not the ``"none"`` dummy-variable fit), and ``J_diag`` the mean diagonal of J below;
- ``delta_se``: sqrt(diag(J Sigma(theta_1)^-1 J')), J the Jacobian (central differences) of the correction map
  theta_hat -> theta_hat + Sigma(theta_hat)^-1 c(theta_hat): the delta method over the correction, which the
  asymptotic variance drops because J = I + O(1/T).

Coverage is of nominal 95% normal intervals; its Monte Carlo standard error is sqrt(c (1 - c) / reps).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

import spatialinno as si  # noqa: E402
from tests.models.dynamic_dgp import simulate_dynamic  # noqa: E402
from tests.models.dynamic_textbook import TextbookDynamicSDM  # noqa: E402

TRUE = {"tau": 0.3, "eta": -0.1, "x": 1.0, "W_x": 0.5, "rho": 0.3, "sigma2": 1.0}
NAMES = ["tau", "eta", "x", "W_x", "rho", "sigma2"]
Z95 = 1.959963984540054


def one_seed(w: si.Weights, seed: int, reps: int) -> tuple[pd.DataFrame, float, float]:
    rng = np.random.default_rng(seed)
    W = w.sparse.toarray()
    rows, worst, worst_est = [], 0.0, 0.0
    truth = np.array([TRUE[k] for k in NAMES])
    for r in range(reps):
        data = simulate_dynamic(w, 15, rng, tau=TRUE["tau"], eta=TRUE["eta"], rho=TRUE["rho"])
        for bc in ("lee-yu", "none"):
            res = si.sdm("y ~ x", data, w, entity="id", time="year", fixed_effects="twoway", bias_correction=bc,
                         dynamic="both")
            est = np.array([res.params[k] for k in NAMES[:-1]] + [res.sigma2])
            se = np.array([res.bse[k] for k in NAMES[:-1]] + [np.nan])
            extra = {}
            if bc == "lee-yu":
                tb = TextbookDynamicSDM(data, w.ids, W, "twoway")
                th1 = est
                se_dense = np.sqrt(np.diag(np.linalg.inv(tb.sigma(th1))))
                worst = max(worst, float(np.max(np.abs(se_dense[:5] - se[:5]))))
                th0 = tb.uncorrected()
                worst_est = max(worst_est, float(np.max(np.abs(tb.corrected(th0) - th1))))
                J = np.zeros((6, 6))
                for j in range(6):
                    h = 1e-5 * max(1.0, abs(th0[j]))
                    e = np.zeros(6)
                    e[j] = h
                    J[:, j] = (tb.corrected(th0 + e) - tb.corrected(th0 - e)) / (2 * h)
                extra = {"theta_hat": th0, "jacobian": np.diag(J),
                         "se_oracle": np.sqrt(np.diag(np.linalg.inv(tb.sigma(truth)))),
                         "se_delta": np.sqrt(np.diag(J @ np.linalg.inv(tb.sigma(th1)) @ J.T))}
            for i, k in enumerate(NAMES):
                rows.append({"seed": seed, "rep": r, "bias_correction": bc, "parameter": k, "estimate": est[i],
                             "se": se[i], **{key: v[i] for key, v in extra.items()}})
    return pd.DataFrame(rows), worst, worst_est


def summarise(d: pd.DataFrame) -> pd.DataFrame:
    d = d.assign(err=d["estimate"] - d["parameter"].map(TRUE))
    out = {}
    for (bc, p), g in d.groupby(["bias_correction", "parameter"], sort=False):
        if p == "sigma2":
            continue
        n = len(g)
        row = {"reps": n, "bias": g["err"].mean(), "mc_sd": g["estimate"].std(),
               "rms_se": np.sqrt((g["se"] ** 2).mean())}
        row["sd/se"] = row["mc_sd"] / row["rms_se"]
        cov = float((g["err"].abs() <= Z95 * g["se"]).mean())
        row["coverage"], row["cov_mcse"] = cov, np.sqrt(cov * (1 - cov) / n)
        if bc == "lee-yu":
            row["oracle_se"] = np.sqrt((g["se_oracle"] ** 2).mean())
            row["sd/oracle"] = row["mc_sd"] / row["oracle_se"]
            row["delta_se"] = np.sqrt((g["se_delta"] ** 2).mean())
            row["cov_delta"] = float((g["err"].abs() <= Z95 * g["se_delta"]).mean())
            row["sd_theta_hat"] = g["theta_hat"].std()
            row["J_diag"] = g["jacobian"].mean()
        out[(bc, p)] = row
    return pd.DataFrame(out).T


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3000)
    ap.add_argument("--seeds", type=int, nargs="+", default=[20240614, 777])
    args = ap.parse_args()
    w = si.weights.contiguity(si.datasets.load_provinces(), id="code", islands="nearest")
    t0 = time.time()
    parts, worst, worst_est = [], 0.0, 0.0
    with threadpool_limits(1):
        for seed in args.seeds:
            d, wst, west = one_seed(w, seed, args.reps)
            parts.append(d)
            worst, worst_est = max(worst, wst), max(worst_est, west)
    d = pd.concat(parts, ignore_index=True)
    blocks = ["# Coverage study: dynamic two-way SDM, 31 provinces, T = 15 (generated by coverage_study.py)\n",
              f"Seeds {args.seeds}, {args.reps} replications each; run time {time.time() - t0:.0f} s. "
              f"spatialinno's Lee-Yu standard errors vs the dense textbook Sigma^-1 at the corrected estimates: "
              f"largest difference {worst:.1e}; corrected estimates (incl. sigma2) vs the textbook correction: "
              f"largest difference {worst_est:.1e}.\n"]
    tables = [(f"seed {s}", d[d["seed"] == s]) for s in args.seeds]
    if len(args.seeds) > 1:
        tables.append(("pooled", d))
    tables.insert(0, (f"seed {args.seeds[0]}, first 300 replications (the slow test)",
                      d[(d["seed"] == args.seeds[0]) & (d["rep"] < 300)]))
    for title, part in tables:
        blocks.append(f"## {title}\n\n```\n{summarise(part).astype(float).round(4).to_string()}\n```\n")
    text = "\n".join(blocks)
    print(text)
    (Path(__file__).parent / "coverage_study.md").write_text(text)


if __name__ == "__main__":
    main()
