"""The ``spatialinno`` command line: demo, analyze (reproducing the demo from files), config files,
progress/quiet, and exit codes (2 with one line for bad input, 1 with a traceback for bugs)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import spatialinno as si
from spatialinno.cli import steps as cli_steps
from spatialinno.cli.main import main
from spatialinno.cli.options import DEMO_OPTIONS, parse_thresholds, parse_weights

FORMULA = DEMO_OPTIONS["formula"]
FIGURES = ["data_maps", "moran_by_period", "lisa_map", "effects", "truth_vs_estimate", "decay", "spillover_map"]
TABLES = ["descriptives", "weights", "moran_by_period", "lm_tests", "models_across_weights", "models_main_weights",
          "model_tests", "effects_sdm", "truth_vs_estimate", "truth_vs_estimate_effects", "decay"]
NUMERIC_TABLES = ["estimates", "effects_sdm", "decay", "spillover", "lm_tests", "moran_by_period", "model_tests"]


def _cli() -> list[str]:
    """The installed console script, or ``python -m spatialinno`` when it is not on PATH."""
    exe = shutil.which("spatialinno")
    return [exe] if exe else [sys.executable, "-m", "spatialinno"]


def _demo_analyze_args(map_path: Path, data_path: Path, out: Path) -> list[str]:
    """analyze options equal to what the demo runs (see DEMO_OPTIONS)."""
    return ["analyze", "--map", str(map_path), "--data", str(data_path), "--formula", FORMULA,
            "--entity", "code", "--time", "year", "--weights", ",".join(DEMO_OPTIONS["weights"]),
            "--models", ",".join(DEMO_OPTIONS["models"]), "--fixed-effects", "twoway",
            "--decay-scheme", DEMO_OPTIONS["decay_scheme"], "--decay-thresholds", DEMO_OPTIONS["decay_thresholds"],
            "--decay-variable", "agglom", "--shock-entity", "440000", "--out", str(out)]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """``spatialinno demo --out DIR`` through the console script, timed."""
    out = tmp_path_factory.mktemp("demo") / "report"
    t = time.perf_counter()
    proc = subprocess.run(_cli() + ["demo", "--out", str(out)], capture_output=True, text=True, timeout=300)
    elapsed = time.perf_counter() - t
    print(f"\nspatialinno demo finished in {elapsed:.1f} s (exit {proc.returncode})")
    return out, proc, elapsed


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory):
    """The demo data written out as a GeoPackage, a GeoJSON and a panel CSV."""
    d = tmp_path_factory.mktemp("inputs")
    g = si.datasets.load_provinces()
    g.to_file(d / "provinces.gpkg", driver="GPKG")
    g.to_file(d / "provinces.geojson", driver="GeoJSON")
    si.datasets.load_demo_panel().to_csv(d / "panel.csv", index=False)
    return d


# -- demo --------------------------------------------------------------------------------------------
def test_demo_runs_fast_and_writes_everything(demo_run):
    out, proc, elapsed = demo_run
    assert proc.returncode == 0, proc.stderr
    assert (out / "report.html").is_file() and (out / "run.json").is_file()
    for f in FIGURES:
        png = out / "figures" / f"{f}.png"
        assert png.is_file() and png.stat().st_size > 5000, f
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for t in TABLES:
        assert (out / "tables" / f"{t}.csv").is_file(), t
        assert (out / "tables" / f"{t}.tex").is_file(), t
    assert (out / "tables" / "estimates.csv").is_file()
    # progress on stderr: step names and elapsed seconds; nothing on stdout
    assert "Estimating models" in proc.stderr and "Distance decay" in proc.stderr and "done (" in proc.stderr
    assert proc.stdout == ""


def test_demo_report_is_self_contained(demo_run):
    out, _, _ = demo_run
    html = (out / "report.html").read_text(encoding="utf-8")
    imgs = html.count("<img ")
    assert imgs == len(FIGURES)
    assert html.count('src="data:image/png;base64,') == imgs
    for bad in ("<script", "<link", 'src="http', "src='http", "url(http", "@import"):
        assert bad not in html
    for section in ("findings", "data", "autocorrelation", "lm", "models", "choice", "truth", "decay", "spillover",
                    "reproduce"):
        assert f'<section id="{section}">' in html
    assert "SIMULATED" in html
    assert "Guangdong (440000)" in html
    assert "spatialinno-compare" in html  # si.compare tables


def test_demo_run_json_records_inputs_versions_seeds_timings(demo_run):
    out, _, _ = demo_run
    run = json.loads((out / "run.json").read_text())
    assert run["command"] == "demo"
    assert run["inputs"]["options"]["formula"] == FORMULA
    assert run["inputs"]["options"]["weights"] == DEMO_OPTIONS["weights"]
    assert run["seeds"]["seed"] == run["inputs"]["options"]["seed"]
    assert run["seeds"]["decay_threshold_seeds"]
    assert run["versions"]["spatialinno"] == si.__version__ and run["versions"]["numpy"]
    steps = run["timings_seconds"]["steps"]
    assert "Estimating models" in steps and steps["total"] > 0
    assert run["results"]["chosen_model"] == "SDM"
    assert set(run["outputs"]) >= {"report.html", "run.json", "figures/decay.png", "tables/estimates.csv"}


def test_demo_recovers_the_truth(demo_run):
    out, _, _ = demo_run
    t = pd.read_csv(out / "tables" / "truth_vs_estimate.csv", index_col=0)
    truth = si.datasets.load_demo_panel(return_truth=True)[1]
    assert t.loc["rho", "true"] == truth["rho"]
    assert t["covered"].mean() >= 0.75
    # the demo's SDM is exactly what the library estimates
    res = si.sdm(FORMULA, si.datasets.load_demo_panel(), si.weights.contiguity(si.datasets.load_provinces(), id="code",
                 islands="nearest"), entity="code", time="year", fixed_effects="twoway")
    np.testing.assert_allclose(t["estimate"].to_numpy(), res.params[t.index].to_numpy(), rtol=0, atol=1e-10)



def test_demo_model_choice_is_select_model(demo_run):
    """The report's specification tests and chosen model are those of si.select_model on the same data."""
    out, _, _ = demo_run
    w = si.weights.contiguity(si.datasets.load_provinces(), id="code", islands="nearest")
    choice = si.select_model(FORMULA, si.datasets.load_demo_panel(), w, entity="code", time="year",
                             fixed_effects="twoway", alpha=0.05)
    tab = pd.read_csv(out / "tables" / "model_tests.csv", index_col=0)
    expect = choice.steps[choice.steps["stage"] != "LM"]
    assert list(tab.index) == list(expect.index)
    np.testing.assert_allclose(tab["statistic"], expect["statistic"], rtol=1e-12)
    np.testing.assert_allclose(tab["p_value"], expect["p_value"], rtol=1e-12, equal_nan=True)
    assert list(tab["df"]) == list(expect["df"])
    run = json.loads((out / "run.json").read_text())
    assert run["results"]["chosen_model"] == choice.name
    html = (out / "report.html").read_text(encoding="utf-8")
    assert choice.reason in html

