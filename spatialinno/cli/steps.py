"""The analysis steps of the report, each a function of the previous steps' results returning a frozen record.

inputs (:mod:`spatialinno.cli.inputs`) -> :func:`build_weights` -> :func:`describe_data` -> :func:`explore`
(Moran by period, LISA) -> :func:`lm_step` -> :func:`estimate` (models across weights) -> :func:`compare_models`
-> :func:`choose` (``si.select_model`` and the effects); the steps after the choice (truth, decay, spillover
map) are in :mod:`spatialinno.cli.effect_steps`. Steps write their tables and figures through an
:class:`~spatialinno.cli.output.OutputDir`.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .. import compare, lm_tests, local_moran, moran_by_period, select_model
from .. import weights as W
from ..errors import SpatialInnoError
from ..iv.results import IVResults
from ..models import SpatialResults, fit
from ..selection import CANDIDATES, ModelChoice
from ..tables import CompareTable
from . import figures
from .inputs import Inputs, economic_values
from .options import InputError
from .output import OutputDir

__all__ = ["WeightsStep", "DataSummary", "Exploration", "LMStep", "Models", "Comparison", "Choice", "build_weights",
           "describe_data", "explore", "lm_step", "estimate", "compare_models", "choose", "fit_model", "MODEL_NAMES",
           "SPILLOVER_ORDER"]

MODEL_NAMES = CANDIDATES
#: models with spillover effects, in the order the report prefers them for the comparison across weights
SPILLOVER_ORDER = ("sdm", "sar", "sac", "sdem", "slx")


def alpha_of(inp: Inputs) -> float:
    """The run's significance level.

    Parameters
    ----------
    inp : Inputs

    Returns
    -------
    float
    """
    return float(inp.opts["alpha"])


@dataclass(frozen=True)
class WeightsStep:
    """The weights of the run.

    Parameters
    ----------
    W : dict of str to Weights
        Every weights matrix by label, in ``--weights`` order.
    main : str
        Label of the main W (the first).
    table : DataFrame
        Links, neighbours, islands and added links per W.
    """

    W: dict
    main: str
    table: pd.DataFrame


def build_weights(inp: Inputs, out: OutputDir) -> WeightsStep:
    """Build every ``--weights`` matrix (row-normalised) and tabulate them (``tables/weights``).

    Parameters
    ----------
    inp : Inputs
    out : OutputDir

    Returns
    -------
    WeightsStep
    """
    o, gdf, idc = inp.opts, inp.gdf, inp.opts["id_column"]
    built: dict = {}
    for spec in o["wspecs"]:
        if spec.kind == "contiguity":
            built[spec.label] = W.contiguity(gdf, id=idc, rule=spec.args["rule"], islands="nearest")
        elif spec.kind == "inverse_distance":
            built[spec.label] = W.inverse_distance(gdf, id=idc, power=spec.args["power"])
        elif spec.kind == "band":
            built[spec.label] = W.distance_band(gdf, id=idc, lower_km=spec.args["lower_km"],
                                                upper_km=spec.args["upper_km"])
        elif spec.kind == "knn":
            built[spec.label] = W.knn(gdf, id=idc, k=spec.args["k"])
        elif spec.kind == "economic" and spec.args.get("by_period"):
            built[spec.label] = _economic_by_period(inp, spec.args["column"])
        elif spec.kind == "economic":
            built[spec.label] = W.economic_distance(economic_values(spec.args["column"], inp.data, o["entity"],
                                                                    inp.ids))
    for spec in o["wspecs"]:
        if spec.kind == "nested":
            geo = built.get("contiguity") or W.contiguity(gdf, id=idc, islands="nearest")
            built[spec.label] = W.nested(geo, built[spec.args["economic"]], phi=spec.args["phi"])
    ws = {s.label: built[s.label] for s in o["wspecs"]}
    rows = []
    for label, w in ws.items():
        sms = [wt.summary() for _, wt in w.items()] if isinstance(w, W.PeriodWeights) else [w.summary()]
        sm = sms[0]
        rows.append({"weights": label, "description": w.describe(),
                     "links": int(round(np.mean([s["links"] for s in sms]))),
                     "mean_neighbors": float(np.mean([s["mean_neighbors"] for s in sms])),
                     "min_neighbors": int(min(s["min_neighbors"] for s in sms)),
                     "max_neighbors": int(max(s["max_neighbors"] for s in sms)),
                     "islands": max(len(s["islands"]) for s in sms),
                     "added_links": "; ".join(f"{a}-{b}" for a, b in sm["added_links"])
                     if len(sm["added_links"]) else ""})
    table = pd.DataFrame(rows).set_index("weights")
    out.table(table, "weights")
    return WeightsStep(W=ws, main=o["wspecs"][0].label, table=table)


def _economic_by_period(inp: Inputs, column: str) -> W.PeriodWeights:
    """One economic-distance W per period from that period's ``column`` (ties and gaps named, exit 2)."""
    o = inp.opts
    values = inp.data.set_index([o["entity"], o["time"]])[column]
    try:
        return W.economic_distance_by_period(values)
    except SpatialInnoError as exc:
        raise InputError(f"weights economic:{column}:by-period: {' '.join(str(exc).split())}") from None


