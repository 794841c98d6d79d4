"""The analysis steps of the report, each a function of the previous steps' results returning a frozen record.

inputs (:mod:`spatialinno.cli.inputs`) -> :func:`build_weights` -> :func:`describe_data` -> :func:`explore`
(Moran by period, LISA) -> :func:`lm_step` -> :func:`estimate` (models across weights) -> :func:`compare_models`
-> :func:`choose` (``si.select_model`` and the effects) -> :func:`truth` (demo) -> :func:`decay` ->
:func:`spillover`. Steps write their tables and figures through an :class:`~spatialinno.cli.output.OutputDir`.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .. import compare, distance_decay, lm_tests, local_moran, moran_by_period, select_model
from .. import weights as W
from ..decay import DecayResult
from ..errors import SpatialInnoError
from ..models import SpatialResults, fit
from ..selection import CANDIDATES, ModelChoice
from ..tables import CompareTable
from ..weights.geometry import great_circle_km, lonlat_points
from . import figures
from .inputs import Inputs, economic_values
from .options import InputError
from .output import OutputDir

__all__ = ["WeightsStep", "DataSummary", "Exploration", "LMStep", "Models", "Comparison", "Choice", "Truth",
           "Decay", "Spillover", "build_weights", "describe_data", "explore", "lm_step", "estimate",
           "compare_models", "choose", "truth", "decay", "spillover", "MODEL_NAMES"]

MODEL_NAMES = CANDIDATES
#: models with spillover effects, in the order the report prefers them for the comparison across weights
SPILLOVER_ORDER = ("sdm", "sar", "sac", "sdem", "slx")


def _alpha(inp: Inputs) -> float:
    return float(inp.opts["alpha"])


@dataclass(frozen=True)
class WeightsStep:
    """The weights of the run: ``W`` by label (the first is the main W) and their summary table."""

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
        sm = w.summary()
        rows.append({"weights": label, "description": w.describe(), "links": int(sm["links"]),
                     "mean_neighbors": float(sm["mean_neighbors"]), "min_neighbors": int(sm["min_neighbors"]),
                     "max_neighbors": int(sm["max_neighbors"]), "islands": len(sm["islands"]),
                     "added_links": "; ".join(f"{a}-{b}" for a, b in sm["added_links"])
                     if len(sm["added_links"]) else ""})
    table = pd.DataFrame(rows).set_index("weights")
    out.table(table, "weights")
    return WeightsStep(W=ws, main=o["wspecs"][0].label, table=table)


@dataclass(frozen=True)
class DataSummary:
    """Descriptive statistics, the outcome in the last period and the data maps."""

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
    """Global Moran's I by period and local Moran (LISA) in the last period, under the main W."""

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
    o, w, a = inp.opts, ws.W[ws.main], _alpha(inp)
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
    """LM tests under every W (None when skipped, with the reason in ``notes``)."""

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
    """Every fit: ``fits[(model, weights label)]`` (None when it failed), failures, timings, the model family
    compared across weights and the successful fits under the main W."""

    fits: dict
    failures: tuple[dict, ...]
    fit_times: dict
    family: str
    main: dict
    estimates: pd.DataFrame


def _fit(inp: Inputs, model: str, w: W.Weights) -> tuple[SpatialResults | None, SpatialInnoError | None]:
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
        res, err = _fit(inp, m, ws.W[wl])
        if err is not None:
            failures.append({"model": MODEL_NAMES[m], "weights": wl, "error": type(err).__name__,
                             "message": " ".join(str(err).split())})
        times[f"{MODEL_NAMES[m]} | {wl}"] = round(time.perf_counter() - t, 3)
        fits[(m, wl)] = res
    main = {m: fits[(m, ws.main)] for m in models if fits[(m, ws.main)] is not None}
    if not main:
        reasons = "; ".join(f"{f['model']}: {f['message']}" for f in failures if f["weights"] == ws.main)
        raise InputError(f"no model could be estimated under the main weights {ws.main}: {reasons[:300]}")
    alpha = _alpha(inp)
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
    """``si.compare`` tables: the model family across weights (None with one W) and the models under the main W."""

    across: CompareTable | None
    main: CompareTable


def compare_models(inp: Inputs, ws: WeightsStep, mods: Models, out: OutputDir) -> Comparison:
    """Side-by-side tables with effects (``tables/models_across_weights``, ``tables/models_main_weights``).

    Parameters
    ----------
    inp : Inputs
    ws : WeightsStep
    mods : Models
    out : OutputDir

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
    main = compare(list(mods.main.values()), effects=True, names=names, draws=o["draws"], seed=o["seed"])
    _save_compare(out, main, "models_main_weights", f"Models under the main weights ({ws.main})")
    return Comparison(across=across, main=main)


def _save_compare(out: OutputDir, tab: CompareTable, name: str, caption: str) -> None:
    out.table(tab.frame.copy(), name, latex=tab.to_latex(caption=caption, label=f"tab:{name}"))
    out.text(tab.to_markdown(), f"{name}.md")


@dataclass(frozen=True)
class Choice:
    """The model choice (``si.select_model``), its test table and the chosen model's effects."""

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


