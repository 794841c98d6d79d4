"""``spatialinno analyze --missing drop`` and time-varying economic weights (``economic:COL:by-period``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import spatialinno as si
from spatialinno.cli.main import main

FAST = ["--formula", "innov ~ agglom + pgdp", "--time", "year", "--models", "sar", "--no-decay", "--draws", "20",
        "--permutations", "19", "--quiet"]


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("missing")
    si.datasets.load_provinces().to_file(d / "map.gpkg", driver="GPKG")
    panel = si.datasets.load_demo_panel()
    panel.to_csv(d / "panel.csv", index=False)
    gone = panel.copy()
    gone.loc[gone["code"] == 650000, "agglom"] = np.nan  # Xinjiang: agglom unknown in every year
    gone.to_csv(d / "xinjiang_nan.csv", index=False)
    panel[panel["code"] != 650000].to_csv(d / "no_xinjiang.csv", index=False)
    return d


def _argv(files: Path, data: str, out: Path, *extra: str) -> list[str]:
    return ["analyze", "--map", str(files / "map.gpkg"), "--data", str(files / data), "--entity", "code", *FAST,
            "--out", str(out), *extra]


def test_missing_drop_lists_rows_and_equals_the_run_without_them(files, tmp_path, capsys):
    rc = main(_argv(files, "xinjiang_nan.csv", tmp_path / "a", "--weights", "contiguity"))
    assert rc == 2
    err = capsys.readouterr().err
    assert "agglom" in err and "--missing drop" in err
    assert main(_argv(files, "xinjiang_nan.csv", tmp_path / "b", "--weights", "contiguity", "--missing", "drop")) == 0
    dropped = pd.read_csv(tmp_path / "b" / "tables" / "dropped_rows.csv")
    assert list(dropped.columns) == ["code", "year"] and len(dropped) == 15 and set(dropped["code"]) == {650000}
    report = (tmp_path / "b" / "report.html").read_text(encoding="utf-8")
    assert "Dropped with --missing drop: 15 row(s)" in report and "dropped_rows.csv" in report
    assert main(_argv(files, "no_xinjiang.csv", tmp_path / "c", "--weights", "contiguity", "--drop-unmatched")) == 0
    for name in ("lm_tests.csv", "weights.csv"):
        pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "b" / "tables" / name),
                                      pd.read_csv(tmp_path / "c" / "tables" / name))


def test_economic_by_period_weights(files, tmp_path, capsys):
    out = tmp_path / "p"
    assert main(_argv(files, "panel.csv", out, "--weights", "contiguity,economic:open:by-period")) == 0
    lm = pd.read_csv(out / "tables" / "lm_tests.csv", index_col=0)
    panel = si.datasets.load_demo_panel()
    pw = si.weights.economic_distance(panel.set_index(["code", "year"])["open"], by_period=True)
    ref = si.lm_tests("innov ~ agglom + pgdp", panel, pw, entity="code", time="year", fixed_effects="twoway")
    assert np.allclose(lm["economic:open:by-period statistic"].to_numpy(), ref["statistic"].to_numpy(), rtol=1e-9)
    table = pd.read_csv(out / "tables" / "weights.csv", index_col=0)
    assert "one matrix per period (15 periods" in table.loc["economic:open:by-period", "description"]


@pytest.mark.parametrize("weights, message", [
    ("economic:open:by-period", "cannot be the main (first) W"),
    ("contiguity,economic:pgdp:by-period", "period 2006: regions 410000 and 420000 have equal values"),
    ("contiguity,economic:pgdp:monthly", "economic:COLUMN:by-period"),
])
def test_by_period_errors_exit_2(files, tmp_path, capsys, weights, message):
    assert main(_argv(files, "panel.csv", tmp_path / "x", "--weights", weights)) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