@dataclass(frozen=True)
class DataSummary:
    """Descriptive statistics, the outcome in the last period and the data maps.

    Parameters
    ----------
    table : DataFrame
        Mean, std, min, max and missing count of the outcome and each regressor.
    y_last : Series
        The outcome in the last period by region id.
    fig_maps : Path
        ``figures/data_maps.png``.
    """

    table: pd.DataFrame
    y_last: pd.Series
    fig_maps: Path


def describe_data(inp: Inputs, out: OutputDir) -> DataSummary:
    """Descriptive statistics of the outcome and regressors; maps of the outcome and the traced regressor.

    Parameters
    ----------
    inp : Inputs
    out : OutputDir

    Returns
    -------
    DataSummary
    """
    d, ent, tim = inp.data, inp.opts["entity"], inp.opts["time"]
    cols = {inp.outcome: d[inp.outcome].to_numpy(float), **{c: inp.X[c].to_numpy(float) for c in inp.regressors}}
    rows = [{"variable": c, "role": "outcome" if c == inp.outcome else "regressor", "mean": np.nanmean(v),
             "std": np.nanstd(v, ddof=1), "min": np.nanmin(v), "max": np.nanmax(v), "missing": int(np.isnan(v).sum())}
            for c, v in cols.items()]
    table = pd.DataFrame(rows).set_index("variable")
    out.table(table, "descriptives")
    last = inp.last_period
    dl = d[d[tim] == last]
    y_last = pd.Series(dl[inp.outcome].to_numpy(float), index=dl[ent].to_numpy(), name=f"{inp.outcome}, {last}")
    x_last = pd.Series(inp.X.loc[dl.index, inp.main_var].to_numpy(float), index=dl[ent].to_numpy(),
                       name=f"{inp.main_var}, {last}")
    fig = figures.data_maps(inp.gdf, inp.opts["id_column"], y_last, x_last, inp.outcome, inp.main_var, last)
    return DataSummary(table=table, y_last=y_last, fig_maps=out.figure(fig, "data_maps"))


@dataclass(frozen=True)
class Exploration:
    """Global Moran's I by period and local Moran (LISA) in the last period, under the main W.

    Parameters
    ----------
    moran : DataFrame
        :func:`spatialinno.moran_by_period` output.
    moran_columns : list of str
        The columns shown and saved.
    lisa : DataFrame
        :func:`spatialinno.local_moran` output.
    fig_moran, fig_lisa : Path
    """

    moran: pd.DataFrame
    moran_columns: list[str]
    lisa: pd.DataFrame
    fig_moran: Path
    fig_lisa: Path


def explore(inp: Inputs, ws: WeightsStep, summ: DataSummary, out: OutputDir) -> Exploration:
    """Moran's I of the outcome in every period and LISA clusters in the last one.

    Parameters
    ----------
    inp : Inputs
    ws : WeightsStep
    summ : DataSummary
    out : OutputDir

    Returns
    -------
    Exploration
    """
    o, w, a = inp.opts, ws.W[ws.main], alpha_of(inp)
    mt = moran_by_period(inp.data, inp.outcome, w, o["entity"], o["time"], permutations=o["permutations"],
                         seed=o["seed"])
    keep = ["I", "expected", "z_rand", "p_rand"] + (["p_sim"] if o["permutations"] > 0 else [])
    out.table(mt[keep], "moran_by_period")
    fig_m = out.figure(figures.moran_figure(mt, a, f"Moran's I of {inp.outcome} ({ws.main} W)"), "moran_by_period")
    lisa = local_moran(summ.y_last, w, permutations=max(o["permutations"], 99), seed=o["seed"], alpha=a)
    slug = re.sub(r"[^A-Za-z0-9]+", "_", str(inp.last_period)).strip("_").lower()
    out.table(lisa, f"local_moran_{slug}", tex=False)
    fig = figures.lisa_figure(inp.gdf, o["id_column"], lisa, summ.y_last, w, inp.outcome, inp.last_period)
    return Exploration(moran=mt, moran_columns=keep, lisa=lisa, fig_moran=fig_m, fig_lisa=out.figure(fig, "lisa_map"))


