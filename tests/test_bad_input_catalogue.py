"""Catalogue of bad inputs across the public API: each raises a named error whose message names the offender.

Every row is (case id, call on the shared context, expected exception class, substrings the message must
contain). The substrings are the offending id, column, value or argument, so a message that only says
"invalid input" fails. Numpy scalars must print as plain numbers (never ``np.int64(...)``) and a list of
offenders is never empty (``only in econ: ;``).
"""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import spatialinno as si
from spatialinno.errors import (
    ComparisonError,
    DataError,
    GeometryError,
    IdError,
    IslandError,
    PanelError,
    ReadError,
    SpatialInnoError,
)

F = "innov ~ agglom + pgdp"
ESTIMATORS = ["ols", "slx", "sar", "sem", "sdm", "sdem", "sac"]


@pytest.fixture(scope="module")
def ctx(provinces, province_w):
    panel = si.datasets.load_demo_panel()
    year = int(panel["year"].max())
    xs = panel[panel["year"] == year].reset_index(drop=True)
    text = xs.copy()
    text["pgdp"] = text["pgdp"].astype(object)
    text.loc[[0, 1], "pgdp"] = ["n/a", "1,234"]
    ptext = panel.copy()
    ptext["pgdp"] = ptext["pgdp"].astype(object)
    ptext.loc[ptext["code"] == 110000, "pgdp"] = "n/a"
    const = xs.assign(innov=2.5)
    sar = si.sar(F, xs, province_w, id="code")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        knn = si.weights.knn(provinces, id="code", k=4)
    small = sp.csr_matrix(np.array([[0, 1, 1], [1, 0, 0], [1, 1, 0.0]]))
    return SimpleNamespace(
        gdf=provinces, w=province_w, knn=knn, panel=panel, xs=xs, text=text, ptext=ptext, const=const,
        year=year, sar=sar, small=small,
        y=xs.set_index("code")["innov"],
        fe=si.sar(F, panel, province_w, entity="code", time="year"),
        re=si.sar(F, panel, province_w, entity="code", time="year", fixed_effects="random"),
    )


def dense(values):
    return sp.csr_matrix(np.array(values, dtype=float))


def metres_as_degrees(c):
    return si.weights.knn(c.gdf.to_crs(3857).set_crs(4326, allow_override=True), id="code")


def mixed_periods(c):
    d = c.panel.copy()
    d["year"] = d["year"].astype(object)
    d.loc[d["year"] == c.year, "year"] = str(c.year)
    return d


def mixed_ids(c):
    d = c.xs.copy()
    d["code"] = d["code"].astype(object)
    d.loc[0, "code"] = "110000"
    return d


def perturbed(c):
    d = c.xs.copy()
    d.loc[d["code"] == 120000, "innov"] += 1.0
    return d


