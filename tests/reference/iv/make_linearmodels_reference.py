"""Reference values for spatialinno.iv from linearmodels 7 and statsmodels, on instrument matrices built here.

Run from the repository root: ``python tests/reference/iv/make_linearmodels_reference.py`` (~3 s, offline).
Writes ``linearmodels_reference.json``. The script builds W y, the spatial lags of the exogenous variables and
instruments (dense W, period by period) and the fixed-effect dummies itself and gives them to

- ``linearmodels.iv.IV2SLS`` (dummy-variable 2SLS on the stacked Produc panel: entity, time, two-way effects;
  ``cov_type="unadjusted", debiased=False``, i.e. sigma2 = e'e/(NT));
- ``statsmodels`` OLS F-tests of the excluded instruments (first stage), ``IV2SLS(...).sargan`` and
  ``IVGMM(weight_type="robust", iter_limit=2).j_stat`` (Hansen J), ``IV2SLS(cov_type="robust", debiased=False)``
  (White HC0) on Baltimore;
- ``linearmodels.system.IV3SLS`` (``method="gls", cov_type="unadjusted", debiased=False``) on Columbus with each
  equation's excluded instruments = all exogenous variables of the system and their first two spatial lags, and
  on the Produc panel with entity dummies in every equation.

Data: tests/reference/panel/produc_* (binary queen contiguity, row-normalised here) and the Columbus/Baltimore
files written by make_reference.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import linearmodels
import numpy as np
import pandas as pd
import statsmodels
import statsmodels.api as sm
from linearmodels.iv import IV2SLS, IVGMM
from linearmodels.system import IV3SLS

HERE = Path(__file__).parent
PANEL = HERE.parent / "panel"


def lags(M: np.ndarray, W: np.ndarray, T: int, q: int) -> list[np.ndarray]:
    """[W M, W^2 M, ...] period by period for an (N T, k) array stacked time-major."""
    N = W.shape[0]
    out, cur = [], M
    for _ in range(q):
        cur = np.vstack([W @ cur[t * N:(t + 1) * N] for t in range(T)])
        out.append(cur)
    return out


def dense_weights(ids, edges: pd.DataFrame) -> np.ndarray:
    pos = {v: i for i, v in enumerate(ids)}
    W = np.zeros((len(ids), len(ids)))
    for a, b in edges.itertuples(index=False):
        W[pos[a], pos[b]] = 1.0
    return W / W.sum(axis=1, keepdims=True)


def panel_cases() -> dict:
    data = pd.read_csv(PANEL / "produc_data.csv")
    ids = sorted(data.state.unique())
    W = dense_weights(ids, pd.read_csv(PANEL / "produc_neighbors.csv"))
    years = sorted(data.year.unique())
    st = data.set_index(["year", "state"]).loc[pd.MultiIndex.from_product([years, ids])]
    N, T = len(ids), len(years)
    y = np.log(st[["gsp"]].to_numpy())
    X = np.log(st[["pcap", "pc"]].to_numpy())
    E = np.log(st[["emp"]].to_numpy())
    Z = st[["unemp"]].to_numpy()
    Wy = lags(y, W, T, 1)[0]
    lx, lz = lags(X, W, T, 2), lags(Z, W, T, 2)
    H = np.hstack([Z, lx[0], lz[0], lx[1], lz[1]])
    ent = pd.get_dummies(st.index.get_level_values(1)).to_numpy(float)
    tim = pd.get_dummies(st.index.get_level_values(0)).to_numpy(float)
    out = {}
    for fe, D in (("entity", ent), ("time", tim), ("twoway", np.hstack([ent, tim[:, 1:]]))):
        fit = IV2SLS(y, np.hstack([X, D]), np.hstack([E, Wy]), H).fit(cov_type="unadjusted", debiased=False)
        keep = [0, 1, -2, -1]  # lpcap, lpc, lemp, W y
        out[fe] = {"names": ["lpcap", "lpc", "lemp", "rho"], "params": np.asarray(fit.params)[keep].tolist(),
                   "se_unadjusted_n": np.asarray(fit.std_errors)[keep].tolist(), "n": N * T,
                   "absorbed": D.shape[1], "ssr": float(fit.resids @ fit.resids),
                   "sargan_n": [float(fit.sargan.stat), int(fit.sargan.df)]}
    return out


def baltimore_cases() -> dict:
    data = pd.read_csv(HERE / "baltimore_data.csv")
    W = dense_weights(data["id"].to_numpy(), pd.read_csv(HERE / "baltimore_neighbors.csv"))
    y = data.PRICE.to_numpy()
    X = np.column_stack([np.ones(len(data)), data.NROOM])
    E = np.column_stack([data.AGE, W @ y])
    Zx = data[["SQFT", "LOTSZ"]].to_numpy()
    Hx = np.hstack([Zx] + lags(np.column_stack([data.NROOM, Zx]), W, 1, 2))
    H = np.hstack([X, Hx])
    first = {}
    for j, name in enumerate(["AGE", "rho"]):
        full, restricted = sm.OLS(E[:, j], H).fit(), sm.OLS(E[:, j], X).fit()
        F, p, df = full.compare_f_test(restricted)
        first[name] = {"partial_F": float(F), "p_value": float(p), "df_num": int(df),
                       "partial_R2": float(1 - full.ssr / restricted.ssr)}
    lm = IV2SLS(y, X, E, Hx).fit(cov_type="unadjusted", debiased=False)
    white = IV2SLS(y, X, E, Hx).fit(cov_type="robust", debiased=False)
    gmm = IVGMM(y, X, E, Hx, weight_type="robust").fit(cov_type="robust", iter_limit=2)
    return {"formula": "PRICE ~ NROOM + [AGE ~ SQFT + LOTSZ], model='sar', w_lags=2", "first_stage": first,
            "sargan": [float(lm.sargan.stat), int(lm.sargan.df), float(lm.sargan.pval)],
            "hansen_j": [float(gmm.j_stat.stat), int(gmm.j_stat.df), float(gmm.j_stat.pval)],
            "white_se": np.asarray(white.std_errors).tolist(), "names": ["Intercept", "NROOM", "AGE", "rho"]}


def system_case() -> dict:
    data = pd.read_csv(HERE / "columbus_data.csv")
    W = dense_weights(data["id"].to_numpy(), pd.read_csv(HERE / "columbus_neighbors.csv"))
    exo = np.column_stack([data.INC, data.DISCBD])
    lagged = np.hstack([W @ exo, W @ W @ exo])
    const = np.ones((len(data), 1))
    eqs = {
        "hoval": {"dependent": data[["HOVAL"]].to_numpy(), "exog": np.hstack([const, data[["INC"]].to_numpy()]),
                  "endog": np.column_stack([data.CRIME, W @ data.HOVAL]),
                  "instruments": np.column_stack([data.DISCBD, lagged])},
        "crime": {"dependent": data[["CRIME"]].to_numpy(), "exog": np.hstack([const, data[["DISCBD"]].to_numpy()]),
                  "endog": np.column_stack([data.HOVAL, W @ data.CRIME]),
                  "instruments": np.column_stack([data.INC, lagged])},
    }
    fit = IV3SLS(eqs).fit(method="gls", cov_type="unadjusted", debiased=False)
    return {"equations": {"hoval": "HOVAL ~ CRIME + INC", "crime": "CRIME ~ HOVAL + DISCBD"},
            "order": {"hoval": ["Intercept", "INC", "CRIME", "rho"], "crime": ["Intercept", "DISCBD", "HOVAL", "rho"]},
            "params": np.asarray(fit.params).tolist(), "se": np.asarray(fit.std_errors).tolist()}


def panel_system_case() -> dict:
    """Produc, entity effects as dummies in every equation; instruments [unemp, lpcap, W., W2.] of the system."""
    data = pd.read_csv(PANEL / "produc_data.csv")
    ids = sorted(data.state.unique())
    W = dense_weights(ids, pd.read_csv(PANEL / "produc_neighbors.csv"))
    years = sorted(data.year.unique())
    st = data.set_index(["year", "state"]).loc[pd.MultiIndex.from_product([years, ids])]
    T = len(years)
    lgsp, lemp = np.log(st.gsp.to_numpy()), np.log(st.emp.to_numpy())
    lpcap, unemp = np.log(st.pcap.to_numpy()), st.unemp.to_numpy()
    exo = np.column_stack([lpcap, unemp])
    lag1, lag2 = lags(exo, W, T, 2)
    D = pd.get_dummies(st.index.get_level_values(1)).to_numpy(float)
    wy = {k: lags(v[:, None], W, T, 1)[0] for k, v in (("a", lgsp), ("b", lemp))}
    eqs = {
        "a": {"dependent": lgsp[:, None], "exog": np.column_stack([lpcap, D]),
              "endog": np.column_stack([lemp, wy["a"]]), "instruments": np.column_stack([unemp, lag1, lag2])},
        "b": {"dependent": lemp[:, None], "exog": np.column_stack([unemp, D]),
              "endog": np.column_stack([lgsp, wy["b"]]), "instruments": np.column_stack([lpcap, lag1, lag2])},
    }
    fit = IV3SLS(eqs).fit(method="gls", cov_type="unadjusted", debiased=False)
    p, se = np.asarray(fit.params), np.asarray(fit.std_errors)
    k = 1 + D.shape[1] + 2
    keep = [0, k - 2, k - 1, k, 2 * k - 2, 2 * k - 1]  # exog, other outcome, W y of each equation
    return {"equations": {"a": "np.log(gsp) ~ np.log(emp) + np.log(pcap)", "b": "np.log(emp) ~ np.log(gsp) + unemp"},
            "order": {"a": ["np.log(pcap)", "np.log(emp)", "rho"], "b": ["unemp", "np.log(gsp)", "rho"]},
            "params": p[keep].tolist(), "se_unadjusted_n": se[keep].tolist(), "n": len(lgsp),
            "absorbed": D.shape[1]}


def main() -> None:
    out = {"meta": {"linearmodels": linearmodels.__version__, "statsmodels": statsmodels.__version__,
                    "numpy": np.__version__},
           "panel_sar": panel_cases(), "baltimore_sar": baltimore_cases(), "columbus_system": system_case(),
           "produc_system_entity": panel_system_case()}
    (HERE / "linearmodels_reference.json").write_text(json.dumps(out, indent=1))
    print("wrote", HERE / "linearmodels_reference.json")


if __name__ == "__main__":
    main()
