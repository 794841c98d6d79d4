"""``--endog VAR --instruments Z``: a GS2SLS SAR column next to the ML models with its first-stage table,
identical to calling ``si.gs2sls`` directly; bad IV options end as exit 2 with one stderr line before any
output."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import spatialinno as si
from spatialinno.cli.main import main

FAST = ["--time", "year", "--entity", "code", "--models", "sar", "--weights", "contiguity", "--no-decay",
        "--draws", "20", "--permutations", "19", "--quiet"]
FORMULA = "innov ~ agglom + pgdp + rd"


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("iv_inputs")
    si.datasets.load_provinces().to_file(d / "map.gpkg", driver="GPKG")
    si.datasets.load_demo_panel().to_csv(d / "panel.csv", index=False)
    return d


def _argv(files: Path, out: Path, *extra: str, formula: str = FORMULA) -> list[str]:
    return ["analyze", "--map", str(files / "map.gpkg"), "--data", str(files / "panel.csv"), "--formula", formula,
            *FAST, "--out", str(out), *extra]


def test_gs2sls_column_and_first_stage_equal_the_library(files, tmp_path, capsys):
    out = tmp_path / "iv"
    assert main(_argv(files, out, "--endog", "agglom", "--instruments", "hist_univ")) == 0, capsys.readouterr().err
    first = pd.read_csv(out / "tables" / "iv_first_stage.csv", index_col=0)
    panel = si.datasets.load_demo_panel()
    w = si.weights.contiguity(si.datasets.load_provinces(), id="code", islands="nearest")
    ref = si.gs2sls("innov ~ pgdp + rd + [agglom ~ hist_univ]", panel, w, model="sar", entity="code", time="year",
                    fixed_effects="twoway")
    np.testing.assert_allclose(first.loc["agglom", "partial_F"], ref.first_stage.loc["agglom", "partial_F"],
                               rtol=1e-10)
    table = pd.read_csv(out / "tables" / "models_main_weights.csv")
    assert "GS2SLS SAR | contiguity" in table.columns
    row = table[(table["term"] == "agglom") & (table["kind"] == "estimate")].iloc[0]
    assert row["GS2SLS SAR | contiguity"].startswith(f"{ref.params['agglom']:.3f}")
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "First stage of GS2SLS" in html and "hist_univ" in html


@pytest.mark.parametrize("extra, formula, expected", [
    (["--endog", "agglom"], FORMULA, "--endog and --instruments go together"),
    (["--instruments", "hist_univ"], FORMULA, "--endog and --instruments go together"),
    (["--endog", "coagg", "--instruments", "hist_univ"], FORMULA, "'coagg' is not a regressor"),
    (["--endog", "agglom", "--instruments", "nope"], FORMULA, "'nope'"),
    (["--endog", "agglom", "--instruments", "rd"], FORMULA, "must not be a regressor"),
    (["--endog", "agglom", "--instruments", "hist_univ"], "innov ~ np.log(agglom) + pgdp",
     "must be a plain term"),
])
def test_bad_iv_options_exit_2_with_one_line_and_no_output(files, tmp_path, capsys, extra, formula, expected):
    out = tmp_path / "never"
    rc = main(_argv(files, out, *extra, formula=formula))
    err = capsys.readouterr().err
    assert rc == 2
    assert len(err.strip().splitlines()) == 1 and expected in err, err
    assert not out.exists()
