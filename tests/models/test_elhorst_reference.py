"""bias_correction="elhorst" against a dense re-implementation of Elhorst's MATLAB sar_panel_FE (bc=1).

The reference (tests/reference/elhorst/make_reference.py, which does not import spatialinno) transcribes
Elhorst's algorithm: within transformation after forming W y and W x, the concentrated likelihood with the
exact log-determinant, his Lee-Yu corrections (sigma2 scaled for entity and time effects; for two-way effects
p + (xpx/NT)^-1 (0, 1/(1 - rho), 1/(2 sigma2)) / N, then sigma2 T/(T-1)) and his information matrix xpx on
the demeaned data. Produc (48 US states x 17 years) and the bundled demo panel (31 provinces x 15 years),
SAR and SDM, entity, time and two-way effects: coefficients, rho, sigma2 and standard errors to 1e-6.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import spatialinno as si

from ..conftest import weights_from_edges

REF = Path(__file__).resolve().parents[1] / "reference" / "elhorst"
FORMULAS = {"produc": "np.log(gsp) ~ np.log(pcap) + np.log(pc) + np.log(emp) + unemp",
            "demo": "innov ~ agglom + coagg + pgdp + open + infr + educ + rd"}
EST = {"SAR": si.sar, "SDM": si.sdm}


@pytest.fixture(scope="module")
def elhorst_ref():
    return json.loads((REF / "reference.json").read_text())


@pytest.fixture(scope="module")
def datasets(produc):
    panel = si.datasets.load_demo_panel()
    w_demo = weights_from_edges(sorted(panel["code"].unique()), pd.read_csv(REF / "demo_neighbors.csv"))
    return {"produc": (produc[0], produc[1], "state", "year"), "demo": (panel, w_demo, "code", "year")}


def max_abs_diff(res, r) -> float:
    diffs = [abs(res.params[k] - v) for k, v in r["coefficients"].items()]
    diffs += [abs(res.bse[k] - v) for k, v in r["std_errors"].items()]
    diffs += [abs(res.params["rho"] - r["rho"]), abs(res.bse["rho"] - r["rho_se"]), abs(res.sigma2 - r["sigma2"])]
    return max(diffs)


@pytest.mark.parametrize("fe", ["entity", "time", "twoway"])
@pytest.mark.parametrize("model", ["SAR", "SDM"])
@pytest.mark.parametrize("dataset", ["produc", "demo"])
def test_elhorst_matches_his_algorithm(elhorst_ref, datasets, dataset, model, fe):
    data, w, entity, time = datasets[dataset]
    r = elhorst_ref[dataset][fe][model]
    res = EST[model](FORMULAS[dataset], data, w, entity=entity, time=time, fixed_effects=fe,
                     bias_correction="elhorst")
    assert res.bias_correction == "elhorst"
    for name, value in r["coefficients"].items():
        assert abs(res.params[name] - value) < 1e-6, (name, res.params[name], value)
    for name, value in r["std_errors"].items():
        assert abs(res.bse[name] - value) < 1e-6, (name, res.bse[name], value)
    assert abs(res.params["rho"] - r["rho"]) < 1e-6
    assert abs(res.bse["rho"] - r["rho_se"]) < 1e-6
    assert abs(res.sigma2 - r["sigma2"]) / r["sigma2"] < 1e-6
    assert abs(res.sigma2_se - r["sigma2_se"]) / r["sigma2_se"] < 1e-6
    assert abs(res.llf - r["loglik"]) < 1e-6
    print(f"{dataset} {fe} {model}: rho ours {res.params['rho']:.8f} ref {r['rho']:.8f}; "
          f"max abs diff {max_abs_diff(res, r):.2e}")


def test_none_keeps_the_dummy_model_information(produc, elhorst_ref):
    """'none' keeps the exact LSDV information; Elhorst's xpx differs from it with two-way effects."""
    data, w = produc
    none = si.sar(FORMULAS["produc"], data, w, entity="state", time="year", fixed_effects="twoway",
                  bias_correction="none")
    r = elhorst_ref["produc"]["twoway"]["SAR"]["uncorrected"]
    assert abs(none.params["rho"] - r["rho"]) < 1e-6
    assert abs(none.bse["rho"] - 0.026956) < 5e-7     # R spatialreg on explicit dummies (tests/reference/panel)