# -- analyze reproduces the demo ----------------------------------------------------------------------
@pytest.mark.parametrize("map_name", ["provinces.gpkg", "provinces.geojson"])
def test_analyze_on_written_files_reproduces_demo(demo_run, demo_files, tmp_path, capsys, map_name):
    demo_out, proc, _ = demo_run
    assert proc.returncode == 0
    out = tmp_path / "analyze"
    rc = main(_demo_analyze_args(demo_files / map_name, demo_files / "panel.csv", out) + ["--quiet"])
    err = capsys.readouterr().err
    assert rc == 0, err
    assert err == ""  # --quiet silences progress
    for t in NUMERIC_TABLES:
        a = pd.read_csv(demo_out / "tables" / f"{t}.csv")
        b = pd.read_csv(out / "tables" / f"{t}.csv")
        assert list(a.columns) == list(b.columns), t
        assert a.shape == b.shape, t
        na, nb = a.select_dtypes("number"), b.select_dtypes("number")
        np.testing.assert_allclose(nb.to_numpy(float), na.to_numpy(float), rtol=0, atol=1e-8, equal_nan=True,
                                   err_msg=t)
        pd.testing.assert_frame_equal(a.select_dtypes(exclude="number"), b.select_dtypes(exclude="number"))
    ra = json.loads((demo_out / "run.json").read_text())["results"]
    rb = json.loads((out / "run.json").read_text())["results"]
    assert ra["chosen_model"] == rb["chosen_model"]
    assert ra["decay_boundary_km"] == rb["decay_boundary_km"]
    for k, v in ra["chosen_params"].items():
        assert abs(v - rb["chosen_params"][k]) <= 1e-8
    runb = json.loads((out / "run.json").read_text())
    assert len(runb["inputs"]["files"]["map"]["sha256"]) == 64


