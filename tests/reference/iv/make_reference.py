"""Reference values for spatialinno.iv from spreg (cross-section GS2SLS / GM estimators).

Run from the repository root: ``python tests/reference/iv/make_reference.py`` (~5 s, offline).
Writes ``columbus_data.csv``/``columbus_neighbors.csv`` (libpysal's Columbus, rook contiguity from ``columbus.shp`` as
in spreg's test suite),
``baltimore_data.csv``/``baltimore_neighbors.csv`` (libpysal's Baltimore house prices, k=4 nearest neighbours on
the X/Y coordinates: a non-symmetric W) and ``spreg_reference.json``.

spreg conventions recorded here (spreg 1.9): W row-standardised; instruments H = [1, X, Q, WX, WQ, ..., W^q X, W^q Q]
(``w_lags=q``, the constant never lagged, ``lag_q=True``); for ``slx_lags=1`` without endogenous regressors the
instruments are W^2 X .. W^(1+q) X; sigma2 = e'e/n (no small-sample correction); the KP (1998/1999) lambda has no
standard error (spreg prints none); the heteroskedastic estimators (Arraiz et al. 2010) use ``max_iter=1``,
``step1c=False``; ``GM_Error_Het`` (no endogenous regressors) omits the a1/a2 terms of Psi. spreg's heteroskedastic
estimators clamp the *last* coefficient to [-0.9, 0.9] whatever it is (meant for rho): the Baltimore cases with an
endogenous regressor hit that clamp on AGE and are therefore not used as references.
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

import libpysal
import numpy as np
import pandas as pd
import scipy
import scipy.optimize as op
import spreg

HERE = Path(__file__).parent


def load(name: str):
    db = libpysal.io.open(libpysal.examples.get_path(name))
    return pd.DataFrame({c: np.asarray(db.by_col(c), dtype=float) for c in db.header})


def edges(w: libpysal.weights.W, shift: int = 0) -> pd.DataFrame:
    return pd.DataFrame([(i + shift, j + shift) for i in w.id_order for j in w.neighbors[i]],
                        columns=["from_id", "to_id"])


def record(reg, names: list[str], lam: bool) -> dict:
    betas = np.asarray(reg.betas, dtype=float).ravel()
    vm = np.asarray(reg.vm, dtype=float)
    se = np.sqrt(np.diag(vm))
    out = {"names": names, "betas": betas.tolist(), "se": se.tolist(), "vm": vm.tolist()}
    out["sig2"] = float(np.asarray(reg.sig2).ravel()[0]) if hasattr(reg, "sig2") else None
    if lam and len(se) < len(betas):
        out["se"] = se.tolist() + [None]
    ak = getattr(reg, "ak_test", None)
    if ak is not None:
        out["ak_test"] = [float(ak[0]), float(ak[1])]  # statistic, p-value
    return out


def columbus_cases() -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    df = load("columbus.dbf")
    # the weights of spreg's own test suite (test_twosls_sp.py): rook contiguity from the shapefile, ids 0..48 in
    # dbf order; written with ids 1..49
    w = libpysal.weights.Rook.from_shapefile(libpysal.examples.get_path("columbus.shp"))
    w.transform = "r"
    assert list(w.id_order) == list(range(len(df))), "columbus.shp order differs from the dbf order"
    ids = [i + 1 for i in w.id_order]
    data = df[["POLYID", "HOVAL", "INC", "CRIME", "DISCBD"]].assign(id=ids)
    y = df[["HOVAL"]].to_numpy()
    X = df[["INC", "CRIME"]].to_numpy()
    x1 = df[["INC"]].to_numpy()
    yend = df[["CRIME"]].to_numpy()
    q = df[["DISCBD"]].to_numpy()
    ex = ["CONSTANT", "INC", "CRIME"]
    en = ["CONSTANT", "INC", "CRIME"]  # spreg puts endogenous after exogenous: same order here
    cases = {
        "lag_exog": record(spreg.GM_Lag(y, X, w=w, w_lags=2, spat_diag=True), ex + ["W_HOVAL"], False),
        "lag_endog": record(spreg.GM_Lag(y, x1, yend=yend, q=q, w=w, w_lags=2, spat_diag=True),
                            en + ["W_HOVAL"], False),
        "sdm_exog": record(spreg.GM_Lag(y, X, w=w, w_lags=2, slx_lags=1), ex + ["W_INC", "W_CRIME", "W_HOVAL"], False),
        "error_exog": record(spreg.GM_Error(y, X, w=w), ex + ["lambda"], True),
        "error_endog": record(spreg.GM_Endog_Error(y, x1, yend=yend, q=q, w=w), en + ["lambda"], True),
        "error_het_exog": record(spreg.GM_Error_Het(y, X, w=w), ex + ["lambda"], False),
        "error_het_endog": record(spreg.GM_Endog_Error_Het(y, x1, yend=yend, q=q, w=w), en + ["lambda"], False),
        "combo_exog": record(spreg.GM_Combo(y, X, w=w, w_lags=2), ex + ["W_HOVAL", "lambda"], True),
        "combo_endog": record(spreg.GM_Combo(y, x1, yend=yend, q=q, w=w, w_lags=2), en + ["W_HOVAL", "lambda"], True),
        "combo_het_exog": record(spreg.GM_Combo_Het(y, X, w=w, w_lags=2), ex + ["W_HOVAL", "lambda"], False),
        "combo_het_endog": record(spreg.GM_Combo_Het(y, x1, yend=yend, q=q, w=w, w_lags=2),
                                  en + ["W_HOVAL", "lambda"], False),
    }
    return data, edges(w, 1), cases


def baltimore_cases() -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    df = load("baltim.dbf")
    w = libpysal.weights.KNN.from_array(df[["X", "Y"]].to_numpy(), k=4, ids=list(range(1, len(df) + 1)))
    w.transform = "r"
    data = df[["STATION", "PRICE", "NROOM", "AGE", "SQFT", "LOTSZ"]].assign(id=list(range(1, len(df) + 1)))
    y = df[["PRICE"]].to_numpy()
    X = df[["NROOM", "AGE"]].to_numpy()
    x1 = df[["NROOM"]].to_numpy()
    yend = df[["AGE"]].to_numpy()
    q = df[["SQFT", "LOTSZ"]].to_numpy()  # two excluded instruments: over-identified
    ex = ["CONSTANT", "NROOM", "AGE"]
    cases = {
        "lag_exog": record(spreg.GM_Lag(y, X, w=w, w_lags=2, spat_diag=True), ex + ["W_PRICE"], False),
        "lag_endog": record(spreg.GM_Lag(y, x1, yend=yend, q=q, w=w, w_lags=2, spat_diag=True),
                            ex + ["W_PRICE"], False),
        "error_exog": record(spreg.GM_Error(y, X, w=w), ex + ["lambda"], True),
        "error_het_exog": record(spreg.GM_Error_Het(y, X, w=w), ex + ["lambda"], False),
        "combo_exog": record(spreg.GM_Combo(y, X, w=w, w_lags=2), ex + ["W_PRICE", "lambda"], True),
        "combo_het_exog": record(spreg.GM_Combo_Het(y, X, w=w, w_lags=2), ex + ["W_PRICE", "lambda"], False),
    }
    return data, edges(w), cases


@contextlib.contextmanager
def converged_lbfgs():
    """spreg solves the GM moments for lambda with ``scipy.optimize.fmin_l_bfgs_b`` at its default tolerances
    (factr=1e7, pgtol=1e-5, numerical gradient), which stops up to ~1e-5 away from the minimum. Inside this context
    the same call runs to convergence (factr=10, pgtol=1e-12): spreg's estimator, solved exactly."""
    original = op.fmin_l_bfgs_b

    def tight(func, x0, **kw):
        kw.update(factr=10.0, pgtol=1e-12, maxfun=100000, maxiter=100000)
        return original(func, x0, **kw)

    op.fmin_l_bfgs_b = tight
    try:
        yield
    finally:
        op.fmin_l_bfgs_b = original


def main() -> None:
    out = {"meta": {"spreg": spreg.__version__, "libpysal": libpysal.__version__, "numpy": np.__version__,
                    "scipy": scipy.__version__, "python": sys.version.split()[0],
                    "note": "<dataset>: spreg at its default optimiser tolerances; <dataset>_converged: the same "
                            "calls with the lambda optimiser run to convergence (see converged_lbfgs)"}}
    for name, fn in (("columbus", columbus_cases), ("baltimore", baltimore_cases)):
        data, nb, cases = fn()
        data.to_csv(HERE / f"{name}_data.csv", index=False)
        nb.to_csv(HERE / f"{name}_neighbors.csv", index=False)
        out[name] = cases
        with converged_lbfgs():
            out[f"{name}_converged"] = fn()[2]
    (HERE / "spreg_reference.json").write_text(json.dumps(out, indent=1))
    print("wrote", HERE / "spreg_reference.json")


if __name__ == "__main__":
    main()
