"""Reference values for bias_correction="elhorst": a dense re-implementation of Elhorst's MATLAB
``sar_panel_FE`` with ``bc=1`` (the SDM is the same code on [X, W X], as in Elhorst's demo files).

Written from the algorithm of Elhorst's code (Elhorst 2014, *Spatial Econometrics*, §3.4; Lee & Yu 2010,
J. Econometrics 154, 165-185); it does NOT import spatialinno. Steps, for N regions and T periods stacked
time-major (all regions in period 1, then period 2, ...):

1. W y and W x are formed period by period on the raw data; y, W y and X (SDM: [X, W X]) are then
   within-transformed: entity effects subtract each region's time mean, time effects each period's
   cross-sectional mean, two-way both, adding back the grand mean.
2. b0 = (X'X)^-1 X'y, bd = (X'X)^-1 X'Wy, e0 = y - X b0, ed = Wy - X bd. The concentrated log-likelihood
   -NT/2 log((e0 - r ed)'(e0 - r ed)) + T sum_i log(1 - r w_i), with the exact eigenvalues w_i of W, is
   maximised over (1/min w, 1) (Elhorst's code uses fminbnd on a log-determinant grid; here the root of the
   score is solved to machine precision instead, so the optimum is the exact one).
3. b = b0 - r bd, sigma2 = e'e/NT; entity effects: sigma2 *= T/(T-1); time effects: sigma2 *= N/(N-1).
4. Information matrix ``xpx`` over (b, r, sigma2) on the within-transformed data, G = W (I - r W)^-1:
       bb = X'X / s2;  br = sum_t X_t' G X_t b / s2;  rr = sum_t (b'X_t' G'G X_t b / s2 + tr(G G + G'G));
       ss = NT / (2 s2^2);  rs = T tr(G) / s2.
5. Two-way effects: p_bc = p + (xpx/NT)^-1 (0, ..., 0, 1/(1 - r), 1/(2 s2))' / N, sigma2 = T/(T-1) p_bc[-1],
   and xpx is evaluated again at the corrected (b, r, sigma2).
6. Covariance = xpx^-1 (at the corrected values); standard errors are the square roots of its diagonal.
   The log-likelihood is that of the uncorrected estimates (Elhorst's ``results.lik``).

Data:
- Produc (48 US states, 1970-1986) from ../panel/produc_data.csv with queen contiguity
  ../panel/produc_neighbors.csv, row-normalised; y = log(gsp), X = log(pcap), log(pc), log(emp), unemp.
- The bundled demo panel (31 Chinese provinces, 2006-2020; spatialinno/datasets/data/demo_panel.csv) with
  the binary queen-contiguity edges in demo_neighbors.csv (written once by demo_weights.py; Hainan linked to
  Guangdong), row-normalised; y = innov, X = agglom, coagg, pgdp, open, infr, educ, rd.
A Cigar weights matrix is not available offline, so Cigar is not included.

Run from the repository root:  python tests/reference/elhorst/make_reference.py   (about 2 s)
"""

from __future__ import annotations

import json
import platform
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import scipy
from scipy import optimize

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]


def row_normalised(ids: list, edges: pd.DataFrame) -> np.ndarray:
    pos = {v: i for i, v in enumerate(ids)}
    B = np.zeros((len(ids), len(ids)))
    for a, b in zip(edges.iloc[:, 0], edges.iloc[:, 1]):
        B[pos[a], pos[b]] = 1.0
    return B / B.sum(axis=1, keepdims=True)


def eigenvalues(W: np.ndarray) -> np.ndarray:
    """Eigenvalues of a row-normalised W with a symmetric binary pattern: those of D^-1/2 B D^-1/2."""
    B = (W > 0).astype(float)
    assert np.array_equal(B, B.T), "asymmetric contiguity"
    d = B.sum(axis=1)
    return np.linalg.eigvalsh(B / np.sqrt(np.outer(d, d)))