@dataclass(frozen=True)
class Truth:
    """Demo only: estimates of the SDM under the main W against the simulated truth (None when unavailable)."""

    params: pd.DataFrame | None
    effects: pd.DataFrame | None
    fig: Path | None
    notes: tuple[str, ...]


def truth(inp: Inputs, ws: WeightsStep, mods: Models, out: OutputDir) -> Truth:
    """True against estimated parameters and LeSage-Pace effects (true effects from the DGP on its own W).

    The true effects are ``S = (I - rho W)^-1 (beta_k I + theta_k W)``: direct ``tr(S)/n``, total
    ``1' S 1 / n``, indirect their difference (LeSage and Pace 2009, ch. 2).

    Parameters
    ----------
    inp : Inputs
    ws : WeightsStep
    mods : Models
    out : OutputDir

    Returns
    -------
    Truth
    """
    tr, alpha, o = inp.truth, _alpha(inp), inp.opts
    res = mods.fits.get(("sdm", ws.main))
    if res is None:
        return Truth(None, None, None, ("True vs estimated values need the SDM under contiguity (the "
                                        "data-generating model).",))
    true = {**tr["beta"], **tr["theta"], "rho": tr["rho"]}
    ci = res.conf_int(alpha)
    rows = []
    for k, v in true.items():
        if k in res.params.index:
            lo, hi = ci.loc[k, "lower"], ci.loc[k, "upper"]
            rows.append({"parameter": k, "true": v, "estimate": res.params[k], "std_error": res.bse[k],
                         "ci_lower": lo, "ci_upper": hi, "covered": bool(lo <= v <= hi)})
    params = pd.DataFrame(rows).set_index("parameter")
    out.table(params, "truth_vs_estimate")
    w = ws.W[ws.main].sparse.toarray()
    n = w.shape[0]
    S = np.linalg.inv(np.eye(n) - tr["rho"] * w)
    imp = res.impacts(method="simulation", draws=o["draws"], seed=o["seed"], alpha=alpha)
    rows = []
    for v, b in tr["beta"].items():
        Sk = S @ (b * np.eye(n) + tr["theta"].get(f"W_{v}", 0.0) * w)
        direct, total = np.trace(Sk) / n, Sk.sum() / n
        for e, val in (("direct", direct), ("indirect", total - direct), ("total", total)):
            r = imp.loc[(v, e)]
            rows.append({"variable": v, "effect": e, "true": val, "estimate": r["estimate"],
                         "ci_lower": r["ci_lower"], "ci_upper": r["ci_upper"],
                         "covered": bool(r["ci_lower"] <= val <= r["ci_upper"])})
    effects = pd.DataFrame(rows).set_index(["variable", "effect"])
    out.table(effects, "truth_vs_estimate_effects")
    fig = out.figure(figures.truth_figure(params, alpha, ws.main), "truth_vs_estimate")
    return Truth(params, effects, fig, ())


@dataclass(frozen=True)
class Decay:
    """The distance-decay sweep (``result`` None when skipped or failed, with ``message``)."""

    result: DecayResult | None
    thresholds: list[float] | None
    boundary: float | None
    significant: list[float]
    fig: Path | None
    message: str | None
    notes: tuple[str, ...]


def _nice_step(x: float) -> float:
    if x <= 0:
        return 1.0
    e = 10 ** np.floor(np.log10(x))
    for m in (1, 2, 2.5, 5, 10):
        if x <= m * e:
            return float(m * e)
    return float(10 * e)


def auto_thresholds(inp: Inputs, scheme: str) -> tuple[list[float], str]:
    """Eight thresholds in nice steps up to about the median great-circle distance between region centroids.

    Parameters
    ----------
    inp : Inputs
    scheme : {"band", "beyond", "within"}
        ``within`` starts at one step (a zero radius links nobody), the others at 0.

    Returns
    -------
    list of float, str
        The thresholds in km and a note saying how they were chosen.
    """
    d = great_circle_km(lonlat_points(inp.gdf, inp.ids))
    med = float(np.median(d[np.triu_indices(len(d), 1)]))
    step = _nice_step(med / 8)
    th = [step * k for k in range(8)] if scheme != "within" else [step * k for k in range(1, 9)]
    return th, (f"Decay thresholds chosen automatically: {th[0]:g} to {th[-1]:g} km in steps of {step:g} km "
                f"(the median distance between regions is {med:,.0f} km); set them with --decay-thresholds.")