@dataclass(frozen=True)
class LMStep:
    """LM tests under every W.

    Parameters
    ----------
    frames : dict of str to DataFrame or None
        ``statistic`` and ``p_value`` of each test, per W (None when skipped).
    table : DataFrame or None
        All W side by side.
    notes : tuple of str
        Why the tests were skipped.
    """

    frames: dict | None
    table: pd.DataFrame | None
    notes: tuple[str, ...]


def lm_step(inp: Inputs, ws: WeightsStep, out: OutputDir) -> LMStep:
    """LM-lag, LM-error, their robust versions and SARMA under each W (not for random effects).

    Parameters
    ----------
    inp : Inputs
    ws : WeightsStep
    out : OutputDir

    Returns
    -------
    LMStep
    """
    o = inp.opts
    if o["fixed_effects"] == "random":
        return LMStep(None, None, ("LM tests skipped: they use OLS/within residuals and are not defined for random "
                                   "effects.",))
    frames = {label: lm_tests(o["formula"], inp.data, w, entity=o["entity"], time=o["time"],
                              fixed_effects=o["fixed_effects"])[["statistic", "p_value"]]
              for label, w in ws.W.items()}
    tab = pd.concat(frames, axis=1)
    tab.columns = [f"{a} {b}" for a, b in tab.columns]
    out.table(tab, "lm_tests")
    return LMStep(frames, tab, ())


@dataclass(frozen=True)
class Models:
    """Every model fit of the run.

    Parameters
    ----------
    fits : dict
        ``fits[(model, weights label)]``: results, None when the fit failed.
    failures : tuple of dict
        Model, weights, error class and message of each failed fit.
    fit_times : dict
        Seconds per ``"MODEL | weights"``.
    family : str
        The model compared across weights.
    main : dict
        Successful fits under the main W, by lower-case model name.
    estimates : DataFrame
        Long table of every coefficient of every fit.
    """

    fits: dict
    failures: tuple[dict, ...]
    fit_times: dict
    family: str
    main: dict
    estimates: pd.DataFrame


def fit_model(inp: Inputs, model: str, w: W.Weights) -> tuple[SpatialResults | None, SpatialInnoError | None]:
    """Fit ``model`` with the run's formula, panel and fixed effects; a failure is returned, not raised.

    Parameters
    ----------
    inp : Inputs
    model : str
        Lower-case model name.
    w : Weights

    Returns
    -------
    SpatialResults or None, SpatialInnoError or None
    """
    o = inp.opts
    try:
        return fit(MODEL_NAMES[model], o["formula"], inp.data, w, entity=o["entity"], time=o["time"],
                   fixed_effects=o["fixed_effects"], bias_correction=o["bias_correction"]), None
    except SpatialInnoError as exc:
        return None, exc


def estimate(inp: Inputs, ws: WeightsStep, out: OutputDir) -> Models:
    """Fit every ``--models`` model under the main W, and the preferred spillover model under each other W.

    Parameters
    ----------
    inp : Inputs
    ws : WeightsStep
    out : OutputDir

    Returns
    -------
    Models
    """
    models = inp.opts["models"]
    lagged = [m for m in SPILLOVER_ORDER if m in models]
    family = "sdm" if "sdm" in models else (lagged[0] if lagged else models[0])
    todo = [(m, ws.main) for m in models] + [(family, wl) for wl in ws.W if wl != ws.main]
    fits, failures, times = {}, [], {}
    for m, wl in todo:
        t = time.perf_counter()
        res, err = fit_model(inp, m, ws.W[wl])
        if err is not None:
            failures.append({"model": MODEL_NAMES[m], "weights": wl, "error": type(err).__name__,
                             "message": " ".join(str(err).split())})
        times[f"{MODEL_NAMES[m]} | {wl}"] = round(time.perf_counter() - t, 3)
        fits[(m, wl)] = res
    main = {m: fits[(m, ws.main)] for m in models if fits[(m, ws.main)] is not None}
    if not main:
        reasons = "; ".join(f"{f['model']}: {f['message']}" for f in failures if f["weights"] == ws.main)
        raise InputError(f"no model could be estimated under the main weights {ws.main}: {reasons[:300]}")
    alpha = alpha_of(inp)
    rows = []
    for (m, wl), r in fits.items():
        if r is None:
            continue
        ci = r.conf_int(alpha)
        for term in r.params.index:
            rows.append({"model": MODEL_NAMES[m], "weights": wl, "term": term, "estimate": r.params[term],
                         "std_error": r.bse[term], "z": r.zvalues[term], "p_value": r.pvalues[term],
                         "ci_lower": ci.loc[term, "lower"], "ci_upper": ci.loc[term, "upper"]})
        rows.append({"model": MODEL_NAMES[m], "weights": wl, "term": "log_likelihood", "estimate": r.llf})
        rows.append({"model": MODEL_NAMES[m], "weights": wl, "term": "sigma2", "estimate": r.sigma2})
    estimates = pd.DataFrame(rows)
    out.table(estimates, "estimates", tex=False, index=False)
    return Models(fits=fits, failures=tuple(failures), fit_times=times, family=family, main=main,
                  estimates=estimates)


