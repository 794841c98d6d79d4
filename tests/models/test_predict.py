"""``res.predict``: reduced form and naive predictor against spreg (Columbus) and a dense panel formula.

Reference values: tests/reference/predict/ (make_reference.py, spreg ML_Lag / ML_Error, exact log-determinant).
"""

import json

import numpy as np
import pandas as pd
import pytest

import spatialinno as si
from spatialinno.models.prediction import signal_values

from ..conftest import REF

FORMULA = "CRIME ~ INC + HOVAL"


@pytest.fixture(scope="module")
def ref():
    return json.loads((REF / "predict" / "reference.json").read_text())


@pytest.fixture(scope="module")
def fits(columbus):
    data, w = columbus
    return si.sar(FORMULA, data, w, id="id"), si.sem(FORMULA, data, w, id="id")


def _X(data):
    return np.column_stack([np.ones(len(data)), data["INC"], data["HOVAL"]])


def test_formula_at_spreg_estimates_equals_spreg(columbus, ref):
    """At spreg's own estimates our prediction formulas reproduce spreg's vectors to 1e-8."""
    data, w = columbus
    assert data["id"].tolist() == ref["ids"] == list(w.ids)
    X, y = _X(data), data["CRIME"].to_numpy()
    sar, sem = ref["sar"], ref["sem"]
    b = np.array(sar["betas"])
    red = signal_values(X, y, w.sparse, b, sar["rho"], 0.0, "reduced")
    naive = signal_values(X, y, w.sparse, b, sar["rho"], 0.0, "naive")
    print("SAR at spreg estimates: max |reduced - predy_e|", np.abs(red - sar["predy_e"]).max(),
          "max |naive - predy|", np.abs(naive - sar["predy"]).max())
    np.testing.assert_allclose(red, sar["predy_e"], rtol=0, atol=1e-8)
    np.testing.assert_allclose(naive, sar["predy"], rtol=0, atol=1e-8)
    b = np.array(sem["betas"])
    red = signal_values(X, y, w.sparse, b, 0.0, sem["lambda"], "reduced")
    naive = signal_values(X, y, w.sparse, b, 0.0, sem["lambda"], "naive")
    print("SEM at spreg estimates: max |reduced - predy|", np.abs(red - sem["predy"]).max(),
          "max |naive - (y - e_filtered)|", np.abs(naive - sem["y_minus_e_filtered"]).max())
    np.testing.assert_allclose(red, sem["predy"], rtol=0, atol=1e-8)
    np.testing.assert_allclose(naive, sem["y_minus_e_filtered"], rtol=0, atol=1e-8)


def test_fitted_models_agree_with_spreg(fits, ref):
    """Our own estimates differ from spreg's by the optimisers' tolerance only, and so do the predictions."""
    sar, sem = fits
    ids = ref["ids"]
    for res, key, pairs in [(sar, "sar", [("reduced", "predy_e"), ("naive", "predy")]),
                            (sem, "sem", [("reduced", "predy"), ("naive", "y_minus_e_filtered")])]:
        for kind, col in pairs:
            got = res.predict(kind=kind).reindex(ids).to_numpy()
            diff = np.abs(got - np.array(ref[key][col])).max()
            print(f"{key} fitted {kind} vs spreg {col}: max abs diff {diff:.3g}")
            assert diff < 1e-5


def test_naive_in_sample_is_outcome_minus_innovations(fits, columbus):
    data, _ = columbus
    y = data.set_index("id")["CRIME"]
    for res in fits:
        np.testing.assert_allclose(res.predict(kind="naive"), (y - res.resid).reindex(res.resid.index), atol=1e-10)


@pytest.mark.parametrize("model", ["ols", "slx", "sar", "sem", "sdm", "sdem", "sac"])
def test_naive_is_outcome_minus_residuals_for_every_model(columbus, model):
    """y - naive prediction = the innovations e the estimator reports, for each spatial structure."""
    data, w = columbus
    res = getattr(si, model)(FORMULA, data, w, id="id")
    y = data.set_index("id")["CRIME"]
    np.testing.assert_allclose((y - res.predict(kind="naive")).reindex(res.resid.index), res.resid, atol=1e-9)
    if model in ("ols", "slx", "sem", "sdem"):  # no rho: the reduced form is X b (+ W X theta)
        np.testing.assert_allclose(res.predict(), res.model_matrix() @ res.params[res.model_matrix().columns],
                                   atol=1e-10)


