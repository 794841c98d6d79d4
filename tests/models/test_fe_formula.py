"""Fixed effects in the formula (``y ~ x | code + year``) give results identical to the keyword form, in the
estimators, LM tests, GS2SLS and the CLI; conflicting keywords raise."""

from __future__ import annotations

import pandas as pd
import pytest

import spatialinno as si
from spatialinno.cli.main import main
from spatialinno.errors import SpatialInnoError
from spatialinno.models.fe_formula import split_fixed_effects


@pytest.fixture(scope="module")
def setup():
    w = si.weights.contiguity(si.datasets.load_provinces(), id="code", islands="nearest")
    return si.datasets.load_demo_panel(), w


def test_split_respects_brackets():
    assert split_fixed_effects("y ~ x + [d ~ z] | a + b") == ("y ~ x + [d ~ z]", ["a", "b"])
    assert split_fixed_effects("y ~ x") == ("y ~ x", [])
    with pytest.raises(SpatialInnoError, match="one or two column names"):
        split_fixed_effects("y ~ x | a + b + c")


@pytest.mark.parametrize("fe_part, kwargs, fixed_effects", [
    ("code + year", {}, "twoway"),
    ("code", {"time": "year"}, "entity"),
    ("year", {"entity": "code"}, "time"),
])
def test_sdm_identical_to_keyword_form(setup, fe_part, kwargs, fixed_effects):
    panel, w = setup
    a = si.sdm(f"innov ~ agglom + pgdp | {fe_part}", panel, w, **kwargs)
    b = si.sdm("innov ~ agglom + pgdp", panel, w, entity="code", time="year", fixed_effects=fixed_effects)
    pd.testing.assert_series_equal(a.params, b.params, check_exact=True)
    pd.testing.assert_series_equal(a.bse, b.bse, check_exact=True)
    assert a.fixed_effects == fixed_effects


def test_lm_tests_and_gs2sls_identical(setup):
    panel, w = setup
    pd.testing.assert_frame_equal(si.lm_tests("innov ~ agglom + pgdp | code + year", panel, w),
                                  si.lm_tests("innov ~ agglom + pgdp", panel, w, entity="code", time="year",
                                              fixed_effects="twoway"))
    a = si.gs2sls("innov ~ pgdp + [agglom ~ hist_univ] | code + year", panel, w)
    b = si.gs2sls("innov ~ pgdp + [agglom ~ hist_univ]", panel, w, entity="code", time="year",
                  fixed_effects="twoway")
    pd.testing.assert_series_equal(a.params, b.params, check_exact=True)


def test_conflicts_raise(setup):
    panel, w = setup
    with pytest.raises(SpatialInnoError, match="implies fixed_effects='twoway'"):
        si.sdm("innov ~ agglom | code + year", panel, w, fixed_effects="entity")
    with pytest.raises(SpatialInnoError, match="names 'code' as the entity"):
        si.sdm("innov ~ agglom | code + year", panel, w, entity="region")
    with pytest.raises(SpatialInnoError, match="pass time="):
        si.sdm("innov ~ agglom | code", panel, w)


def test_cli_formula_with_fixed_effects(setup, tmp_path, capsys):
    panel, _ = setup
    si.datasets.load_provinces().to_file(tmp_path / "map.gpkg", driver="GPKG")
    panel.to_csv(tmp_path / "panel.csv", index=False)
    common = ["--map", str(tmp_path / "map.gpkg"), "--data", str(tmp_path / "panel.csv"), "--models", "sar",
              "--weights", "contiguity", "--no-decay", "--draws", "20", "--permutations", "19", "--quiet"]
    assert main(["analyze", "--formula", "innov ~ agglom + pgdp | code + year", *common,
                 "--out", str(tmp_path / "a")]) == 0, capsys.readouterr().err
    assert main(["analyze", "--formula", "innov ~ agglom + pgdp", "--entity", "code", "--time", "year",
                 "--fixed-effects", "twoway", *common, "--out", str(tmp_path / "b")]) == 0
    a = (tmp_path / "a" / "tables" / "models_main_weights.csv").read_text(encoding="utf-8")
    b = (tmp_path / "b" / "tables" / "models_main_weights.csv").read_text(encoding="utf-8")
    assert a == b