@dataclass(frozen=True)
class Comparison:
    """``si.compare`` tables.

    Parameters
    ----------
    across : CompareTable or None
        The model family under each W (None with a single W).
    main : CompareTable
        The models under the main W.
    """

    across: CompareTable | None
    main: CompareTable


def compare_models(inp: Inputs, ws: WeightsStep, mods: Models, out: OutputDir,
                   iv: IVResults | None = None) -> Comparison:
    """Side-by-side tables with effects (``tables/models_across_weights``, ``tables/models_main_weights``).

    Parameters
    ----------
    inp : Inputs
    ws : WeightsStep
    mods : Models
    out : OutputDir
    iv : IVResults, optional
        A GS2SLS fit under the main W, added as the last column of the main table.

    Returns
    -------
    Comparison
    """
    o = inp.opts
    across_fits = [(wl, mods.fits[(mods.family, wl)]) for wl in ws.W if mods.fits.get((mods.family, wl)) is not None]
    across = None
    if len(ws.W) > 1 and across_fits:
        names = [f"{MODEL_NAMES[mods.family]} | {wl}" for wl, _ in across_fits]
        across = compare([r for _, r in across_fits], effects=True, names=names, draws=o["draws"], seed=o["seed"])
        _save_compare(out, across, "models_across_weights", f"{MODEL_NAMES[mods.family]} under each spatial weights "
                                                            f"matrix")
    names = [f"{MODEL_NAMES[m]} | {ws.main}" for m in mods.main]
    fits: list = list(mods.main.values())
    if iv is not None:
        fits.append(iv)
        names.append(f"GS2SLS SAR | {ws.main}")
    main = compare(fits, effects=True, names=names, draws=o["draws"], seed=o["seed"])
    _save_compare(out, main, "models_main_weights", f"Models under the main weights ({ws.main})")
    return Comparison(across=across, main=main)


def _save_compare(out: OutputDir, tab: CompareTable, name: str, caption: str) -> None:
    out.table(tab.frame.copy(), name, latex=tab.to_latex(caption=caption, label=f"tab:{name}"))
    out.text(tab.to_markdown(), f"{name}.md")


@dataclass(frozen=True)
class Choice:
    """The model choice and the chosen model's effects.

    Parameters
    ----------
    selection : ModelChoice
        :func:`spatialinno.select_model` result.
    tests : DataFrame
        The LR, Wald and AIC rows of ``selection.steps`` (``tables/model_tests``).
    impacts : DataFrame
        LeSage-Pace effects of the chosen model with simulation intervals.
    fig_effects : Path
    notes : tuple of str
    """

    selection: ModelChoice
    tests: pd.DataFrame
    impacts: pd.DataFrame
    fig_effects: Path
    notes: tuple[str, ...]

    @property
    def key(self) -> str:
        """Lower-case name of the chosen model."""
        return self.selection.key

    @property
    def chosen(self) -> SpatialResults:
        """The chosen model's results."""
        return self.selection.chosen


def choose(inp: Inputs, ws: WeightsStep, mods: Models, out: OutputDir) -> Choice:
    """Choose the model with :func:`spatialinno.select_model` and compute its LeSage-Pace effects.

    Parameters
    ----------
    inp : Inputs
    ws : WeightsStep
    mods : Models
    out : OutputDir

    Returns
    -------
    Choice
    """
    o = inp.opts
    sel = select_model(o["formula"], inp.data, ws.W[ws.main], entity=o["entity"], time=o["time"],
                       fixed_effects=o["fixed_effects"], bias_correction=o["bias_correction"], alpha=o["alpha"],
                       fits=mods.main)
    tests = sel.steps.loc[sel.steps["stage"] != "LM", ["null hypothesis", "statistic", "df", "p_value"]]
    out.table(tests, "model_tests")
    imp = sel.chosen.impacts(method="simulation", draws=o["draws"], seed=o["seed"], alpha=o["alpha"])
    notes: tuple[str, ...] = ()
    if sel.key in ("sem", "ols"):
        notes = (f"The {sel.name} has no spillover channel: its indirect effects are 0 by construction and its "
                 f"direct effects equal the coefficients.",)
    out.table(imp, f"effects_{sel.key}")
    fig = out.figure(figures.effects_figure(imp), "effects")
    return Choice(selection=sel, tests=tests, impacts=imp, fig_effects=fig, notes=notes)
