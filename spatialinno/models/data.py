"""From a formula, a DataFrame and Weights to aligned, checked arrays.

Rows are aligned to the weights by id (cross-section) or by (entity, time) (panels), never by
position. Panels are stacked time-major: row t*N + i is entity ``w.ids[i]`` in period t.

Panel transformations (Elhorst 2014, ch. 3; Lee & Yu 2010): entity effects subtract each entity's
time mean, time effects each period's cross-sectional mean, two-way both (adding back the grand
mean). W y and W x are formed *before* demeaning: with time effects, demeaning W y is not the same as
W applied to demeaned y.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..errors import DataError, IdError, PanelError, SpatialInnoError, preview
from ..weights import PeriodWeights, Weights
from .checks import (
    RowLabels,
    check_ids_match_weights,
    check_key_types,
    check_numeric_columns,
    check_outcome_varies,
    check_periods,
)
from .period_layout import PeriodLayout, demean_balanced, period_layout

FIXED_EFFECTS = ("none", "entity", "time", "twoway", "random")


@dataclass(frozen=True)
class Design:
    """Aligned data: y (n,), X (n, k) with names, the N x N weights, and the panel shape.

    ``rhs_spec`` is the formulaic model spec of the regressors (it rebuilds X from new data with the same
    transforms and levels, see :func:`regressors_for`); None for designs not built from a formula.

    With a ``layout`` (unbalanced panel or time-varying weights, :mod:`.period_layout`) the rows are the
    observed (region, period) pairs stacked time-major, ``lag`` applies each period's W_t and ``demean``
    removes the fixed effects exactly.
    """

    y: np.ndarray
    X: np.ndarray
    names: list[str]
    yname: str
    w: Weights
    T: int = 1
    periods: pd.Index = field(default_factory=lambda: pd.Index([0]))
    fixed_effects: str = "none"
    rhs_spec: object | None = None
    layout: PeriodLayout | None = None

    @property
    def N(self) -> int:
        """Number of regions."""
        return self.w.n

    @property
    def n(self) -> int:
        """Number of observations (N T when balanced)."""
        return self.N * self.T if self.layout is None else self.layout.n

    def lag(self, v: np.ndarray) -> np.ndarray:
        """W applied period by period to an (n,) or (n, k) array stacked time-major.

        Parameters
        ----------
        v : ndarray

        Returns
        -------
        ndarray
            Same shape as ``v``.
        """
        if self.layout is not None:
            return self.layout.lag(v)
        v2 = v.reshape(self.T, self.N, -1)
        out = np.stack([self.w.sparse @ v2[t] for t in range(self.T)])
        return out.reshape(v.shape)

    def demean(self, v: np.ndarray, effects: str | None = None) -> np.ndarray:
        """Within transformation for ``effects`` (default: the design's fixed effects).

        Parameters
        ----------
        v : ndarray
            (n,) or (n, k), stacked time-major.
        effects : str, optional
            ``"none"``, ``"entity"``, ``"time"``, ``"twoway"`` or ``"random"`` (no transformation).

        Returns
        -------
        ndarray
        """
        effects = self.fixed_effects if effects is None else effects
        if effects in ("none", "random") or self.T == 1 and effects == "none":
            return v
        if self.layout is not None:
            return self.layout.demean(v, effects)
        return demean_balanced(v, self.T, self.N, effects)


def _model_frame(formula: str, df: pd.DataFrame, intercept: bool) -> tuple[np.ndarray, pd.DataFrame, str, object]:
    from formulaic import model_matrix

    if "~" not in formula:
        raise SpatialInnoError(f"formula {formula!r} needs an outcome, e.g. 'innov ~ agglom + pgdp'")
    try:
        mm = model_matrix(formula, df, na_action="ignore")
    except Exception as exc:  # formulaic raises several types for unknown names and syntax
        msg = str(exc).splitlines()[0]
        raise SpatialInnoError(f"cannot build the design from formula {formula!r}: {msg}. "
                               f"Columns available: {preview(df.columns)}") from None
    lhs, rhs = mm.lhs, mm.rhs
    if lhs.shape[1] != 1:
        raise SpatialInnoError(f"formula {formula!r} must have exactly one outcome variable")
    X = pd.DataFrame(np.asarray(rhs, dtype=float), columns=list(rhs.columns), index=df.index)
    if not intercept and "Intercept" in X.columns:
        X = X.drop(columns="Intercept")
    return np.asarray(lhs, dtype=float).ravel(), X, str(lhs.columns[0]), rhs.model_spec


def regressors_for(design: Design, df: pd.DataFrame, labels: pd.Index | RowLabels) -> np.ndarray:
    """The regressor matrix of ``design`` rebuilt from new rows ``df`` (already aligned to the design's order).

    The formula's transforms and categorical levels are those of the fit (formulaic's model spec).

    Parameters
    ----------
    design : Design
        A design built from a formula.
    df : DataFrame
        New data, rows in the design's order.
    labels : Index or RowLabels
        Row labels used in error messages.

    Returns
    -------
    ndarray
        (len(df), k), columns in ``design.names`` order.

    Raises
    ------
    SpatialInnoError
        When the design has no formula spec (dynamic panels), or columns are missing or not finite.
    """
    if design.rhs_spec is None:
        raise SpatialInnoError("this fit was not built from a formula alone (e.g. a dynamic panel), so its "
                               "regressors cannot be rebuilt from new data; predict in-sample (newdata=None)")
    try:
        X = design.rhs_spec.get_model_matrix(df, na_action="ignore")  # type: ignore[attr-defined]
    except Exception as exc:  # formulaic raises several types for unknown names
        msg = str(exc).splitlines()[0]
        raise DataError(f"cannot rebuild the regressors {preview(design.names)} from the new data: {msg}. "
                        f"Columns available: {preview(df.columns)}") from None
    X = pd.DataFrame(np.asarray(X, dtype=float), columns=list(X.columns), index=df.index)
    missing = [c for c in design.names if c not in X.columns]
    if missing:
        raise DataError(f"the new data do not give the regressors {preview(missing)} (a category absent?); "
                        f"give rows covering the fit's levels")
    X = X[design.names]
    _check_finite(np.zeros(len(X)), X, "(none)", labels)
    return X.to_numpy()


def _check_finite(y: np.ndarray, X: pd.DataFrame, yname: str, labels: pd.Index | RowLabels) -> None:
    for name, col in [(yname, y)] + [(c, X[c].to_numpy()) for c in X.columns]:
        bad = ~np.isfinite(col)
        if bad.any():
            raise DataError(f"{name!r} is NaN or infinite for {preview(labels[bad])}; drop or impute those "
                            f"observations before estimating (the weights need every region)")


def check_rank(X: np.ndarray, names: Sequence[str], context: str = "") -> None:
    """Error naming constant or perfectly collinear columns of X.

    Parameters
    ----------
    X : ndarray
    names : sequence of str
        Column names, used in the message.
    context : str
        Appended to the message (e.g. which fixed effects were removed).

    Raises
    ------
    DataError
    """
    n, k = X.shape
    if k == 0:
        return
    if n <= k:
        raise DataError(f"{n} observations for {k} regressors{context}; need more observations than parameters")
    scale = np.sqrt((X ** 2).sum(axis=0))
    for j, nm in enumerate(names):
        constant = np.ptp(X[:, j]) <= 1e-12 * max(1.0, scale[j])
        if scale[j] == 0 or (nm != "Intercept" and constant and "Intercept" in names):
            raise DataError(f"column {nm!r} is constant{context} (or absorbed by the fixed effects); drop it")
    Xs = X / np.where(scale > 0, scale, 1.0)
    _, r = np.linalg.qr(Xs)
    d = np.abs(np.diag(r))
    tol = max(n, k) * np.finfo(float).eps * 1e3 * d.max()
    dep = [names[j] for j in range(k) if d[j] <= tol]
    if dep:
        raise DataError(f"perfectly collinear regressors{context}: {preview(dep)} is a linear combination of the "
                        f"columns before it; drop it or change the formula")


def durbin_columns(names: list[str], durbin: Sequence[str] | None) -> list[str]:
    """Regressors that get a W x term: default every non-constant regressor.

    Parameters
    ----------
    names : list of str
        Regressor names.
    durbin : sequence of str, optional
        The requested subset.

    Returns
    -------
    list of str
    """
    candidates = [c for c in names if c != "Intercept"]
    if durbin is None:
        return candidates
    unknown = [d for d in durbin if d not in candidates]
    if unknown:
        raise SpatialInnoError(f"durbin names {preview(unknown)} are not regressors; choose from {preview(candidates)}")
    return [c for c in candidates if c in set(durbin)]


def cross_section(formula: str, data: pd.DataFrame, w: Weights, id: Hashable | None) -> Design:
    """Design for a cross-section aligned to ``w.ids`` through column ``id`` or the index.

    Parameters
    ----------
    formula : str
    data : DataFrame
    w : Weights
    id : hashable, optional
        Id column (None: the index).

    Returns
    -------
    Design

    Raises
    ------
    SpatialInnoError
        For ids of mixed types or of another type than ``w.ids``, non-numeric columns used by the formula,
        missing values, or a constant outcome (see :mod:`.checks`).
    """
    if not isinstance(w, Weights):
        raise SpatialInnoError("w must be a spatialinno Weights (build one with si.weights.*)")
    if id is None:
        ids = pd.Index(data.index)
    else:
        if id not in data.columns:
            raise IdError(f"id column {id!r} not in the data; columns are {preview(data.columns)}")
        ids = pd.Index(data[id].to_numpy())
    check_key_types(ids, id, "ids")
    check_ids_match_weights(ids, w.ids, id)
    order = w.align(ids, "data")
    df = data.iloc[order]
    labels = RowLabels(w.ids, "id {}".format)
    check_numeric_columns(formula, df, labels)
    y, X, yname, rhs_spec = _model_frame(formula, df, intercept=True)
    _check_finite(y, X, yname, labels)
    check_outcome_varies(y, yname)
    return Design(y=y, X=X.to_numpy(), names=list(X.columns), yname=yname, w=w, rhs_spec=rhs_spec)


def _panel_key(data: pd.DataFrame, ids: pd.Index, entity: Hashable, time: Hashable) -> pd.DataFrame:
    """The (entity, time) columns, checked: present, complete, of one type each and like ``ids``, unique pairs."""
    for col in (entity, time):
        if col not in data.columns:
            raise PanelError(f"panel column {col!r} not in the data; columns are {preview(data.columns)}")
    key = data[[entity, time]]
    if key.isna().any().any():
        raise PanelError(f"missing values in the {entity!r}/{time!r} columns; every row needs both")
    check_key_types(key[entity], entity, "ids")
    check_key_types(key[time], time, "periods")
    check_ids_match_weights(pd.Index(key[entity].unique()), ids, entity)
    dup = key.duplicated(keep=False)
    if dup.any():
        pairs = list(key[dup].drop_duplicates().itertuples(index=False, name=None))
        raise PanelError(f"duplicated ({entity}, {time}) rows: {preview(pairs)}; aggregate or drop duplicates")
    return key


def panel_positions(data: pd.DataFrame, w: Weights, entity: Hashable, time: Hashable) -> tuple[pd.Index, np.ndarray]:
    """Sorted periods and the row positions of ``data`` stacked time-major in ``w.ids`` order.

    Errors name missing columns, missing keys, duplicated (entity, time) rows, entities not in the weights
    (and weights ids not in the data), and the (entity, time) pairs an unbalanced panel lacks.

    Parameters
    ----------
    data : DataFrame
    w : Weights
    entity, time : hashable
        Panel id columns.

    Returns
    -------
    (Index, ndarray)
    """
    key = _panel_key(data, w.ids, entity, time)
    w.align(key[entity].unique(), "data")
    periods = pd.Index(np.sort(key[time].unique()), name=time)
    full = pd.MultiIndex.from_product([periods, w.ids])
    have = pd.MultiIndex.from_arrays([key[time].to_numpy(), key[entity].to_numpy()])
    absent = full.difference(have)
    if len(absent):
        pairs = [(e, t) for t, e in absent]
        raise PanelError(f"unbalanced panel: {len(pairs)} (entity, time) pairs missing, e.g. {preview(pairs, 6)}; "
                         f"spatial panels need every entity in every period (fill them, or drop entities/periods "
                         f"and use w.subset(ids))")
    return periods, pd.Series(np.arange(len(data)), index=have).reindex(full).to_numpy()


def _mean_weights(layout: PeriodLayout) -> Weights:
    """Weights over a layout's regions: the mean over its periods of the W_t (each embedded, zero elsewhere);
    only describes the fit (the likelihood uses the W_t)."""
    N = len(layout.ids)
    total = sp.csr_matrix((N, N))
    for t in range(layout.T):
        pos = layout.present[t]
        m = layout.weights(t).sparse.tocoo()
        total = total + sp.csr_matrix((m.data, (pos[m.row], pos[m.col])), shape=(N, N))
    return Weights(total / layout.T, layout.ids, normalization="none",
                   kind=f"mean of {layout.T} per-period weights")


def _layout_positions(data: pd.DataFrame, w: Weights | PeriodWeights, entity: Hashable, time: Hashable
                      ) -> tuple[pd.Index, np.ndarray, PeriodLayout | None]:
    """Periods, stacked row positions and (for unbalanced data or a PeriodWeights) the period layout."""
    key = _panel_key(data, w.ids, entity, time)
    if isinstance(w, Weights):
        w.align(key[entity].unique(), "data")
        if len(key) == w.n * key[time].nunique():     # balanced (pairs are unique): the classic layout
            periods, pos = panel_positions(data, w, entity, time)
            return periods, pos, None
    else:
        unknown = pd.Index(key[entity].unique()).difference(w.ids)
        if len(unknown):
            raise IdError(f"entities in the data but in no period's weights: {preview(list(unknown))}")
    periods = pd.Index(np.sort(key[time].unique()), name=time)
    layout, order = period_layout(key[entity].to_numpy(), key[time].to_numpy(), w, periods, entity, time)
    return periods, order, layout


def panel(formula: str, data: pd.DataFrame, w: Weights | PeriodWeights, entity: Hashable, time: Hashable,
          fixed_effects: str, unbalanced: bool = False) -> Design:
    """Design for a long panel aligned by (entity, time), stacked time-major.

    Parameters
    ----------
    formula : str
    data : DataFrame
    w : Weights or PeriodWeights
        A PeriodWeights only with ``unbalanced=True``.
    entity, time : hashable
        Panel id columns.
    fixed_effects : str
        ``"none"``, ``"entity"``, ``"time"``, ``"twoway"`` or ``"random"``.
    unbalanced : bool
        Accept unbalanced panels and time-varying weights (a :class:`~.period_layout.PeriodLayout` design);
        otherwise an unbalanced panel raises :class:`PanelError`.

    Returns
    -------
    Design

    Raises
    ------
    SpatialInnoError
        As :func:`cross_section`, plus a single period under fixed or random effects and an outcome that
        is constant after the within transformation (see :mod:`.checks`).
    """
    if isinstance(w, PeriodWeights) and not unbalanced:
        raise SpatialInnoError("time-varying weights (PeriodWeights) are accepted by the fixed-effects and pooled "
                               "ML estimators (sar, sem, sdm, ...); pass one Weights here")
    if not isinstance(w, (Weights, PeriodWeights)):
        raise SpatialInnoError("w must be a spatialinno Weights (build one with si.weights.*)")
    if fixed_effects not in FIXED_EFFECTS:
        raise SpatialInnoError(f"fixed_effects must be one of {', '.join(FIXED_EFFECTS)} (got {fixed_effects!r})")
    if unbalanced:
        periods, pos, layout = _layout_positions(data, w, entity, time)
    else:
        assert isinstance(w, Weights)
        periods, pos = panel_positions(data, w, entity, time)
        layout = None
    check_periods(periods, fixed_effects, entity)
    if isinstance(w, Weights):
        base = w
    else:
        assert layout is not None
        base = _mean_weights(layout)
    full = (pd.MultiIndex.from_product([periods, base.ids]) if layout is None
            else layout.index.swaplevel())
    df = data.iloc[pos]
    intercept = fixed_effects in ("none", "random")
    labels = RowLabels(full, lambda te: f"({te[1]}, {te[0]})")
    check_numeric_columns(formula, df, labels)
    y, X, yname, rhs_spec = _model_frame(formula, df, intercept=intercept)
    _check_finite(y, X, yname, labels)
    design = Design(y=y, X=X.to_numpy(), names=list(X.columns), yname=yname, w=base, T=len(periods), periods=periods,
                    fixed_effects=fixed_effects, layout=layout, rhs_spec=rhs_spec)
    check_outcome_varies(y, yname, design.demean(y), fixed_effects)
    return design
