"""spatialinno diagnostics against R spdep 1.2.7 (tests/reference/diagnostics/reference.json).

Weights are rebuilt from the binary neighbour CSVs: style "W" = row-normalised, "B" = binary.
Statistics, moments and z-values must agree to 1e-8 (relative); p-values to 1e-8 relative, with
a tiny absolute floor where spdep's ``1 - pchisq()`` loses precision.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import spatialinno as si
from spatialinno.diagnostics import bivariate_moran, geary, getis_ord, lm_tests, local_getis_ord, local_moran, moran

REF_DIR = Path(__file__).resolve().parents[1] / "reference" / "diagnostics"
#: the neighbour lists are kept once, with the model references (columns: from, to)
NB_FILES = {"columbus": REF_DIR.parent / "crosssection" / "columbus_neighbors.csv",
            "boston": REF_DIR.parent / "crosssection" / "boston_neighbors.csv",
            "produc": REF_DIR.parent / "panel" / "produc_neighbors.csv"}
REF = json.loads((REF_DIR / "reference.json").read_text())
RTOL = 1e-8


def close(a, b, rtol=RTOL, atol=0.0):
    a, b = np.asarray(a, float), np.asarray(b, float)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


@cache
def data(ds: str) -> pd.DataFrame:
    return pd.read_csv(REF_DIR / f"{ds}_data.csv").set_index("id")


@cache
def weights(ds: str, style: str, ids: tuple | None = None) -> si.Weights:
    ids = pd.Index(ids if ids is not None else data(ds).index)
    e = pd.read_csv(NB_FILES[ds])
    m = sp.csr_matrix((np.ones(len(e)), (ids.get_indexer(e.iloc[:, 0]), ids.get_indexer(e.iloc[:, 1]))),
                      shape=(len(ids), len(ids)))
    return si.Weights.from_sparse(m, ids, normalization="row" if style == "W" else "none")


CASES = [("columbus", v, s) for v in ("CRIME", "HOVAL", "INC") for s in ("W", "B")] + \
        [("boston", v, s) for v in ("CMEDV", "logCMEDV") for s in ("W", "B")]
LOCAL_CASES = [("columbus", v, s) for v in ("CRIME", "HOVAL", "INC") for s in ("W", "B")] + \
              [("boston", v, "W") for v in ("CMEDV", "logCMEDV")]


@pytest.mark.parametrize("ds,var,style", CASES)
def test_global_moran(ds, var, style):
    r = REF[ds]["variables"][var]["moran"][style]
    res = moran(data(ds)[var], weights(ds, style), permutations=0)
    close(res.I, r["randomisation"]["I"])
    close(res.expected, r["randomisation"]["expectation"])
    close(res.variance_rand, r["randomisation"]["variance"])
    close(res.variance_norm, r["normality"]["variance"])
    close(res.z_rand, r["randomisation"]["z"])
    close(res.z_norm, r["normality"]["z"])
    close(res.p_rand, r["randomisation"]["p_value"], atol=1e-300)
    close(res.p_norm, r["normality"]["p_value"], atol=1e-300)
    assert res.n == len(data(ds))


@pytest.mark.parametrize("ds,var,style", CASES)
def test_geary(ds, var, style):
    r = REF[ds]["variables"][var]["geary"][style]
    res = geary(data(ds)[var], weights(ds, style), permutations=0)
    close(res.C, r["randomisation"]["C"])
    close(res.expected, 1.0)
    close(res.variance_rand, r["randomisation"]["variance"])
    close(res.variance_norm, r["normality"]["variance"])
    # spdep sign convention: z = (1 - C)/sd, positive = positive autocorrelation
    close(res.z_rand, r["randomisation"]["z"])
    close(res.z_norm, r["normality"]["z"])
    close(res.p_rand, r["randomisation"]["p_value"], atol=1e-300)
    close(res.p_norm, r["normality"]["p_value"], atol=1e-300)


@pytest.mark.parametrize("ds,var,style", CASES)
def test_global_getis_ord(ds, var, style):
    r = REF[ds]["variables"][var]["global_g"][style]
    res = getis_ord(data(ds)[var], weights(ds, style), permutations=0)
    close(res.G, r["G"])
    close(res.expected, r["expectation"])
    close(res.variance, r["variance"])
    close(res.z, r["z"])
    close(res.p_norm, r["p_value"], atol=1e-300)
    close(res.p_greater, r["p_value_greater"], atol=1e-300)


@pytest.mark.parametrize("ds,var,style", LOCAL_CASES)
@pytest.mark.parametrize("moments,key", [("total", "anselin1995"), ("conditional", "conditional")])
def test_local_moran(ds, var, style, moments, key):
    r = REF[ds]["variables"][var]["local_moran"][style][key]
    res = local_moran(data(ds)[var], weights(ds, style), permutations=0, moments=moments)
    assert list(res.index) == list(data(ds).index)
    for col in ("Ii", "E_Ii", "Var_Ii", "Z_Ii"):
        close(res[col], r[col], atol=1e-14)
    close(res["p_norm"], r["p_value"], atol=1e-14)


@pytest.mark.parametrize("ds,var,style", LOCAL_CASES)
@pytest.mark.parametrize("star", [False, True])
def test_local_getis_ord(ds, var, style, star):
    r = REF[ds]["variables"][var]["local_g_star" if star else "local_g"][style]
    res = local_getis_ord(data(ds)[var], weights(ds, style), star=star, permutations=0)
    for mine, theirs in (("G", "G"), ("E_G", "E_G"), ("V_G", "V_G"), ("Z_G", "z")):
        close(res[mine], r[theirs], atol=1e-14)
    close(res["p_norm"], r["p_value"], atol=1e-14)


@pytest.mark.parametrize("key", ["INC_CRIME", "CRIME_INC"])
def test_bivariate_moran(key):
    r = REF["columbus"]["bivariate_moran"]["W"][key]
    d = data("columbus")
    res = bivariate_moran(d[r["x"]], d[r["y"]], weights("columbus", "W"), permutations=0)
    close(res.I, r["I"])
    close(res.I, r["I_plain_R"])
    # the local values average to the global one
    loc = si.diagnostics.local_bivariate_moran(d[r["x"]], d[r["y"]], weights("columbus", "W"), permutations=0)
    close(loc["Ii"].mean(), r["I"])


def _check_tests(out, ref_tests, p_atol):
    names = {"LM_error": "RSerr", "LM_lag": "RSlag", "RLM_error": "adjRSerr", "RLM_lag": "adjRSlag", "SARMA": "SARMA"}
    assert list(out.index) == list(names)
    assert list(out.columns) == ["statistic", "df", "p_value"]
    for mine, theirs in names.items():
        close(out.loc[mine, "statistic"], ref_tests[theirs]["statistic"])
        assert out.loc[mine, "df"] == ref_tests[theirs]["df"]
        close(out.loc[mine, "p_value"], ref_tests[theirs]["p_value"], atol=p_atol)


@pytest.mark.parametrize("ds,style", [("columbus", "W"), ("columbus", "B"), ("boston", "W")])
def test_lm_tests_ols(ds, style):
    ols = REF[ds]["ols"]
    out = lm_tests(ols["formula_python"], data(ds), weights(ds, style))
    # spdep's p = 1 - pchisq(): accurate to ~1e-16 absolute only
    _check_tests(out, ols["tests"][style], p_atol=1e-14)
    close(list(out.attrs["coefficients"].values()), list(ols["coefficients"].values()))
    close(out.attrs["sigma2"], ols["sigma2_ml"])


def test_lm_tests_id_column_equals_index():
    d = data("columbus")
    a = lm_tests("CRIME ~ INC + HOVAL", d, weights("columbus", "W"))
    b = lm_tests("CRIME ~ INC + HOVAL", d.reset_index().sample(frac=1, random_state=1), weights("columbus", "W"),
                 id="id")
    pd.testing.assert_frame_equal(a, b, rtol=1e-12)


@pytest.mark.parametrize("fe", ["entity", "time", "twoway"])
def test_lm_tests_panel_produc(fe):
    pr = REF["produc"]
    d = pd.read_csv(REF_DIR / "produc_data.csv")
    w = weights("produc", "W", tuple(pr["states"]))
    # row order must not matter: shuffle the long panel
    d = d.sample(frac=1.0, random_state=7)
    out = lm_tests(pr["formula_python"], d, w, entity="state", time="year", fixed_effects=fe)
    r = pr["fixed_effects"][fe]
    _check_tests(out, r["tests_explicit"], p_atol=1e-300)  # explicit upper-tail p-values: relative 1e-8
    _check_tests(out, r["tests_spdep"], p_atol=1e-14)
    close(list(out.attrs["coefficients"].values()), list(r["coefficients"].values()))
    close(out.attrs["sigma2"], r["sigma2"])
    close(out.attrs["T_W"], pr["T"] * r["T_W"])
    close(out.attrs["J"], r["J"])
    assert (out.attrs["N"], out.attrs["T"], out.attrs["fixed_effects"]) == (48, 17, fe)
