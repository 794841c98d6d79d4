"""Unbalanced panels and time-varying weights: which regions each period observes, and that period's W_t.

A :class:`PeriodLayout` stacks the observed (region, period) rows time-major (period by period, regions in
the order of the weights' ids) and gives each period t the weights W_t of the regions observed in it:

- a static ``Weights`` W restricted to those regions and re-normalised as W was (row-normalised: each
  remaining row rescaled to sum 1; ``spectral``/``minmax``: the normalising constant recomputed on the
  sub-matrix; ``none``: the sub-matrix as it is);
- a :class:`~spatialinno.weights.period.PeriodWeights`: that period's Weights, restricted the same way when the
  data lack some of its regions.

A region left without an observed neighbour is kept as an island only when W was built with
``islands="keep"`` or the region has no neighbour in W itself; otherwise :class:`~spatialinno.errors.IslandError`
names the (region, period) pairs.

With B_t = I - lambda W_t and A_t = I - rho W_t the log-likelihood of the exact dummy-variable model is
(Elhorst 2014, ch. 3, with per-period matrices)

    l = -n/2 log(2 pi sigma2) - e'e / (2 sigma2) + sum_t [log|A_t| + log|B_t|],   n = sum_t n_t,

and the log-determinant sum is computed once per *distinct* W_t (periods observing the same regions under
a static W share one; :attr:`PeriodLayout.n_logdets` says how many were built) with the exact machinery of
:mod:`.logdet`. Entity, time and two-way effects are removed exactly: entity or time alone by group means,
two-way by the exact solution of the dummy-variable normal equations (Frisch-Waugh: entity-demean, then
project out the entity-demeaned time dummies by a dense (T-1) x (T-1) solve; Wansbeek & Kapteyn 1989).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..errors import IslandError, PeriodWeightsError, preview
from ..weights import PeriodWeights, Weights
from .logdet import LogDet


def demean_balanced(v: np.ndarray, T: int, N: int, effects: str) -> np.ndarray:
    """Within transformation of a balanced (T N,) or (T N, k) time-major array (Elhorst 2014, §3.2).

    Entity effects subtract each entity's time mean, time effects each period's mean, two-way both, adding
    back the grand mean.

    Parameters
    ----------
    v : ndarray
    T, N : int
        Periods and regions.
    effects : str
        ``"entity"``, ``"time"`` or ``"twoway"``.

    Returns
    -------
    ndarray
    """
    v3 = v.reshape(T, N, -1)
    out = v3.copy()
    if effects in ("entity", "twoway"):
        out = out - v3.mean(axis=0, keepdims=True)
    if effects in ("time", "twoway"):
        out = out - v3.mean(axis=1, keepdims=True)
    if effects == "twoway":
        out = out + v3.mean(axis=(0, 1), keepdims=True)
    return out.reshape(v.shape)


def _restrict(w: Weights, ids: pd.Index, period: Hashable) -> Weights:
    """``w`` restricted to ``ids`` (re-normalised as ``w``), refusing new islands unless ``w`` keeps islands."""
    sub = w if len(ids) == w.n and w.ids.equals(ids) else w.subset(ids)
    if sub is w:
        return w
    new = sub.islands.difference(w.islands)
    if len(new) and w.meta.get("islands") != "keep":
        pairs = [(i, period) for i in new]
        raise IslandError(f"regions without an observed neighbour: (region, period) {preview(pairs, 6)}; W was not "
                          f"built with islands='keep'. Build W with islands='keep' (they then get no spatial lag in "
                          f"that period), use a distance-based W, or drop those region-years")
    return sub


class PeriodLayout:
    """The observed rows of a panel and each period's weights W_t.

    Parameters
    ----------
    ids : Index
        All regions (the static weights' ids, or those of a ``PeriodWeights``' ids found in the data), in stacking
        order.
    periods : Index
        The sorted periods.
    present : sequence of ndarray
        For each period, the sorted positions in ``ids`` of the regions observed in it.
    weights : Weights or PeriodWeights
        The weights as given by the caller.
    """

    def __init__(self, ids: pd.Index, periods: pd.Index, present: Sequence[np.ndarray],
                 weights: Weights | PeriodWeights) -> None:
        self.ids, self.periods, self.source = ids, periods, weights
        self.present = [np.asarray(p, dtype=int) for p in present]
        self.n_t = np.array([len(p) for p in self.present])
        self.starts = np.concatenate([[0], np.cumsum(self.n_t)])
        self.n = int(self.starts[-1])
        self.time_varying = isinstance(weights, PeriodWeights)
        self.balanced = bool(np.all(self.n_t == len(ids)))
        self.entity = np.concatenate(self.present)
        self.time = np.repeat(np.arange(len(periods)), self.n_t)
        groups: dict[tuple, list[int]] = {}
        wts: list[Weights] = []
        for t, (p, pos) in enumerate(zip(periods, self.present)):
            base = weights[p] if isinstance(weights, PeriodWeights) else weights
            sub_ids = ids[pos]
            key = (id(base), tuple(pos))
            if key not in groups:
                wts.append(_restrict(base, sub_ids, p))
            groups.setdefault(key, []).append(t)
        self.group_weights = wts
        self.group_periods = list(groups.values())
        self.period_group = np.empty(len(periods), dtype=int)
        for g, ts in enumerate(self.group_periods):
            self.period_group[ts] = g

    # -- facts ------------------------------------------------------------------------------------
    @property
    def T(self) -> int:
        """Number of periods."""
        return len(self.periods)

    @property
    def n_logdets(self) -> int:
        """Number of distinct W_t, i.e. of log-determinant functions built."""
        return len(self.group_weights)

    def period_sum(self, f: Callable[[Weights], float]) -> float:
        """sum_t f(W_t), evaluating ``f`` once per distinct W_t (e.g. a trace of the block-diagonal W).

        Parameters
        ----------
        f : callable
            Weights -> float.

        Returns
        -------
        float
        """
        return float(sum(len(ts) * f(w) for w, ts in zip(self.group_weights, self.group_periods)))

    def weights(self, t: int) -> Weights:
        """W_t of the period at position ``t``.

        Parameters
        ----------
        t : int

        Returns
        -------
        Weights
        """
        return self.group_weights[self.period_group[t]]

    def rows(self, t: int) -> slice:
        """Rows of the period at position ``t`` in the stacked data.

        Parameters
        ----------
        t : int

        Returns
        -------
        slice
        """
        return slice(int(self.starts[t]), int(self.starts[t + 1]))

    @property
    def index(self) -> pd.MultiIndex:
        """(entity, time) labels of the stacked rows."""
        return pd.MultiIndex.from_arrays([self.ids[self.entity], self.periods[self.time]], names=["entity", "time"])

    def describe(self) -> str:
        """One line for summaries: observations, periods, distinct W_t.

        Returns
        -------
        str
        """
        kind = "time-varying W_t" if self.time_varying else "W restricted to each period's regions"
        return (f"{'balanced' if self.balanced else 'unbalanced'}, {self.n} of {len(self.ids) * self.T} "
                f"region-periods observed; {kind} ({self.n_logdets} distinct W_t, one log-determinant each)")

    # -- operators on stacked columns ------------------------------------------------------------
    def lag(self, v: np.ndarray) -> np.ndarray:
        """W_t applied period by period to an (n,) or (n, k) stacked array.

        Parameters
        ----------
        v : ndarray

        Returns
        -------
        ndarray
        """
        v2 = np.asarray(v, dtype=float).reshape(self.n, -1)
        out = np.empty(v2.shape)
        for t in range(self.T):
            r = self.rows(t)
            out[r] = self.weights(t).sparse @ v2[r]
        return out.reshape(np.shape(v))

    def _means(self, v2: np.ndarray, codes: np.ndarray, m: int) -> np.ndarray:
        counts = np.bincount(codes, minlength=m).astype(float)
        sums = np.zeros((m, v2.shape[1]))
        np.add.at(sums, codes, v2)
        return sums / np.where(counts > 0, counts, 1.0)[:, None]

    def _time_dummies_within(self) -> np.ndarray:
        """Time dummies less the first, entity-demeaned: the (n, T-1) matrix M_E D_T."""
        D = sp.csr_matrix((np.ones(self.n), (np.arange(self.n), self.time)), shape=(self.n, self.T))[:, 1:].toarray()
        return D - self._means(D, self.entity, len(self.ids))[self.entity]

    def demean(self, v: np.ndarray, effects: str) -> np.ndarray:
        """Residual of the least-squares projection of ``v`` on the entity and/or time dummies (exact).

        Two-way: M_D v = M_E v - M_E D_T (D_T' M_E D_T)^-1 D_T' M_E v with E the entity dummies and D_T the
        time dummies less the first (Frisch-Waugh), M_E subtracting entity means.

        Parameters
        ----------
        v : ndarray
            (n,) or (n, k) stacked array.
        effects : str
            ``"none"``, ``"random"`` (no transformation), ``"entity"``, ``"time"`` or ``"twoway"``.

        Returns
        -------
        ndarray
        """
        if effects in ("none", "random"):
            return v
        if self.balanced:
            return demean_balanced(np.asarray(v, dtype=float), self.T, len(self.ids), effects)
        v2 = np.asarray(v, dtype=float).reshape(self.n, -1)
        N = len(self.ids)
        if effects == "time":
            out = v2 - self._means(v2, self.time, self.T)[self.time]
        else:
            out = v2 - self._means(v2, self.entity, N)[self.entity]
            if effects == "twoway":
                ED = self._time_dummies_within()
                coef = np.linalg.solve(ED.T @ ED, ED.T @ out)
                out = out - ED @ coef
        return out.reshape(np.shape(v))

    def effects_fit(self, fitted: np.ndarray, effects: str) -> tuple[float, np.ndarray | None, np.ndarray | None]:
        """Intercept, entity and time effects (each set summing to zero) of fitted dummies D a.

        Parameters
        ----------
        fitted : ndarray
            (n,) values D a of the fixed effects (the projection of the structural residual
            y - rho W y - X b on the dummies, or its GLS fit for an error model).
        effects : str

        Returns
        -------
        (float, ndarray or None, ndarray or None)
            alpha, entity effects (length N), time effects (length T).
        """
        N = len(self.ids)

        def fitted_means(v: np.ndarray) -> np.ndarray:
            return self._means(v[:, None], self.entity, N)[self.entity, 0]

        alpha = float(fitted.mean())
        ent = tim = None
        if effects == "entity":
            ent = self._means(fitted[:, None], self.entity, N)[:, 0] - alpha
        elif effects == "time":
            tim = self._means(fitted[:, None], self.time, self.T)[:, 0] - alpha
        else:
            # two-way: D a = mu_i + xi_t (xi_1 = 0): xi from the entity-demeaned time dummies, mu from entity means
            ED = self._time_dummies_within()
            xi = np.concatenate([[0.0], np.linalg.solve(ED.T @ ED, ED.T @ (fitted - fitted_means(fitted)))])
            mu = self._means((fitted - xi[self.time])[:, None], self.entity, N)[:, 0]
            mu, xi = mu + xi.mean(), xi - xi.mean()
            alpha = float(mu[np.unique(self.entity)].mean())
            ent, tim = mu - alpha, xi
        return alpha, ent, tim

    def logdet(self, method: str) -> PeriodLogDet:
        """The log-determinant sum over periods.

        Parameters
        ----------
        method : str
            Strategy of :class:`~.logdet.LogDet` for each distinct W_t.

        Returns
        -------
        PeriodLogDet
        """
        return PeriodLogDet(self, method)


class PeriodLogDet:
    """rho -> sum_t log|I - rho W_t|: one :class:`~.logdet.LogDet` per distinct W_t, weighted by its periods.

    The admissible interval is the intersection of the periods' intervals. Same interface as ``LogDet``
    (``method``, ``exact``, ``bounds``, call, ``approx``) so the likelihood engine uses either.

    Parameters
    ----------
    layout : PeriodLayout
    method : str
    """

    def __init__(self, layout: PeriodLayout, method: str) -> None:
        self.parts = [LogDet(w, method) for w in layout.group_weights]
        self.counts = np.array([len(ts) for ts in layout.group_periods], dtype=float)
        methods = {p.method for p in self.parts}
        self.method = methods.pop() if len(methods) == 1 else "mixed"
        self.exact = all(p.exact for p in self.parts)
        self.bounds = (max(p.bounds[0] for p in self.parts), min(p.bounds[1] for p in self.parts))

    @property
    def label(self) -> str:
        """The parts' strategy with its backend (e.g. ``"sparse (SuperLU (scipy))"``), or ``"mixed"``."""
        labels = {p.label for p in self.parts}
        return labels.pop() if len(labels) == 1 else "mixed"

    def __call__(self, rho: float) -> float:
        """sum_t log|I - rho W_t| (exact strategies)."""
        return float(sum(c * p(rho) for c, p in zip(self.counts, self.parts)))

    def approx(self, rho: float) -> float:
        """The series approximation of the sum (guides the search only).

        Parameters
        ----------
        rho : float

        Returns
        -------
        float
        """
        return float(sum(c * p.approx(rho) for c, p in zip(self.counts, self.parts)))


def period_layout(data_entities: np.ndarray, data_times: np.ndarray, w: Weights | PeriodWeights, periods: pd.Index,
                  entity: Hashable, time: Hashable) -> tuple[PeriodLayout, np.ndarray]:
    """The layout of an (entity, time) key and the positions of the data rows stacked in its order.

    Parameters
    ----------
    data_entities, data_times : ndarray
        The key columns (already checked for missing values, types and duplicates).
    w : Weights or PeriodWeights
    periods : Index
        The sorted distinct periods.
    entity, time : hashable
        Column names, for messages.

    Returns
    -------
    (PeriodLayout, ndarray)

    Raises
    ------
    PeriodWeightsError
        A period without weights in a ``PeriodWeights``, or (entity, period) pairs its weights lack.
    """
    ids = w.ids if isinstance(w, Weights) else w.ids[w.ids.isin(pd.unique(data_entities))]
    pos = ids.get_indexer(data_entities)
    tpos = periods.get_indexer(data_times)
    if isinstance(w, PeriodWeights):
        missing = [p for p in periods if p not in w]
        if missing:
            given = preview(list(w.periods))
            raise PeriodWeightsError(f"the PeriodWeights has no weights for periods {preview(missing)} of column "
                                     f"{time!r}; give one Weights per period (periods given: {given})")
        lack = [(e, t) for e, t in zip(data_entities, data_times) if e not in w[t].ids]
        if lack:
            raise PeriodWeightsError(f"({entity}, {time}) pairs whose period's weights lack the region: "
                                     f"{preview(lack, 6)}; add them to that period's Weights or drop those rows")
    order = np.lexsort((pos, tpos))
    present = [np.sort(pos[tpos == t]) for t in range(len(periods))]
    return PeriodLayout(ids, periods, present, w), order