def within(v: np.ndarray, N: int, T: int, fe: str) -> np.ndarray:
    v3 = v.reshape(T, N, -1)
    ent = v3.mean(axis=0, keepdims=True)          # region means over time
    tim = v3.mean(axis=1, keepdims=True)          # period means over regions
    if fe == "entity":
        out = v3 - ent
    elif fe == "time":
        out = v3 - tim
    else:
        out = v3 - ent - tim + v3.mean(axis=(0, 1), keepdims=True)
    return out.reshape(v.shape)


def lag(W: np.ndarray, v: np.ndarray, N: int, T: int) -> np.ndarray:
    v3 = v.reshape(T, N, -1)
    return np.stack([W @ v3[t] for t in range(T)]).reshape(v.shape)


def xpx(X: np.ndarray, W: np.ndarray, b: np.ndarray, r: float, s2: float, N: int, T: int) -> np.ndarray:
    """Elhorst's information matrix over (b, r, sigma2), dense, period by period."""
    k = X.shape[1]
    G = W @ np.linalg.inv(np.eye(N) - r * W)
    pterm = np.trace(G @ G + G.T @ G)
    out = np.zeros((k + 2, k + 2))
    out[:k, :k] = X.T @ X / s2
    br = np.zeros(k)
    rr = 0.0
    for t in range(T):
        Xt = X[t * N:(t + 1) * N]
        GXb = G @ Xt @ b
        br += Xt.T @ GXb / s2
        rr += GXb @ GXb / s2 + pterm
    out[:k, k] = out[k, :k] = br
    out[k, k] = rr
    out[k + 1, k + 1] = N * T / (2 * s2 ** 2)
    out[k, k + 1] = out[k + 1, k] = T * np.trace(G) / s2
    return out


def elhorst_fe(y: np.ndarray, X: np.ndarray, W: np.ndarray, N: int, T: int, fe: str, durbin: bool) -> dict:
    nobs = N * T
    Wy = lag(W, y, N, T)
    if durbin:
        X = np.hstack([X, lag(W, X, N, T)])
    yw, wyw, xw = within(y, N, T, fe), within(Wy, N, T, fe), within(X, N, T, fe)
    AI = xw.T @ xw
    b0 = np.linalg.solve(AI, xw.T @ yw)
    bd = np.linalg.solve(AI, xw.T @ wyw)
    e0, ed = yw - xw @ b0, wyw - xw @ bd
    ee, dd, ed0 = e0 @ e0, ed @ ed, ed @ e0
    ev = eigenvalues(W)
    lo, hi = 1.0 / ev.min(), 1.0 / ev.max()

    def negll(r):
        return nobs / 2 * np.log(ee - 2 * r * ed0 + r * r * dd) - T * np.sum(np.log(1 - r * ev))

    def score(r):          # derivative of negll
        return nobs * (r * dd - ed0) / (ee - 2 * r * ed0 + r * r * dd) + T * np.sum(ev / (1 - r * ev))

    span = hi - lo
    start = optimize.minimize_scalar(negll, bounds=(lo + 1e-9 * span, hi - 1e-9 * span), method="bounded",
                                     options={"xatol": 1e-10}).x
    a, c = start - 1e-3, start + 1e-3
    assert score(a) < 0 < score(c)
    r = optimize.brentq(score, a, c, xtol=1e-15, rtol=1e-15, maxiter=500)
    b = b0 - r * bd
    e = e0 - r * ed
    s2_ml = e @ e / nobs
    loglik = -nobs / 2 * (np.log(2 * np.pi * s2_ml) + 1) + T * np.sum(np.log(1 - r * ev))
    s2 = {"entity": T / (T - 1), "time": N / (N - 1), "twoway": 1.0}[fe] * s2_ml
    k = X.shape[1]
    out = {"uncorrected": {"rho": r, "coefficients": b.tolist(), "sigma2": s2_ml}}
    if fe == "twoway":
        parm = np.concatenate([b, [r, s2]])
        info = xpx(xw, W, b, r, s2, N, T)
        c_vec = np.concatenate([np.zeros(k), [1 / (1 - r), 1 / (2 * s2)]])
        parm_bc = parm + np.linalg.solve(info / nobs, c_vec) / N
        b, r, s2 = parm_bc[:k], parm_bc[k], T / (T - 1) * parm_bc[k + 1]
    cov = np.linalg.inv(xpx(xw, W, b, r, s2, N, T))
    se = np.sqrt(np.diag(cov))
    out.update({"coefficients": b.tolist(), "rho": float(r), "sigma2": float(s2), "std_errors": se[:k].tolist(),
                "rho_se": float(se[k]), "sigma2_se": float(se[k + 1]), "loglik": float(loglik),
                "score_at_optimum": float(score(out["uncorrected"]["rho"])), "N": N, "T": T})
    return out