def test_config_file_gives_the_same_run(demo_files, tmp_path, capsys):
    args = ["--map", str(demo_files / "provinces.gpkg"), "--data", str(demo_files / "panel.csv"),
            "--formula", "innov ~ agglom + pgdp + rd", "--entity", "code", "--time", "year",
            "--weights", "contiguity", "--weights", "knn:4", "--models", "sar,sdm", "--no-decay",
            "--draws", "200", "--permutations", "99", "--seed", "7", "--quiet"]
    rc = main(["analyze"] + args + ["--out", str(tmp_path / "cli")])
    assert rc == 0, capsys.readouterr().err
    cfg = tmp_path / "run.toml"
    cfg.write_text(f'''
map = "{(demo_files / 'provinces.gpkg').as_posix()}"
data = "{(demo_files / 'panel.csv').as_posix()}"
formula = "innov ~ agglom + pgdp + rd"
entity = "code"
time = "year"
weights = ["contiguity", "knn:4"]
models = "sar,sdm"
no-decay = true
draws = 200
permutations = 99
seed = 7
quiet = true
out = "from_config"
''', encoding="utf-8")
    rc = main(["analyze", "--config", str(cfg)])
    assert rc == 0, capsys.readouterr().err
    a = pd.read_csv(tmp_path / "cli" / "tables" / "estimates.csv")
    b = pd.read_csv(tmp_path / "from_config" / "tables" / "estimates.csv")  # relative to the config file
    pd.testing.assert_frame_equal(a, b)
    run = json.loads((tmp_path / "from_config" / "run.json").read_text())
    assert run["inputs"]["options"]["config"].endswith("run.toml")
    assert run["results"]["decay_boundary_km"] is None
    # command line wins over the file
    rc = main(["analyze", "--config", str(cfg), "--seed", "8", "--out", str(tmp_path / "override")])
    assert rc == 0
    assert json.loads((tmp_path / "override" / "run.json").read_text())["seeds"]["seed"] == 8


