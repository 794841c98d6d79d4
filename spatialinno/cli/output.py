"""Files of a run: the output directory with tables (CSV, LaTeX, Markdown) and figures, and ``run.json``.

``run.json`` records what is needed to reproduce the run: inputs (with sha256 of the files), resolved
options, weights, package versions, seeds, timings and the main results.
"""

from __future__ import annotations

import json
import math
import os
import platform
import shlex
import shutil
import sys
import tempfile
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


#: names a run writes at the top of the output directory (checked for clashes before the run)
TOP_LEVEL = {"figures": "directory", "tables": "directory", "report.html": "file", "run.json": "file"}


def _writable_dir(path: Path) -> bool:
    return path.is_dir() and os.access(path, os.W_OK | os.X_OK)


def _staging_parent(target: Path) -> Path | None:
    """Where the staging directory goes: the nearest existing ancestor of ``target`` (normally its parent), or
    ``target`` itself when that is an existing directory whose parent is not writable (e.g. ``--out .``)."""
    t = target.resolve()
    anchor = next((p for p in t.parents if p.exists()), Path(t.anchor))
    if _writable_dir(anchor):
        return anchor
    return t if _writable_dir(t) else None


@dataclass
class OutputDir:
    """The output directory of a run, written through a staging directory; records every file written.

    Files go into a temporary directory next to ``target`` (in its parent, or the nearest existing ancestor,
    so that moving them is a rename on the same file system; inside an existing ``target`` whose parent is not
    writable). :meth:`commit` moves them into ``target`` when the
    run succeeded: a new ``target`` is the renamed staging directory; into an existing one the run's files
    are moved one by one, replacing same-named files and leaving every other file alone. :meth:`discard`
    removes the staging directory after a failure, so a failed run leaves ``target`` as it was.

    Parameters
    ----------
    target : Path
        The ``--out`` directory.
    """

    target: Path
    written: list[str] = field(default_factory=list)
    staging: Path | None = None

    @property
    def root(self) -> Path:
        """The staging directory the steps write into (after :meth:`create`)."""
        if self.staging is None:
            raise RuntimeError("OutputDir.create() must run before writing")
        return self.staging

    def check(self) -> None:
        """Check that ``target`` can receive the run's files (no output yet; bad ``--out`` -> :class:`InputError`).

        Returns
        -------
        None
        """
        t = self.target
        if t.exists() and not t.is_dir():
            raise InputError(f"--out {t} exists and is not a directory; choose another --out")
        for name, kind in TOP_LEVEL.items():
            p = t / name
            if p.exists() and p.is_dir() != (kind == "directory"):
                raise InputError(f"--out {t} holds {p.name!r} that is not a {kind}; the run writes a {kind} of "
                                 f"that name: move it away or choose another --out")
        if _staging_parent(t) is None or (t.is_dir() and not _writable_dir(t)):
            raise InputError(f"cannot write the output directory {t}: it or its parent directory is not a writable "
                             f"directory; choose another --out")

    def create(self) -> None:
        """Create the staging directory with ``figures/`` and ``tables/`` (its path is :attr:`root`).

        Returns
        -------
        None
        """
        try:
            self.staging = Path(tempfile.mkdtemp(prefix=f".{self.target.resolve().name or 'out'}.partial-",
                                                 dir=_staging_parent(self.target)))
            (self.root / "figures").mkdir()
            (self.root / "tables").mkdir()
        except OSError as exc:
            self.discard()
            raise InputError(f"cannot create the output directory {self.target}: {exc.strerror or exc}; "
                             f"choose another --out") from None

    def commit(self) -> Path:
        """Move the run's files into ``target`` (see the class description) and return ``target``.

        Returns
        -------
        Path
        """
        root = self.root
        if not self.target.exists():
            self.target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(root, self.target)
        else:
            for src in sorted(p for p in root.rglob("*") if not p.is_dir()):
                dest = self.target / src.relative_to(root)
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, dest)
            shutil.rmtree(root, ignore_errors=True)
        self.staging = None
        return self.target

    def discard(self) -> None:
        """Remove the staging directory (after a failed run).

        Returns
        -------
        None
        """
        if self.staging is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
            self.staging = None

    def _record(self, path: Path) -> Path:
        self.written.append(path.relative_to(self.root).as_posix())
        return path

    def table(self, df: pd.DataFrame, name: str, *, tex: bool = True, index: bool = True,
              latex: str | None = None) -> None:
        """Write ``tables/<name>.csv`` and (``tex``) ``tables/<name>.tex``.

        Parameters
        ----------
        df : DataFrame
        name : str
            File name without extension.
        tex : bool
            Also write the LaTeX table.
        index : bool
            Write the index.
        latex : str, optional
            The LaTeX text (default: pandas' rendering).
        """
        path = self.root / "tables" / f"{name}.csv"
        df.to_csv(path, index=index)
        self._record(path)
        if tex:
            if latex is None:
                latex = df.to_latex(index=index, float_format=lambda x: f"{x:.4f}", na_rep="", escape=True)
            self._record(self.root / "tables" / f"{name}.tex").write_text(latex, encoding="utf-8")

    def text(self, text: str, name: str) -> None:
        """Write ``tables/<name>`` (e.g. a Markdown table).

        Parameters
        ----------
        text : str
        name : str
            File name with extension.
        """
        self._record(self.root / "tables" / name).write_text(text, encoding="utf-8")

    def figure(self, fig: Figure, name: str) -> Path:
        """Save ``figures/<name>.png`` (white background) and close the figure.

        Parameters
        ----------
        fig : Figure
        name : str
            File name without extension.

        Returns
        -------
        Path
            The PNG file (in the staging directory).
        """
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
    out: dict[str, str | None] = {"python": sys.version.split()[0], "platform": platform.platform()}
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
               warnings: list[str], outputs: list[str], dropped: dict | None = None) -> dict:
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
    dropped : dict, optional
        Regions dropped by ``--drop-unmatched``: ``{"map_only": [...], "data_only": [...]}``.

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
                   "n_periods": len(periods), "n_obs": n_obs,
                   "dropped_regions": dropped or {"map_only": [], "data_only": []}},
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
    return {str(k): _jsonable(v) for k, v in out.items()}


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