def produc() -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int, list[str]]:
    data = pd.read_csv(ROOT / "tests/reference/panel/produc_data.csv")
    edges = pd.read_csv(ROOT / "tests/reference/panel/produc_neighbors.csv")
    ids = sorted(data["state"].unique())
    years = sorted(data["year"].unique())
    data = data.set_index(["year", "state"]).loc[[(t, i) for t in years for i in ids]]
    y = np.log(data["gsp"].to_numpy())
    X = np.column_stack([np.log(data["pcap"]), np.log(data["pc"]), np.log(data["emp"]), data["unemp"]])
    names = ["np.log(pcap)", "np.log(pc)", "np.log(emp)", "unemp"]
    return y, X, row_normalised(ids, edges), len(ids), len(years), names


def demo() -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int, list[str]]:
    data = pd.read_csv(ROOT / "spatialinno/datasets/data/demo_panel.csv")
    edges = pd.read_csv(HERE / "demo_neighbors.csv")
    ids = sorted(data["code"].unique())
    years = sorted(data["year"].unique())
    data = data.set_index(["year", "code"]).loc[[(t, i) for t in years for i in ids]]
    names = ["agglom", "coagg", "pgdp", "open", "infr", "educ", "rd"]
    return data["innov"].to_numpy(), data[names].to_numpy(), row_normalised(ids, edges), len(ids), len(years), names


FORMULAS = {"produc": "np.log(gsp) ~ np.log(pcap) + np.log(pc) + np.log(emp) + unemp",
            "demo": "innov ~ agglom + coagg + pgdp + open + infr + educ + rd"}


def main() -> None:
    ref: dict = {"meta": {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "script": "tests/reference/elhorst/make_reference.py",
        "python": platform.python_version(), "numpy": np.__version__, "scipy": scipy.__version__,
        "pandas": pd.__version__,
        "algorithm": "Elhorst sar_panel_FE bc=1 (SDM = same code on [X, WX]); see the script docstring",
        "formulas": FORMULAS,
        "names": "coefficients in spatialinno's names; std_errors in the same order; rho_se, sigma2_se"}}
    for dname, loader in (("produc", produc), ("demo", demo)):
        y, X, W, N, T, names = loader()
        ref[dname] = {}
        for model, durbin in (("SAR", False), ("SDM", True)):
            cols = names + ([f"W_{v}" for v in names] if durbin else [])
            for fe in ("entity", "time", "twoway"):
                r = elhorst_fe(y, X, W, N, T, fe, durbin)
                r["coefficients"] = dict(zip(cols, r["coefficients"]))
                r["std_errors"] = dict(zip(cols, r["std_errors"]))
                r["uncorrected"]["coefficients"] = dict(zip(cols, r["uncorrected"]["coefficients"]))
                ref[dname].setdefault(fe, {})[model] = r
                print(f"{dname:6s} {fe:6s} {model}: rho {r['rho']:.6f} (se {r['rho_se']:.6f}) "
                      f"sigma2 {r['sigma2']:.8g} loglik {r['loglik']:.4f}")
    (HERE / "reference.json").write_text(json.dumps(ref, indent=1) + "\n")


if __name__ == "__main__":
    main()
