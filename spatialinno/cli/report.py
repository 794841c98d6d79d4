"""The report document: one section per analysis step, built from the steps' frozen results.

:func:`build_document` returns a :class:`~spatialinno.cli.document.Document` that renders to the
self-contained ``report.html``; :func:`results_record` gives the main results for ``run.json``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from html import escape as esc
from pathlib import Path

import numpy as np
import pandas as pd

from .. import __version__
from . import prose
from .checks import dropped_lines
from .document import Document, Section
from .dynamic_step import DynamicStep
from .effect_steps import Decay, Spillover, Truth
from .formatting import fmt_p
from .inputs import Inputs
from .iv_step import IVStep
from .output import command_line, versions
from .steps import MODEL_NAMES, Choice, Comparison, DataSummary, Exploration, LMStep, Models, WeightsStep

__all__ = ["Analysis", "build_document", "results_record"]


@dataclass(frozen=True)
class Analysis:
    """Every step result of one run, with the notes and warnings collected along the way.

    Parameters
    ----------
    inputs, weights, summary, exploration, lm, models, comparison, choice, truth, decay, spillover :
        The step results (``truth`` None outside the demo).
    findings : list of str
        :func:`spatialinno.cli.prose.findings`.
    notes, warnings : tuple of str
    argv : list of str
        The command-line arguments.
    """

    inputs: Inputs
    weights: WeightsStep
    summary: DataSummary
    exploration: Exploration
    lm: LMStep
    models: Models
    comparison: Comparison
    choice: Choice
    truth: Truth | None
    decay: Decay
    spillover: Spillover
    findings: list[str]
    notes: tuple[str, ...]
    warnings: tuple[str, ...]
    argv: list[str]
    iv: IVStep | None = None
    dynamic: DynamicStep | None = None

    @property
    def failures(self) -> tuple[dict, ...]:
        """Every model fit that failed (candidates, then an SDM fitted for the spillover map)."""
        return self.models.failures + self.spillover.failures


def _findings(doc: Document, r: Analysis, lvl: str) -> None:
    o = r.inputs.opts
    sec = doc.section("findings", "Findings")
    sec.html('<div class="findings">' + "".join(f"<p>{esc(t)}</p>" for t in r.findings) + "</div>")
    sec.paragraph(f"Effects are LeSage-Pace average effects of the chosen model with {lvl} intervals from "
                  f"{o['draws']} simulation draws (seed {o['seed']}). The sections below give the details.", cls="note")


def _data(doc: Document, r: Analysis) -> None:
    inp, o, main_w = r.inputs, r.inputs.opts, r.weights.main
    sec = doc.section("data", "Data and weights")
    src = ("the bundled provinces map and SIMULATED demo panel" if inp.demo else
           f"map {Path(o['map']).name} (id column {o['id_column']!r}) and panel {Path(o['data']).name}")
    sec.paragraph(f"Inputs: {src}. {len(inp.ids)} regions observed in {len(inp.periods)} periods "
                  f"({inp.periods[0]} to {inp.periods[-1]}), {len(inp.data)} observations in a balanced panel. "
                  f"Outcome: {inp.outcome}; regressors: {', '.join(inp.regressors)}; the variable whose spillovers "
                  f"are traced: {inp.main_var}.")
    dropped = dropped_lines(inp.dropped)
    if dropped:
        both = " The analysis uses the regions on both sides only." if inp.dropped.get("map_only") or \
            inp.dropped.get("data_only") else ""
        sec.callout(" ".join(dropped) + both, kind="warn")
    sec.table(r.summary.table, "Descriptive statistics (all observations)")
    sec.figure(r.summary.fig_maps, f"{inp.outcome} and {inp.main_var} in {inp.last_period} (quantile classes; "
                                   f"number of regions per class in the legend)")
    sec.table(r.weights.table, "Spatial weights (row-normalised)",
              note=f"The main W is {main_w}: it is used for Moran's I, LISA, LM tests, the model comparison "
                   f"and the effects. Islands of contiguity are linked to their nearest region (added links).",
              formats={"mean_neighbors": lambda x: f"{x:.2f}"})


def _autocorrelation(doc: Document, r: Analysis, a: float, lvl: str) -> None:
    inp, ex, o = r.inputs, r.exploration, r.inputs.opts
    sec = doc.section("autocorrelation", "Spatial autocorrelation")
    sec.figure(ex.fig_moran, f"Global Moran's I of {inp.outcome} per period; the grey band is the {lvl} range "
                             f"expected without spatial autocorrelation (randomisation moments)")
    sec.table(ex.moran[ex.moran_columns], f"Moran's I of {inp.outcome} by period ({r.weights.main} W, "
                                          f"{o['permutations']} permutations)", highlight=lambda q: q["p_rand"] < a,
              legend=f"significant: randomisation p < {a:g}")
    counts = ex.lisa["cluster"].value_counts()
    cl = ", ".join(f"{k} {int(counts.get(k, 0))}" for k in ("HH", "LL", "HL", "LH", "ns"))
    hh = [inp.label(i) for i in ex.lisa.index[ex.lisa["cluster"] == "HH"]]
    ll = [inp.label(i) for i in ex.lisa.index[ex.lisa["cluster"] == "LL"]]
    sec.figure(ex.fig_lisa, f"Local Moran clusters of {inp.outcome} in {inp.last_period} (permutation p <= {a:g}) "
                            f"and the Moran scatterplot")
    sec.paragraph(f"LISA clusters in {inp.last_period}: {cl}. High-high: {', '.join(hh) or 'none'}. "
                  f"Low-low: {', '.join(ll) or 'none'}.")


def _lm(doc: Document, r: Analysis) -> None:
    sec = doc.section("lm", "LM tests")
    frames = r.lm.frames
    if frames is None:
        sec.paragraph("LM tests were skipped: " + "; ".join(n for n in r.notes if n.startswith("LM")))
        return
    sec.paragraph(f"Lagrange multiplier tests on the non-spatial {r.inputs.opts['fixed_effects']} fixed-effects "
                  f"model (Anselin et al. 1996; Elhorst 2014): LM-lag and LM-error test a spatial lag and a spatial "
                  f"error; the robust versions (RLM) are valid under the other alternative; SARMA tests both.")
    compact = pd.DataFrame({wl: [f"{f.loc[t, 'statistic']:.2f} (p {fmt_p(f.loc[t, 'p_value'])})" for t in f.index]
                            for wl, f in frames.items()},
                           index=pd.Index(next(iter(frames.values())).index, name="test"))
    sec.table(compact, "LM tests under each W: statistic (p-value)",
              note="LM_error, LM_lag, RLM_error and RLM_lag have 1 degree of freedom, SARMA 2.")


def _models(doc: Document, r: Analysis) -> None:
    o, mods, cmp = r.inputs.opts, r.models, r.comparison
    sec = doc.section("models", "Model estimates")
    sec.paragraph(f"All models: {o['fixed_effects']} fixed effects, maximum likelihood (GS2SLS: two-stage least "
                  f"squares). {prose.bias_sentence(o['bias_correction'], mods.fits.values())} Standard errors in "
                  f"parentheses; stars *** p < 0.01, ** p < 0.05, * p < 0.10. Effects from {o['draws']} simulation "
                  f"draws.")
    if cmp.across is not None:
        sec.raw_table(cmp.across.to_html(), f"{MODEL_NAMES[mods.family]} under each spatial weights matrix")
    sec.raw_table(cmp.main.to_html(), f"Models under the main weights ({r.weights.main})")
    if r.iv is not None:
        _iv(sec, r)
    if r.dynamic is not None:
        _dynamic(sec, r)
    if r.failures:
        f = pd.DataFrame(list(r.failures)).set_index(["model", "weights"])
        sec.table(f, "Models that could not be estimated", note="These fits failed and are left out of the tables.")


def _iv(sec: Section, r: Analysis) -> None:
    """The GS2SLS column explained, with its first-stage and over-identification tables."""
    iv, o = r.iv, r.inputs.opts
    assert iv is not None
    if iv.result is None:
        sec.paragraph(iv.message or "GS2SLS was not estimated.")
        return
    sec.paragraph(f"The last column, GS2SLS SAR, treats {o['endog']} as endogenous: spatial two-stage least squares "
                  f"(Kelejian & Prucha 1998) with {', '.join(o['instruments'])} as excluded instruments and the "
                  f"spatial lags of the exogenous variables as instruments for W {r.inputs.outcome} "
                  f"(<code>si.gs2sls({esc(repr(iv.formula))}, model='sar')</code>). Compare its {o['endog']} "
                  f"coefficient with the ML SAR column: a large gap points to endogeneity bias in ML.", raw=True)
    sec.table(iv.first_stage, "First stage of GS2SLS: excluded instruments",
              note="partial_F: F statistic of the excluded instruments in the first-stage regression of each "
                   "endogenous regressor (below 10: weak instruments, Staiger & Stock 1997).")
    if iv.overid is not None:
        sec.table(iv.overid, "Over-identification (Sargan) test of GS2SLS")


def _dynamic(sec: Section, r: Analysis) -> None:
    """The dynamic SDM: tau, eta, rho and the short- and long-run effects of the main variable."""
    dyn, inp = r.dynamic, r.inputs
    assert dyn is not None
    if dyn.result is None or dyn.params is None or dyn.effects is None:
        sec.paragraph(dyn.message or "The dynamic SDM was not estimated.")
        return
    res = dyn.result
    sec.paragraph(f"Dynamic SDM: {inp.outcome}_t = tau {inp.outcome}_(t-1) + rho W {inp.outcome}_t + eta W "
                  f"{inp.outcome}_(t-1) + X b + W X theta + fixed effects, with the first period as initial condition "
                  f"({res.nobs} observations), bias correction {res.bias_correction or 'none'} (Yu, de Jong & Lee "
                  f"2008). Stationary: {'yes' if res.stable else 'no'}. Short-run effects use (I - rho W)^-1; "
                  f"long-run effects ((1 - tau) I - (rho + eta) W)^-1 (Elhorst 2014, ch. 4).")
    sec.table(dyn.params, "Dynamic SDM: persistence and spatial parameters")
    sec.table(dyn.effects, f"Short- and long-run effects of {inp.main_var} (dynamic SDM)",
              note=dyn.message)


def _choice(doc: Document, r: Analysis, a: float, lvl: str) -> None:
    ch = r.choice
    name = MODEL_NAMES[ch.key]
    sec = doc.section("choice", f"Chosen model: {name}")
    for t in prose.choice_paragraphs(ch.selection, r.weights.main):
        sec.paragraph(t)
    sec.table(ch.tests, "Specification tests (main W)", formats={"df": lambda x: str(int(x)) if pd.notna(x) else ""})
    sec.table(ch.impacts, f"Direct, indirect and total effects of the {name} ({lvl} simulation intervals)",
              highlight=lambda q: q["p_value"] < a, legend=f"significant: p < {a:g}")
    sec.figure(ch.fig_effects, f"Effects of the {name} with {lvl} intervals")


def _truth(doc: Document, r: Analysis, a: float, lvl: str) -> None:
    tr, truth = r.truth, r.inputs.truth
    sec = doc.section("truth", "True vs estimated (simulated data)")
    if tr is None or tr.params is None or tr.effects is None or truth is None:
        sec.paragraph("Not available: " + "; ".join(r.notes))
        return
    sec.paragraph(f"The demo panel is simulated from {truth['dgp']}. The table compares the SDM "
                  f"estimated under the same W (queen contiguity) with the true parameters and the true "
                  f"LeSage-Pace effects (computed from the true parameters on that W).")
    if tr.fig is not None:
        sec.figure(tr.fig, f"Estimates with {lvl} intervals and true values (black crosses); intervals that miss the "
                           f"true value in red, as the red rows of the tables below")
    miss = {"highlight": lambda q: not q["covered"], "mark": "miss",
            "legend": f"the {lvl} interval misses the true value (not a significance mark)"}
    sec.side_by_side([(tr.params.drop(columns="std_error"), "Parameters: true and estimated", miss),
                      (tr.effects, "Effects: true and estimated", miss)])
    sec.paragraph(f"Rows marked in red: the {lvl} interval misses the true value. With {len(tr.params)} "
                  f"parameters about {0.05 * len(tr.params):.1f} misses are expected by chance at "
                  f"{a:g}; the standard errors and all intervals are in tables/truth_vs_estimate*.csv.", cls="note")


def _decay(doc: Document, r: Analysis, lvl: str) -> None:
    dec, v = r.decay, r.inputs.main_var
    sec = doc.section("decay", "Distance decay of spillovers")
    if dec.result is None:
        sec.paragraph(dec.message or "Distance decay not run.")
        return
    res = dec.result
    desc = {"band": "regions whose distance lies in a band [d, d + width) are neighbours",
            "within": "regions closer than d are neighbours",
            "beyond": "regions at least d away are neighbours"}[res.scheme]
    sec.paragraph(f"For each distance threshold d, W is rebuilt ({res.scheme} scheme: {desc}; binary, row-normalised, "
                  f"great-circle km between region centroids) and the {res.model} is re-estimated; the curve shows "
                  f"the indirect (spillover) effect of {v} with its {lvl} simulation interval.")
    if dec.fig is not None:
        sec.figure(dec.fig, f"Indirect effect of {v} by distance threshold")
    sec.callout(prose.decay_sentence(r.inputs, dec) + " " + prose.boundary_definition(lvl), kind="ok")
    c = res.curve(v)
    # the distance range of a threshold is its own value except for bands
    edges = ("lower_km", "upper_km") if res.scheme == "band" else ()
    cols = [x for x in (*edges, "estimate", "std_error", "p_value", "ci_lower", "ci_upper",
                        "n_links", "n_islands", "rho", "note") if x in c.columns]
    sec.table(c[cols], f"Indirect effect of {v} by threshold",
              formats={"lower_km": lambda x: f"{x:g}", "upper_km": lambda x: f"{x:g}" if np.isfinite(x) else "inf"},
              highlight=lambda q: bool(q["ci_lower"] > 0 or q["ci_upper"] < 0),
              legend=f"significant: the {lvl} interval excludes zero")


def _spillover(doc: Document, r: Analysis) -> None:
    inp, sp = r.inputs, r.spillover
    s, shock = sp.effects, inp.shock
    sec = doc.section("spillover", "Spillover map")
    sec.paragraph(f"The map shows the effect on {inp.outcome} in every region of a 1-unit rise in {inp.main_var} "
                  f"in {inp.label(shock)} only ({inp.shock_why}): column {shock} of "
                  f"(I - rho W)^-1 (beta I + theta W) of the {sp.model.model} under {r.weights.main} W. "
                  f"Own effect {s[shock]:.3f}; effects on all other regions sum to {s.drop(shock).sum():.3f}.")
    ranked = s.drop(shock).sort_values(ascending=False).index[:5]
    only = prose.island_only_rows(sp.model.weights)
    linked = [f"{inp.label(i)}'s W row is only the added island link to "
              + ", ".join(inp.label(j) for j in only[i]) for i in ranked if i in only]
    sec.figure(sp.fig, f"Spillovers of a unit shock to {inp.main_var} in {inp.label(shock)}"
               + (f" ({'; '.join(linked)}: see the note under the table)" if linked else ""))
    top = s.drop(shock).sort_values(ascending=False).head(8)
    table = pd.DataFrame({"region": [inp.label(i) for i in top.index], "effect": top.to_numpy()})
    if any(i in only for i in top.index):
        table["W row"] = ["only the added island link to " + ", ".join(inp.label(j) for j in only[i]) if i in only
                          else "own neighbours" for i in top.index]
    sec.table(table.set_index("region"),
              "Largest effects outside the source region", digits=4,
              note=prose.island_sentence(inp, sp.model.weights, top.index) or None)


def _reproduce(doc: Document, r: Analysis) -> None:
    o = r.inputs.opts
    sec = doc.section("reproduce", "Reproducibility")
    sec.paragraph(f"Command: <code>{esc(command_line(r.argv))}</code>", raw=True)
    sec.paragraph(f"Seed {o['seed']} (Moran and LISA permutations, effect draws; each decay threshold derives its "
                  f"own seed from it), {o['draws']} draws, {o['permutations']} permutations. Inputs, resolved "
                  f"options, package versions and timings are in <code>run.json</code>; tables in "
                  f"<code>tables/</code> (CSV and LaTeX), figures in <code>figures/</code>.", raw=True)
    if r.notes:
        sec.heading("Notes")
        sec.bullets(list(r.notes))
    if r.warnings:
        sec.heading("Warnings raised during the run")
        sec.bullets(list(r.warnings[:20]))
    vers = versions()
    sec.table(pd.DataFrame({"version": [str(v) for v in vers.values()]}, index=pd.Index(list(vers), name="package")),
              "Software")


def build_document(r: Analysis) -> Document:
    """The report: findings, data and weights, autocorrelation, LM tests, models, choice, truth (demo), decay,
    spillover map and reproducibility.

    Parameters
    ----------
    r : Analysis

    Returns
    -------
    Document
    """
    inp, o = r.inputs, r.inputs.opts
    a = float(o["alpha"])
    lvl = prose.level(a)
    title = o.get("title") or ("spatialinno demo: innovation spillovers across Chinese provinces (SIMULATED data)"
                               if inp.demo else f"Spatial analysis of {inp.outcome}")
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    doc = Document(title, subtitle=f"spatialinno {__version__} - {stamp} - {len(inp.ids)} regions x "
                                   f"{len(inp.periods)} periods - formula: {o['formula']}",
                   banner=prose.simulated_banner() if inp.demo else None,
                   footer=f"Generated by spatialinno {esc(__version__)} on {esc(stamp)}. Self-contained page: "
                          f"figures are embedded, no network access needed.")
    _findings(doc, r, lvl)
    _data(doc, r)
    _autocorrelation(doc, r, a, lvl)
    _lm(doc, r)
    _models(doc, r)
    _choice(doc, r, a, lvl)
    if inp.demo:
        _truth(doc, r, a, lvl)
    _decay(doc, r, lvl)
    _spillover(doc, r)
    _reproduce(doc, r)
    return doc


def results_record(r: Analysis) -> dict:
    """The main results for ``run.json``.

    Parameters
    ----------
    r : Analysis

    Returns
    -------
    dict
    """
    ch, dec = r.choice, r.decay
    return {"outcome": r.inputs.outcome, "main_variable": r.inputs.main_var, "main_weights": r.weights.main,
            "chosen_model": MODEL_NAMES[ch.key], "chosen_params": ch.chosen.params.to_dict(),
            "chosen_llf": ch.chosen.llf,
            "effects": {f"{v}|{e}": row.to_dict() for (v, e), row in ch.impacts.iterrows()},
            "decay_boundary_km": dec.boundary if dec.result is not None else None,
            "decay_thresholds_km": dec.thresholds if dec.result is not None else None,
            "shock_entity": r.inputs.shock, "failed_fits": list(r.failures)}
