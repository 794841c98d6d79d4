"""Independent numpy re-computation of the numbers in reference.json.

Not a pytest module (name does not start with ``test_``): run it by hand after
regenerating the fixtures, from the repository root::

    python tests/reference/diagnostics/check_reference.py

It reads only the CSV files and reference.json in this folder, rebuilds the
weights from the binary edge lists, recomputes every statistic from textbook
formulas written out below (numpy + scipy.stats only) and compares them with
spdep's values.  It exits non-zero on any mismatch.
"""

from __future__ import annotations

import csv
import json
import math
import sys
from pathlib import Path

import numpy as np
from scipy import stats

HERE = Path(__file__).resolve().parent
RTOL = 1e-9
FAILS: list[str] = []
N_CHECKS = 0


def close(a, b, what, rtol=RTOL, atol=1e-12):
    global N_CHECKS
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    N_CHECKS += a.size
    if a.shape != b.shape or not np.allclose(a, b, rtol=rtol, atol=atol):
        diff = np.max(np.abs(a - b)) if a.shape == b.shape else "shape"
        FAILS.append(f"{what}: max abs diff {diff}")


def read_csv(name):
    with open(HERE / name, newline="") as fh:
        rows = list(csv.DictReader(fh))
    return {k: [r[k] for r in rows] for k in rows[0]}


def binary_w(edges_file, ids):
    e = read_csv(edges_file)
    pos = {v: i for i, v in enumerate(ids)}
    W = np.zeros((len(ids), len(ids)))
    from_col, to_col = list(e)[:2]  # by position: the shared files name them from_id/to_id or from_state/to_state
    for f, t in zip(e[from_col], e[to_col], strict=True):
        W[pos[f], pos[t]] = 1.0
    return W


def rowstd(W):
    return W / W.sum(axis=1, keepdims=True)


def pnorm2(z):
    return 2 * stats.norm.sf(np.abs(z))


# ---------------------------------------------------------------- global stats
def consts(W):
    n = W.shape[0]
    S0 = W.sum()
    S1 = 0.5 * ((W + W.T) ** 2).sum()
    S2 = ((W.sum(1) + W.sum(0)) ** 2).sum()
    return n, S0, S1, S2


def moran(x, W, randomisation):
    n, S0, S1, S2 = consts(W)
    z = x - x.mean()
    I = n / S0 * (z @ W @ z) / (z @ z)
    EI = -1 / (n - 1)
    if randomisation:
        b2 = n * (z**4).sum() / (z @ z) ** 2
        V = (n * ((n * n - 3 * n + 3) * S1 - n * S2 + 3 * S0**2)
             - b2 * ((n * n - n) * S1 - 2 * n * S2 + 6 * S0**2)) / (
            (n - 1) * (n - 2) * (n - 3) * S0**2) - EI**2
    else:
        V = (n * n * S1 - n * S2 + 3 * S0**2) / ((n * n - 1) * S0**2) - EI**2
    zz = (I - EI) / math.sqrt(V)
    return dict(I=I, expectation=EI, variance=V, z=zz, p_value=pnorm2(zz),
                p_value_greater=stats.norm.sf(zz))


def geary(x, W, randomisation):
    n, S0, S1, S2 = consts(W)
    z = x - x.mean()
    d2 = (x[:, None] - x[None, :]) ** 2
    C = (n - 1) * (W * d2).sum() / (2 * S0 * (z @ z))
    if randomisation:
        K = n * (z**4).sum() / (z @ z) ** 2
        V = ((n - 1) * S1 * (n * n - 3 * n + 3 - K * (n - 1))
             - 0.25 * (n - 1) * S2 * (n * n + 3 * n - 6 - K * (n * n - n + 2))
             + S0**2 * (n * n - 3 - K * (n - 1) ** 2)) / (n * (n - 2) * (n - 3) * S0**2)
    else:
        V = ((2 * S1 + S2) * (n - 1) - 4 * S0**2) / (2 * (n + 1) * S0**2)
    zz = (1 - C) / math.sqrt(V)  # spdep sign: positive = positive autocorrelation
    return dict(C=C, expectation=1.0, variance=V, z=zz, p_value=pnorm2(zz),
                p_value_greater=stats.norm.sf(zz))


def global_g(x, W):
    n, S0, S1, S2 = consts(W)
    G = (x @ W @ x) / (x.sum() ** 2 - (x**2).sum())
    EG = S0 / (n * (n - 1))
    n1, n2, n3, nn = n - 1, n - 2, n - 3, n * n
    B0 = (nn - 3 * n + 3) * S1 - n * S2 + 3 * S0**2
    B1 = -((nn - n) * S1 - 2 * n * S2 + 6 * S0**2)
    B2 = -(2 * n * S1 - (n + 3) * S2 + 6 * S0**2)
    B3 = 4 * n1 * S1 - 2 * (n + 1) * S2 + 8 * S0**2
    B4 = S1 - S2 + S0**2
    s1, s2, s3, s4 = x.sum(), (x**2).sum(), (x**3).sum(), (x**4).sum()
    V = (B0 * s2**2 + B1 * s4 + B2 * s1**2 * s2 + B3 * s1 * s3 + B4 * s1**4) / (
        (s1**2 - s2) ** 2 * n * n1 * n2 * n3) - EG**2
    zz = (G - EG) / math.sqrt(V)
    return dict(G=G, expectation=EG, variance=V, z=zz, p_value=pnorm2(zz),
                p_value_greater=stats.norm.sf(zz))


