"""``si.compare``: side-by-side table of fitted models, laid out as in applied journals."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..constants import DEFAULT_SEED
from ..errors import SpatialInnoError, preview
from . import columns as C
from .format import DASH, fmt, fmt_count, significance_stars
from .table import CompareTable

SPATIAL = ("rho", "lambda")
SE_KINDS = {"se": "Standard errors in parentheses.", "t": "t statistics (estimate / standard error) in parentheses.",
            "p": "p-values in parentheses.", "ci": "{level:.0%} confidence intervals in brackets."}
#: statistic rows: canonical key -> display name
STAT_NAMES = {"nobs": "Observations", "n": "N", "t": "T", "r2": "R2", "pseudo_r2": "Pseudo R2",
              "fixed_effects": "Fixed effects", "bias_correction": "Bias correction", "weights": "Weights",
              "llf": "Log-likelihood", "aic": "AIC", "bic": "BIC", "sigma2": "sigma2"}
STAT_ALIASES = {"observations": "nobs", "obs": "nobs", "r-squared": "r2", "rsquared": "r2", "r2": "r2",
                "pseudo-r2": "pseudo_r2", "pseudor2": "pseudo_r2", "prsquared": "pseudo_r2",
                "fixedeffects": "fixed_effects", "fe": "fixed_effects", "biascorrection": "bias_correction",
                "loglikelihood": "llf", "loglik": "llf", "log-likelihood": "llf"}
DEFAULT_STATS = ("N", "T", "nobs", "r2", "fixed_effects", "bias_correction", "weights", "llf", "aic")


def _stat_key(s: str) -> str:
    key = str(s).strip().lower().replace(" ", "").replace("_", "")
    key = STAT_ALIASES.get(key, key)
    for canon in STAT_NAMES:
        if key == canon.replace("_", ""):
            return canon
    if key not in STAT_NAMES:
        raise SpatialInnoError(f"unknown statistic {s!r}; choose from {', '.join(STAT_NAMES)} (any case)")
    return key


def _weights_text(w: Any) -> str:
    """Compact cell: the weights' kind without parenthetical detail (the full description goes to the notes)."""
    kind = C.attr(w, "kind")
    if kind is None:
        return DASH
    short, previous = str(kind), None
    while short != previous:  # innermost parentheses first, so nested ones go too
        short, previous = re.sub(r"\s*\([^()]*\)", "", short), short
    return short.strip() or str(kind)


def _weights_note(cols: list[C.Column]) -> str:
    descs: list[str] = []
    for c in cols:
        w = C.attr(c.result, "weights")
        describe = C.attr(w, "describe")
        if not callable(describe):
            continue
        d = str(describe())
        if d not in descs:
            descs.append(d)
    return "Weights: " + "; ".join(descs) + "." if descs else ""


def _order_terms(all_terms: list[str], keep: Sequence[str] | None, drop: Sequence[str] | None) -> list[str]:
    if keep is not None:
        unknown = [t for t in keep if t not in all_terms]
        if unknown:
            raise SpatialInnoError(f"keep= names {preview(unknown)} that no model has; "
                                   f"terms are {preview(all_terms, 20)}")
        terms = [t for t in keep if t not in SPATIAL]
    else:
        base = [t for t in all_terms if not t.startswith("W_") and t not in ("Intercept", "const") and t not in SPATIAL]
        lagged = [f"W_{t}" for t in base if f"W_{t}" in all_terms]
        lagged += [t for t in all_terms if t.startswith("W_") and t not in lagged]
        terms = base + lagged + [t for t in ("Intercept", "const") if t in all_terms]
    return [t for t in terms if t not in set(drop or ())]


def _bias_correction(c: C.Column) -> str:
    """The panel bias correction, only where there is one: FE models with a spatial parameter (Lee-Yu and
    Elhorst correct rho/lambda and sigma2; OLS has nothing to correct)."""
    b = C.attr(c.result, "bias_correction")
    spatial = any(t in c.params.index for t in SPATIAL)
    return str(b) if b not in (None, "none") and spatial and C.fixed_effects(c) else DASH


