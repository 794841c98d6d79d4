"""Run the report pipeline: inputs -> weights -> exploration -> LM tests -> models -> choice -> effects ->
decay -> spillover map -> findings, then write ``report.html`` and ``run.json``."""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import matplotlib
import pandas as pd

from . import dynamic_step, effect_steps, iv_step, prose, steps
from .checks import dropped_lines
from .inputs import Inputs, load_inputs
from .output import OutputDir, run_record, write_run_json
from .progress import Progress
from .report import Analysis, build_document, results_record

__all__ = ["run_analysis"]


def _warning_lines(caught: list) -> tuple[str, ...]:
    msgs: list[str] = []
    for w in caught:
        m = f"{w.category.__name__}: {' '.join(str(w.message).split())}"
        if m not in msgs:
            msgs.append(m)
    return tuple(msgs)


def run_analysis(opts: dict, argv: list[str]) -> Path:
    """Run every step, write the outputs into ``opts["out"]`` and return the report path.

    Parameters
    ----------
    opts : dict
        Resolved options (:func:`spatialinno.cli.options.resolve_options`).
    argv : list of str
        The command-line arguments (recorded in the report and run.json).

    Returns
    -------
    Path
        ``<out>/report.html``.
    """
    matplotlib.use("Agg", force=True)
    prog = Progress(opts["quiet"])
    out = OutputDir(Path(opts["out"]))
    # every input is checked before anything is printed or written: bad input gives one line on stderr
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        inp = load_inputs(opts)
        out.check()
        dt = time.perf_counter() - t0
        out.create()
        try:
            path = _run_steps(opts, argv, inp, out, prog, dt, caught)
        except BaseException:
            out.discard()  # a failed run leaves --out as it was
            raise
    return path


def _run_steps(opts: dict, argv: list[str], inp: Inputs, out: OutputDir, prog: Progress, dt: float,
               caught: list) -> Path:
    """The steps after the input checks, writing into the staging directory of ``out``; commit at the end."""
    prog.timings["Reading and checking inputs"] = round(dt, 3)
    prog.say(f"spatialinno {opts['command']}: writing to {out.target}/")
    prog.say(f"[{prog.total - dt:5.1f}s] Reading and checking inputs ... done ({dt:.1f}s)")
    for line in dropped_lines(inp.dropped):
        prog.say("  note: " + line)
    if inp.dropped.get("missing_rows"):
        out.table(pd.DataFrame(inp.dropped["missing_rows"], columns=[opts["entity"], opts["time"]]), "dropped_rows",
                  tex=False, index=False)
    with prog.step("Building spatial weights (" + ", ".join(s.label for s in opts["wspecs"]) + ")"):
        ws = steps.build_weights(inp, out)
    with prog.step("Data summary and maps"):
        summ = steps.describe_data(inp, out)
    with prog.step("Moran's I by period and LISA"):
        ex = steps.explore(inp, ws, summ, out)
    with prog.step("LM tests"):
        lm = steps.lm_step(inp, ws, out)
    with prog.step("Estimating models"):
        mods = steps.estimate(inp, ws, out)
    ivs: iv_step.IVStep | None = None
    if opts.get("endog"):
        with prog.step(f"GS2SLS with {opts['endog']} instrumented"):
            ivs = iv_step.iv_estimate(inp, ws, out)
        if ivs.message:
            prog.say(f"  note: {ivs.message}")
    dyn: dynamic_step.DynamicStep | None = None
    if opts.get("dynamic"):
        with prog.step("Dynamic SDM (short- and long-run effects)"):
            dyn = dynamic_step.dynamic_estimate(inp, ws, out)
        if dyn.message:
            prog.say(f"  note: {dyn.message}")
    with prog.step("Comparison tables with effects"):
        cmp = steps.compare_models(inp, ws, mods, out, iv=ivs.result if ivs is not None else None)
    with prog.step("Model choice and effects"):
        choice = steps.choose(inp, ws, mods, out)
    tr = None
    if inp.demo:
        with prog.step("True vs estimated"):
            tr = effect_steps.truth(inp, ws, mods, out)
    with prog.step("Distance decay"):
        dec = effect_steps.decay(inp, choice, out)
    if dec.result is None and dec.message and not opts["no_decay"]:
        prog.say(f"  note: {dec.message}")
    with prog.step("Spillover map"):
        sp = effect_steps.spillover(inp, ws, mods, choice, out)
    found = prose.findings(inp, ws.main, ex, choice, dec, sp, tr)
    notes = lm.notes + choice.notes + (tr.notes if tr is not None else ()) + dec.notes + sp.notes
    analysis = Analysis(inputs=inp, weights=ws, summary=summ, exploration=ex, lm=lm, models=mods, comparison=cmp,
                        choice=choice, truth=tr, decay=dec, spillover=sp, findings=found, notes=notes,
                        warnings=_warning_lines(caught), argv=argv, iv=ivs, dynamic=dyn)
    with prog.step("Writing report.html and run.json"):
        build_document(analysis).write(out.root / "report.html")
        out.written.append("report.html")
    prog.timings["total"] = round(prog.total, 3)
    record = run_record(opts=opts, argv=argv, files=inp.files,
                        weights={s.label: {"kind": s.kind, **s.args, "description": ws.W[s.label].describe()}
                                 for s in opts["wspecs"]},
                        n_regions=len(inp.ids), periods=list(inp.periods), n_obs=len(inp.data),
                        decay_seeds=dec.result.seeds if dec.result is not None else None,
                        timings={"steps": prog.timings, "model_fits": {**mods.fit_times, **sp.fit_times}},
                        results=results_record(analysis), notes=list(notes), warnings=list(analysis.warnings),
                        outputs=out.written, dropped=inp.dropped)
    write_run_json(record, out.root)
    path = out.commit() / "report.html"
    for line in found[2:3]:
        prog.say("  " + line)
    msgs = analysis.warnings
    prog.say(f"Report: {path} ({prog.total:.1f}s){f'; {len(msgs)} warnings listed in the report' if msgs else ''}")
    return path
