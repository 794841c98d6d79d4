"""Reference predictions of spreg's ML_Lag and ML_Error on Columbus (run from the repository root).

    python tests/reference/predict/make_reference.py

Reads ``tests/reference/crosssection/columbus_{data,neighbors}.csv`` (spData::columbus, col.gal.nb),
row-standardises the contiguity weights, fits CRIME ~ INC + HOVAL by full ML (exact log-determinant) and
writes ``reference.json``: the estimates (betas, rho / lambda) and spreg's predictions

* ML_Lag: ``predy_e`` = (I - rho W)^-1 X b (reduced form), ``predy`` = y - u = rho W y + X b (naive);
* ML_Error: ``predy`` = X b (reduced form), ``y - e_filtered`` = X b + lambda W (y - X b) (naive).

Vectors are in the order of ``columbus_data.csv`` (column ``id``).
"""

import json
import pathlib

import libpysal
import numpy as np
import pandas as pd
import spreg

HERE = pathlib.Path(__file__).parent
SRC = HERE.parent / "crosssection"

data = pd.read_csv(SRC / "columbus_data.csv")
edges = pd.read_csv(SRC / "columbus_neighbors.csv")
ids = data["id"].tolist()
neighbors = {i: edges.loc[edges["from_id"] == i, "to_id"].tolist() for i in ids}
w = libpysal.weights.W(neighbors, id_order=ids)
w.transform = "r"
y = data[["CRIME"]].to_numpy(float)
x = data[["INC", "HOVAL"]].to_numpy(float)

lag = spreg.ML_Lag(y, x, w=w, method="full")
err = spreg.ML_Error(y, x, w=w, method="full")
out = {
    "meta": {"spreg": spreg.__version__, "libpysal": libpysal.__version__, "numpy": np.__version__,
             "formula": "CRIME ~ INC + HOVAL", "weights": "col.gal.nb, row-standardised", "method": "full"},
    "ids": ids,
    "sar": {"betas": lag.betas[:-1].ravel().tolist(), "rho": float(lag.rho),
            "predy_e": lag.predy_e.ravel().tolist(), "predy": lag.predy.ravel().tolist()},
    "sem": {"betas": err.betas[:-1].ravel().tolist(), "lambda": float(err.lam),
            "predy": err.predy.ravel().tolist(), "y_minus_e_filtered": (y - err.e_filtered).ravel().tolist()},
}
(HERE / "reference.json").write_text(json.dumps(out, indent=1) + "\n")
print("wrote", HERE / "reference.json", "rho", lag.rho, "lambda", err.lam)
