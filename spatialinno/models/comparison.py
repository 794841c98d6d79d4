"""Checks that two fits can be compared by a test between models (LR, Hausman).

A test between two models is meaningful only when both were fitted to the same outcome values on the
same regions, periods and weights (and, for a likelihood ratio, the same fixed effects, with one
model's parameters a subset of the other's). :func:`check_comparable` names every difference.

Nesting: the parameter names of the smaller model must be a subset of the larger one's, except that
SEM is nested in SDM through the common-factor restriction theta = -rho beta (Burridge 1981), where
SEM's ``lambda`` plays the part of SDM's ``rho``.
"""

from __future__ import annotations

import numpy as np

from ..errors import ComparisonError, mismatch, plain, preview
from ..weights.validation import fingerprint


def _design(res):
    return res.estimate.problem.design


def _data_differences(a, b) -> list[str]:
    diffs = []
    if a.formula_outcome != b.formula_outcome:
        diffs.append(f"outcome {a.formula_outcome!r} vs {b.formula_outcome!r}")
    if (a.N, a.T) != (b.N, b.T):
        diffs.append(f"observations N={a.N}, T={a.T} vs N={b.N}, T={b.T}")
    if not a.weights.ids.equals(b.weights.ids):
        diff = mismatch("ids only in the first", a.weights.ids.difference(b.weights.ids),
                        "ids only in the second", b.weights.ids.difference(a.weights.ids))
        diffs.append(f"region ids differ ({diff or 'same ids in another order'})")
    da, db = _design(a), _design(b)
    if a.T > 1 and b.T > 1:
        if not da.periods.equals(db.periods):
            diffs.append(f"periods {preview(da.periods)} vs {preview(db.periods)}")
    if not diffs and not np.array_equal(da.y, db.y):
        k = int(np.flatnonzero(da.y != db.y)[0])
        i, t = k % a.N, k // a.N
        where = f"region {plain(a.weights.ids[i])!r}" + (f", period {plain(da.periods[t])!r}" if a.T > 1 else "")
        diffs.append(f"the outcome values differ (first at {where}: {da.y[k]:g} vs {db.y[k]:g})")
    if "OLS" not in (a.model, b.model) and a.weights.ids.equals(b.weights.ids) and fingerprint(a.weights) != \
            fingerprint(b.weights):
        diffs.append(f"weights differ ({a.weights.describe()} vs {b.weights.describe()})")
    return diffs


def nested_in(small, big) -> bool:
    """Whether the parameters of ``small`` are a restriction of those of ``big`` (see the module docstring).

    Parameters
    ----------
    small, big : SpatialResults

    Returns
    -------
    bool
    """
    s, b = set(small.params.index), set(big.params.index)
    if small.model == "SEM" and big.model == "SDM":
        s = (s - {"lambda"}) | {"rho"}
    return s <= b


def check_comparable(a, b, test: str, same_effects: bool = True, nested: bool = False) -> None:
    """Refuse two fits that a test between models cannot compare, naming every difference.

    Parameters
    ----------
    a, b : SpatialResults
    test : str
        Name of the test, used in the message (e.g. ``"LR test"``).
    same_effects : bool
        Also require the same fixed effects and bias correction.
    nested : bool
        Also require one model's parameters to be a restriction of the other's (larger ``df_model`` is
        taken as the unrestricted model).

    Raises
    ------
    ComparisonError
    """
    diffs = _data_differences(a, b)
    if same_effects and (a.fixed_effects, a.bias_correction) != (b.fixed_effects, b.bias_correction):
        diffs.append(f"fixed effects {a.fixed_effects!r} (bias correction {a.bias_correction!r}) vs "
                     f"{b.fixed_effects!r} (bias correction {b.bias_correction!r})")
    if nested and not diffs:
        big, small = (a, b) if a.df_model >= b.df_model else (b, a)
        if not nested_in(small, big):
            extra = sorted(set(small.params.index) - set(big.params.index))
            diffs.append(f"{small.model} is not nested in {big.model}: {small.model} has {preview(extra)} that "
                         f"{big.model} lacks")
    if diffs:
        kind = "two nested fits" if nested else "two fits"
        raise ComparisonError(f"the {test} needs {kind} of the same outcome on the same data: "
                              f"{'; '.join(diffs)}. Fit both models with the same formula outcome, data, weights "
                              f"and effects")
