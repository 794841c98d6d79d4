"""Files of a run: the output directory with tables (CSV, LaTeX, Markdown) and figures, and ``run.json``.

``run.json`` records what is needed to reproduce the run: inputs (with sha256 of the files), resolved
options, weights, package versions, seeds, timings and the main results.
"""

from __future__ import annotations

import json
import math
import platform
import shlex
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .. import __version__
from .options import InputError

__all__ = ["OutputDir", "versions", "command_line", "run_record", "write_run_json"]

PACKAGES = ("spatialinno", "numpy", "scipy", "pandas", "geopandas", "shapely", "pyogrio", "pyproj", "libpysal",
            "esda", "spreg", "matplotlib", "mapclassify", "formulaic", "jinja2")
FIG_DPI = 110


@dataclass
class OutputDir:
    """The output directory of a run; records every file written (relative paths, for run.json).

    Parameters
    ----------
    root : Path
        The ``--out`` directory (``figures/`` and ``tables/`` are created inside).
    """

    root: Path
    written: list[str] = field(default_factory=list)

    def create(self) -> None:
        """Create ``figures/`` and ``tables/`` (bad ``--out`` -> :class:`InputError`)."""
        try:
            (self.root / "figures").mkdir(parents=True, exist_ok=True)
            (self.root / "tables").mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"cannot create the output directory {self.root}: {exc.strerror or exc}; "
                             f"choose another --out") from None

    def _record(self, path: Path) -> Path:
        self.written.append(path.relative_to(self.root).as_posix())
        return path

    def table(self, df: pd.DataFrame, name: str, *, tex: bool = True, index: bool = True,
              latex: str | None = None) -> None:
        """Write ``tables/<name>.csv`` and (``tex``) ``tables/<name>.tex`` (``latex`` or pandas' rendering)."""
        path = self.root / "tables" / f"{name}.csv"
        df.to_csv(path, index=index)
        self._record(path)
        if tex:
            if latex is None:
                latex = df.to_latex(index=index, float_format=lambda x: f"{x:.4f}", na_rep="", escape=True)
            self._record(self.root / "tables" / f"{name}.tex").write_text(latex, encoding="utf-8")

    def text(self, text: str, name: str) -> None:
        """Write ``tables/<name>`` (e.g. a Markdown table)."""
        self._record(self.root / "tables" / name).write_text(text, encoding="utf-8")

    def figure(self, fig: Figure, name: str) -> Path:
        """Save ``figures/<name>.png`` (white background) and close the figure."""
        path = self.root / "figures" / f"{name}.png"
        fig.savefig(path, dpi=FIG_DPI, facecolor="white")
        plt.close(fig)
        return self._record(path)


def versions() -> dict:
    """Python, platform and the versions of the packages the report uses (None when not installed).

    Returns
    -------
    dict
    """
    out = {"python": sys.version.split()[0], "platform": platform.platform()}
    for p in PACKAGES:
        try:
            out[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            out[p] = None
    return out


def command_line(argv: list[str]) -> str:
    """The command as it can be pasted in a shell.

    Parameters
    ----------
    argv : list of str

    Returns
    -------
    str
    """
    return "spatialinno " + " ".join(shlex.quote(str(x)) for x in argv)


def _jsonable(v: object) -> object:
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        f = float(v)
        return f if math.isfinite(f) else None
    if isinstance(v, (np.bool_,)):
        return bool(v)
    if isinstance(v, Path):
        return str(v)
    if isinstance(v, (str, int, bool)) or v is None:
        return v
    return str(v)


def run_record(*, opts: dict, argv: list[str], files: dict, weights: dict, n_regions: int, periods: list,
               n_obs: int, decay_seeds: dict | None, timings: dict, results: dict, notes: list[str],
               warnings: list[str], outputs: list[str]) -> dict:
    """The content of ``run.json`` (JSON-ready: numpy scalars converted, NaN -> null).

    Parameters
    ----------
    opts : dict
        Resolved options.
    argv : list of str
        The command-line arguments.
    files : dict
        Input provenance.
    weights : dict
        Per weights label: kind, builder arguments, description.
    n_regions, periods, n_obs :
        Panel size (``periods`` is the list of all periods).
    decay_seeds : dict or None
        Seed of each decay threshold.
    timings : dict
        ``{"steps": ..., "model_fits": ...}`` in seconds.
    results : dict
        Main results (chosen model, effects, boundary, ...).
    notes, warnings : list of str
    outputs : list of str
        Files written, relative to the output directory.

    Returns
    -------
    dict
    """
    out = {
        "tool": "spatialinno",
        "version": __version__,
        "command": opts["command"],
        "argv": argv,
        "command_line": command_line(argv),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "inputs": {"files": files, "options": {k: v for k, v in opts.items() if k not in ("wspecs", "quiet")},
                   "weights": weights, "n_regions": n_regions, "periods": [periods[0], periods[-1]],
                   "n_periods": len(periods), "n_obs": n_obs},
        "seeds": {"seed": opts["seed"], "moran_permutations": opts["permutations"], "effect_draws": opts["draws"],
                  "decay_threshold_seeds": ({str(k): v for k, v in decay_seeds.items()}
                                            if decay_seeds is not None else None)},
        "versions": versions(),
        "timings_seconds": timings,
        "results": results,
        "notes": notes,
        "warnings": warnings,
        "outputs": sorted(set(outputs + ["report.html", "run.json"])),
    }
    return _jsonable(out)


def write_run_json(record: dict, root: Path) -> Path:
    """Write ``run.json`` (indented UTF-8) into ``root``.

    Parameters
    ----------
    record : dict
        :func:`run_record` output.
    root : Path

    Returns
    -------
    Path
    """
    path = Path(root) / "run.json"
    path.write_text(json.dumps(record, indent=2, ensure_ascii=False), encoding="utf-8")
    return path
