"""What a dynamic spatial panel adds to a static one (Elhorst 2014, ch. 4 notation).

    Y_t = tau Y_{t-1} + rho W Y_t + eta W Y_{t-1} + X_t b + W X_t theta + FE + e_t

``dynamic="time"`` adds tau Y_{t-1}, ``"spacetime"`` eta W Y_{t-1}, ``"both"`` both. The first period is
the initial condition: the likelihood is conditional on Y_1 and runs over periods 2..T.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

#: dynamic= values and the lagged terms each adds, in parameter order
DYNAMIC_TERMS: dict[str, tuple[str, ...]] = {"time": ("tau",), "spacetime": ("eta",), "both": ("tau", "eta")}
#: every name a lagged outcome term can take in ``params``
LAG_NAMES: tuple[str, ...] = ("tau", "eta")


@dataclass(frozen=True)
class DynamicSpec:
    """The lagged-outcome terms of a dynamic fit and the periods it used.

    Parameters
    ----------
    kind : str
        ``"time"``, ``"spacetime"`` or ``"both"``.
    initial_period : hashable
        The period used only as initial condition (the first).
    periods_used : int
        Periods entering the likelihood (T - 1).
    periods_total : int
        Periods in the data (T).
    """

    kind: str
    initial_period: Hashable
    periods_used: int
    periods_total: int

    @property
    def terms(self) -> tuple[str, ...]:
        """Parameter names of the lagged outcome terms (``tau``, ``eta``)."""
        return DYNAMIC_TERMS[self.kind]

    @property
    def description(self) -> str:
        """Readable model terms, e.g. ``"tau y(t-1) + eta W y(t-1)"``."""
        parts = {"tau": "tau y(t-1)", "eta": "eta W y(t-1)"}
        return " + ".join(parts[t] for t in self.terms)
