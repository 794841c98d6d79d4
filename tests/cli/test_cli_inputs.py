"""Data files and input checks of ``spatialinno analyze``: every format gives the same run, region names are
matched to map ids, ``--drop-unmatched``, and every bad input ends as exit 2 with one stderr line and leaves
``--out`` exactly as it was (new: still absent; existing: byte-identical)."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import spatialinno as si
from spatialinno.cli import steps as cli_steps
from spatialinno.cli.main import DEBUG_ENV, main
from spatialinno.errors import EstimationError

FAST = ["--formula", "innov ~ agglom + pgdp", "--time", "year", "--models", "sar", "--weights", "contiguity",
        "--no-decay", "--draws", "20", "--permutations", "19"]


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Path:
    """The bundled map (GeoPackage) and demo panel written in every supported format, plus broken variants."""
    d = tmp_path_factory.mktemp("inputs")
    gdf = si.datasets.load_provinces()
    gdf.to_file(d / "map.gpkg", driver="GPKG")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyogrio: no CRS; shapefile field names shortened
        gdf.set_crs(None, allow_override=True).to_file(d / "no_crs.shp")
    gdf.to_crs(3857).set_crs(4326, allow_override=True).to_file(d / "metres_as_4326.gpkg", driver="GPKG")
    panel = si.datasets.load_demo_panel()
    zh = dict(zip(gdf["code"], gdf["name_zh"]))
    panel.to_csv(d / "utf8.csv", index=False)
    panel.to_csv(d / "utf8_bom.csv", index=False, encoding="utf-8-sig")
    gbk = panel.assign(省份=panel["code"].map(zh))
    gbk.to_csv(d / "gbk.csv", index=False, encoding="gbk")
    panel.to_excel(d / "panel.xlsx", index=False, sheet_name="panel")
    panel.to_stata(d / "panel.dta", write_index=False, version=118)
    panel.to_parquet(d / "panel.parquet", index=False)
    # region names instead of codes (Chinese with suffix, English), for --id-by name
    gbk.drop(columns=["code"]).to_csv(d / "names_zh.csv", index=False, encoding="gbk")
    panel.drop(columns=["code"]).to_csv(d / "names_en.csv", index=False)
    # broken variants
    text = panel.astype({"pgdp": object})
    text.loc[[5, 17], "pgdp"] = ["1,234", "abc"]
    text.to_csv(d / "text_in_pgdp.csv", index=False)
    nan = panel.copy()
    nan.loc[7, "pgdp"] = np.nan
    nan.to_csv(d / "nan_in_pgdp.csv", index=False)
    mixed = panel.astype({"year": object})
    mixed.loc[mixed["year"] == 2010, "year"] = "2010年"  # a text cell among numbers in an Excel column
    mixed.to_excel(d / "mixed_years.xlsx", index=False)
    panel[panel["code"] != 650000].to_csv(d / "no_xinjiang.csv", index=False)
    extra = panel[panel["code"] == 110000].assign(code=990000)
    pd.concat([panel, extra]).to_csv(d / "extra_region.csv", index=False)
    atlantis = panel.drop(columns=["code"]).assign(name=lambda x: x["name"].replace("Beijing", "Atlantis"))
    atlantis.to_csv(d / "names_atlantis.csv", index=False)
    return d


def _run(capsys, argv: list[str]) -> tuple[int, str]:
    rc = main(argv)
    return rc, capsys.readouterr().err


def _tables(out: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted((out / "tables").glob("*.csv"))}


def _analyze(files: Path, data: str, out: Path, *extra: str, entity: str = "code") -> list[str]:
    return ["analyze", "--map", str(files / "map.gpkg"), "--data", str(files / data), "--entity", entity, *FAST,
            "--out", str(out), "--quiet", *extra]


# -- formats and names ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def reference_tables(files, tmp_path_factory) -> dict[str, str]:
    out = tmp_path_factory.mktemp("ref") / "out"
    assert main(_analyze(files, "utf8.csv", out)) == 0
    return _tables(out)


@pytest.mark.parametrize("data, extra", [
    ("utf8_bom.csv", ()), ("gbk.csv", ()),
    ("panel.xlsx", ("--sheet", "panel")), ("panel.dta", ()), ("panel.parquet", ()),
])
def test_every_format_gives_identical_tables(files, reference_tables, tmp_path, capsys, data, extra):
    rc, err = _run(capsys, _analyze(files, data, tmp_path / "out", *extra))
    assert rc == 0, err
    got = _tables(tmp_path / "out")
    assert len(got) >= 8 and got.keys() == reference_tables.keys()
    for name, text in reference_tables.items():
        assert got[name] == text, f"{data}: tables/{name} differs"


@pytest.mark.parametrize("data, entity", [("names_en.csv", "name")])  # Chinese names: the config test below
def test_id_by_name_matches_the_code_run(files, reference_tables, tmp_path, capsys, data, entity):
    out = tmp_path / "new" / "nested" / "out"  # parents created on success; no staging directory left
    rc, err = _run(capsys, _analyze(files, data, out, "--id-by", "name", entity=entity))
    assert rc == 0, err
    assert [p.name for p in tmp_path.rglob("*partial*")] == []
    got = _tables(out)
    for name in ("estimates.csv", "effects_sar.csv", "moran_by_period.csv", "spillover.csv"):
        assert got[name] == reference_tables[name], name


def test_config_keys_of_the_reading_options(files, reference_tables, tmp_path, capsys):
    cfg = tmp_path / "run.toml"
    cfg.write_text(f'''
map = "{(files / 'map.gpkg').as_posix()}"
data = "{(files / 'names_zh.csv').as_posix()}"
encoding = "gbk"
id-by = "name"
drop_unmatched = true
entity = "省份"
time = "year"
formula = "innov ~ agglom + pgdp"
models = "sar"
weights = "contiguity"
no-decay = true
draws = 20
permutations = 19
quiet = true
out = "cfg_out"
''', encoding="utf-8")
    rc, err = _run(capsys, ["analyze", "--config", str(cfg)])
    assert rc == 0, err
    got = _tables(tmp_path / "cfg_out")
    for name in ("estimates.csv", "effects_sar.csv", "moran_by_period.csv", "spillover.csv"):
        assert got[name] == reference_tables[name], name
    opts = json.loads((tmp_path / "cfg_out" / "run.json").read_text(encoding="utf-8"))["inputs"]["options"]
    assert opts["encoding"] == "gbk" and opts["id_by"] == "name" and opts["drop_unmatched"] is True
    cfg.write_text(cfg.read_text(encoding="utf-8").replace('data = "', 'sheet = 2\ndata = "'), encoding="utf-8")
    line = _one_bad_line(capsys, ["analyze", "--config", str(cfg)])
    assert "sheet=2 applies to Excel files only" in line


# -- --drop-unmatched -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("data, extra, map_only, data_only", [
    ("no_xinjiang.csv", (), [650000], []),
    ("extra_region.csv", (), [], [990000]),
    ("names_atlantis.csv", ("--id-by", "name"), [110000], ["Atlantis"]),
])
def test_drop_unmatched_lists_the_dropped_regions(files, tmp_path, capsys, data, extra, map_only, data_only):
    entity = "name" if "--id-by" in extra else "code"
    argv = _analyze(files, data, tmp_path / "out", *extra, entity=entity)
    line = _one_bad_line(capsys, argv)
    assert "--drop-unmatched" in line
    for v in data_only if "--id-by" in extra else map_only + data_only:  # names fail before the ids are compared
        assert str(v) in line
    assert not (tmp_path / "out").exists()
    rc, err = _run(capsys, argv + ["--drop-unmatched"])
    assert rc == 0, err
    run = json.loads((tmp_path / "out" / "run.json").read_text(encoding="utf-8"))
    assert run["inputs"]["dropped_regions"] == {"map_only": map_only, "data_only": data_only}
    assert run["inputs"]["n_regions"] == 31 - len(map_only)
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "Dropped with --drop-unmatched" in html and all(str(v) in html for v in map_only + data_only)


# -- bad input: exit 2, one line, --out untouched ---------------------------------------------------------------
def _one_bad_line(capsys, argv: list[str]) -> str:
    rc, err = _run(capsys, argv)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert rc == 2, err
    assert len(lines) == 1, err
    assert "Traceback" not in err and "np.int" not in err and "np.float" not in err
    return lines[0]


def _snapshot(root: Path) -> dict[str, bytes] | None:
    if not root.exists():
        return None
    return {p.relative_to(root).as_posix(): (b"<dir>" if p.is_dir() else p.read_bytes())
            for p in sorted(root.rglob("*"))}


@pytest.fixture(params=["absent", "existing"])
def out_dir(request, tmp_path) -> Path:
    """--out either not existing yet or an existing directory holding a user's files (and an old report)."""
    out = tmp_path / "parent" / "out"
    if request.param == "existing":
        (out / "tables").mkdir(parents=True)
        (out / "notes.txt").write_text("my notes\n", encoding="utf-8")
        (out / "report.html").write_bytes(b"<html>old report</html>")
        (out / "tables" / "estimates.csv").write_bytes(b"old,estimates\n")
    else:
        out.parent.mkdir()
    return out


