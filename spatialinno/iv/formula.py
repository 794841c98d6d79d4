"""Formulas with endogenous regressors: ``y ~ x1 + [agglom ~ z1 + z2]`` (the linearmodels convention).

The bracket names the endogenous regressors (left of ``~``) and their excluded instruments (right).
Rows are aligned and panels transformed by the package's own design functions
(:func:`spatialinno.models.data.cross_section` / :func:`~spatialinno.models.data.panel`): the outcome,
exogenous and endogenous regressors form one design, the excluded instruments a second one on the same
rows, so both are aligned by id (or (entity, time)) and never by position.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import SpatialInnoError, preview
from ..models.data import Design, cross_section, panel
from ..weights import Weights
from ..weights.convert import as_weights

_BRACKET = re.compile(r"\[([^\[\]]*)\]")


@dataclass(frozen=True)
class IVFormula:
    """A formula split into its parts.

    Parameters
    ----------
    outcome : str
        Left-hand side.
    regressors : str
        Right-hand side with the bracket replaced by the endogenous terms.
    endogenous : str
        The endogenous terms (``""`` for none).
    instruments : str
        The excluded instruments (``""`` for none).
    """

    outcome: str
    regressors: str
    endogenous: str
    instruments: str


def parse(formula: str) -> IVFormula:
    """Split ``"y ~ x1 + [e1 + e2 ~ z1 + z2 + z3]"`` into outcome, regressors, endogenous and instruments.

    Parameters
    ----------
    formula : str
        A formulaic formula with at most one bracket term ``[endogenous ~ instruments]``.

    Returns
    -------
    IVFormula
    """
    if "~" not in formula:
        raise SpatialInnoError(f"formula {formula!r} needs an outcome, e.g. 'innov ~ pgdp + [agglom ~ z1 + z2]'")
    terms = _BRACKET.findall(formula)
    if len(terms) > 1:
        raise SpatialInnoError(f"formula {formula!r} has {len(terms)} bracket terms; put every endogenous regressor "
                               f"and every excluded instrument in one: [e1 + e2 ~ z1 + z2 + z3]")
    endog = instruments = ""
    rest = formula
    if terms:
        inner = terms[0]
        if inner.count("~") != 1:
            raise SpatialInnoError(f"bracket term [{inner}] must read [endogenous ~ instruments], e.g. [agglom ~ z1]")
        endog, instruments = (part.strip() for part in inner.split("~"))
        if not endog:
            raise SpatialInnoError(f"bracket term [{inner}] names no endogenous regressor before '~'")
        rest = _BRACKET.sub(f"({endog})", formula)
    outcome, rhs = (part.strip() for part in rest.split("~", 1))
    if "~" in rhs:
        raise SpatialInnoError(f"formula {formula!r} has a '~' outside a bracket term")
    return IVFormula(outcome=outcome, regressors=rhs, endogenous=endog, instruments=instruments)


@dataclass(frozen=True)
class IVDesign:
    """Aligned arrays of an IV model before any spatial lag or within transformation.

    Parameters
    ----------
    design : Design
        Outcome and all regressors (exogenous and endogenous), rows aligned to the weights.
    endogenous : list of str
        Names of the endogenous columns of ``design.X``.
    Z : ndarray
        Excluded instruments (n, m), same rows.
    znames : list of str
        Their names.
    """

    design: Design
    endogenous: list[str]
    Z: np.ndarray
    znames: list[str]

    @property
    def exogenous(self) -> list[str]:
        """Names of the exogenous regressors, in design order."""
        return [c for c in self.design.names if c not in self.endogenous]

    def columns(self, names: list[str]) -> np.ndarray:
        """Columns of the design matrix by name.

        Parameters
        ----------
        names : list of str

        Returns
        -------
        ndarray (n, len(names))
        """
        pos = [self.design.names.index(c) for c in names]
        return self.design.X[:, pos]


def build(formula: str, data: pd.DataFrame, w: Weights, *, id: Hashable | None, entity: Hashable | None,
          time: Hashable | None, fixed_effects: str | None) -> IVDesign:
    """Aligned design of ``formula`` (with an optional bracket term) on ``data`` and ``w``.

    Parameters
    ----------
    formula : str
        ``"y ~ x1 + [e ~ z1 + z2]"``.
    data : DataFrame
        Cross-section (rows matched to ``w.ids`` through ``id`` or the index) or long panel.
    w : Weights
        Spatial weights.
    id, entity, time, fixed_effects
        As for the ML estimators; a panel when ``entity`` and ``time`` are given.

    Returns
    -------
    IVDesign
    """
    if not isinstance(data, pd.DataFrame):
        raise SpatialInnoError("data must be a pandas DataFrame")
    if (entity is None) != (time is None):
        raise SpatialInnoError("panels need both entity= and time=; give neither for a cross-section")
    f = parse(formula)
    w = as_weights(w)

    def make(rhs: str) -> Design:
        text = f"{f.outcome} ~ {rhs}"
        if entity is None:
            if fixed_effects not in (None, "none"):
                raise SpatialInnoError(f"fixed_effects={fixed_effects!r} needs a panel: pass entity= and time=")
            return cross_section(text, data, w, id)
        fe = "entity" if fixed_effects is None else fixed_effects
        if fe == "random":
            raise SpatialInnoError("gs2sls/gs3sls support fixed_effects 'entity', 'time', 'twoway' or 'none', "
                                   "not 'random'")
        return panel(text, data, w, entity, time, fe)

    design = make(f.regressors)
    endog: list[str] = []
    Z = np.empty((design.n, 0))
    znames: list[str] = []
    if f.endogenous:
        endog = [c for c in make(f.endogenous).names if c != "Intercept"]
        missing = [c for c in endog if c not in design.names]
        if missing:
            raise SpatialInnoError(f"endogenous terms {preview(missing)} did not become regressor columns")
        if f.instruments:
            zd = make(f.instruments)
            keep = [j for j, c in enumerate(zd.names) if c != "Intercept"]
            Z, znames = zd.X[:, keep], [zd.names[j] for j in keep]
    return IVDesign(design=design, endogenous=endog, Z=Z, znames=znames)
