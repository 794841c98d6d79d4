"""Options of the ``spatialinno`` command line: defaults, the demo settings, the TOML config file and the
checks that turn raw option values into a resolved options dict (bad values raise :class:`InputError`).

The parser itself lives in :mod:`spatialinno.cli.main`; this module has no import of it, so the analysis
steps can raise :class:`InputError` without importing the entry point (no import cycle).
"""

from __future__ import annotations

import argparse
import codecs
import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..constants import DEFAULT_SEED
from ..errors import SpatialInnoError
from ..models.fe_formula import resolve as resolve_fe_formula

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 reads TOML with the optional 'tomli' package
    try:
        import tomli as tomllib
    except ModuleNotFoundError:
        tomllib = None

__all__ = ["InputError", "WSpec", "DEFAULTS", "DEMO_OPTIONS", "resolve_options", "parse_thresholds", "parse_weights"]

PROG = "spatialinno"
MODELS = ("ols", "slx", "sar", "sem", "sdm", "sdem", "sac")
FIXED_EFFECTS = ("entity", "time", "twoway", "none", "random")
BIAS = ("lee-yu", "elhorst", "none")
SCHEMES = ("band", "beyond", "within")
ID_BY = ("code", "name")

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
    "encoding": None,
    "sheet": None,
    "id_by": "code",
    "drop_unmatched": False,
    "missing": "raise",
    "debug": False,
    "endog": None,
    "instruments": [],
    "dynamic": False,
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
    "endog": "agglom",
    "instruments": ["hist_univ"],
    "dynamic": True,
    "out": "spatialinno-demo",
}

ANALYZE_ONLY = ("map", "data", "formula", "entity", "time")
CONFIG_KEYS = set(DEFAULTS) | set(ANALYZE_ONLY) | {"out", "config"}


class InputError(SpatialInnoError):
    """Bad command-line input detected by the CLI itself (missing file, column, id mismatch ...)."""


def _read_config(path: str) -> dict:
    p = Path(path)
    if not p.is_file():
        raise InputError(f"config file not found: {path}; pass --config with an existing .toml file")
    if tomllib is None:  # pragma: no cover - Python 3.10 without tomli
        raise InputError("reading --config needs Python 3.11+ (tomllib) or the 'tomli' package: pip install tomli")
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
    """Merge and check the options: defaults < demo settings < config file < command line.

    Parameters
    ----------
    ns : argparse.Namespace
        Parsed command line (options not given are absent or None).

    Returns
    -------
    dict
        Every option, checked and normalised, plus ``command`` and ``wspecs`` (parsed weights).
    """
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
    if isinstance(o.get("formula"), str) and "|" in o["formula"]:
        # fixest-style fixed effects in --formula: 'y ~ x | code + year' sets --entity, --time, --fixed-effects
        try:
            f, ent, tim, fe = resolve_fe_formula(o["formula"], o.get("entity"), o.get("time"), None)
        except SpatialInnoError as exc:
            raise InputError(f"--formula: {exc}") from None
        o.update(formula=f, entity=ent, time=tim, fixed_effects=fe)
    o["instruments"] = _as_list(o.get("instruments"), "instruments")
    if bool(o.get("endog")) != bool(o["instruments"]):
        raise InputError("--endog and --instruments go together: name the endogenous regressor and its excluded "
                         "instruments, e.g. --endog agglom --instruments hist_univ")
    o["decay_thresholds"] = parse_thresholds(o.get("decay_thresholds"))
    o["quiet"] = bool(o.get("quiet"))
    o["no_decay"] = bool(o.get("no_decay"))
    o["dynamic"] = bool(o.get("dynamic"))
    o["drop_unmatched"] = bool(o.get("drop_unmatched"))
    o["missing"] = o.get("missing") or "raise"
    if o["missing"] not in ("raise", "drop"):
        raise InputError(f"missing must be 'raise' or 'drop' (got {o['missing']!r})")
    o["debug"] = bool(o.get("debug"))
    _normalise_reading(o)
    if o["command"] == "analyze":
        missing = [k for k in ANALYZE_ONLY if not o.get(k)]
        if missing:
            raise InputError(f"analyze needs {', '.join('--' + k for k in missing)} (on the command line or in "
                             f"--config); see '{PROG} analyze --help'")
        o["id_column"] = o.get("id_column") or (o["entity"] if o["id_by"] == "code" else "code")
    o["wspecs"] = parse_weights(o["weights"])
    return o


