"""``spatialinno`` command line: ``demo`` and ``analyze`` write a self-contained HTML report.

Exit codes: 0 success, 2 bad input (one line on stderr naming the problem and the fix), 1 unexpected
error (with a traceback). ``main(argv)`` returns the code instead of exiting, so it can be called
from Python and from tests.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import SpatialInnoError

__all__ = ["main", "build_parser", "InputError", "DEFAULTS", "DEMO_OPTIONS"]

PROG = "spatialinno"
MODELS = ("ols", "slx", "sar", "sem", "sdm", "sdem", "sac")
FIXED_EFFECTS = ("entity", "time", "twoway", "none", "random")
BIAS = ("lee-yu", "elhorst", "none")
SCHEMES = ("band", "beyond", "within")
DEFAULT_SEED = 20240601

#: options common to both subcommands and their defaults
DEFAULTS: dict = {
    "weights": ["contiguity"],
    "models": ["sar", "sem", "sdm"],
    "fixed_effects": "twoway",
    "bias_correction": "lee-yu",
    "decay_thresholds": None,
    "decay_variable": None,
    "decay_scheme": "band",
    "decay_band_width": None,
    "no_decay": False,
    "shock_entity": None,
    "seed": DEFAULT_SEED,
    "draws": 1000,
    "permutations": 999,
    "alpha": 0.05,
    "quiet": False,
    "title": None,
    "id_column": None,
    "name_column": None,
}

#: what ``spatialinno demo`` runs: the provincial analysis of the bundled SIMULATED panel
DEMO_OPTIONS: dict = {
    "formula": "innov ~ agglom + coagg + pgdp + open + infr + educ + rd",
    "entity": "code",
    "time": "year",
    "id_column": "code",
    "name_column": "name",
    "weights": ["contiguity", "inverse_distance:2", "economic:pgdp", "nested:0.5"],
    "models": ["sar", "sem", "sdm"],
    "fixed_effects": "twoway",
    "decay_thresholds": "600:1800:150",
    "decay_scheme": "within",
    "decay_variable": "agglom",
    "shock_entity": 440000,
    "out": "spatialinno-demo",
}

ANALYZE_ONLY = ("map", "data", "formula", "entity", "time")
CONFIG_KEYS = set(DEFAULTS) | set(ANALYZE_ONLY) | {"out", "config"}


class InputError(SpatialInnoError):
    """Bad command-line input detected by the CLI itself (missing file, column, id mismatch ...)."""


class _ArgError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line (raised, turned into exit code 2 by :func:`main`)."""

    def error(self, message):  # argparse API
        raise _ArgError(f"{self.prog}: {message} (see '{self.prog} --help')")


# -- argument parsing ---------------------------------------------------------------------------------
DESCRIPTION = """\
Spatial econometrics of regional innovation, from the command line.

  spatialinno demo --out DIR         the full provincial analysis on the bundled SIMULATED panel
  spatialinno analyze ... --out DIR  the same analysis on your own map and panel CSV

Both write DIR/report.html (one self-contained file: figures embedded, works offline),
DIR/figures/*.png, DIR/tables/*.csv and *.tex, and DIR/run.json (inputs, package versions,
seeds and timings, to reproduce the run).

Run 'spatialinno demo --help' or 'spatialinno analyze --help' for the options.
"""

ANALYZE_EPILOG = """\
weights specifications (--weights, repeatable or comma-separated; the first one is the main W):
  contiguity            queen contiguity; islands linked to their nearest region (also contiguity:rook)
  inverse_distance[:P]  inverse great-circle distance between centroids, power P (default 1)
  economic:COLUMN       1/|v_i - v_j| with v the entity mean of COLUMN (e.g. economic:pgdp)
  nested:PHI            PHI*contiguity + (1-PHI)*economic, on the first economic:COLUMN given
  band:LOW-HIGH         binary distance band LOW <= d < HIGH km (e.g. band:0-500)
  knn:K                 K nearest neighbours
All weights are row-normalised.

decay thresholds (--decay-thresholds): START:STOP:STEP in km (e.g. 0:2000:250) or a comma list
(e.g. 250,500,1000). Default for analyze: 8 steps up to about the median distance between regions.

config file (--config FILE.toml): the same keys as the long options, with - or _ , e.g.
  map = "provinces.gpkg"          data = "panel.csv"
  formula = "innov ~ agglom + pgdp"
  entity = "code"                 time = "year"
  weights = ["contiguity", "inverse_distance:2"]
  models = ["sar", "sem", "sdm"]  decay-thresholds = "0:2000:250"
Relative paths in the file are relative to the file. Options on the command line win.

* required on the command line or in the --config file.

exit codes: 0 success; 2 bad input (one line naming the problem and the fix); 1 unexpected error.

example:
  spatialinno analyze --map provinces.gpkg --data panel.csv --entity code --time year \\
      --formula "innov ~ agglom + coagg + pgdp" --weights contiguity,inverse_distance:2,economic:pgdp \\
      --models sar,sem,sdm --decay-thresholds 0:2000:250 --out report/
"""

