"""Hausman contrast against R plm's phtest (its own matrices), the generalised-inverse branch against a dense
pseudo-inverse, and the Mundlak test against a dense random-effects ML computation written here."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import optimize, stats

import spatialinno as si
from spatialinno.models.hausman import HausmanError, hausman_contrast

REF = json.loads((Path(__file__).parents[1] / "reference" / "hausman" / "reference.json").read_text())
FORMULA = "np.log(gsp) ~ np.log(pcap) + np.log(pc) + np.log(emp) + unemp"


def plm_matrices(name: str):
    r = REF[name]
    return (np.array(r["coef_fe"]), np.array(r["coef_re"]), np.array(r["vcov_fe"]), np.array(r["vcov_re"]))


def dense_positive_pinv_statistic(d: np.ndarray, D: np.ndarray, rtol: float = 1e-6) -> tuple[float, int]:
    """d' pinv(D_+) d with D_+ = D with its non-positive (relative to rtol) eigenvalues set to zero."""
    lam, Q = np.linalg.eigh(D)
    lam_pos = np.where(lam > rtol * lam.max(), lam, 0.0)
    D_plus = Q @ np.diag(lam_pos) @ Q.T
    return float(d @ np.linalg.pinv(D_plus, rcond=1e-12, hermitian=True) @ d), int((lam_pos > 0).sum())


def test_contrast_equals_plm_phtest_when_positive_definite():
    bf, br, vf, vr = plm_matrices("grunfeld")
    assert np.linalg.eigvalsh(vf - vr).min() > 0
    out = hausman_contrast(bf, br, vf, vr)
    ref = REF["grunfeld"]["phtest"]
    print("grunfeld phtest", ref["statistic"], "ours", out["statistic"], "diff", out["statistic"] - ref["statistic"])
    assert abs(out["statistic"] - ref["statistic"]) < 1e-8 * ref["statistic"]
    assert out["df"] == ref["df"] and out["method"] == "contrast" and out["dropped"] == 0
    assert abs(out["p_value"] - ref["p_value"]) < 1e-8


def test_generalised_inverse_on_plm_produc_matrices():
    """plm's own Produc matrices: V_FE - V_RE has a (tiny) negative eigenvalue; plm's solve() keeps it, we drop it."""
    bf, br, vf, vr = plm_matrices("produc")
    D = vf - vr
    assert np.linalg.eigvalsh(D).min() < 0
    out = hausman_contrast(bf, br, vf, vr)
    dense, rank = dense_positive_pinv_statistic(bf - br, D)
    print("produc generalised inverse", out["statistic"], "dense", dense, "plm solve()", REF["produc"]["phtest"])
    assert out["df"] == rank == 3 and out["dropped"] == 1
    assert abs(out["statistic"] - dense) < 1e-8 * dense
    assert out["p_value"] == pytest.approx(stats.chi2.sf(dense, 3), rel=1e-8)
    assert "generalised inverse" in out["method"] and "not positive definite" in out["note"]
    # the classical statistic with all four directions is plm's (it inverts D through the negative eigenvalue)
    d = bf - br
    assert abs(d @ np.linalg.solve(D, d) - REF["produc"]["phtest"]["statistic"]) < 1e-6


def test_generalised_inverse_with_a_clearly_negative_direction():
    """Grunfeld's plm matrices with V_RE inflated along one eigenvector of D: D gets a large negative eigenvalue,
    the classical d' D^-1 d would be negative."""
    bf, br, vf, vr = plm_matrices("grunfeld")
    lam, Q = np.linalg.eigh(vf - vr)
    q = Q[:, 1]
    vr2 = vr + 3 * lam[1] * np.outer(q, q)
    D = vf - vr2
    d = bf - br
    assert np.linalg.eigvalsh(D).min() < -lam[1]
    out = hausman_contrast(bf, br, vf, vr2)
    dense, rank = dense_positive_pinv_statistic(d, D)
    print("constructed negative direction", out["statistic"], "dense", dense, "classical", d @ np.linalg.solve(D, d))
    assert out["df"] == rank == 1
    assert abs(out["statistic"] - dense) < 1e-8 * dense and out["statistic"] >= 0


def test_not_identified_raises():
    V = np.eye(3)
    with pytest.raises(HausmanError, match="no positive eigenvalue.*mundlak"):
        hausman_contrast(np.zeros(3), np.ones(3), V, 2 * V, ["a", "b", "c"])