def decay(inp: Inputs, choice: Choice, out: OutputDir) -> Decay:
    """Re-estimate the chosen spillover model (the SDM otherwise) on distance-threshold weights.

    Parameters
    ----------
    inp : Inputs
    choice : Choice
    out : OutputDir

    Returns
    -------
    Decay
    """
    o, alpha = inp.opts, _alpha(inp)
    if o["no_decay"]:
        return Decay(None, None, None, [], None, "Distance decay skipped (--no-decay).", ())
    notes = []
    model = choice.key if choice.key in SPILLOVER_ORDER else "sdm"
    if model != choice.key:
        notes.append(f"The decay curve uses the SDM: the chosen {MODEL_NAMES[choice.key]} has no spillover "
                     f"(indirect) effects to trace.")
    th, scheme = o["decay_thresholds"], o["decay_scheme"]
    if th is None:
        th, note = auto_thresholds(inp, scheme)
        notes.append(note)
    bw = o["decay_band_width"] if scheme == "band" else None
    if scheme != "band" and o["decay_band_width"] is not None:
        notes.append(f"--decay-band-width is ignored with scheme {scheme!r}.")
    try:
        res = distance_decay(o["formula"], inp.data, inp.gdf, model=model, entity=o["entity"], time=o["time"],
                             fixed_effects=o["fixed_effects"], bias_correction=o["bias_correction"],
                             thresholds_km=th, scheme=scheme, band_width_km=bw, gdf_id=o["id_column"],
                             variables=[inp.main_var], draws=o["draws"], seed=o["seed"], alpha=alpha)
    except SpatialInnoError as exc:
        msg = f"The distance-decay sweep could not be run: {' '.join(str(exc).split())}"
        return Decay(None, None, None, [], None, msg, tuple(notes))
    out.table(res.table, "decay")
    sig = res.significant(inp.main_var).dropna()
    fig = out.figure(figures.decay_figure(res, inp.main_var), "decay")
    return Decay(result=res, thresholds=list(map(float, th)), boundary=res.boundary(inp.main_var, alpha=alpha),
                 significant=[float(t) for t, f in zip(sig.index, sig.to_numpy(dtype=bool)) if f], fig=fig,
                 message=None, notes=tuple(notes))


@dataclass(frozen=True)
class Spillover:
    """Effects on every region of a unit shock to the traced regressor in one region (``fit_times`` and
    ``failures`` of an SDM fitted here when the chosen model has no spillovers and the SDM was not a candidate)."""

    model: SpatialResults
    effects: pd.Series
    fig: Path
    notes: tuple[str, ...]
    fit_times: dict
    failures: tuple[dict, ...]


def spillover(inp: Inputs, ws: WeightsStep, mods: Models, choice: Choice, out: OutputDir) -> Spillover:
    """Column ``shock`` of ``(I - rho W)^-1 (beta I + theta W)`` of the chosen model (the SDM if it has none).

    Parameters
    ----------
    inp : Inputs
    ws : WeightsStep
    mods : Models
    choice : Choice
    out : OutputDir

    Returns
    -------
    Spillover
    """
    res, notes, times, failures = choice.chosen, [], {}, []
    if choice.key not in SPILLOVER_ORDER:
        sdm = mods.fits.get(("sdm", ws.main))
        if ("sdm", ws.main) not in mods.fits:
            t = time.perf_counter()
            sdm, err = _fit(inp, "sdm", ws.W[ws.main])
            times[f"SDM | {ws.main}"] = round(time.perf_counter() - t, 3)
            if err is not None:
                failures.append({"model": "SDM", "weights": ws.main, "error": type(err).__name__,
                                 "message": " ".join(str(err).split())})
        if sdm is not None:
            res = sdm
            notes.append(f"The spillover map uses the SDM under {ws.main}: the chosen {MODEL_NAMES[choice.key]} has "
                         f"no spillover effects.")
        else:
            notes.append(f"The chosen {MODEL_NAMES[choice.key]} has no spillover effects and the SDM could not be "
                         f"estimated: the spillover map shows the own effect only.")
    s = res.spillover_from(inp.shock, inp.main_var)
    s.name = f"effect on {inp.outcome}"
    names = [inp.names.get(i, "") if inp.names else "" for i in s.index]
    tab = pd.DataFrame({"name": names, "effect": s.to_numpy()}, index=pd.Index(s.index, name="id"))
    out.table(tab.sort_values("effect", ascending=False), "spillover", tex=False)
    title = f"Effect on {inp.outcome} of a 1-unit rise in {inp.main_var} in {inp.label(inp.shock)}"
    fig = figures.spillover_figure(inp.gdf, inp.opts["id_column"], s, inp.shock, title)
    return Spillover(model=res, effects=s, fig=out.figure(fig, "spillover_map"), notes=tuple(notes), fit_times=times,
                     failures=tuple(failures))
