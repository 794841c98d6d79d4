"""The report's sentences: the plain-language findings, the model choice, the decay curve in words.

Every function takes step results and returns text; no numbers are computed here beyond formatting.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

from ..models.results import SpatialResults
from ..selection import ModelChoice
from ..weights import Weights
from .effect_steps import Decay, Spillover, Truth
from .formatting import fmt_p
from .inputs import Inputs
from .islands import island_only_rows
from .steps import MODEL_NAMES, Choice, Exploration

__all__ = ["level", "choice_paragraphs", "bias_sentence", "boundary_definition", "island_only_rows",
           "island_sentence", "decay_sentence", "findings", "simulated_banner"]


def level(alpha: float) -> str:
    """The confidence level of the intervals, e.g. ``"95%"``.

    Parameters
    ----------
    alpha : float

    Returns
    -------
    str
    """
    return f"{100 * (1 - alpha):g}%"


def choice_paragraphs(sel: ModelChoice, main_w: str) -> list[str]:
    """The model choice in words: the robust LM tests, the LR/Wald tests of the SDM and the decision.

    Parameters
    ----------
    sel : ModelChoice
        :func:`spatialinno.select_model` result.
    main_w : str
        Label of the main weights.

    Returns
    -------
    list of str
    """
    st, out = sel.steps, []
    if "RLM lag" in st.index:
        rl, re_ = st.loc["RLM lag"], st.loc["RLM error"]
        points: dict[str | None, str] = {"lag": "a spatial lag.", "error": "spatial error dependence."}
        point = points.get(sel.lm_points_to, "both or neither, so they do not discriminate.")
        out.append(f"Robust LM tests on the non-spatial model ({main_w} W): RLM-lag = {rl['statistic']:.2f} "
                   f"(p {fmt_p(rl['p_value'])}), RLM-error = {re_['statistic']:.2f} (p {fmt_p(re_['p_value'])}); "
                   f"they point to {point}")
    if sel.rule == "tests":
        ls, ws, le, we = (st.loc[k] for k in ("LR SDM vs SAR", "Wald theta = 0", "LR SDM vs SEM", "Wald common factor"))
        out.append(f"Starting from the SDM (Elhorst 2014): LR = {ls['statistic']:.2f} (df {int(ls['df'])}, "
                   f"p {fmt_p(ls['p_value'])}) and Wald = {ws['statistic']:.2f} (p {fmt_p(ws['p_value'])}) test "
                   f"whether it reduces to the SAR (all theta = 0); LR = {le['statistic']:.2f} (df {int(le['df'])}, "
                   f"p {fmt_p(le['p_value'])}) and Wald = {we['statistic']:.2f} (p {fmt_p(we['p_value'])}) test "
                   f"whether it reduces to the SEM (common factor theta = -rho beta).")
        out.append(sel.reason)
    else:
        aic = st.loc[st["stage"] == "AIC", "statistic"]
        out.append("The SDM-to-SAR/SEM tests need all three of sar, sem and sdm in --models; the model with the "
                   "lowest AIC is chosen instead: " + ", ".join(f"{k[4:]} {v:.2f}" for k, v in aic.items()) + ".")
    return out


def bias_sentence(option: str, fits: Iterable[SpatialResults | None]) -> str:
    """Which fitted models carry a panel bias correction: only those with a spatial parameter (rho or lambda)
    and fixed effects; OLS and SLX have no spatial parameter to correct.

    Parameters
    ----------
    option : str
        The ``--bias-correction`` option.
    fits : iterable of SpatialResults or None
        The fits (None for failed ones).

    Returns
    -------
    str
    """
    with_bc: list[str] = []
    without: list[str] = []
    for res in fits:
        if res is None:
            continue
        spatial = "rho" in res.params.index or "lambda" in res.params.index
        (with_bc if spatial and res.bias_correction not in (None, "none") else without).append(res.model)
    with_bc, without = list(dict.fromkeys(with_bc)), list(dict.fromkeys(without))
    if not with_bc:
        return "No model carries a bias correction."
    out = f"Bias correction {option} for {', '.join(with_bc)} (the models with a spatial parameter)"
    return out + (f"; none for {', '.join(without)}." if without else ".")


def island_sentence(inp: Inputs, w: Weights, regions: Iterable[Hashable]) -> str:
    """A sentence naming the island links behind ``regions`` (empty when none of them has an island-only row).

    Parameters
    ----------
    inp : Inputs
    w : Weights
        The weights of the model whose effects are ranked.
    regions : iterable of hashable
        The regions a ranking or statement names.

    Returns
    -------
    str
    """
    only = island_only_rows(w)
    named = [i for i in regions if i in only]
    if not named:
        return ""
    parts = [f"{inp.label(i)} has no contiguous neighbour: its row of W is only the island link to "
             f"{', '.join(inp.label(j) for j in only[i])} added by the island policy (islands='nearest'), which "
             f"therefore carries its whole row weight" for i in named]
    return ("; ".join(parts) + ". Its place in this ranking comes from that added link, not from a shared border; "
            "with islands='keep' it would receive no spillover through W.")


def boundary_definition(lvl: str) -> str:
    """The definition of the spillover boundary the report uses (:meth:`DecayResult.boundary`), in words.

    Parameters
    ----------
    lvl : str
        Confidence level, e.g. ``"95%"``.

    Returns
    -------
    str
    """
    return (f"The spillover boundary is the first distance threshold after the first run of thresholds with a "
            f"significant indirect effect at which the {lvl} interval includes zero; every threshold of that run, "
            f"all below the boundary, is significant.")


def decay_sentence(inp: Inputs, dec: Decay) -> str:
    """The decay curve in words, stated through one quantity, the spillover boundary ``dec.boundary``
    (``DecayResult.boundary``: the first threshold after the first run of significant thresholds that is not
    significant); no other distance is called a boundary or a reach.

    Parameters
    ----------
    inp : Inputs
    dec : Decay
        A decay step that ran (``dec.result`` not None).

    Returns
    -------
    str
    """
    res, th = dec.result, dec.thresholds
    if res is None or th is None:
        raise ValueError("decay_sentence needs a decay step that ran (dec.result and dec.thresholds set)")
    v, sch, b = inp.main_var, res.scheme, dec.boundary
    sig = dec.significant
    lst = ", ".join(f"{x:,.0f}" for x in sig) or "none"
    head = f"Along the distance-decay curve ({sch} scheme, {th[0]:,.0f} to {th[-1]:,.0f} km)"
    if not sig:
        return f"{head} the spillover of {v} is not significant at any threshold, so no spillover boundary is found."
    first = sig[0]
    n_short = sum(x < first for x in th)
    skipped = (f"; the shorter threshold{'s' if n_short > 1 else ''} below {first:,.0f} km, with fewer linked "
               f"regions, {'are' if n_short > 1 else 'is'} not significant" if first > th[0] else "")
    if b is None:
        return (f"{head} the spillover of {v} is significant from {first:,.0f} km up to the largest threshold "
                f"({th[-1]:,.0f} km), so no spillover boundary is found within the range examined{skipped} "
                f"(significant at, km: {lst}).")
    run = [x for x in th if first <= x < b]
    many = len(run) > 1
    if sch == "band":
        bw = res.band_width_km or {}
        bands = ", ".join(f"{x:,.0f}-{x + bw.get(x, 0):,.0f}" if x in bw else f"{x:,.0f}" for x in run)
        txt = (f"{head} the spillover boundary of {v} is {b:,.0f} km: the band{'s' if many else ''} {bands} km "
               f"ha{'ve' if many else 's'} a significant indirect effect and the band starting at {b:,.0f} km has none")
    elif sch == "within":
        txt = (f"{head} the spillover boundary of {v} is {b:,.0f} km: the indirect effect is significant when W "
               f"links the regions within {first:,.0f} km and at every larger radius below {b:,.0f} km, and no "
               f"longer when W links the regions within {b:,.0f} km")
    else:
        txt = (f"{head} the spillover boundary of {v} is {b:,.0f} km: the spillover is significant for the regions "
               f"beyond {first:,.0f} km, and the regions at least {b:,.0f} km away no longer carry a significant one")
    later = [x for x in sig if x > b]
    est = res.curve(v)["estimate"]
    tail = ("; beyond the boundary it is significant again at " + ", ".join(
        f"{x:,.0f} km ({'negative' if est[x] < 0 else 'positive'})" for x in later) if later else "")
    return f"{txt}{skipped}{tail} (significant at, km: {lst})."


def _moran_sentence(inp: Inputs, ex: Exploration, main_w: str, a: float) -> str:
    mt, y = ex.moran, inp.outcome
    sig_years = int(((mt["p_rand"] < a) & (mt["I"] > mt["expected"])).sum())
    ends = f"I = {mt['I'].iloc[0]:.3f} in {mt.index[0]}, {mt['I'].iloc[-1]:.3f} in {mt.index[-1]}"
    if sig_years:
        return (f"{y} is spatially clustered: Moran's I under {main_w} W is positive and significant at {a:g} in "
                f"{sig_years} of {len(mt)} periods ({ends}).")
    return f"Moran's I of {y} under {main_w} W is not significantly positive in any period ({ends})."


def _effects_sentence(inp: Inputs, choice: Choice, lvl: str) -> list[str]:
    v, y, imp = inp.main_var, inp.outcome, choice.impacts
    if v not in imp.index.get_level_values(0):
        return []
    d, i, t = (imp.loc[(v, e)] for e in ("direct", "indirect", "total"))

    def eff(r) -> str:
        sig = "significant" if (r["ci_lower"] > 0 or r["ci_upper"] < 0) else "not significant"
        return f"{r['estimate']:.3f} ({lvl} CI {r['ci_lower']:.3f} to {r['ci_upper']:.3f}; {sig})"

    verb = "raises" if d["estimate"] >= 0 else "lowers"
    if choice.key in ("sem", "ols"):
        return [f"A 1-unit rise in {v} {verb} {y} in the region itself by {eff(d)}; the "
                f"{MODEL_NAMES[choice.key]} has no spillover (indirect) effects by construction."]
    return [f"A 1-unit rise in {v} {verb} {y} in the region itself by {eff(d)} and, summed over all other regions, "
            f"by {eff(i)}: the spillover (indirect effect). The total effect is {eff(t)}."]


def findings(inp: Inputs, main_w: str, ex: Exploration, choice: Choice, dec: Decay, sp: Spillover,
             tr: Truth | None) -> list[str]:
    """The findings paragraph: clustering, the chosen model, the main effect, decay, the spillover map, truth.

    Parameters
    ----------
    inp : Inputs
    main_w : str
    ex : Exploration
    choice : Choice
    dec : Decay
    sp : Spillover
    tr : Truth or None

    Returns
    -------
    list of str
        One sentence group per finding.
    """
    a = float(inp.opts["alpha"])
    lvl = level(a)
    v, y, fe = inp.main_var, inp.outcome, inp.opts["fixed_effects"]
    out = [_moran_sentence(inp, ex, main_w, a)]
    cm, params = MODEL_NAMES[choice.key], choice.chosen.params
    out.append(f"The chosen model is the {cm} with {fe} fixed effects under {main_w} W (rho = {params['rho']:.3f})."
               if "rho" in params else f"The chosen model is the {cm} with {fe} fixed effects under {main_w} W.")
    out += _effects_sentence(inp, choice, lvl)
    if dec.result is not None:
        out.append(decay_sentence(inp, dec))
    s = sp.effects
    others = s.drop(inp.shock).sort_values(ascending=False)
    top = ", ".join(f"{inp.label(i)} {others[i]:.3f}" for i in others.index[:3])
    src = "" if sp.model is choice.chosen else f"According to the {sp.model.model}, a"
    verb = "raises" if s[inp.shock] >= 0 else "changes"
    islands = island_sentence(inp, sp.model.weights, others.index[:3])
    out.append(f"{src or 'A'} 1-unit rise in {v} in {inp.label(inp.shock)} alone {verb} {y} there by "
               f"{s[inp.shock]:.3f} and elsewhere by {others.sum():.3f} in all; the largest effects are in {top}."
               + (" " + islands if islands else ""))
    if tr is not None and tr.params is not None and tr.effects is not None:
        t, te = tr.params, tr.effects
        cov, r = int(t["covered"].sum()), t.loc["rho"]
        if v in te.index.get_level_values(0):
            out.append(f"Simulated data: the true rho is {r['true']:.2f}, estimated {r['estimate']:.3f} ({lvl} CI "
                       f"{r['ci_lower']:.3f} to {r['ci_upper']:.3f}); {cov} of {len(t)} parameter intervals and "
                       f"{int(te['covered'].sum())} of {len(te)} effect intervals contain the true value. The true "
                       f"indirect effect of {v} is {te.loc[(v, 'indirect'), 'true']:.3f}.")
        else:
            out.append(f"Simulated data: {cov} of {len(t)} parameter intervals contain the true value.")
    return out


def simulated_banner() -> str:
    """The warning box of the demo report (raw HTML).

    Returns
    -------
    str
    """
    return ("<strong>Simulated data.</strong> The panel analysed here is SIMULATED by "
            "<code>scripts/make_demo_data.py</code> (seed 31): the outcome <code>innov</code> is drawn from a "
            "two-way fixed-effects spatial Durbin model on queen contiguity with known parameters (rho = 0.35). "
            "By construction <code>agglom</code> is endogenous (it moves with the error of <code>innov</code>) and "
            "<code>hist_univ</code> is its excluded instrument. "
            "The numbers illustrate the method and are not findings about China; section "
            "<a href=\"#truth\">True vs estimated</a> compares the estimates with the truth.")