# ----------------------------------------------------------------- local stats
def local_moran(x, W, conditional):
    n = len(x)
    z = x - x.mean()
    m2 = (z @ z) / n
    I = z * (W @ z) / m2
    wi = W.sum(1)
    wi2 = (W**2).sum(1)
    if conditional:
        E = -(z**2) * wi / ((n - 1) * m2)
        V = (z / m2) ** 2 * (n / (n - 2)) * (wi2 - wi**2 / (n - 1)) * (m2 - z**2 / (n - 1))
    else:
        b2 = ((z**4).sum() / n) / m2**2
        E = -wi / (n - 1)
        V = (wi2 * (n - b2) / (n - 1)
             + (wi**2 - wi2) * (2 * b2 - n) / ((n - 1) * (n - 2)) - E**2)
    Z = (I - E) / np.sqrt(V)
    return dict(Ii=I, E_Ii=E, Var_Ii=V, Z_Ii=Z, p_value=pnorm2(Z))


def local_g(x, W, star):
    n = len(x)
    wi = W.sum(1)
    s1i = (W**2).sum(1)
    lx = W @ x
    if star:
        xbar = np.full(n, x.mean())
        s2 = np.full(n, ((x - x.mean()) ** 2).sum() / n)
        VG = s2 * (n * s1i - wi**2) / (n - 1)
        denom = x.sum()
    else:
        xbar = (x.sum() - x) / (n - 1)
        s2 = ((x**2).sum() - x**2) / (n - 1) - xbar**2
        VG = s2 * ((n - 1) * s1i - wi**2) / (n - 2)
        denom = x.sum() - x
    EG = wi * xbar
    z = (lx - EG) / np.sqrt(VG)
    return dict(G=lx / denom, E_G=EG / denom, V_G=VG / denom**2, z=z, p_value=pnorm2(z))


# -------------------------------------------------------------------- LM tests
def lm_tests(y, X, W, Wblock=None, T_W=None):
    """Anselin (1988) LM tests; s2 = e'e/n.  Wblock: function v -> W v."""
    Wv = Wblock if Wblock is not None else (lambda v: W @ v)
    n = len(y)
    b = np.linalg.lstsq(X, y, rcond=None)[0]
    e = y - X @ b
    s2 = e @ e / n
    if T_W is None:
        T_W = np.trace(W.T @ W + W @ W)
    WXb = Wv(X @ b)
    M_WXb = WXb - X @ np.linalg.solve(X.T @ X, X.T @ WXb)
    J = (WXb @ M_WXb + T_W * s2) / s2
    rl = e @ Wv(y) / s2
    re = e @ Wv(e) / s2
    out = {
        "RSerr": re**2 / T_W,
        "RSlag": rl**2 / J,
        "adjRSerr": (re - T_W / J * rl) ** 2 / (T_W * (1 - T_W / J)),
        "adjRSlag": (rl - re) ** 2 / (J - T_W),
    }
    out["SARMA"] = out["adjRSlag"] + out["RSerr"]
    return b, out


def check_tests(ref_tests, mine, what, spdep_p=False):
    for k, stat in mine.items():
        df = 2 if k == "SARMA" else 1
        close(stat, ref_tests[k]["statistic"], f"{what} {k} statistic")
        close(df, ref_tests[k]["df"], f"{what} {k} df")
        p = stats.chi2.sf(stat, df)
        # spdep computes p as 1 - pchisq(): tiny p-values underflow to 0 there.
        close(p, ref_tests[k]["p_value"], f"{what} {k} p", rtol=1e-6,
              atol=1e-15 if spdep_p else 1e-300)


# ------------------------------------------------------------------------ main
def check_cross_section(ref, name, data_file, nb_file, variables, local_styles):
    d = read_csv(data_file)
    ids = d["id"]
    B = binary_w(nb_file, ids)
    Ws = {"W": rowstd(B), "B": B}
    Wself = {"W": rowstd(B + np.eye(len(ids))), "B": B + np.eye(len(ids))}
    for v in variables:
        x = np.array(d[v], dtype=float)
        rv = ref[name]["variables"][v]
        for s in ("W", "B"):
            for mode, rnd in (("randomisation", True), ("normality", False)):
                for fn, key in ((moran, "moran"), (geary, "geary")):
                    mine = fn(x, Ws[s], rnd)
                    for k, val in mine.items():
                        close(val, rv[key][s][mode][k], f"{name} {v} {key} {s} {mode} {k}")
            for k, val in global_g(x, Ws[s]).items():
                close(val, rv["global_g"][s][k], f"{name} {v} global_g {s} {k}")
        for s in local_styles:
            for mode, cond in (("anselin1995", False), ("conditional", True)):
                for k, val in local_moran(x, Ws[s], cond).items():
                    close(val, rv["local_moran"][s][mode][k], f"{name} {v} local_moran {s} {mode} {k}")
            for k, val in local_g(x, Ws[s], star=False).items():
                close(val, rv["local_g"][s][k], f"{name} {v} local_g {s} {k}")
            for k, val in local_g(x, Wself[s], star=True).items():
                close(val, rv["local_g_star"][s][k], f"{name} {v} local_g_star {s} {k}")
    return d, Ws