BAD = {
    "map without CRS": ({"--map": "no_crs.shp"}, ["has no CRS", "no_crs.shp"]),
    "metres labelled EPSG:4326": ({"--map": "metres_as_4326.gpkg"}, ["geographic CRS", "outside +-180/+-90",
                                                                     "metres"]),
    "text in a regressor": ({"--data": "text_in_pgdp.csv"}, ["column 'pgdp'", "non-numeric values '1,234', 'abc'",
                                                              "(110000, 2011)", "(120000, 2008)"]),
    "NaN in a regressor": ({"--data": "nan_in_pgdp.csv"}, ["column 'pgdp'", "missing or infinite",
                                                            "(110000, 2013)"]),
    "mixed-type periods": ({"--data": "mixed_years.xlsx"}, ["time column 'year' mixes numbers", "'2010年'",
                                                            "convert"]),
    "missing formula column": ({"--formula": "innov ~ agglom + patents"}, ["unknown column", "'patents'"]),
    "unknown weights spec": ({"--weights": "queen_of_hearts"}, ["unknown weights 'queen_of_hearts'"]),
    "bad thresholds": ({"--decay-thresholds": "500:100:50"}, ["--decay-thresholds", "START <= STOP"]),
    "unknown encoding": ({"--encoding": "klingon"}, ["--encoding 'klingon'"]),
    "wrong encoding": ({"--data": "gbk.csv", "--encoding": "utf-8"}, ["could not be decoded as utf-8",
                                                                      "--encoding"]),
    "unmatched names": ({"--data": "names_atlantis.csv", "--entity": "name", "--id-by": "name"},
                        ["'Atlantis'", "match no region"]),
    "economic weights on text": ({"--weights": "economic:name"}, ["column 'name'", "economic:name weights",
                                                                  "non-numeric"]),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_exits_2_with_one_line_and_leaves_out_alone(files, out_dir, capsys, case):
    changes, expect = BAD[case]
    opts = {"--map": "map.gpkg", "--data": "utf8.csv", "--entity": "code", "--formula": "innov ~ agglom + pgdp",
            "--time": "year", "--models": "sar", "--no-decay": None, "--draws": "100", "--permutations": "99"}
    opts.update(changes)
    argv = ["analyze", "--out", str(out_dir)]
    for k, v in opts.items():
        argv += [k] if v is None else [k, str(files / v) if k in ("--map", "--data") else v]
    before, parent = _snapshot(out_dir), sorted(p.name for p in out_dir.parent.iterdir())
    line = _one_bad_line(capsys, argv)  # without --quiet: no progress line before the checks end
    assert line.startswith("spatialinno: error: ")
    for s in expect:
        assert s in line, (s, line)
    assert _snapshot(out_dir) == before
    assert sorted(p.name for p in out_dir.parent.iterdir()) == parent  # no staging directory left behind


def test_out_is_a_file(files, tmp_path, capsys):
    target = tmp_path / "out"
    target.write_text("not a directory")
    line = _one_bad_line(capsys, _analyze(files, "utf8.csv", target))
    assert "exists and is not a directory" in line and target.read_text() == "not a directory"


def test_error_after_the_checks_exits_2_and_leaves_out_alone(files, out_dir, monkeypatch, capsys):
    def fail(*args, **kwargs):
        raise EstimationError("the optimiser did not converge for rho; simulated")

    monkeypatch.setattr(cli_steps, "build_weights", fail)  # any step: the run has started writing its files
    before = _snapshot(out_dir)
    line = _one_bad_line(capsys, _analyze(files, "utf8.csv", out_dir))
    assert line == "spatialinno: error: the optimiser did not converge for rho; simulated"
    assert _snapshot(out_dir) == before
    assert [p.name for p in out_dir.parent.iterdir()] == (["out"] if before is not None else [])


def test_unexpected_error_is_short_without_debug(files, out_dir, monkeypatch, capsys):
    def boom(*args, **kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(cli_steps, "build_weights", boom)
    monkeypatch.delenv(DEBUG_ENV, raising=False)
    before = _snapshot(out_dir)
    rc, err = _run(capsys, _analyze(files, "utf8.csv", out_dir))
    assert rc == 1 and "Traceback" not in err
    assert err.strip().splitlines() == ["spatialinno: unexpected error (exit 1): RuntimeError: simulated bug; rerun "
                                        "with --debug (or SPATIALINNO_DEBUG=1) for the traceback and please report it"]
    assert _snapshot(out_dir) == before
    rc, err = _run(capsys, _analyze(files, "utf8.csv", out_dir, "--debug"))
    assert rc == 1 and "Traceback" in err and "simulated bug" in err
    monkeypatch.setenv(DEBUG_ENV, "1")
    rc, err = _run(capsys, _analyze(files, "utf8.csv", out_dir))
    assert rc == 1 and "Traceback" in err
    assert _snapshot(out_dir) == before


def test_existing_out_keeps_the_users_files(files, tmp_path, capsys):
    out = tmp_path / "out"
    (out / "tables").mkdir(parents=True)
    (out / "notes.txt").write_bytes(b"my notes\n")
    (out / "tables" / "mine.csv").write_bytes(b"a,b\n1,2\n")
    (out / "report.html").write_bytes(b"old")
    rc, err = _run(capsys, _analyze(files, "utf8.csv", out))
    assert rc == 0, err
    assert (out / "notes.txt").read_bytes() == b"my notes\n"
    assert (out / "tables" / "mine.csv").read_bytes() == b"a,b\n1,2\n"
    assert (out / "report.html").read_bytes() != b"old"
    written = set(json.loads((out / "run.json").read_text(encoding="utf-8"))["outputs"])
    assert "tables/estimates.csv" in written and "notes.txt" not in written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_help_documents_the_new_options(capsys):
    assert main(["analyze", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    for s in ("--encoding", "--sheet", "--id-by", "--drop-unmatched", "--debug", ".parquet", "GBK",
              "a failed run leaves --out as it was", "nothing is deleted"):
        assert s in text, s


def test_bad_input_through_the_console_script_leaves_no_output(files, tmp_path):
    out = tmp_path / "new" / "out"
    proc = subprocess.run([sys.executable, "-m", "spatialinno", *_analyze(files, "text_in_pgdp.csv", out)[:-1]],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and "non-numeric values '1,234'" in proc.stderr
    assert not (tmp_path / "new").exists()
