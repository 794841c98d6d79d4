"""``spatialinno`` command line: ``demo`` and ``analyze`` write a self-contained HTML report.

Exit codes: 0 success, 2 bad input (one line on stderr naming the problem and the fix), 1 unexpected
error (with a traceback). ``main(argv)`` returns the code instead of exiting, so it can be called
from Python and from tests.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from typing import NoReturn

from .. import __version__
from ..constants import DEFAULT_SEED
from ..errors import SpatialInnoError
from .options import BIAS, DEMO_OPTIONS, FIXED_EFFECTS, ID_BY, MODELS, PROG, SCHEMES, resolve_options
from .run import run_analysis

__all__ = ["main", "build_parser", "DEBUG_ENV"]

#: environment variable that, set to a non-empty value other than 0, prints tracebacks of unexpected errors
DEBUG_ENV = "SPATIALINNO_DEBUG"


class _ArgError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line (raised, turned into exit code 2 by :func:`main`)."""

    def error(self, message: str) -> NoReturn:  # argparse API
        raise _ArgError(f"{self.prog}: {message} (see '{self.prog} --help')")




# -- argument parsing ---------------------------------------------------------------------------------
OUTPUT_HELP = f"""\
output directory (--out): every input is checked before anything is printed or written. The run
writes into a temporary directory next to --out and moves its files into --out only when it
succeeds, so a failed run leaves --out as it was. A new --out is created; an existing one keeps
every file that this run does not write (same-named files, e.g. report.html or tables/estimates.csv,
are replaced; nothing is deleted).

exit codes: 0 success; 2 bad input, found before or during the analysis (one line on stderr naming
the problem and the fix); 1 unexpected error (a short message; the traceback with --debug or
{DEBUG_ENV}=1).
"""

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
  economic:COLUMN:by-period
                        one W_t per period from that period's COLUMN (not as the first W; ties refused);
                        a W built from a regressor of the model is endogenous
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

data files (--data): .csv (UTF-8, UTF-8 with BOM or GBK/GB18030, detected; --encoding overrides), .tsv,
.xlsx (--sheet), .dta (Stata) or .parquet. --id-by name matches region names in the --entity column
(Chinese or English, with or without 省/市/Province) to the map's name_zh/name columns and uses the
map's --id-column (default: code). --drop-unmatched drops regions found on one side only.

example:
  spatialinno analyze --map provinces.gpkg --data panel.csv --entity code --time year \\
      --formula "innov ~ agglom + coagg + pgdp" --weights contiguity,inverse_distance:2,economic:pgdp \\
      --models sar,sem,sdm --decay-thresholds 0:2000:250 --out report/

""" + OUTPUT_HELP

DEMO_EPILOG = f"""\
The demo analyses the bundled SIMULATED provincial panel (31 provinces, 2006-2020; the outcome is
drawn from a two-way fixed-effects SDM with known parameters, so the report shows true against
estimated values). It runs exactly what this analyze call would run on the same data:
  --formula "{DEMO_OPTIONS['formula']}" --entity code --time year
  --weights {','.join(DEMO_OPTIONS['weights'])} --models {','.join(DEMO_OPTIONS['models'])}
  --fixed-effects twoway --decay-scheme within --decay-thresholds {DEMO_OPTIONS['decay_thresholds']}
  --decay-variable agglom --shock-entity 440000 (Guangdong)
Any analysis option below overrides these. Takes about 10-20 s on two cores.