DEMO_EPILOG = f"""\
The demo analyses the bundled SIMULATED provincial panel (31 provinces, 2006-2020; the outcome is
drawn from a two-way fixed-effects SDM with known parameters, so the report shows true against
estimated values). It runs exactly what this analyze call would run on the same data:
  --formula "{DEMO_OPTIONS['formula']}" --entity code --time year
  --weights {','.join(DEMO_OPTIONS['weights'])} --models {','.join(DEMO_OPTIONS['models'])}
  --fixed-effects twoway --decay-scheme within --decay-thresholds {DEMO_OPTIONS['decay_thresholds']}
  --decay-variable agglom --shock-entity 440000 (Guangdong)
Any analysis option below overrides these. Takes about 10-20 s on two cores.
"""


def _add_analysis_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("analysis")
    g.add_argument("--weights", "-w", action="append", metavar="SPEC",
                   help="spatial weights, repeatable or comma list; the first is the main W (default: contiguity). "
                        "See the list below")
    g.add_argument("--models", "-m", metavar="LIST",
                   help=f"comma list from {','.join(MODELS)} (default: sar,sem,sdm)")
    g.add_argument("--fixed-effects", choices=FIXED_EFFECTS, metavar="{entity,time,twoway,none,random}",
                   help="panel fixed effects (default: twoway)")
    g.add_argument("--bias-correction", choices=BIAS, help="fixed-effects bias correction (default: lee-yu)")
    g.add_argument("--alpha", type=float, metavar="A", help="significance level for tests and intervals (default: 0.05)")
    g = p.add_argument_group("distance decay and spillovers")
    g.add_argument("--decay-thresholds", metavar="START:STOP:STEP",
                   help="distances in km for the decay curve, e.g. 0:2000:250 or 250,500,1000")
    g.add_argument("--decay-variable", metavar="VAR",
                   help="regressor whose spillovers are traced (default: the first regressor)")
    g.add_argument("--decay-scheme", choices=SCHEMES,
                   help="band: links in [d, d+width); beyond: links at d km or more; within: links up to d km "
                        "(default: band)")
    g.add_argument("--decay-band-width", type=float, metavar="KM",
                   help="width of the bands in km (default: the step between thresholds)")
    g.add_argument("--no-decay", action="store_true", default=None, help="skip the distance-decay sweep")
    g.add_argument("--shock-entity", metavar="ID",
                   help="region whose unit shock is mapped (default: the region with the largest mean of the "
                        "decay variable over the sample)")
    g = p.add_argument_group("run")
    g.add_argument("--seed", type=int, help=f"random seed for permutations and effect draws (default: {DEFAULT_SEED})")
    g.add_argument("--draws", type=int, metavar="N", help="simulation draws for effect inference (default: 1000)")
    g.add_argument("--permutations", type=int, metavar="N", help="permutations for Moran/LISA p-values (default: 999)")
    g.add_argument("--title", help="report title")
    g.add_argument("--config", metavar="FILE.toml", help="read options from a TOML file (command line wins)")
    g.add_argument("--out", "-o", metavar="DIR", help="output directory, created if needed (default: "
                                                        "./spatialinno-demo or ./spatialinno-report)")
    g.add_argument("--quiet", "-q", action="store_true", default=None, help="no progress messages on stderr")


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    p = _Parser(prog=PROG, description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = p.add_subparsers(dest="command", metavar="{demo,analyze}", parser_class=_Parser)
    d = sub.add_parser("demo", help="run the whole analysis on the bundled simulated provincial panel",
                       description="Run the whole provincial analysis on the bundled SIMULATED panel and write an "
                                   "HTML report.", epilog=DEMO_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
                       argument_default=argparse.SUPPRESS)
    _add_analysis_options(d)
    a = sub.add_parser("analyze", aliases=["analyse"], help="analyse your own map and panel CSV",
                       description="Spatial panel analysis of your own data: map + long panel CSV -> weights, "
                                   "Moran/LISA, LM tests, SAR/SEM/SDM across weights, model choice, effects, "
                                   "distance decay, spillover map, HTML report.",
                       epilog=ANALYZE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
                       argument_default=argparse.SUPPRESS)
    g = a.add_argument_group("inputs")
    g.add_argument("--map", metavar="FILE", help="regions: shapefile (.shp), GeoPackage (.gpkg) or GeoJSON "
                                                 "(required*)")
    g.add_argument("--data", metavar="FILE.csv", help="long, balanced panel CSV: one row per (entity, time) "
                                                      "(required*)")
    g.add_argument("--formula", "-f", metavar="'y ~ x1 + x2'", help="model formula, formulaic syntax (required*)")
    g.add_argument("--entity", metavar="COL", help="entity (region id) column of the CSV (required*)")
    g.add_argument("--time", metavar="COL", help="time column of the CSV (required*)")
    g.add_argument("--id-column", metavar="COL", help="region id column of the map (default: the --entity name)")
    g.add_argument("--name-column", metavar="COL", help="region name column of the map, for labels (optional)")
    _add_analysis_options(a)
    # the SUPPRESS default hides "default: None" noise and lets us tell given options from defaults
    return p


# -- option resolution ----------------------------------------------------------------------------
def _read_config(path: str) -> dict:
    p = Path(path)
    if not p.is_file():
        raise InputError(f"config file not found: {path}; pass --config with an existing .toml file")
    try:
        import tomllib  # Python 3.11+
    except ModuleNotFoundError:  # pragma: no cover - Python 3.10
        try:
            import tomli as tomllib  # type: ignore[no-redef]
        except ModuleNotFoundError:
            raise InputError("reading --config needs Python 3.11+ (tomllib) or the 'tomli' package: "
                             "pip install tomli") from None
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except Exception as exc:  # TOMLDecodeError, UnicodeDecodeError
        raise InputError(f"cannot parse config file {path}: {exc}; fix the TOML syntax") from None
    if "spatialinno" in raw and isinstance(raw["spatialinno"], dict):
        raw = raw["spatialinno"]
    out = {}
    for k, v in raw.items():
        key = k.replace("-", "_")
        if key not in CONFIG_KEYS or key == "config":
            raise InputError(f"unknown key {k!r} in config file {path}; allowed keys are "
                             f"{', '.join(sorted(k2.replace('_', '-') for k2 in CONFIG_KEYS - {'config'}))}")
        if key in ("map", "data", "out") and isinstance(v, str) and not Path(v).is_absolute():
            v = str(p.parent / v)
        out[key] = v
    return out


def resolve_options(ns: argparse.Namespace) -> dict:
    """Defaults < demo settings < config file < command line."""
    given = {k: v for k, v in vars(ns).items() if v is not None and k != "command"}
    opts = dict(DEFAULTS)
    if ns.command == "demo":
        opts.update(DEMO_OPTIONS)
    else:
        opts["out"] = "spatialinno-report"
    if "config" in given:
        cfg = _read_config(given["config"])
        if ns.command == "demo":
            bad = [k for k in ANALYZE_ONLY if k in cfg]
            if bad:
                raise InputError(f"the demo uses the bundled data; the config sets {', '.join(bad)}: run "
                                 f"'{PROG} analyze --config ...' instead")
        opts.update(cfg)
        opts["config"] = str(Path(given["config"]).resolve())
    opts.update({k: v for k, v in given.items() if k != "config"})
    opts["command"] = "demo" if ns.command == "demo" else "analyze"
    return _normalise(opts)


def _as_list(v, what: str) -> list[str]:
    if v is None:
        return []
    items = v if isinstance(v, (list, tuple)) else [v]
    out = []
    for it in items:
        if not isinstance(it, (str, int, float)):
            raise InputError(f"{what} must be a string or a list of strings (got {it!r})")
        out += [s.strip() for s in str(it).split(",") if s.strip()]
    return out


def _normalise(o: dict) -> dict:
    o["weights"] = _as_list(o.get("weights"), "weights") or ["contiguity"]
    models = [m.lower() for m in _as_list(o.get("models"), "models")]
    if not models:
        raise InputError("--models is empty; give a comma list such as sar,sem,sdm")
    bad = [m for m in models if m not in MODELS]
    if bad:
        raise InputError(f"unknown model(s) {', '.join(bad)} in --models; choose from {', '.join(MODELS)}")
    o["models"] = list(dict.fromkeys(models))
    if o["fixed_effects"] not in FIXED_EFFECTS:
        raise InputError(f"--fixed-effects {o['fixed_effects']!r} is not one of {', '.join(FIXED_EFFECTS)}")
    if o["bias_correction"] not in BIAS:
        raise InputError(f"--bias-correction {o['bias_correction']!r} is not one of {', '.join(BIAS)}")
    if o["decay_scheme"] not in SCHEMES:
        raise InputError(f"--decay-scheme {o['decay_scheme']!r} is not one of {', '.join(SCHEMES)}")
    for k, lo in (("seed", 0), ("draws", 10), ("permutations", 0)):
        try:
            v = int(o[k])
            if isinstance(o[k], float) and o[k] != v:
                raise ValueError
        except (TypeError, ValueError):
            raise InputError(f"--{k} must be an integer (got {o[k]!r})") from None
        if v < lo:
            raise InputError(f"--{k} must be at least {lo} (got {v})")
        o[k] = v
    try:
        o["alpha"] = float(o["alpha"])
    except (TypeError, ValueError):
        raise InputError(f"--alpha must be a number (got {o['alpha']!r})") from None
    if not 0 < o["alpha"] < 0.5:
        raise InputError(f"--alpha must lie between 0 and 0.5 (got {o['alpha']})")
    if o.get("decay_band_width") is not None:
        try:
            o["decay_band_width"] = float(o["decay_band_width"])
        except (TypeError, ValueError):
            raise InputError(f"--decay-band-width must be a number of km (got {o['decay_band_width']!r})") from None
        if not o["decay_band_width"] > 0:
            raise InputError("--decay-band-width must be positive")
    o["decay_thresholds"] = parse_thresholds(o.get("decay_thresholds"))
    o["quiet"] = bool(o.get("quiet"))
    o["no_decay"] = bool(o.get("no_decay"))
    if o["command"] == "analyze":
        missing = [k for k in ANALYZE_ONLY if not o.get(k)]
        if missing:
            raise InputError(f"analyze needs {', '.join('--' + k for k in missing)} (on the command line or in "
                             f"--config); see '{PROG} analyze --help'")
        o["id_column"] = o.get("id_column") or o["entity"]
    o["wspecs"] = parse_weights(o["weights"])
    return o


def parse_thresholds(v) -> list[float] | None:
    """``"0:2000:250"`` (inclusive), ``"250,500"`` or a list of numbers -> sorted list of km."""
    if v is None or v == "" or v == []:
        return None
    if isinstance(v, (list, tuple)):
        parts = [str(x) for x in v]
    else:
        s = str(v).strip()
        if ":" in s:
            try:
                a, b, c = (float(x) for x in s.split(":"))
            except ValueError:
                raise InputError(f"--decay-thresholds {s!r} must be START:STOP:STEP in km, e.g. 0:2000:250") from None
            if c <= 0 or b < a or a < 0:
                raise InputError(f"--decay-thresholds {s!r}: need 0 <= START <= STOP and STEP > 0, e.g. 0:2000:250")
            n = int(math.floor((b - a) / c + 1e-9)) + 1
            if n > 60:
                raise InputError(f"--decay-thresholds {s!r} gives {n} thresholds; use at most 60 (a larger STEP)")
            return [a + i * c for i in range(n)]
        parts = [x for x in re.split(r"[,\s]+", s) if x]
    try:
        out = sorted({float(x) for x in parts})
    except ValueError:
        raise InputError(f"--decay-thresholds {v!r}: give START:STOP:STEP or a comma list of km") from None
    if not out or out[0] < 0:
        raise InputError(f"--decay-thresholds {v!r}: distances must be non-negative km")
    return out


@dataclass
class WSpec:
    kind: str
    label: str
    args: dict = field(default_factory=dict)


WEIGHTS_HELP = ("use contiguity[:rook], inverse_distance[:POWER], economic:COLUMN, nested:PHI, band:LOW-HIGH "
                "or knn:K")


def parse_weights(items: list[str]) -> list[WSpec]:
    out: list[WSpec] = []
    for raw in items:
        s = raw.strip()
        kind, _, arg = s.partition(":")
        kind = kind.lower().replace("-", "_")
        try:
            if kind in ("contiguity", "queen", "rook"):
                rule = "rook" if kind == "rook" or arg.lower() == "rook" else "queen"
                if arg and arg.lower() not in ("queen", "rook"):
                    raise ValueError
                spec = WSpec("contiguity", "contiguity" + (":rook" if rule == "rook" else ""), {"rule": rule})
            elif kind in ("inverse_distance", "idw", "inverse"):
                power = float(arg) if arg else 1.0
                if power <= 0:
                    raise ValueError
                spec = WSpec("inverse_distance", f"inverse_distance:{power:g}", {"power": power})
            elif kind in ("economic", "econ"):
                if not arg:
                    raise InputError(f"weights {s!r}: economic needs a column, e.g. economic:pgdp")
                spec = WSpec("economic", f"economic:{arg}", {"column": arg})
            elif kind == "nested":
                phi = float(arg) if arg else 0.5
                if not 0 <= phi <= 1:
                    raise InputError(f"weights {s!r}: PHI must lie in [0, 1], e.g. nested:0.5")
                spec = WSpec("nested", f"nested:{phi:g}", {"phi": phi})
            elif kind in ("band", "distance_band"):
                m = re.fullmatch(r"\s*([0-9.]+)\s*-\s*([0-9.]+)\s*", arg)
                if not m:
                    raise InputError(f"weights {s!r}: give the band in km as band:LOW-HIGH, e.g. band:0-500")
                lo, hi = float(m.group(1)), float(m.group(2))
                if hi <= lo:
                    raise InputError(f"weights {s!r}: HIGH must exceed LOW, e.g. band:0-500")
                spec = WSpec("band", f"band:{lo:g}-{hi:g}", {"lower_km": lo, "upper_km": hi})
            elif kind == "knn":
                k = int(arg) if arg else 4
                if k < 1:
                    raise ValueError
                spec = WSpec("knn", f"knn:{k}", {"k": k})
            else:
                raise InputError(f"unknown weights {s!r}; {WEIGHTS_HELP}")
        except ValueError as exc:
            if isinstance(exc, InputError):
                raise
            raise InputError(f"cannot read weights {s!r}; {WEIGHTS_HELP} (numbers after the colon)") from None
        if spec.label not in [o.label for o in out]:
            out.append(spec)
    if any(w.kind == "nested" for w in out) and not any(w.kind == "economic" for w in out):
        raise InputError("nested:PHI mixes contiguity with economic-distance weights: also give the economic "
                         "variable, e.g. --weights nested:0.5,economic:pgdp")
    return out


# -- progress ------------------------------------------------------------------------------------------
class Progress:
    """Step names with elapsed seconds on stderr (silent when quiet); keeps the timings for run.json."""

    def __init__(self, quiet: bool, stream=None) -> None:
        self.quiet = quiet
        self.stream = stream if stream is not None else sys.stderr
        self.t0 = time.perf_counter()
        self.timings: dict[str, float] = {}

    def say(self, msg: str) -> None:
        if not self.quiet:
            print(msg, file=self.stream, flush=True)

    @contextmanager
    def step(self, name: str):
        t = time.perf_counter()
        if not self.quiet:
            print(f"[{time.perf_counter() - self.t0:5.1f}s] {name} ...", end="", file=self.stream, flush=True)
        ok = False
        try:
            yield
            ok = True
        finally:
            dt = time.perf_counter() - t
            self.timings[name] = round(dt, 3)
            if not self.quiet:
                print(f" {'done' if ok else 'failed'} ({dt:.1f}s)", file=self.stream, flush=True)

    @property
    def total(self) -> float:
        return time.perf_counter() - self.t0


# -- entry point -----------------------------------------------------------------------------------
def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 2 bad input, 1 unexpected error)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        parser = build_parser()
        try:
            ns = parser.parse_args(argv)
        except _ArgError as exc:
            print(_one_line(exc), file=sys.stderr)
            return 2
        except SystemExit as exc:  # --help, --version
            return int(exc.code or 0) if not isinstance(exc.code, str) else 2
        if ns.command is None:
            parser.print_help(sys.stderr)
            return 2
        opts = resolve_options(ns)
        from .report import run_analysis

        run_analysis(opts, argv)
        return 0
    except SpatialInnoError as exc:
        print(f"{PROG}: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception:
        traceback.print_exc()
        print(f"{PROG}: unexpected error (exit 1); please report it with the traceback above", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