def _stat_funcs(digits: int) -> dict[str, Callable[[C.Column], str]]:
    def num(name: str, d: int) -> Callable[[C.Column], str]:
        return lambda c: fmt(float(C.attr(c.result, name, np.nan)), d) or DASH
    return {
        "nobs": lambda c: fmt_count(C.nobs(c)),
        "n": lambda c: str(C.attr(c.result, "N", DASH)),
        "t": lambda c: str(C.attr(c.result, "T", DASH)),
        "r2": lambda c: fmt(C.r_squared(c), digits) or DASH,
        "pseudo_r2": lambda c: fmt(float(C.attr(c.result, "prsquared", np.nan)), digits) or DASH,
        "fixed_effects": lambda c: C.fixed_effects(c) or DASH,
        "bias_correction": _bias_correction,
        "weights": lambda c: _weights_text(C.attr(c.result, "weights")),
        "llf": lambda c: fmt(C.log_likelihood(c), digits) or DASH,
        "aic": num("aic", digits), "bic": num("bic", digits), "sigma2": num("sigma2", digits + 1),
    }


def _impacts(col: C.Column, method: str, draws: int, seed: int, alpha: float) -> pd.DataFrame | None:
    fn = C.attr(col.result, "impacts")
    has_lag = "rho" in col.params.index or any(str(t).startswith("W_") for t in col.params.index)
    if not callable(fn) or not has_lag:
        return None
    accepted = inspect.signature(fn).parameters
    kw = {k: v for k, v in {"method": method, "draws": draws, "seed": seed, "alpha": alpha}.items() if k in accepted}
    return fn(**kw)


def _notes(se: str, level: float, levels: tuple[float, ...], stars: bool, cols: list[C.Column], names: list[str],
           stat_keys: list[str], effects: bool, impacts_method: str, draws: int, seed: int, user: Any) -> str:
    parts = [SE_KINDS[se].format(level=level)]
    if stars:
        parts.append(", ".join(f"{'*' * (i + 1)} p<{a:g}" for i, a in reversed(list(enumerate(levels)))) + ".")
    if "r2" in stat_keys:
        within = [n for n, c in zip(names, cols) if C.is_within(c)]
        spatial = [n for n, c in zip(names, cols) if c.source == "spatialinno" and c.model not in ("OLS",)]
        text = "R2: squared correlation of fitted and observed values"
        if within:
            text += f", on the within-transformed (fixed-effects) data in {', '.join(within)}"
        if pyfixest := [n for n, c in zip(names, cols) if c.source == "pyfixest"]:
            text += f"; on the original outcome with the fixed effects in the fitted values in {', '.join(pyfixest)}"
        if spatial:
            text += f"; a pseudo-R2 for the spatial models ({', '.join(spatial)}), not a share of explained variance"
        parts.append(text + ".")
    if "pseudo_r2" in stat_keys:
        parts.append("Pseudo R2: McFadden's 1 - llf/llnull, as reported by statsmodels.")
    if effects:
        parts.append(f"Effects: LeSage-Pace direct/indirect/total, {impacts_method} inference"
                     + (f" ({draws} draws, seed {seed})" if impacts_method == "simulation" else "") + ".")
    if "weights" in stat_keys and (note := _weights_note(cols)):
        parts.append(note)
    if user:
        parts += [str(user)] if isinstance(user, str) else [str(u) for u in user]
    return " ".join(parts)