def main():
    ref = json.loads((HERE / "reference.json").read_text())

    # Columbus
    d, Ws = check_cross_section(ref, "columbus", "columbus_data.csv", "../crosssection/columbus_neighbors.csv",
                                ["CRIME", "HOVAL", "INC"], ["W", "B"])
    col = {k: np.array(d[k], dtype=float) for k in ("CRIME", "INC", "HOVAL")}
    n = len(col["CRIME"])
    def zp(v):
        return (v - v.mean()) / v.std()  # population sd
    for key, (xv, yv) in {"INC_CRIME": ("INC", "CRIME"), "CRIME_INC": ("CRIME", "INC")}.items():
        ib = zp(col[xv]) @ Ws["W"] @ zp(col[yv]) / n
        close(ib, ref["columbus"]["bivariate_moran"]["W"][key]["I"], f"bivariate {key}")
    X = np.column_stack([np.ones(n), col["INC"], col["HOVAL"]])
    for s in ("W", "B"):
        b, t = lm_tests(col["CRIME"], X, Ws[s])
        check_tests(ref["columbus"]["ols"]["tests"][s], t, f"columbus OLS {s}", spdep_p=True)
    close(b, list(ref["columbus"]["ols"]["coefficients"].values()), "columbus coef")

    # Boston
    d, Ws = check_cross_section(ref, "boston", "boston_data.csv", "../crosssection/boston_neighbors.csv",
                                ["CMEDV", "logCMEDV"], ["W"])
    g = {k: np.array(v, dtype=float) for k, v in d.items()}
    close(np.log(g["CMEDV"]), g["logCMEDV"], "boston logCMEDV column", rtol=0, atol=0)
    X = np.column_stack([np.ones(len(g["id"])), g["CRIM"], g["ZN"], g["INDUS"], g["CHAS"],
                         g["NOX"] ** 2, g["RM"] ** 2, g["AGE"], np.log(g["DIS"]),
                         np.log(g["RAD"]), g["TAX"], g["PTRATIO"], g["B"], np.log(g["LSTAT"])])
    b, t = lm_tests(np.log(g["CMEDV"]), X, Ws["W"])
    check_tests(ref["boston"]["ols"]["tests"]["W"], t, "boston OLS W", spdep_p=True)
    close(b, list(ref["boston"]["ols"]["coefficients"].values()), "boston coef")

    # Produc panel
    pr = ref["produc"]
    d = read_csv("produc_data.csv")
    states = pr["states"]
    N, T = pr["N"], pr["T"]
    assert d["state"] == states * T, "produc_data.csv is not time-major"
    WN = rowstd(binary_w("../panel/produc_neighbors.csv", states))
    close(np.trace(WN.T @ WN + WN @ WN), pr["fixed_effects"]["entity"]["T_W"], "produc T_W")
    num = {k: np.array(d[k], dtype=float) for k in ("gsp", "pcap", "pc", "emp", "unemp")}
    y = np.log(num["gsp"]).reshape(T, N)
    Xs = [np.log(num["pcap"]), np.log(num["pc"]), np.log(num["emp"]), num["unemp"]]
    Xs = [v.reshape(T, N) for v in Xs]

    def demean(a, fe):
        if fe == "entity":
            return a - a.mean(0, keepdims=True)
        if fe == "time":
            return a - a.mean(1, keepdims=True)
        return a - a.mean(0, keepdims=True) - a.mean(1, keepdims=True) + a.mean()

    def Wblock(v):
        return (v.reshape(T, N) @ WN.T).ravel()
    T_W = np.trace(WN.T @ WN + WN @ WN)
    for fe in ("entity", "time", "twoway"):
        yt = demean(y, fe).ravel()
        Xt = np.column_stack([demean(v, fe).ravel() for v in Xs])
        b, t = lm_tests(yt, Xt, None, Wblock=Wblock, T_W=T * T_W)
        r = pr["fixed_effects"][fe]
        close(b, list(r["coefficients"].values()), f"produc {fe} coef")
        check_tests(r["tests_explicit"], t, f"produc {fe} explicit")
        check_tests(r["tests_spdep"], t, f"produc {fe} spdep", spdep_p=True)

    if FAILS:
        print("\n".join(FAILS))
        print(f"{len(FAILS)} mismatches out of {N_CHECKS} values checked")
        return 1
    print(f"all {N_CHECKS} values agree (rtol {RTOL})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