def test_newdata_aligned_by_id_not_position(fits, columbus):
    data, _ = columbus
    sar = fits[0]
    shuffled = data.sample(frac=1.0, random_state=3).drop(columns="CRIME")
    got = sar.predict(shuffled, id="id")
    assert got.index.equals(shuffled.index)
    insample = sar.predict()
    np.testing.assert_allclose(got.to_numpy(), insample.reindex(shuffled["id"]).to_numpy(), atol=1e-12)
    assert (data["CRIME"] == columbus[0]["CRIME"]).all()  # caller's data untouched


def test_newdata_change_spreads_through_reduced_form(fits, columbus):
    data, w = columbus
    sar = fits[0]
    new = data.copy()
    new.loc[new["id"] == 5, "INC"] += 1.0
    delta = (sar.predict(new, id="id") - sar.predict(data, id="id")).to_numpy()
    e = np.zeros(w.n)
    e[list(w.ids).index(5)] = 1.0
    S = np.linalg.inv(np.eye(w.n) - sar.rho * w.sparse.toarray()) * sar.params["INC"]
    np.testing.assert_allclose(delta, S @ e, atol=1e-10)


def test_bad_newdata(fits, columbus):
    data, _ = columbus
    sar = fits[0]
    with pytest.raises(si.SpatialInnoError, match="kind must be one of"):
        sar.predict(kind="bp")
    with pytest.raises(si.SpatialInnoError, match="CRIME"):
        sar.predict(data.drop(columns="CRIME"), kind="naive", id="id")
    with pytest.raises(si.SpatialInnoError):
        sar.predict(data[data["id"] != 7], id="id")
    with pytest.raises(si.SpatialInnoError, match="HOVAL"):
        sar.predict(data.drop(columns="HOVAL"), id="id")


@pytest.fixture(scope="module")
def panel_fit(produc):
    data, w = produc
    data = data[data["year"] <= 1976].assign(lgsp=lambda f: np.log(f["gsp"]), lpcap=lambda f: np.log(f["pcap"]),
                                             lemp=lambda f: np.log(f["emp"]))
    res = si.sdm("lgsp ~ lpcap + lemp", data, w, entity="state", time="year", fixed_effects="twoway",
                 bias_correction="none")
    return data, w, res


def _dense_panel(data, w, res, kind):
    """Textbook formula: fixed effects recovered from r = y - rho W y - X b (Elhorst 2014, 3.2), dense inverse."""
    d = data.set_index(["year", "state"]).sort_index()
    years = d.index.get_level_values(0).unique()
    ids = list(w.ids)
    W = w.sparse.toarray()
    N = len(ids)
    Y = np.stack([d.loc[t].reindex(ids)["lgsp"].to_numpy() for t in years])
    Xs = [np.stack([d.loc[t].reindex(ids)[c].to_numpy() for t in years]) for c in ("lpcap", "lemp")]
    b = res.params
    rho = b["rho"]
    XB = sum(b[c] * X + b[f"W_{c}"] * (X @ W.T) for c, X in zip(("lpcap", "lemp"), Xs))
    R = Y - rho * Y @ W.T - XB
    alpha = R.mean()
    fe = alpha + (R.mean(axis=0) - alpha)[None, :] + (R.mean(axis=1) - alpha)[:, None]
    S = XB + fe
    if kind == "reduced":
        out = np.linalg.solve(np.eye(N) - rho * W, S.T).T
    else:
        out = rho * Y @ W.T + S
    return pd.Series(out.ravel(), index=pd.MultiIndex.from_product([years, ids])).swaplevel().sort_index()


@pytest.mark.parametrize("kind", ["reduced", "naive"])
def test_panel_against_dense_formula(panel_fit, kind):
    data, w, res = panel_fit
    want = _dense_panel(data, w, res, kind)
    got = res.predict(kind=kind)
    got.index = got.index.set_names([None, None])
    got = got.sort_index()
    print(f"panel SDM twoway {kind}: max abs diff vs dense", np.abs(got.to_numpy() - want.to_numpy()).max())
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), atol=1e-8)
    shuffled = data.sample(frac=1.0, random_state=5)
    new = res.predict(shuffled, kind=kind, entity="state", time="year")
    keys = list(zip(shuffled["state"], shuffled["year"]))
    np.testing.assert_allclose(new.to_numpy(), want.reindex(keys).to_numpy(), atol=1e-8)


def test_panel_unknown_period_refused(panel_fit):
    data, w, res = panel_fit
    late = data.assign(year=data["year"] + 100)
    with pytest.raises(si.SpatialInnoError, match="time effects"):
        res.predict(late, entity="state", time="year")