def test_spatial_hausman_is_never_negative(produc):
    """The demo-like SDM FE-vs-RE contrast: statistic and df from the positive-eigenvalue subspace of the fits'
    own matrices (dense pseudo-inverse here), never a p-value from a negative statistic."""
    data, w = produc
    fe = si.sdm(FORMULA, data, w, entity="state", time="year", fixed_effects="entity", bias_correction="none")
    re = si.sdm(FORMULA, data, w, entity="state", time="year", fixed_effects="random")
    h = si.hausman(fe, re)
    common = h["coefficients"]
    assert "Intercept" not in common and "rho" in common and len(common) == 9
    d = (fe.params[common] - re.params[common]).to_numpy()
    D = (fe.cov_params().loc[common, common] - re.cov_params().loc[common, common]).to_numpy()
    classical = d @ np.linalg.solve(D, d)
    dense, rank = dense_positive_pinv_statistic(d, D)
    print("SDM FE vs RE: classical", classical, "generalised", h["statistic"], "df", h["df"])
    assert h["statistic"] >= 0 and h["df"] == rank < 9
    assert abs(h["statistic"] - dense) < 1e-8 * dense
    assert h["p_value"] == pytest.approx(stats.chi2.sf(dense, rank), rel=1e-8)
    assert not h["V_diff_positive_definite"] and h["dropped"] == 9 - rank


def dense_mundlak(data, entity: str, time: str) -> tuple[float, np.ndarray]:
    """Mundlak Wald statistic from a hand-written non-spatial random-effects ML fit (quasi-demeaning)."""
    data = data.sort_values([entity, time])
    y = np.log(data["gsp"].to_numpy())
    X = np.column_stack([np.log(data["pcap"]), np.log(data["pc"]), np.log(data["emp"]), data["unemp"]])
    g = data[entity].to_numpy()
    codes, inv = np.unique(g, return_inverse=True)
    T = len(data) // len(codes)
    means = np.zeros((len(codes), X.shape[1]))
    np.add.at(means, inv, X)
    means /= T
    Z = np.column_stack([np.ones(len(y)), X, means[inv]])
    n, N = len(y), len(codes)

    def fit(logphi: float):
        theta = 1 - 1 / np.sqrt(1 + T * np.exp(logphi))

        def qd(v):
            m = np.zeros((N,) + v.shape[1:])
            np.add.at(m, inv, v)
            return v - theta * (m / T)[inv]
        ys, Zs = qd(y), qd(Z)
        b = np.linalg.lstsq(Zs, ys, rcond=None)[0]
        e = ys - Zs @ b
        s2 = e @ e / n
        ll = -n / 2 * (np.log(2 * np.pi * s2) + 1) - N / 2 * np.log(1 + T * np.exp(logphi))
        return ll, b, s2 * np.linalg.inv(Zs.T @ Zs)

    best = optimize.minimize_scalar(lambda v: -fit(v)[0], bounds=(-10, 10), method="bounded",
                                    options={"xatol": 1e-12})
    _, b, V = fit(best.x)
    c = b[5:]
    return float(c @ np.linalg.solve(V[5:, 5:], c)), c


def test_mundlak_ols_against_dense_random_effects(produc):
    data, w = produc
    m = si.mundlak_test(FORMULA, data, w, entity="state", time="year", model="OLS")
    dense, coef = dense_mundlak(data, "state", "year")
    ours = m["results"].params[m["coefficients"]].to_numpy()
    print("Mundlak OLS", m["statistic"], "dense", dense, "rel diff", m["statistic"] / dense - 1, "coef max abs diff",
          np.abs(ours - coef).max(), "plm aux (Swamy-Arora variance components)", REF["produc"]["aux"]["statistic"])
    assert m["df"] == 4 and m["method"] == "mundlak"
    assert m["coefficients"] == ["mean(np.log(pcap))", "mean(np.log(pc))", "mean(np.log(emp))", "mean(unemp)"]
    assert np.abs(ours - coef).max() < 1e-7
    # the package's random-effects covariance is a numerical Hessian (matched to R's numDeriv at 1e-3 in
    # test_panel_extra); against the analytic s2 (Z*'Z*)^-1 its standard errors differ by up to ~1e-3 relative
    assert abs(m["statistic"] / dense - 1) < 1e-4
    assert m["p_value"] == pytest.approx(stats.chi2.sf(m["statistic"], 4))


def test_mundlak_sdm_tests_means_and_their_lags(produc):
    data, w = produc
    before = data.copy()
    m = si.mundlak_test(FORMULA, data, w, entity="state", time="year", model="SDM")
    assert data.equals(before)
    assert m["df"] == 8 and sum(c.startswith("W_mean(") for c in m["coefficients"]) == 4
    res = m["results"]
    assert res.fixed_effects == "random" and res.model == "SDM"
    c = res.params[m["coefficients"]].to_numpy()
    V = res.cov_params().loc[m["coefficients"], m["coefficients"]].to_numpy()
    assert abs(m["statistic"] - c @ np.linalg.solve(V, c)) < 1e-8 * m["statistic"]
    assert m["statistic"] > 0 and "cluster-robust" in m["note"]


def test_mundlak_sem(produc):
    data, w = produc
    m = si.mundlak_test(FORMULA, data, w, entity="state", time="year", model="SEM")
    res = m["results"]
    assert res.model == "SEM" and m["df"] == 4 and m["statistic"] > 0
    c = res.params[m["coefficients"]].to_numpy()
    V = res.cov_params().loc[m["coefficients"], m["coefficients"]].to_numpy()
    assert abs(m["statistic"] - c @ np.linalg.solve(V, c)) < 1e-8 * m["statistic"]