CASES = [
    # -- Weights constructors --------------------------------------------------------------------------------
    ("from_sparse negative", lambda c: si.Weights.from_sparse(dense([[0, 1, -1], [1, 0, 0], [1, 1, 0]]),
                                                              ["a", "b", "c"]), SpatialInnoError,
     ["negative", "('a', 'c')"]),
    ("from_sparse NaN", lambda c: si.Weights.from_sparse(dense([[0, 1, np.nan], [1, 0, 0], [1, 1, 0]]),
                                                         ["a", "b", "c"]), SpatialInnoError, ["NaN", "('a', 'c')"]),
    ("from_sparse inf", lambda c: si.Weights.from_sparse(dense([[0, 1, 0], [np.inf, 0, 0], [1, 1, 0]]),
                                                         [10, 20, 30]), SpatialInnoError, ["infinite", "(20, 10)"]),
    ("from_sparse self-link", lambda c: si.Weights.from_sparse(dense([[0, 1, 0], [1, 2, 0], [1, 1, 0]]),
                                                               ["a", "b", "c"]), SpatialInnoError,
     ["self-links", "'b'"]),
    ("Weights negative row row-normalised", lambda c: si.Weights(dense([[0, 1, -1], [1, 0, 0], [1, 1, 0]]),
                                                                 ["a", "b", "c"], normalization="row"),
     SpatialInnoError, ["negative", "('a', 'c')"]),
    ("Weights duplicated ids", lambda c: si.Weights(c.small, ["a", "b", "a"]), IdError, ["'a'"]),
    ("Weights shape", lambda c: si.Weights(c.small, ["a", "b"]), SpatialInnoError, ["(3, 3)", "2 ids"]),
    ("normalize unknown", lambda c: c.w.normalize("bogus"), SpatialInnoError, ["'bogus'"]),
    ("subset unknown id", lambda c: c.w.subset([110000, 999]), IdError, ["999"]),
    ("neighbors unknown id", lambda c: c.w.neighbors(999), IdError, ["999"]),
    # -- weights builders ------------------------------------------------------------------------------------
    ("inverse_distance power", lambda c: si.weights.inverse_distance(c.gdf, id="code", power=-1),
     SpatialInnoError, ["power", "-1"]),
    ("inverse_distance cutoff 0", lambda c: si.weights.inverse_distance(c.gdf, id="code", cutoff_km=0),
     SpatialInnoError, ["cutoff_km", "0"]),
    ("inverse_distance cutoff isolates all", lambda c: si.weights.inverse_distance(c.gdf, id="code", cutoff_km=1),
     IslandError, ["cutoff_km=1"]),
    ("distance_band inverted", lambda c: si.weights.distance_band(c.gdf, id="code", lower_km=500, upper_km=100),
     SpatialInnoError, ["lower_km", "500", "100"]),
    ("distance_band weight", lambda c: si.weights.distance_band(c.gdf, id="code", upper_km=900, weight="gauss"),
     SpatialInnoError, ["'gauss'"]),
    ("knn k=0", lambda c: si.weights.knn(c.gdf, id="code", k=0), SpatialInnoError, ["k must", "got 0"]),
    ("knn k=n", lambda c: si.weights.knn(c.gdf, id="code", k=31), SpatialInnoError, ["n = 31", "got 31"]),
    ("knn metres labelled EPSG:4326", metres_as_degrees, GeometryError, ["geographic", "outside [-180, 180]"]),
    ("inverse_distance metres labelled EPSG:4326",
     lambda c: si.weights.inverse_distance(c.gdf.to_crs(3857).set_crs(4326, allow_override=True), id="code"),
     GeometryError, ["WGS 84", "projected metres"]),
    ("contiguity no CRS", lambda c: si.weights.contiguity(c.gdf.set_crs(None, allow_override=True), id="code"),
     GeometryError, ["no CRS"]),
    ("contiguity id column", lambda c: si.weights.contiguity(c.gdf, id="province"), SpatialInnoError,
     ["'province'"]),
    ("economic_distance NaN", lambda c: si.weights.economic_distance(c.y.where(c.y.index != 120000)),
     SpatialInnoError, ["120000"]),
    ("nested phi", lambda c: si.weights.nested(c.w, c.w, phi=2), SpatialInnoError, ["phi", "2"]),
    ("nested ids", lambda c: si.weights.nested(c.w, c.w.subset(c.w.ids[:30])), IdError,
     ["1 ids only in geo", "650000"]),
    # -- global and local statistics -------------------------------------------------------------------------
    ("moran permutations -1", lambda c: si.moran(c.y, c.w, permutations=-1), SpatialInnoError, ["-1"]),
    ("moran seed text", lambda c: si.moran(c.y, c.w, seed="abc"), SpatialInnoError, ["seed", "'abc'"]),
    ("moran seed float", lambda c: si.moran(c.y, c.w, seed=1.5), SpatialInnoError, ["seed", "1.5"]),
    ("local_moran permutations 1.5", lambda c: si.local_moran(c.y, c.w, permutations=1.5), SpatialInnoError,
     ["permutations", "1.5"]),
    ("local_moran seed negative", lambda c: si.local_moran(c.y, c.w, seed=-3), SpatialInnoError, ["seed", "-3"]),
    ("geary seed text", lambda c: si.geary(c.y, c.w, seed="x"), SpatialInnoError, ["seed", "'x'"]),
    ("getis_ord permutations text", lambda c: si.getis_ord(c.y, c.w, permutations="many"), SpatialInnoError,
     ["'many'"]),
    ("bivariate_moran seed float", lambda c: si.bivariate_moran(c.y, c.y, c.w, seed=2.5), SpatialInnoError,
     ["seed", "2.5"]),
    ("moran missing id", lambda c: si.moran(c.y.drop(120000), c.w), IdError, ["120000"]),
    ("moran_by_period mixed periods", lambda c: si.moran_by_period(mixed_periods(c), "innov", c.w, "code", "year"),
     PanelError, ["'year'", "str", "int", "astype(int)"]),
    ("lm_tests constant outcome", lambda c: si.lm_tests(F, c.const, c.w, id="code"), DataError,
     ["'innov'", "constant"]),
    ("lm_tests text regressor", lambda c: si.lm_tests(F, c.text, c.w, id="code"), DataError,
     ["'pgdp'", "'n/a'", "'1,234'", "110000"]),
    ("lm_tests single period twoway", lambda c: si.lm_tests(F, c.panel[c.panel["year"] == c.year], c.w,
                                                            entity="code", time="year", fixed_effects="twoway"),
     PanelError, ["single period", "'year'"]),
    # -- estimators ------------------------------------------------------------------------------------------
    *[(f"{m} constant outcome", lambda c, m=m: getattr(si, m)(F, c.const, c.w, id="code"), DataError,
       ["'innov'", "constant", "2.5"]) for m in ESTIMATORS],
    *[(f"{m} text regressor", lambda c, m=m: getattr(si, m)(F, c.text, c.w, id="code"), DataError,
       ["'pgdp'", "'n/a'", "C(pgdp)", "110000"]) for m in ESTIMATORS],
    ("sdm twoway single period", lambda c: si.sdm(F, c.panel[c.panel["year"] == c.year], c.w, entity="code",
                                                  time="year", fixed_effects="twoway"),
     PanelError, ["single period", "twoway", "id='code'"]),
    ("sar time effects single period", lambda c: si.sar(F, c.panel[c.panel["year"] == c.year], c.w, entity="code",
                                                        time="year", fixed_effects="time"),
     PanelError, ["single period", "time"]),
    ("sar mixed periods", lambda c: si.sar(F, mixed_periods(c), c.w, entity="code", time="year"), PanelError,
     ["'year'", "str", "astype(int)"]),
    ("ols mixed ids", lambda c: si.ols(F, mixed_ids(c), c.w, id="code"), IdError, ["'code'", "'110000'", "int"]),
    ("sem text ids against int weights", lambda c: si.sem(F, c.xs.assign(code=c.xs["code"].astype(str)), c.w,
                                                          id="code"), IdError, ["'110000'", "astype(int)"]),
    ("sar outcome constant within entities", lambda c: si.sar(F, c.panel.assign(innov=c.panel["code"] / 1e5), c.w,
                                                              entity="code", time="year"),
     DataError, ["'innov'", "entity fixed effects"]),
    ("random effects constant outcome", lambda c: si.sar(F, c.panel.assign(innov=1.0), c.w, entity="code",
                                                         time="year", fixed_effects="random"),
     DataError, ["'innov'", "constant"]),
    ("sdm twoway text regressor", lambda c: si.sdm(F, c.ptext, c.w, entity="code", time="year",
                                                   fixed_effects="twoway"), DataError, ["'pgdp'", "'n/a'", "110000"]),
    ("text outcome", lambda c: si.sar(F, c.xs.assign(innov=c.xs["innov"].astype(str).where(c.xs.index > 0, "?")),
                                      c.w, id="code"), DataError, ["outcome", "'innov'", "'?'"]),
    ("gs2sls text regressor", lambda c: si.gs2sls(F, c.text, c.w, id="code"), DataError, ["'pgdp'", "'n/a'"]),
    ("gs2sls constant outcome", lambda c: si.gs2sls(F, c.const, c.w, id="code"), DataError, ["'innov'", "constant"]),
    ("dynamic_gmm lags 0", lambda c: si.dynamic_gmm(F, c.panel, entity="code", time="year", lags=0), DataError,
     ["lags=0"]),
    ("dynamic_gmm text regressor", lambda c: si.dynamic_gmm(F, c.ptext, entity="code", time="year"), DataError,
     ["'pgdp'"]),
    ("select_model alpha", lambda c: si.select_model(F, c.xs, c.w, id="code", alpha=1.5), SpatialInnoError,
     ["alpha", "1.5"]),
    # -- inference arguments ---------------------------------------------------------------------------------
    ("impacts draws 1", lambda c: c.sar.impacts(draws=1), SpatialInnoError, ["draws", ">= 2", "got 1"]),
    ("impacts draws 0", lambda c: c.sar.impacts(draws=0), SpatialInnoError, ["draws", "got 0"]),
    ("impacts draws negative", lambda c: c.sar.impacts(draws=-5), SpatialInnoError, ["draws", "-5"]),
    ("impacts draws float", lambda c: c.sar.impacts(draws=10.5), SpatialInnoError, ["draws", "10.5"]),
    ("impacts alpha 1.5", lambda c: c.sar.impacts(alpha=1.5), SpatialInnoError, ["alpha", "1.5"]),
    ("impacts alpha 0", lambda c: c.sar.impacts(alpha=0), SpatialInnoError, ["alpha", "got 0"]),
    ("impacts seed text", lambda c: c.sar.impacts(seed="x"), SpatialInnoError, ["seed", "'x'"]),
    ("impacts numpy seed shown plain", lambda c: c.sar.impacts(seed=np.int64(-130000)), SpatialInnoError,
     ["-130000"]),
    ("conf_int alpha 2", lambda c: c.sar.conf_int(alpha=2), SpatialInnoError, ["alpha", "got 2"]),
    ("conf_int alpha negative", lambda c: c.sar.conf_int(alpha=-0.1), SpatialInnoError, ["alpha", "-0.1"]),
    ("coef_table alpha 1", lambda c: c.sar.coef_table(alpha=1), SpatialInnoError, ["alpha", "got 1"]),
    ("compare effects draws 1", lambda c: si.compare([c.sar], effects=True, draws=1), SpatialInnoError,
     ["draws", "got 1"]),
    # -- tests between models --------------------------------------------------------------------------------
    ("lr_test different outcomes", lambda c: c.sar.lr_test(si.sdm("agglom ~ innov + pgdp", c.xs, c.w, id="code")),
     ComparisonError, ["'innov'", "'agglom'"]),
    ("lr_test different weights", lambda c: c.sar.lr_test(si.sdm(F, c.xs, c.knn, id="code")), ComparisonError,
     ["weights differ", "nearest"]),
    ("lr_test different outcome values", lambda c: c.sar.lr_test(si.sdm(F, perturbed(c), c.w, id="code")),
     ComparisonError, ["outcome values differ", "120000"]),
    ("lr_test different regions", lambda c: c.sar.lr_test(si.sdm(F, c.xs[c.xs["code"] != 650000],
                                                                 c.w.subset(c.w.ids[:30]), id="code")),
     ComparisonError, ["N=31", "N=30", "650000"]),
    ("lr_test not nested", lambda c: c.sar.lr_test(si.slx(F, c.xs, c.w, id="code")), ComparisonError,
     ["not nested", "'rho'", "SAR"]),
    ("lr_test fixed effects differ", lambda c: c.fe.lr_test(si.sdm(F, c.panel, c.w, entity="code", time="year",
                                                                   fixed_effects="twoway")),
     ComparisonError, ["'entity'", "'twoway'"]),
    ("lr_test panel against cross-section", lambda c: c.fe.lr_test(c.sar), ComparisonError, ["T=15", "T=1"]),
    ("wald_test unknown parameter", lambda c: c.sar.wald_test("bogus"), SpatialInnoError, ["'bogus'"]),
    ("hausman different outcomes", lambda c: si.hausman(c.fe, si.sar("agglom ~ innov + pgdp", c.panel, c.w,
                                                                       entity="code", time="year",
                                                                       fixed_effects="random")),
     ComparisonError, ["'innov'", "'agglom'"]),
    # -- distance decay --------------------------------------------------------------------------------------
    ("distance_decay draws 1", lambda c: si.distance_decay(F, c.xs, c.gdf, id="code", thresholds_km=[500],
                                                           draws=1), SpatialInnoError, ["draws", "got 1"]),
    ("distance_decay alpha", lambda c: si.distance_decay(F, c.xs, c.gdf, id="code", thresholds_km=[500],
                                                         alpha=1.5), SpatialInnoError, ["alpha", "1.5"]),
    ("distance_decay seed text", lambda c: si.distance_decay(F, c.xs, c.gdf, id="code", thresholds_km=[500],
                                                             seed="x"), SpatialInnoError, ["seed", "'x'"]),
    ("distance_decay no links anywhere", lambda c: si.distance_decay(F, c.xs, c.gdf, id="code", scheme="within",
                                                                     thresholds_km=[1, 5, 10]),
     IslandError, ["no threshold links", "within scheme", "10.0"]),
    ("distance_decay model", lambda c: si.distance_decay(F, c.xs, c.gdf, id="code", model="ols",
                                                         thresholds_km=[500]), SpatialInnoError, ["'ols'"]),
    # -- agglomeration, datasets, io -------------------------------------------------------------------------
    ("location_quotient negative", lambda c: si.agglomeration.location_quotient(
        pd.DataFrame({"r": [1, 1], "i": ["a", "b"], "v": [1, -2]}), "r", "i", "v"), DataError, ["'v'", "-2"]),
    ("location_quotient text", lambda c: si.agglomeration.location_quotient(
        pd.DataFrame({"r": [1, 1], "i": ["a", "b"], "v": [1, "x"]}), "r", "i", "v"), DataError, ["'v'", "'x'"]),
    ("coagglomeration ids", lambda c: si.agglomeration.coagglomeration(pd.Series([1.0, 2.0], index=[1, 2]),
                                                                        pd.Series([1.0], index=[1])),
     IdError, ["lq1 only: 2"]),
    ("harmonise_codes column", lambda c: si.datasets.harmonise_codes(pd.DataFrame({"c": [1], "y": [2000]}),
                                                                     "code", "y", 2020), DataError, ["'code'"]),
    ("read_table extension", lambda c: si.io.read_table("data.foo"), ReadError, ["'.foo'"]),
]