def _normalise_reading(o: dict) -> None:
    """Check --encoding, --sheet and --id-by."""
    if o.get("encoding") is not None:
        try:
            o["encoding"] = codecs.lookup(str(o["encoding"])).name
        except LookupError:
            raise InputError(f"--encoding {o['encoding']!r} is not a known text encoding; use e.g. utf-8, gb18030, "
                             f"gbk or big5 (or leave it out: UTF-8 and GB18030 are detected)") from None
    sheet = o.get("sheet")
    if sheet is not None and not isinstance(sheet, (str, int)) or isinstance(sheet, bool):
        raise InputError(f"--sheet must be a sheet name (or, in --config, a 0-based position); got {sheet!r}")
    if o.get("id_by") not in ID_BY:
        raise InputError(f"--id-by {o.get('id_by')!r} is not one of {', '.join(ID_BY)}")


def parse_thresholds(v: object) -> list[float] | None:
    """Decay thresholds in km from ``"0:2000:250"`` (inclusive), ``"250,500"`` or a list of numbers.

    Parameters
    ----------
    v : str, sequence of numbers or None

    Returns
    -------
    list of float or None
        Sorted distinct thresholds (None when ``v`` is empty).
    """
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


@dataclass(frozen=True)
class WSpec:
    """One ``--weights`` item: its kind, the label used in tables and the builder arguments.

    Parameters
    ----------
    kind : str
        ``contiguity``, ``inverse_distance``, ``economic``, ``nested``, ``band`` or ``knn``.
    label : str
        Normalised spelling, e.g. ``inverse_distance:2``.
    args : dict
        Builder arguments (for ``nested`` also ``economic``, the label of the economic weights it mixes in).
    """

    kind: str
    label: str
    args: dict = field(default_factory=dict)


WEIGHTS_HELP = ("use contiguity[:rook], inverse_distance[:POWER], economic:COLUMN[:by-period], nested:PHI, "
                "band:LOW-HIGH or knn:K")


def parse_weights(items: list[str]) -> list[WSpec]:
    """Parse ``--weights`` items (duplicates dropped, order kept; the first is the main W).

    Parameters
    ----------
    items : list of str
        E.g. ``["contiguity", "inverse_distance:2", "economic:pgdp", "nested:0.5"]``.

    Returns
    -------
    list of WSpec
    """
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
                col, _, mode = arg.partition(":")
                if not col:
                    raise InputError(f"weights {s!r}: economic needs a column, e.g. economic:pgdp")
                if mode.lower().replace("_", "-") not in ("", "by-period"):
                    raise InputError(f"weights {s!r}: write economic:COLUMN (sample means) or "
                                     f"economic:COLUMN:by-period (one W per period)")
                by_period = bool(mode)
                spec = WSpec("economic", f"economic:{col}" + (":by-period" if by_period else ""),
                             {"column": col, "by_period": by_period})
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
    if out and out[0].kind == "economic" and out[0].args["by_period"]:
        raise InputError(f"weights {out[0].label}: time-varying weights cannot be the main (first) W of the report "
                         f"(its maps, LISA and spillover use one matrix); list a static W first, e.g. --weights "
                         f"contiguity,{out[0].label}")
    static = [w for w in out if w.kind == "economic" and not w.args["by_period"]]
    if any(w.kind == "nested" for w in out) and not static:
        raise InputError("nested:PHI mixes contiguity with a static economic W: also give economic:COLUMN "
                         "(sample means), e.g. --weights nested:0.5,economic:pgdp")
    econ = static[0].label if static else None
    return [WSpec(w.kind, w.label, {**w.args, "economic": econ}) if w.kind == "nested" else w for w in out]


