"""Fixed effects written in the formula, as in fixest/pyfixest: ``"y ~ x1 + x2 | code + year"``.

The part after a top-level ``|`` names the fixed effects: two names are the entity and the time column
(two-way effects); one name is the entity (entity effects; pass ``time=``) or the time column (time effects;
pass ``entity=``), whichever of ``entity=``/``time=`` it is not. The result is identical to the keyword form
``entity=, time=, fixed_effects=``; a conflicting keyword raises.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from ..errors import SpatialInnoError

F = TypeVar("F", bound=Callable[..., Any])


def split_fixed_effects(formula: str) -> tuple[str, list[str]]:
    """Split ``"y ~ x | a + b"`` into ``("y ~ x", ["a", "b"])`` at a ``|`` outside brackets and parentheses.

    Parameters
    ----------
    formula : str

    Returns
    -------
    (str, list of str)
        The formula without the fixed-effects part, and the names after ``|`` (empty without one).
    """
    depth, cut = 0, -1
    for i, ch in enumerate(formula):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "|" and depth == 0:
            if cut >= 0:
                raise SpatialInnoError(f"formula {formula!r} has more than one '|'; write the fixed effects once, "
                                       f"e.g. 'y ~ x | code + year'")
            cut = i
    if cut < 0:
        return formula, []
    names = [t.strip() for t in formula[cut + 1:].split("+")]
    if not names or any(not n or not n.isidentifier() for n in names) or len(names) > 2:
        raise SpatialInnoError(f"the fixed effects after '|' in {formula!r} must be one or two column names, e.g. "
                               f"'| code + year' (two-way), '| code' (entity) or '| year' (time)")
    return formula[:cut].rstrip(), names


def resolve(formula: str, entity: Hashable | None, time: Hashable | None,
            fixed_effects: str | None) -> tuple[str, Hashable | None, Hashable | None, str | None]:
    """The keyword form (formula, entity, time, fixed_effects) of a formula that may carry ``| fe``.

    Parameters
    ----------
    formula : str
    entity, time : hashable or None
        As given by the caller.
    fixed_effects : str or None
        As given by the caller (None: not given).

    Returns
    -------
    (str, hashable or None, hashable or None, str or None)

    Raises
    ------
    SpatialInnoError
        A name after ``|`` that conflicts with ``entity=``/``time=``, a single name that cannot be placed, or a
        ``fixed_effects=`` other than the one the formula implies.
    """
    base, names = split_fixed_effects(formula)
    if not names:
        return formula, entity, time, fixed_effects
    if len(names) == 2:
        implied, (ent, tim) = "twoway", names
        for given, named, role in ((entity, ent, "entity"), (time, tim, "time")):
            if given is not None and given != named:
                raise SpatialInnoError(f"formula {formula!r} names {named!r} as the {role} but {role}={given!r} was "
                                       f"passed; drop the keyword or make them agree")
        entity, time = ent, tim
    else:
        name = names[0]
        if name == entity or (entity is None and time is not None and name != time):
            implied, entity = "entity", name
        elif name == time or (time is None and entity is not None):
            implied, time = "time", name
        else:
            raise SpatialInnoError(f"formula {formula!r} has one fixed effect {name!r}: pass time= (for entity "
                                   f"effects) or entity= (for time effects), or write both, '| {name} + <time>'")
        if entity is None or time is None:
            raise SpatialInnoError(f"'| {name}' gives {implied} effects of a panel: pass the other panel column "
                                   f"({'time' if entity is not None else 'entity'}=)")
    if fixed_effects is not None and fixed_effects != implied:
        raise SpatialInnoError(f"formula {formula!r} implies fixed_effects={implied!r} but fixed_effects="
                               f"{fixed_effects!r} was passed; drop one of them")
    return base, entity, time, implied


def fe_in_formula(func: F) -> F:
    """Decorate an estimator or test so that its ``formula`` may carry ``| entity + time`` fixed effects.

    Parameters
    ----------
    func : callable
        A function with parameters ``formula``, ``entity``, ``time`` and ``fixed_effects``.

    Returns
    -------
    callable
        The same function, called with the keyword form (:func:`resolve`).
    """
    signature = inspect.signature(func)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        bound = signature.bind_partial(*args, **kwargs)
        formula = bound.arguments.get("formula")
        if isinstance(formula, str) and "|" in formula:
            a = bound.arguments
            f, ent, tim, fe = resolve(formula, a.get("entity"), a.get("time"), a.get("fixed_effects"))
            a.update(formula=f, entity=ent, time=tim, fixed_effects=fe)
        return func(*bound.args, **bound.kwargs)

    return wrapper  # type: ignore[return-value]
