"""Shared loaders for the tests against tests/reference/diagnostics2 (plm, spdep, statsmodels, spreg)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

import spatialinno as si

ROOT = Path(__file__).resolve().parents[1] / "reference"
DATA = ROOT / "diagnostics"
REF2 = ROOT / "diagnostics2"
R_REF = json.loads((REF2 / "reference_r.json").read_text())
PY_REF = json.loads((REF2 / "reference_py.json").read_text())


def report(label: str, ours, ref) -> None:
    """Print the max abs / rel difference (the numbers quoted in the issue notes) and assert 1e-8."""
    a, b = np.atleast_1d(np.asarray(ours, float)), np.atleast_1d(np.asarray(ref, float))
    absd = np.abs(a - b)
    rel = absd / np.where(b != 0, np.abs(b), 1.0)
    print(f"{label}: max abs diff {absd.max():.3g}, max rel diff {rel.max():.3g}")
    np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-300)


@cache
def columbus() -> pd.DataFrame:
    return pd.read_csv(DATA / "columbus_data.csv").set_index("id")


@cache
def produc() -> pd.DataFrame:
    pr = pd.read_csv(DATA / "produc_data.csv")
    return pr.assign(lgsp=np.log(pr["gsp"]), lpcap=np.log(pr["pcap"]), lpc=np.log(pr["pc"]), lemp=np.log(pr["emp"]))


@cache
def weights(ds: str, style: str) -> si.Weights:
    ids = pd.Index(columbus().index if ds == "columbus" else sorted(produc()["state"].unique()))
    e = pd.read_csv(ROOT / ("panel" if ds == "produc" else "crosssection") / f"{ds}_neighbors.csv")
    e.columns = ["from_id", "to_id"]
    m = sp.csr_matrix((np.ones(len(e)), (ids.get_indexer(e["from_id"]), ids.get_indexer(e["to_id"]))),
                      shape=(len(ids), len(ids)))
    return si.Weights.from_sparse(m, ids, normalization="row" if style == "W" else "none")


def plm_resid(name: str) -> pd.Series:
    return pd.read_csv(REF2 / f"plm_resid_{name}.csv").set_index(["state", "year"])["resid"]
