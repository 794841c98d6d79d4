"""Checks of the arguments of inference (levels, simulation draws, seeds), shared by every entry point.

Each function returns the argument in a plain Python type or raises a
:class:`~spatialinno.errors.SpatialInnoError` naming the argument, the value given and what is allowed,
so a bad argument never ends in a numpy traceback or a silently wrong interval.
"""

from __future__ import annotations

import numbers

import numpy as np

from .errors import SpatialInnoError, plain

#: Fewest simulation draws with which a standard deviation and a percentile interval are defined.
MIN_DRAWS = 2


def check_alpha(alpha: object, name: str = "alpha") -> float:
    """Check a significance level: a number strictly between 0 and 1.

    Parameters
    ----------
    alpha : float
        The level (intervals have coverage 1 - alpha).
    name : str
        Argument name used in the message.

    Returns
    -------
    float
    """
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not 0 < float(alpha) < 1:
        raise SpatialInnoError(f"{name} must be a number with 0 < {name} < 1 (got {plain(alpha)!r}); e.g. "
                               f"{name}=0.05 for 95% intervals")
    return float(alpha)


def check_draws(draws: object, minimum: int = MIN_DRAWS) -> int:
    """Check a number of simulation draws: an integer >= ``minimum``.

    Parameters
    ----------
    draws : int
    minimum : int
        Smallest number allowed (default :data:`MIN_DRAWS`).

    Returns
    -------
    int
    """
    if isinstance(draws, bool) or not isinstance(draws, numbers.Integral) or draws < minimum:
        raise SpatialInnoError(f"draws must be an integer >= {minimum} (got {plain(draws)!r}); e.g. draws=1000")
    return int(draws)


def check_seed(seed: object, allow_none: bool = True,
               allow_generator: bool = True) -> int | np.random.Generator | None:
    """Check a random seed: a non-negative integer, or (if allowed) a ``numpy.random.Generator`` or None.

    Parameters
    ----------
    seed : int, Generator or None
    allow_none : bool
        Whether None is accepted (it then means the entry point's default seed).
    allow_generator : bool
        Whether a generator is accepted.

    Returns
    -------
    int, Generator or None
    """
    if (isinstance(seed, np.random.Generator) and allow_generator) or (seed is None and allow_none):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        extra = "".join(part for part, ok in ((", a numpy Generator", allow_generator), (", None", allow_none)) if ok)
        raise SpatialInnoError(f"seed must be a non-negative integer{extra} (got {plain(seed)!r}); e.g. seed=12345")
    return int(seed)


def check_int_seed(seed: object) -> int:
    """Check a random seed that must be a non-negative integer (no generator, no None).

    Parameters
    ----------
    seed : int

    Returns
    -------
    int
    """
    checked = check_seed(seed, allow_none=False, allow_generator=False)
    assert isinstance(checked, int)
    return checked
