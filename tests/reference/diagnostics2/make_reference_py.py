"""Python reference values for si.vif (statsmodels) and si.moran_residuals (spreg MoranRes).

Run from the repository root:  python tests/reference/diagnostics2/make_reference_py.py
Writes tests/reference/diagnostics2/reference_py.json. Uses only numpy/pandas, statsmodels and spreg/libpysal
on the CSVs of tests/reference/diagnostics/ (no spatialinno code). Designs are built by hand here, not by
formulaic, so the formula handling of si.vif is checked too.
"""

from __future__ import annotations

import json
from pathlib import Path

import libpysal
import numpy as np
import pandas as pd
import spreg
import statsmodels
import statsmodels.api as sm
from statsmodels.stats.outliers_influence import variance_inflation_factor

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "diagnostics"


def vif_table(X: pd.DataFrame) -> dict:
    """statsmodels' VIF of every non-constant column, with the constant in exog (centred auxiliary R2)."""
    exog = sm.add_constant(X, prepend=True, has_constant="raise")
    return {c: float(variance_inflation_factor(exog.to_numpy(), j)) for j, c in enumerate(exog.columns) if c != "const"}


def pysal_w(ds: str, ids: pd.Index, style: str) -> libpysal.weights.W:
    e = pd.read_csv(HERE.parent / ("panel" if ds == "produc" else "crosssection") / f"{ds}_neighbors.csv")
    e.columns = ["from_id", "to_id"]
    neigh = {i: sorted(e.loc[e.from_id == i, "to_id"].tolist()) for i in ids}
    w = libpysal.weights.W(neigh, id_order=list(ids), silence_warnings=True)
    w.transform = "r" if style == "W" else "b"
    return w


def moran_res(y: np.ndarray, X: np.ndarray, w) -> dict:
    m = spreg.OLS(y[:, None], X, w=w, spat_diag=True, moran=True)
    mr = spreg.diagnostics_sp.MoranRes(m, w, z=True)
    return {"I": float(mr.I), "expected": float(mr.eI), "variance": float(mr.vI), "z": float(mr.zI),
            "p_value": float(mr.p_norm), "ols_moran_res": [float(v) for v in m.moran_res]}


def main() -> None:
    co = pd.read_csv(SRC / "columbus_data.csv").set_index("id")
    bo = pd.read_csv(SRC / "boston_data.csv").set_index("id")
    out: dict = {"meta": {"statsmodels": statsmodels.__version__, "spreg": spreg.__version__,
                          "libpysal": libpysal.__version__, "numpy": np.__version__}, "vif": {}, "moran_res": {}}
    c = co.assign(INC2=co["INC"] ** 2)
    out["vif"]["columbus"] = {"formula": "CRIME ~ INC + HOVAL + X + Y + I(INC**2)",
                              "values": vif_table(c[["INC", "HOVAL", "X", "Y", "INC2"]].rename(
                                  columns={"INC2": "I(INC ** 2)"}))}
    bcols = ["CRIM", "ZN", "INDUS", "CHAS", "NOX", "RM", "AGE", "DIS", "RAD", "TAX", "PTRATIO", "B", "LSTAT"]
    out["vif"]["boston"] = {"formula": "logCMEDV ~ " + " + ".join(bcols), "values": vif_table(bo[bcols])}
    y = co["CRIME"].to_numpy()
    X = co[["INC", "HOVAL"]].to_numpy()
    for style in ("W", "B"):
        out["moran_res"][f"columbus_ols_{style}"] = moran_res(y, X, pysal_w("columbus", co.index, style))
    w = pysal_w("columbus", co.index, "W")
    out["moran_res"]["columbus_slx_W"] = moran_res(y, np.column_stack([X, w.sparse @ X]), w)
    (HERE / "reference_py.json").write_text(json.dumps(out, indent=2) + "\n")
    print("written", HERE / "reference_py.json")


if __name__ == "__main__":
    main()