def compare(results: Any, *, se: str = "se", stars: bool | Sequence[float] = (0.10, 0.05, 0.01),
            stats: Sequence[str] | None = None, labels: Mapping[str, str] | None = None,
            rows: Mapping[str, Sequence[Any]] | None = None, groups: Mapping[str, int] | None = None,
            effects: bool = False, notes: str | Sequence[str] | None = None, names: Sequence[str] | None = None,
            digits: int = 3, keep: Sequence[str] | None = None, drop: Sequence[str] | None = None,
            ci_level: float = 0.95, draws: int = 1000, seed: int = DEFAULT_SEED,
            impacts_method: str = "simulation") -> CompareTable:
    """Side-by-side table of fitted models (one column per model), as printed in journals.

    Each coefficient shows its estimate with significance stars and beneath it, in parentheses, the
    standard error (``se="se"``), the t statistic estimate / standard error (``se="t"``), the p-value
    (``se="p"``) or the confidence interval in brackets (``se="ci"``). Then the spatial parameters,
    optionally LeSage-Pace effects blocks, user rows (e.g. "Province FE: Yes") and statistics.
    spatialinno ML, IV and GMM results, statsmodels, linearmodels and pyfixest results can share a table
    (see :mod:`spatialinno.tables.columns` for what is read from each).

    Parameters
    ----------
    results : sequence of results, or a mapping ``{column name: result}``
        Fitted models.
    se : {"se", "t", "p", "ci"}
        What goes in parentheses beneath each estimate.
    stars : bool or sequence of float
        Significance levels for ``*``, ``**``, ``***`` (p strictly below the level); True for
        (0.10, 0.05, 0.01), False for none.
    stats : sequence of str, optional
        Statistic rows (case-insensitive): ``"nobs"``, ``"N"`` (regions), ``"T"``, ``"r2"`` (squared
        correlation of fitted and observed values; within-transformed data for FE panels; the notes say
        which), ``"pseudo_r2"`` (McFadden, statsmodels), ``"fixed_effects"``, ``"bias_correction"``,
        ``"weights"``, ``"llf"``, ``"aic"``, ``"bic"``, ``"sigma2"``. Default: N, T, nobs, r2, fixed
        effects, bias correction, weights, llf, AIC, leaving out default rows that are empty for all models.
    labels : mapping, optional
        Display names of terms, variables and rows in any language, e.g. ``{"agglom": "产业集聚"}``;
        ``W_x`` without its own label shows as ``W×<label of x>``.
    rows : mapping, optional
        Extra rows ``{"Province FE": ["Yes", "Yes", "No"]}``, one entry per model, before the statistics.
    groups : mapping, optional
        Column-group headers ``{"label": n_models, ...}`` spanning consecutive columns in order; the
        widths sum to the number of models (an empty label leaves columns ungrouped).
    effects : bool
        Add direct, indirect and total effects per variable from the spatialinno models' ``impacts()``
        (estimate with stars from their p-values, the ``se=`` statistic beneath); other models get empty cells.
    notes : str or sequence of str, optional
        Appended to the automatic notes.
    names : sequence of str, optional
        Column names; default ``"(1)", "(2)", ...`` (or the mapping's keys).
    digits : int
        Decimals of estimates, their statistics, R2, log-likelihood and AIC.
    keep, drop : sequences of str, optional
        Show only ``keep`` (in that order; ``rho``/``lambda`` stay in the spatial block) / leave out ``drop``.
    ci_level : float
        Coverage of the intervals with ``se="ci"``.
    draws, seed, impacts_method
        Passed to ``impacts()`` when ``effects=True``.

    Returns
    -------
    CompareTable
        With ``.frame`` (strings), ``.to_latex()``, ``.to_markdown()``, ``.to_html()``, ``.to_docx()``, ``str()``.
    """
    if isinstance(results, Mapping):
        names = [str(k) for k in results] if names is None else names
        results = list(results.values())
    else:
        results = list(results) if isinstance(results, Sequence) else [results]
    if not results:
        raise SpatialInnoError("compare() needs at least one fitted model")
    k = len(results)
    names = [f"({i + 1})" for i in range(k)] if names is None else [str(n) for n in names]
    if len(names) != k or len(set(names)) != k:
        raise SpatialInnoError(f"names must be {k} unique column names, one per model (got {names})")
    if se not in SE_KINDS:
        raise SpatialInnoError(f"se must be one of {', '.join(map(repr, SE_KINDS))} (got {se!r})")
    if not 0 < ci_level < 1:
        raise SpatialInnoError(f"ci_level must be in (0, 1) (got {ci_level!r})")
    if stars is True:
        stars = (0.10, 0.05, 0.01)
    levels = tuple(sorted((float(a) for a in stars), reverse=True)) if stars else ()
    cols = [C.column(r, i) for i, r in enumerate(results)]
    intervals = [c.conf_int(ci_level) for c in cols] if se == "ci" else [None] * k

    def cells(est: float, sd: float, p: float, lo: float, hi: float) -> tuple[str, str]:
        e = fmt(est, digits)
        if not e:
            return "", ""
        below = {"se": fmt(sd, digits), "t": fmt(est / sd if sd else np.nan, digits),
                 "p": fmt(p, digits), "ci": f"{fmt(lo, digits)}, {fmt(hi, digits)}" if np.isfinite(lo) else ""}[se]
        wrapped = (f"[{below}]" if se == "ci" else f"({below})") if below else ""
        return e + significance_stars(p, levels), wrapped

    all_terms: list[str] = []
    for c in cols:
        all_terms += [str(t) for t in c.params.index if str(t) not in all_terms]
    index: list[tuple[str, str, str]] = []
    body: list[list[str]] = []
    model_row = [c.model for c in cols]
    if any(m != n for m, n in zip(model_row, names)):
        index.append(("model", "Model", "stat"))
        body.append(model_row)
    terms = _order_terms(all_terms, keep, drop)
    spatial = [t for t in SPATIAL if t in all_terms and t not in set(drop or ())]
    for section, group in (("coefficients", terms), ("spatial", spatial)):
        for t in group:
            pairs = []
            for c, ci in zip(cols, intervals):
                lo, hi = (np.nan, np.nan) if ci is None else (ci.iloc[:, 0].get(t, np.nan),
                                                               ci.iloc[:, 1].get(t, np.nan))
                pairs.append(cells(c.params.get(t, np.nan), c.bse.get(t, np.nan), c.pvalues.get(t, np.nan), lo, hi))
            index += [(section, t, "estimate"), (section, t, "se")]
            body += [[a for a, _ in pairs], [b for _, b in pairs]]

    if effects:
        tables = [_impacts(c, impacts_method, draws, seed, 1 - ci_level) for c in cols]
        variables: list[str] = []
        for tab in tables:
            if tab is not None:
                variables += [v for v in tab.index.get_level_values(0).unique() if v not in variables]
        chosen = keep if keep is not None else variables
        variables = [v for v in chosen if v in variables and v not in set(drop or ())]
        for eff in ("direct", "indirect", "total"):
            for v in variables:
                pairs = []
                for tab in tables:
                    if tab is None or (v, eff) not in tab.index:
                        pairs.append(("", ""))
                        continue
                    r = tab.loc[(v, eff)]
                    pairs.append(cells(r["estimate"], r["std_error"], r["p_value"], r.get("ci_lower", np.nan),
                                       r.get("ci_upper", np.nan)))
                index += [(eff, v, "estimate"), (eff, v, "se")]
                body += [[a for a, _ in pairs], [b for _, b in pairs]]

    for label, values in (rows or {}).items():
        values = list(values)
        if len(values) != k:
            raise SpatialInnoError(f"rows[{label!r}] has {len(values)} entries for {k} models; give one per model")
        index.append(("rows", str(label), "stat"))
        body.append([str(v) for v in values])

    funcs = _stat_funcs(digits)
    stat_keys = [_stat_key(s) for s in (DEFAULT_STATS if stats is None else stats)]
    shown: list[str] = []
    for key in stat_keys:
        line = [funcs[key](c) for c in cols]
        if stats is None and all(v == DASH for v in line):
            continue
        shown.append(key)
        index.append(("statistics", STAT_NAMES[key], "stat"))
        body.append(line)

    frame = pd.DataFrame(body, index=pd.MultiIndex.from_tuples(index, names=["section", "term", "kind"]),
                         columns=pd.Index(names))
    text = _notes(se, ci_level, levels, bool(levels), cols, names, shown, effects, impacts_method, draws, seed, notes)
    return CompareTable(frame, text, labels, list((groups or {}).items()))
