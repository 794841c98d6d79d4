"""The report steps after the model choice: true against estimated values (demo), the distance decay of
spillovers and the spillover map. Each returns a frozen record (see :mod:`spatialinno.cli.steps`)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .. import distance_decay
from ..decay import DecayResult
from ..errors import SpatialInnoError
from ..models import SpatialResults
from ..weights.geometry import great_circle_km, lonlat_points
from . import figures
from .inputs import Inputs
from .islands import island_only_rows
from .output import OutputDir
from .steps import MODEL_NAMES, SPILLOVER_ORDER, Choice, Models, WeightsStep, alpha_of, fit_model

__all__ = ["Truth", "Decay", "Spillover", "truth", "decay", "spillover", "auto_thresholds"]


@dataclass(frozen=True)
class Truth:
    """Demo only: estimates of the SDM under the main W against the simulated truth.

    Parameters
    ----------
    params, effects : DataFrame or None
        True and estimated parameters / effects with intervals and coverage (None without the SDM).
    fig : Path or None
    notes : tuple of str
    """

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
    tr, alpha, o = inp.truth, alpha_of(inp), inp.opts
    if tr is None:
        return Truth(None, None, None, ("True values exist only for the bundled simulated demo panel.",))
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
    """The distance-decay sweep.

    Parameters
    ----------
    result : DecayResult or None
        :func:`spatialinno.distance_decay` output (None when skipped or failed).
    thresholds : list of float or None
        Thresholds in km.
    boundary : float or None
        ``result.boundary(main variable)``.
    significant : list of float
        Thresholds with a significant indirect effect.
    fig : Path or None
    message : str or None
        Why the sweep did not run.
    notes : tuple of str
    """

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
    o, alpha = inp.opts, alpha_of(inp)
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
    """Effects on every region of a unit shock to the traced regressor in one region.

    Parameters
    ----------
    model : SpatialResults
        The model whose effects are mapped.
    effects : Series
        Effect on every region.
    fig : Path
    notes : tuple of str
    fit_times, failures :
        Timing and failure of an SDM fitted here (the chosen model has no spillovers and the SDM was not a
        candidate).
    """

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
            sdm, err = fit_model(inp, "sdm", ws.W[ws.main])
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
    island = {i: "island link only" for i in island_only_rows(res.weights)}
    fig = figures.spillover_figure(inp.gdf, inp.opts["id_column"], s, inp.shock, title, island)
    return Spillover(model=res, effects=s, fig=out.figure(fig, "spillover_map"), notes=tuple(notes), fit_times=times,
                     failures=tuple(failures))
