"""Marginal effects of a variable that enters through several terms (powers, interactions).

For y = rho W y + sum_t b_t f_t(x, z) + sum_t t_t W f_t(x, z) + ..., with f_t a product of factors (the
variable x, powers ``I(x ** k)``, other variables z), a change of x in region r at a common evaluation point
(x0, z0) for all regions (LeSage & Pace 2009, §2.7; the convention of evaluating at common values) gives

    S(x0) = (I - rho W)^-1 (b* I + t* W),   b* = sum_t b_t g_t,   t* = sum_t t_t g_t,
    g_t = d f_t / d x at (x0, z0)   (e.g. b1 + 2 b2 x0 for x + I(x ** 2)).

So the effects are the ordinary LeSage-Pace effects with (b*, t*): linear combinations of the coefficients
with weights g_t, which is how :mod:`.effects_inference` carries their inference (simulation and delta
method through the covariance; the evaluation point is held fixed).

Terms are read from the coefficient names formulaic produces: factors joined by ``:``; a factor is a plain
variable name or ``I(name ** k)`` with an integer k >= 0. Any other factor mentioning the variable (``np.log(x)``,
``I(x * z)``, ``I(x ** 0.5)``) raises :class:`MarginalTermError` naming the term.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np

from ..errors import SpatialInnoError, preview

_POWER = re.compile(r"^I\(\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\*\*\s*(\d+)\s*\)$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")


class MarginalTermError(SpatialInnoError):
    """A term involves the variable in a form whose derivative is not supported, or a value is missing."""


def _factor(f: str) -> tuple[str, int] | None:
    """(variable, power) of a supported factor; None for anything else."""
    m = _POWER.match(f)
    if m:
        return m.group(1), int(m.group(2))
    if _NAME.match(f):
        return f, 1
    return None


def _mentions(f: str, var: str) -> bool:
    return re.search(rf"(?<![A-Za-z0-9_.]){re.escape(var)}(?![A-Za-z0-9_])", f) is not None


def base_variables(regressors: Sequence[str]) -> list[str]:
    """Variables appearing as plain-name or power factors of the regressors, in order of first appearance.

    Parameters
    ----------
    regressors : sequence of str
        Coefficient names of the regressors (no ``W_`` terms).

    Returns
    -------
    list of str
    """
    out: list[str] = []
    for term in regressors:
        if term == "Intercept":
            continue
        for f in term.split(":"):
            parsed = _factor(f)
            if parsed and parsed[0] not in out:
                out.append(parsed[0])
    return out


def evaluation_point(variables: Sequence[str], regressors: Sequence[str], at: Mapping[str, float] | str,
                     means: Mapping[str, float]) -> dict[str, float]:
    """Values of every factor the derivatives need: ``at`` where given, else the sample mean.

    Parameters
    ----------
    variables : sequence of str
        Variables whose marginal effects are wanted.
    regressors : sequence of str
        Coefficient names of the regressors.
    at : mapping or ``"mean"``
        Given values by factor name (a variable, or an opaque factor such as ``C(region)[T.east]``).
    means : mapping
        Sample means of the regressor columns (raw, not demeaned).

    Returns
    -------
    dict
        Value per factor name.

    Raises
    ------
    MarginalTermError
        For a needed factor with neither a given value nor its own regressor column.
    """
    given = {} if isinstance(at, str) else dict(at)
    need: list[str] = list(variables)
    for term in regressors:
        fs = term.split(":")
        if not any(_involves(f, v) for f in fs for v in variables):
            continue
        for f in fs:
            p = _factor(f)
            name = p[0] if p else f
            if name not in need:
                need.append(name)
    point = {}
    for name in need:
        if name in given:
            point[name] = float(given[name])
        elif name in means:
            point[name] = float(means[name])
        else:
            raise MarginalTermError(f"no value for {name!r}: it is not a regressor column of its own, so its sample "
                                    f"mean is unknown; pass at={{{name!r}: value}}")
    unknown = [k for k in given if k not in need]
    if unknown:
        raise MarginalTermError(f"at= names {preview(unknown)}, which no term of {preview(list(variables))} uses; "
                                f"the factors are {preview(need)}")
    return point


def _involves(f: str, var: str) -> bool:
    p = _factor(f)
    return p[0] == var if p else _mentions(f, var)


def derivative_weights(var: str, regressors: Sequence[str], point: Mapping[str, float]) -> dict[str, float]:
    """d f_t / d var at ``point`` for every regressor term f_t involving ``var`` (module docstring).

    Parameters
    ----------
    var : str
    regressors : sequence of str
        Coefficient names of the regressors.
    point : mapping
        Value of every factor (see :func:`evaluation_point`).

    Returns
    -------
    dict
        Term name -> g_t.

    Raises
    ------
    MarginalTermError
        For a term with a factor involving ``var`` that is not a plain name or an integer power.
    """
    out = {}
    for term in regressors:
        fs = term.split(":")
        hits = [i for i, f in enumerate(fs) if _involves(f, var)]
        if not hits:
            continue
        parsed = [_factor(f) for f in fs]
        bad = [fs[i] for i in hits if parsed[i] is None]
        if bad:
            raise MarginalTermError(f"term {term!r}: factor {bad[0]!r} involves {var!r} in a form with no supported "
                                    f"derivative (only {var}, I({var} ** k) and products with ':'); enter it as "
                                    f"a power/interaction or compute its effect by hand")
        values = [point[p[0]] ** p[1] if p else point[f] for p, f in zip(parsed, fs)]
        g = 0.0
        for i in hits:
            factor = parsed[i]
            assert factor is not None  # factors involving var that did not parse raised above
            name, k = factor
            others = np.prod([values[j] for j in range(len(fs)) if j != i])
            g += k * point[name] ** (k - 1) * others if k > 0 else 0.0
        out[term] = float(g)
    if not out:
        raise MarginalTermError(f"no term involves {var!r}; variables: {preview(base_variables(regressors))}")
    return out


def combinations(variables: Sequence[str], names: Sequence[str], regressors: Sequence[str],
                 point: Mapping[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """(p, V) weights C, D with b*_v = C[:, v]' p and t*_v = D[:, v]' p over the parameter vector ``names``.

    Parameters
    ----------
    variables : sequence of str
    names : sequence of str
        Parameter names (coefficients, ``W_`` terms, spatial parameters).
    regressors : sequence of str
        Coefficient names of the regressors.
    point : mapping
        Evaluation point.

    Returns
    -------
    (ndarray, ndarray)
    """
    names = list(names)
    C = np.zeros((len(names), len(variables)))
    D = np.zeros_like(C)
    for v, var in enumerate(variables):
        for term, g in derivative_weights(var, regressors, point).items():
            C[names.index(term), v] = g
            if f"W_{term}" in names:
                D[names.index(f"W_{term}"), v] = g
    return C, D