def test_analyze_defaults_pick_shock_and_thresholds(demo_files, tmp_path, capsys):
    out = tmp_path / "defaults"
    rc = main(["analyze", "--map", str(demo_files / "provinces.gpkg"), "--data", str(demo_files / "panel.csv"),
               "--formula", "innov ~ agglom + pgdp", "--entity", "code", "--time", "year", "--draws", "100",
               "--permutations", "99", "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 0, err
    assert "[" in err and "s]" in err  # progress lines with elapsed time
    run = json.loads((out / "run.json").read_text())
    panel = si.datasets.load_demo_panel()
    assert run["results"]["shock_entity"] == int(panel.groupby("code")["agglom"].mean().idxmax())
    assert len(run["results"]["decay_thresholds_km"]) == 8
    assert any("chosen automatically" in n for n in run["notes"])


# -- help ---------------------------------------------------------------------------------------------
def test_help(capsys):
    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    assert "demo" in text and "analyze" in text and "report.html" in text
    assert main(["analyze", "--help"]) == 0
    text = capsys.readouterr().out
    for s in ("--map", "--data", "--formula", "--weights", "inverse_distance[:P]", "economic:COLUMN", "nested:PHI",
              "band:LOW-HIGH", "--decay-thresholds", "--config", "exit codes"):
        assert s in text, s
    assert main(["demo", "--help"]) == 0
    assert "SIMULATED" in capsys.readouterr().out


def test_python_dash_m():
    proc = subprocess.run([sys.executable, "-m", "spatialinno", "--version"], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0 and si.__version__ in proc.stdout


# -- bad input: exit 2, one line, no traceback ------------------------------------------------------------
def _bad(capsys, argv) -> str:
    """Exit code 2, exactly one line on stderr (even without --quiet), no traceback, nothing written."""
    rc = main(argv)
    cap = capsys.readouterr()
    err = cap.err
    assert rc == 2, err
    lines = [l for l in err.splitlines() if l.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err and cap.out == ""
    return lines[0]


@pytest.fixture()
def bad_inputs(demo_files, tmp_path):
    panel = pd.read_csv(demo_files / "panel.csv")
    shifted = panel.copy()
    shifted.loc[shifted["code"] == 110000, "code"] = 990000
    shifted.to_csv(tmp_path / "bad_ids.csv", index=False)
    panel.drop(index=[3, 40]).to_csv(tmp_path / "unbalanced.csv", index=False)
    return tmp_path


def _args(demo_files, tmp_path, **kw):
    base = {"--map": str(demo_files / "provinces.gpkg"), "--data": str(demo_files / "panel.csv"),
            "--formula": "innov ~ agglom + pgdp", "--entity": "code", "--time": "year",
            "--out": str(tmp_path / "out")}
    base.update(kw)
    argv = ["analyze"]
    for k, v in base.items():
        if v is False:
            continue
        argv += [k] if v is None else [k, v]
    return argv


def test_missing_map_file(demo_files, tmp_path, capsys):
    line = _bad(capsys, _args(demo_files, tmp_path, **{"--map": str(tmp_path / "nope.gpkg")}))
    assert "--map file not found" in line and "nope.gpkg" in line
    assert not (tmp_path / "out").exists()  # bad input writes nothing


def test_missing_data_file(demo_files, tmp_path, capsys):
    line = _bad(capsys, _args(demo_files, tmp_path, **{"--data": str(tmp_path / "nope.csv")}))
    assert "--data file not found" in line


def test_id_column_absent(demo_files, tmp_path, capsys):
    line = _bad(capsys, _args(demo_files, tmp_path, **{"--id-column": "gb_code"}))
    assert "'gb_code'" in line and "--id-column" in line and "'code'" in line


def test_entity_column_absent(demo_files, tmp_path, capsys):
    line = _bad(capsys, _args(demo_files, tmp_path, **{"--entity": "province"}))
    assert "'province'" in line and "--entity" in line


def test_ids_do_not_match(demo_files, bad_inputs, capsys):
    line = _bad(capsys, _args(demo_files, bad_inputs, **{"--data": str(bad_inputs / "bad_ids.csv")}))
    assert "do not match" in line and "990000" in line and "110000" in line


def test_formula_unknown_column(demo_files, tmp_path, capsys):
    line = _bad(capsys, _args(demo_files, tmp_path, **{"--formula": "innov ~ agglom + patents"}))
    assert "unknown column" in line and "'patents'" in line


def test_unbalanced_panel(demo_files, bad_inputs, capsys):
    line = _bad(capsys, _args(demo_files, bad_inputs, **{"--data": str(bad_inputs / "unbalanced.csv")}))
    assert "unbalanced panel" in line and "(110000, 2009)" in line


@pytest.mark.parametrize("extra, expect", [
    ({"--weights": "nested:0.5"}, "economic"),
    ({"--weights": "queen_of_hearts"}, "unknown weights"),
    ({"--weights": "band:500"}, "band:LOW-HIGH"),
    ({"--weights": "economic:zzz"}, "'zzz'"),
    ({"--models": "sar,foo"}, "unknown model"),
    ({"--decay-variable": "rd"}, "not a regressor"),
    ({"--decay-thresholds": "0:abc"}, "START:STOP:STEP"),
    ({"--shock-entity": "123"}, "not a region id"),
    ({"--formula": False}, "--formula"),
    ({"--seed": "x"}, "--seed"),
])
def test_other_bad_options(demo_files, tmp_path, capsys, extra, expect):
    line = _bad(capsys, _args(demo_files, tmp_path, **extra))
    assert expect in line


def test_bad_config(tmp_path, capsys):
    cfg = tmp_path / "c.toml"
    cfg.write_text('formula = "y ~ x"\ncolour = "red"\n')
    assert "unknown key 'colour'" in _bad(capsys, ["analyze", "--config", str(cfg)])
    cfg.write_text('formula = "y ~ x\n')
    assert "cannot parse config" in _bad(capsys, ["analyze", "--config", str(cfg)])
    assert "config file not found" in _bad(capsys, ["demo", "--config", str(tmp_path / "none.toml")])
    cfg.write_text('map = "x.gpkg"\n')
    assert "bundled data" in _bad(capsys, ["demo", "--config", str(cfg)])


def test_unexpected_error_exits_1_with_traceback(monkeypatch, demo_files, tmp_path, capsys):
    def boom(*args):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(cli_steps, "build_weights", boom)
    rc = main(_args(demo_files, tmp_path))
    err = capsys.readouterr().err
    assert rc == 1
    assert "Traceback" in err and "simulated bug" in err


# -- option parsers ---------------------------------------------------------------------------------------
def test_parse_thresholds():
    assert parse_thresholds("0:2000:250") == [0, 250, 500, 750, 1000, 1250, 1500, 1750, 2000]
    assert parse_thresholds("500, 250,1000") == [250, 500, 1000]
    assert parse_thresholds([100, 50]) == [50, 100]
    assert parse_thresholds(None) is None


def test_parse_weights():
    specs = parse_weights(["contiguity", "inverse_distance:2", "economic:pgdp", "nested:0.3", "band:0-500", "knn:6",
                           "contiguity"])
    assert [s.label for s in specs] == ["contiguity", "inverse_distance:2", "economic:pgdp", "nested:0.3",
                                        "band:0-500", "knn:6"]
    assert specs[1].args == {"power": 2.0} and specs[4].args == {"lower_km": 0.0, "upper_km": 500.0}


def test_bad_input_through_the_console_script(tmp_path):
    proc = subprocess.run(_cli() + ["analyze", "--map", str(tmp_path / "missing.shp"), "--data", "x.csv", "--formula",
                                    "y ~ x", "--entity", "id", "--time", "t", "--out", str(tmp_path / "o")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "--map file not found" in proc.stderr
    assert "Traceback" not in proc.stderr
