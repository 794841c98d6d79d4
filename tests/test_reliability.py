"""Reliability behaviours beyond the bad-input catalogue: what a degenerate answer now says or refuses."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import spatialinno as si
from spatialinno.decay import TABLE_COLUMNS, DecayResult
from spatialinno.errors import ComparisonError, SpatialInnoError
from spatialinno.weights.validation import fingerprint

F = "innov ~ agglom + pgdp"


def decay_with_intervals(bounds: list[tuple[float, float]]) -> DecayResult:
    """A decay result whose indirect effect of x has the given (ci_lower, ci_upper) at 100, 200, ... km."""
    rows = []
    for k, (lo, hi) in enumerate(bounds):
        t = 100.0 * (k + 1)
        for e in ("direct", "indirect", "total"):
            est = np.nan if np.isnan(lo) else (lo + hi) / 2
            rows.append([t, t, t + 100, "x", e, est, 0.1, 0.5, lo, hi, 10, 0, 0.3, np.nan, -1.0, ""])
    return DecayResult(table=pd.DataFrame(rows, columns=TABLE_COLUMNS), results={}, weights={}, islands={}, seeds={},
                       scheme="band", model="SDM", formula="y ~ x", band_width_km=None, alpha=0.05, draws=100)


@pytest.mark.parametrize("bounds, boundary, reason", [
    ([(0.1, 0.5), (0.2, 0.6), (-0.1, 0.3)], 300.0, "significant from 100 km and no longer at 300 km"),
    ([(-0.1, 0.2), (0.1, 0.4), (0.05, 0.3)], None, "reaches beyond the range examined"),
    ([(-0.1, 0.2), (-0.3, 0.4)], None, "no fitted threshold has a significant indirect effect of x at alpha=0.05"),
    ([(np.nan, np.nan), (np.nan, np.nan)], None, "no threshold was fitted"),
])
def test_boundary_reason_says_why(bounds, boundary, reason):
    res = decay_with_intervals(bounds)
    assert res.boundary("x") == boundary
    assert reason in res.boundary_reason("x")


def test_boundary_reason_checks_alpha():
    with pytest.raises(SpatialInnoError, match="alpha"):
        decay_with_intervals([(0.1, 0.2)]).boundary_reason("x", alpha=2)


def test_decay_with_links_at_some_thresholds_still_records_empty_ones(provinces):
    xs = si.datasets.load_demo_panel().query("year == 2015")
    with warnings.catch_warnings():
        warnings.simplefilter("error", si.errors.SpatialInnoWarning)  # islands are recorded, not warned
        res = si.distance_decay(F, xs, provinces, id="code", model="slx", scheme="within", thresholds_km=[5, 900],
                                draws=50)
    t = res.table.set_index("threshold")
    assert (t.loc[5.0, "n_links"] == 0).all() and t.loc[5.0, "estimate"].isna().all()
    assert "no pair of regions" in t.loc[5.0, "note"].iloc[0]
    assert t.loc[900.0, "estimate"].notna().all()


def test_lr_test_accepts_nested_fits_of_the_same_data(provinces, province_w):
    xs = si.datasets.load_demo_panel().query("year == 2015")
    sdm, sem, sar, ols = (getattr(si, m)(F, xs, province_w, id="code") for m in ("sdm", "sem", "sar", "ols"))
    for small in (sem, sar, ols):
        out = sdm.lr_test(small)
        assert out["df"] >= 1 and out["statistic"] >= -1e-8
    knn = si.weights.knn(provinces, id="code", k=4)
    assert sar.lr_test(si.ols(F, xs, knn, id="code"))["df"] == 1  # OLS ignores W: a W difference is harmless


def test_lr_test_names_every_difference(province_w):
    xs = si.datasets.load_demo_panel().query("year == 2015")
    a = si.sar(F, xs, province_w, id="code")
    b = si.sdm("agglom ~ innov + pgdp", xs, province_w.normalize("spectral"), id="code")
    with pytest.raises(ComparisonError) as info:
        a.lr_test(b)
    assert "outcome 'innov' vs 'agglom'" in str(info.value) and "weights differ" in str(info.value)


def test_fingerprint_is_memoised_and_tracks_values(province_w):
    assert fingerprint(province_w) == fingerprint(si.Weights(province_w.raw, province_w.ids))
    assert fingerprint(province_w) != fingerprint(province_w.normalize("spectral"))
    assert province_w.memo("fingerprint", lambda: "recomputed") == fingerprint(province_w)


def test_weights_error_lists_first_pairs_and_count():
    m = sp.csr_matrix(-np.ones((12, 12)) + np.eye(12))
    with pytest.raises(SpatialInnoError, match=r"132 negative values at \(row id, column id\) \(0, 1\), \(0, 2\)"):
        si.Weights.from_sparse(m, range(12))


def test_text_numbers_without_bad_values_are_named():
    xs = si.datasets.load_demo_panel().query("year == 2015").copy()
    xs["pgdp"] = xs["pgdp"].astype(str)
    w = si.weights.contiguity(si.datasets.load_provinces(), id="code", islands="nearest")
    with pytest.raises(si.errors.DataError, match=r"'pgdp' holds numbers stored as (str|object).*pd.to_numeric"):
        si.sar(F, xs, w, id="code")


def test_categorical_wrapped_in_C_is_allowed(province_w):
    xs = si.datasets.load_demo_panel().query("year == 2015")
    res = si.ols("innov ~ agglom + C(region)", xs, province_w, id="code")
    assert any(name.startswith("C(region)") for name in res.params.index)


def test_nearly_constant_outcome_is_refused_at_any_scale(province_w):
    xs = si.datasets.load_demo_panel().query("year == 2015")
    for level in (1e-6, 1.0, 1e9):
        noisy = xs.assign(innov=level * (1 + 1e-14 * np.arange(len(xs))))
        with pytest.raises(si.errors.DataError, match="constant"):
            si.sar(F, noisy, province_w, id="code")
    ok = xs.assign(innov=1e-9 * xs["innov"])  # a tiny but varying outcome is fine
    assert np.isfinite(si.sar(F, ok, province_w, id="code").rho)
