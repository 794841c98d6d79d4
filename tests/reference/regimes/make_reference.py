"""Reference values for ``regimes=`` from spreg's ``ML_Lag_Regimes`` (Baltimore house prices, CITCOU regimes).

Run from the repository root: ``python tests/reference/regimes/make_reference.py`` (~10 s, offline; spreg 1.9 and
libpysal with its bundled ``baltim`` example). Writes

- ``baltimore_data.csv``: libpysal's ``baltim.dbf`` columns used here, ids ``STATION``;
- ``baltimore_queen.csv``: ``baltim_q.gal`` (queen contiguity), the weights of spreg's own test
  (``spreg/tests/test_ml_lag_regimes.py``);
- ``baltimore_knn4.csv``: k = 4 nearest neighbours on the X/Y coordinates (a non-symmetric W);
- ``reference.json``: for each case, spreg's coefficients, covariance, standard errors and Chow tests with a
  common rho (``regime_lag_sep=False``) and with a rho per regime (``regime_lag_sep=True``: each regime estimated
  on its own, W restricted to the regime and row-standardised again).

Cases: ``spreg_test`` is spreg's test-suite specification (PRICE ~ NROOM + AGE + SQFT, queen W); ``knn4`` the
larger specification PRICE ~ NROOM + NBATH + PATIO + FIREPL + AC + GAR + AGE + LOTSZ + SQFT with the k-nearest W.
Both use ``method="full"`` and ``constant_regi="many"`` (an intercept per regime). spreg orders its coefficients
regime by regime (``0_CONSTANT, 0_NROOM, ..., 1_CONSTANT, ...``) and names the common rho ``_Global_W_PRICE``;
this script stores them under spatialinno's names (``NROOM[0]``, ``Intercept[1]``, ``rho``, ``rho[0]``).
"""

from __future__ import annotations

import json
from pathlib import Path

import libpysal
import numpy as np
import pandas as pd
import spreg
from spreg.ml_lag_regimes import ML_Lag_Regimes

HERE = Path(__file__).parent
CASES = {
    "spreg_test": (["NROOM", "AGE", "SQFT"], "queen"),
    "knn4": (["NROOM", "NBATH", "PATIO", "FIREPL", "AC", "GAR", "AGE", "LOTSZ", "SQFT"], "knn4"),
}


def load() -> pd.DataFrame:
    db = libpysal.io.open(libpysal.examples.get_path("baltim.dbf"))
    df = pd.DataFrame({c: np.asarray(db.by_col(c)) for c in db.header})
    db.close()
    df["STATION"] = df["STATION"].astype(int)
    df["CITCOU"] = df["CITCOU"].astype(int)
    return df


def weights(df: pd.DataFrame) -> dict[str, libpysal.weights.W]:
    gal = libpysal.io.open(libpysal.examples.get_path("baltim_q.gal"))
    queen = gal.read()
    gal.close()
    queen.transform = "r"
    knn = libpysal.weights.KNN.from_array(df[["X", "Y"]].to_numpy(dtype=float), k=4)
    knn.transform = "r"
    return {"queen": queen, "knn4": knn}


def edges(w: libpysal.weights.W, ids: list[int]) -> pd.DataFrame:
    """Links as (from_id, to_id) station ids; ``ids[i]`` is the station of row i of the dbf."""
    lookup = {key: ids[pos] for pos, key in enumerate(w.id_order)}
    return pd.DataFrame([(lookup[i], lookup[j]) for i in w.id_order for j in w.neighbors[i]],
                        columns=["from_id", "to_id"])


def rename(spreg_name: str) -> str:
    regime, _, var = spreg_name.partition("_")
    if spreg_name.startswith("_Global_W_"):
        return "rho"
    if var.startswith("W_"):
        return f"rho[{regime}]"
    return f"{'Intercept' if var == 'CONSTANT' else var}[{regime}]"


def record(reg) -> dict:
    """Coefficients, covariance and Chow tests; ``chow_rows`` names the rows of ``chow_regi`` (spreg's order)."""
    names = [rename(n) for n in reg.name_x]
    betas = np.asarray(reg.betas, dtype=float).ravel()
    vm = np.asarray(reg.vm, dtype=float)
    regi = np.asarray(reg.chow.regi, dtype=float)
    return {"names": names, "betas": betas.tolist(), "se": np.sqrt(np.diag(vm)).tolist(), "vm": vm.tolist(),
            "chow_regi": regi.tolist(), "chow_joint": [float(reg.chow.joint[0]), float(reg.chow.joint[1])],
            "chow_rows": [n.removesuffix("[0]") for n in names if n.endswith("[0]")],
            "llf": float(np.asarray(reg.logll).ravel()[0]) if hasattr(reg, "logll") else None}


def main() -> None:
    df = load()
    ws = weights(df)
    ids = df["STATION"].tolist()
    cols = sorted({c for xs, _ in CASES.values() for c in xs} | {"PRICE", "CITCOU", "X", "Y"})
    df[["STATION"] + cols].to_csv(HERE / "baltimore_data.csv", index=False)
    for name, w in ws.items():
        edges(w, ids).to_csv(HERE / f"baltimore_{name}.csv", index=False)
    y = df[["PRICE"]].to_numpy(dtype=float)
    regimes = df["CITCOU"].astype(int).tolist()
    out: dict = {"spreg_version": spreg.__version__, "libpysal_version": libpysal.__version__}
    for case, (xs, wname) in CASES.items():
        x = df[xs].to_numpy(dtype=float)
        out[case] = {"x": xs, "w": wname}
        for key, sep in (("common", False), ("separate", True)):
            reg = ML_Lag_Regimes(y, x, regimes, w=ws[wname], method="full", name_y="PRICE", name_x=xs,
                                 name_regimes="CITCOU", regime_lag_sep=sep, spat_impacts=None, spat_diag=False)
            out[case][key] = record(reg)
            print(case, key, "Chow joint", out[case][key]["chow_joint"])
    (HERE / "reference.json").write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