@pytest.mark.parametrize("call, error, parts", [pytest.param(*row[1:], id=row[0]) for row in CASES])
def test_bad_input_is_named(ctx, call, error, parts):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(error) as info:
            call(ctx)
    msg = str(info.value)
    for part in parts:
        assert part in msg, f"{part!r} not in: {msg}"
    assert "np.int64" not in msg and "np.float64" not in msg
    assert ": ;" not in msg and "[]" not in msg


def test_catalogue_is_large():
    assert len(CASES) >= 60


def test_preview_prints_plain_values():
    assert si.errors.preview([np.int64(130000), (np.int64(1), np.float64(2.5))]) == "130000, (1, 2.5)"
    assert si.errors.preview([]) == "(none)"


def test_cutoff_that_isolates_regions_warns_with_ids(provinces):
    with pytest.warns(si.errors.SpatialInnoWarning, match=r"22 of 31 regions without neighbours: 140000"):
        w = si.weights.inverse_distance(provinces, id="code", cutoff_km=300)
    assert len(w.islands) == 22


def test_band_that_isolates_regions_warns(provinces):
    with pytest.warns(si.errors.SpatialInnoWarning, match="650000"):
        si.weights.distance_band(provinces, id="code", upper_km=900)


def test_builders_without_islands_do_not_warn(provinces):
    with warnings.catch_warnings():
        warnings.simplefilter("error", si.errors.SpatialInnoWarning)
        si.weights.knn(provinces, id="code", k=3)
        si.weights.inverse_distance(provinces, id="code")
