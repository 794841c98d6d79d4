"""si.select_model: the Elhorst (2010, 2014) LM -> SDM -> LR/Wald choice on data whose generating model is known.

Seeds and alpha were fixed before the first run. N = 900 (30 x 30 rook lattice) and strong spatial
parameters make the wrong decision unlikely: under SAR or SEM the true restriction survives both the LR and
the Wald test with probability about 0.99 at alpha = 0.01 and the false one is rejected with power ~1;
under the SDM (theta far from 0 and from -rho beta) both reductions are rejected with power ~1.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from simulate import lattice

import spatialinno as si
from spatialinno.summary import Summary

SIDE = 30
BETA = np.array([1.0, -1.0])
ALPHA = 0.01


def _simulate(model: str, seed: int) -> tuple[pd.DataFrame, si.Weights]:
    """y = (I - rho W)^-1 (1 + X beta + W X theta + u), u = (I - lambda W)^-1 e, e ~ N(0, 1)."""
    w = lattice(SIDE)
    n = w.n
    W = w.sparse.toarray()
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    e = rng.normal(size=n)
    rho, lam, theta = {"SAR": (0.5, 0.0, np.zeros(2)), "SEM": (0.0, 0.5, np.zeros(2)),
                       "SDM": (0.4, 0.0, np.array([0.5, 0.5]))}[model]
    u = np.linalg.solve(np.eye(n) - lam * W, e)
    y = np.linalg.solve(np.eye(n) - rho * W, 1.0 + X @ BETA + W @ X @ theta + u)
    return pd.DataFrame({"id": w.ids, "y": y, "x1": X[:, 0], "x2": X[:, 1]}), w


@pytest.fixture(scope="module", params=[("SAR", 101), ("SEM", 202), ("SDM", 303)], ids=["SAR", "SEM", "SDM"])
def case(request):
    model, seed = request.param
    data, w = _simulate(model, seed)
    return model, data, w, si.select_model("y ~ x1 + x2", data, w, id="id", alpha=ALPHA)


def test_chooses_the_generating_model(case):
    model, _, _, choice = case
    assert choice.name == model, choice.steps
    assert choice.chosen is choice.fits[model.lower()]
    assert choice.rule == "tests"


def test_steps_equal_the_tests_computed_directly(case):
    _, data, w, choice = case
    sdm, sar, sem = (si.models.fit(m, "y ~ x1 + x2", data, w, id="id") for m in ("SDM", "SAR", "SEM"))
    lm = si.lm_tests("y ~ x1 + x2", data, w, id="id")
    expect = {"RLM lag": lm.loc["RLM_lag"], "RLM error": lm.loc["RLM_error"], "LR SDM vs SAR": sdm.lr_test(sar),
              "Wald theta = 0": sdm.wald_test("theta=0"), "LR SDM vs SEM": sdm.lr_test(sem),
              "Wald common factor": sdm.wald_test("common_factor")}
    steps = choice.steps
    for name, t in expect.items():
        assert steps.loc[name, "statistic"] == pytest.approx(float(t["statistic"]), rel=1e-10), name
        assert steps.loc[name, "p_value"] == pytest.approx(float(t["p_value"]), rel=1e-10, abs=1e-300), name
        assert steps.loc[name, "df"] == int(t["df"]), name
        verdict = "reject" if float(t["p_value"]) < ALPHA else "do not reject"
        assert steps.loc[name, "decision"].startswith(verdict), name
    for m, r in (("SAR", sar), ("SEM", sem), ("SDM", sdm)):
        assert steps.loc[f"AIC {m}", "statistic"] == pytest.approx(r.aic, rel=1e-10)
        assert steps.loc[f"AIC {m}", "statistic"] == pytest.approx(-2 * r.llf + 2 * len(r.params) + 2, rel=1e-10)
    assert list(steps.index) == list(expect) + ["AIC SAR", "AIC SEM", "AIC SDM"]


def test_the_decision_follows_the_tests(case):
    model, _, _, choice = case
    s = choice.steps["p_value"]
    if model == "SDM":
        assert (s[["LR SDM vs SAR", "Wald theta = 0", "LR SDM vs SEM", "Wald common factor"]] < ALPHA).all()
    elif model == "SAR":
        assert (s[["LR SDM vs SAR", "Wald theta = 0"]] >= ALPHA).all() and choice.lm_points_to == "lag"
    else:
        assert (s[["LR SDM vs SEM", "Wald common factor"]] >= ALPHA).all() and choice.lm_points_to == "error"


def test_given_fits_are_used_and_aic_decides_without_all_three(case):
    _, data, w, choice = case
    again = si.select_model("y ~ x1 + x2", data, w, id="id", alpha=ALPHA, fits=choice.fits)
    pd.testing.assert_frame_equal(again.steps, choice.steps)
    assert again.chosen is choice.chosen
    two = si.select_model("y ~ x1 + x2", data, w, id="id", alpha=ALPHA,
                          fits={"sar": choice.fits["sar"], "sem": choice.fits["sem"]})
    aic = {"sar": choice.fits["sar"].aic, "sem": choice.fits["sem"].aic}
    assert two.rule == "aic" and two.key == min(aic, key=aic.get)
    assert "LR SDM vs SAR" not in two.steps.index


def test_result_is_frozen_and_summarised(case):
    _, _, _, choice = case
    with pytest.raises(dataclasses.FrozenInstanceError):
        choice.key = "sar"
    s = choice.summary()
    assert isinstance(s, Summary) and choice.name in s.title
    assert choice.reason in str(s)


def test_bad_candidates():
    data, w = _simulate("SAR", 1)
    with pytest.raises(si.SpatialInnoError, match="unknown candidate"):
        si.select_model("y ~ x1 + x2", data, w, id="id", models=["sar", "spam"])
    with pytest.raises(si.SpatialInnoError, match="alpha"):
        si.select_model("y ~ x1 + x2", data, w, id="id", alpha=1.5)