""" + OUTPUT_HELP


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
    g.add_argument("--endog", metavar="VAR",
                   help="a regressor of --formula to treat as endogenous: adds a GS2SLS SAR column (spatial 2SLS, "
                        "Kelejian & Prucha) next to the ML models, with its first-stage table (needs --instruments)")
    g.add_argument("--instruments", metavar="LIST",
                   help="excluded instruments of --endog, comma-separated columns of the data (e.g. hist_univ)")
    g.add_argument("--dynamic", action="store_true", default=None,
                   help="add the dynamic SDM (tau y[t-1], eta W y[t-1]; Yu, de Jong & Lee bias correction) with its "
                        "short- and long-run effects")
    g.add_argument("--alpha", type=float, metavar="A",
                   help="significance level for tests and intervals (default: 0.05)")
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
    g.add_argument("--seed", type=int, help=f"random seed for permutations and effect draws (default: "
                                                f"{DEFAULT_SEED})")
    g.add_argument("--draws", type=int, metavar="N", help="simulation draws for effect inference (default: 1000)")
    g.add_argument("--permutations", type=int, metavar="N", help="permutations for Moran/LISA p-values (default: 999)")
    g.add_argument("--title", help="report title")
    g.add_argument("--config", metavar="FILE.toml", help="read options from a TOML file (command line wins)")
    g.add_argument("--out", "-o", metavar="DIR", help="output directory (default: ./spatialinno-demo or "
                                                        "./spatialinno-report); see 'output directory' below")
    g.add_argument("--quiet", "-q", action="store_true", default=None, help="no progress messages on stderr")
    g.add_argument("--debug", action="store_true", default=None,
                   help="print the traceback of an unexpected error (also with the environment variable "
                        f"{DEBUG_ENV}=1)")


def build_parser() -> argparse.ArgumentParser:
    """The ``spatialinno`` argument parser with its ``demo`` and ``analyze`` subcommands.

    Returns
    -------
    argparse.ArgumentParser
    """
    p = _Parser(prog=PROG, description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = p.add_subparsers(dest="command", metavar="{demo,analyze}", parser_class=_Parser)
    d = sub.add_parser("demo", help="run the whole analysis on the bundled simulated provincial panel",
                       description="Run the whole provincial analysis on the bundled SIMULATED panel and write an "
                                   "HTML report.", epilog=DEMO_EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter, argument_default=argparse.SUPPRESS)
    _add_analysis_options(d)
    a = sub.add_parser("analyze", aliases=["analyse"],
                       help="analyse your own map and panel (CSV, Excel, Stata or Parquet)",
                       description="Spatial panel analysis of your own data: map + long panel table -> weights, "
                                   "Moran/LISA, LM tests, SAR/SEM/SDM across weights, model choice, effects, "
                                   "distance decay, spillover map, HTML report.",
                       epilog=ANALYZE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
                       argument_default=argparse.SUPPRESS)
    g = a.add_argument_group("inputs")
    g.add_argument("--map", metavar="FILE", help="regions: shapefile (.shp), GeoPackage (.gpkg) or GeoJSON "
                                                 "(required*)")
    g.add_argument("--data", metavar="FILE", help="long, balanced panel, one row per (entity, time): CSV (UTF-8, "
                                                  "UTF-8 with BOM or GBK/GB18030, detected), Excel .xlsx, Stata .dta "
                                                  "or .parquet (required*)")
    g.add_argument("--encoding", metavar="ENC", help="text encoding of a CSV --data file, overriding the detection "
                                                     "(e.g. gbk, big5)")
    g.add_argument("--sheet", metavar="NAME", help="sheet of an Excel --data file (default: the first)")
    g.add_argument("--formula", "-f", metavar="'y ~ x1 + x2'", help="model formula, formulaic syntax (required*)")
    g.add_argument("--entity", metavar="COL", help="entity (region id or, with --id-by name, region name) column "
                                                   "of the data (required*)")
    g.add_argument("--time", metavar="COL", help="time column of the data (required*)")
    g.add_argument("--id-column", metavar="COL", help="region id column of the map (default: the --entity name; "
                                                        "with --id-by name: code)")
    g.add_argument("--name-column", metavar="COL", help="region name column of the map, for labels (optional)")
    g.add_argument("--id-by", choices=ID_BY, help="code: the --entity column holds the map's ids (default); name: it "
                                                  "holds region names (Chinese or English, e.g. 广东省 or Guangdong), "
                                                  "matched to the map's name_zh/name columns")
    g.add_argument("--missing", choices=("raise", "drop"),
                   help="rows with a missing value in a used column: stop with an error naming them (raise, default) "
                        "or drop them (listed in the report and tables/dropped_rows.csv)")
    g.add_argument("--drop-unmatched", action="store_true", default=None,
                   help="drop regions that are only on the map or only in the data (listed in the report and "
                        "run.json) instead of stopping with an error")
    _add_analysis_options(a)
    # the SUPPRESS default hides "default: None" noise and lets us tell given options from defaults
    return p


# -- entry point -----------------------------------------------------------------------------------
def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def main(argv: list[str] | None = None) -> int:
    """Run the command line and return the exit code (0 ok, 2 bad input, 1 unexpected error).

    Parameters
    ----------
    argv : list of str, optional
        Arguments without the program name (default ``sys.argv[1:]``).

    Returns
    -------
    int
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = os.environ.get(DEBUG_ENV, "") not in ("", "0") or "--debug" in argv
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
        run_analysis(resolve_options(ns), argv)
        return 0
    except SpatialInnoError as exc:
        print(f"{PROG}: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if debug:
            traceback.print_exc()
            print(f"{PROG}: unexpected error (exit 1); please report it with the traceback above", file=sys.stderr)
        else:
            print(f"{PROG}: unexpected error (exit 1): {type(exc).__name__}: {_one_line(exc)[:300]}; rerun with "
                  f"--debug (or {DEBUG_ENV}=1) for the traceback and please report it", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
