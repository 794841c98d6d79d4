"""``--dynamic``: the dynamic SDM with short- and long-run effects in the report, identical to the library;
too few periods end as exit 2 with one line before any output."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import spatialinno as si
from spatialinno.cli.main import main

FAST = ["--time", "year", "--entity", "code", "--models", "sar", "--weights", "contiguity", "--no-decay",
        "--draws", "200", "--permutations", "19", "--quiet", "--formula", "innov ~ agglom + pgdp"]


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("dyn_inputs")
    si.datasets.load_provinces().to_file(d / "map.gpkg", driver="GPKG")
    panel = si.datasets.load_demo_panel()
    panel.to_csv(d / "panel.csv", index=False)
    panel[panel["year"] <= panel["year"].min() + 1].to_csv(d / "two_years.csv", index=False)
    return d


def test_dynamic_tables_equal_the_library(files, tmp_path, capsys):
    out = tmp_path / "dyn"
    argv = ["analyze", "--map", str(files / "map.gpkg"), "--data", str(files / "panel.csv"), *FAST, "--dynamic",
            "--out", str(out)]
    assert main(argv) == 0, capsys.readouterr().err
    params = pd.read_csv(out / "tables" / "dynamic_params.csv", index_col=0)
    w = si.weights.contiguity(si.datasets.load_provinces(), id="code", islands="nearest")
    ref = si.sdm("innov ~ agglom + pgdp", si.datasets.load_demo_panel(), w, entity="code", time="year",
                 fixed_effects="twoway", dynamic="both")
    np.testing.assert_allclose(params["estimate"], ref.params[["tau", "eta", "rho"]], rtol=1e-10)
    eff = pd.read_csv(out / "tables" / "dynamic_effects.csv", index_col=[0, 1])
    for h in ("short", "long"):
        exact = ref.impacts(horizon=h, method="exact").loc["agglom", "estimate"]
        np.testing.assert_allclose(eff.loc[h, "estimate"].reindex(exact.index), exact, rtol=1e-10)
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Short- and long-run effects of agglom" in html


def test_dynamic_needs_three_periods(files, tmp_path, capsys):
    out = tmp_path / "never"
    rc = main(["analyze", "--map", str(files / "map.gpkg"), "--data", str(files / "two_years.csv"), *FAST,
               "--dynamic", "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 2 and len(err.strip().splitlines()) == 1 and "at least 3 periods" in err, err
    assert not out.exists()
