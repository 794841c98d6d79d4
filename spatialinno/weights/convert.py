"""Accept libpysal weights wherever spatialinno takes ``w``: conversion to :class:`Weights` at the entry point.

A libpysal ``W`` or ``Graph`` is taken with its weights as given (its current transform): the result of a
function is identical to passing ``Weights.from_W(w)`` / ``Weights.from_graph(g)``.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from libpysal.graph import Graph
from libpysal.weights import W as LibpysalW

from ..errors import SpatialInnoError
from .period import PeriodWeights
from .weights import Weights

F = TypeVar("F", bound=Callable[..., Any])


def as_weights(w: Any) -> Weights:
    """``w`` as spatialinno :class:`Weights`.

    Parameters
    ----------
    w : Weights, libpysal.weights.W or libpysal.graph.Graph
        A libpysal object is converted with its weights as given (``Weights.from_W`` / ``Weights.from_graph``).

    Returns
    -------
    Weights

    Raises
    ------
    SpatialInnoError
        For any other object, naming its type and the constructors that build Weights.
    """
    if isinstance(w, Weights):
        return w
    if isinstance(w, Graph):
        return Weights.from_graph(w)
    if isinstance(w, LibpysalW):
        return Weights.from_W(w)
    raise SpatialInnoError(f"w must be a spatialinno Weights, a libpysal W or a libpysal Graph (got "
                           f"{type(w).__name__}); build one with si.weights.* or convert with si.Weights.from_W(w), "
                           f"si.Weights.from_graph(g) or si.Weights.from_sparse(matrix, ids)")


def takes_weights(func: F) -> F:
    """Decorate a public function so that its ``w`` argument may be a libpysal ``W`` or ``Graph``.

    ``None`` and :class:`~spatialinno.weights.period.PeriodWeights` pass through unchanged.

    Parameters
    ----------
    func : callable
        A function with a parameter named ``w``.

    Returns
    -------
    callable
        The same function, converting ``w`` with :func:`as_weights` before the call.
    """
    signature = inspect.signature(func)
    if "w" not in signature.parameters:
        raise TypeError(f"{func.__qualname__} has no parameter named 'w'")

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        bound = signature.bind_partial(*args, **kwargs)
        w = bound.arguments.get("w")
        if w is not None and not isinstance(w, (Weights, PeriodWeights)):
            bound.arguments["w"] = as_weights(w)
        return func(*bound.args, **bound.kwargs)

    return wrapper  # type: ignore[return-value]
