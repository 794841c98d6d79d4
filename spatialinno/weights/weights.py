"""The immutable, id-indexed spatial weights object.

A :class:`Weights` holds an N x N sparse matrix whose rows and columns follow ``ids``
(real region ids, not positions), the unnormalised ("raw") weights it was built from,
and the normalisation applied. Every transformation returns a new object.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..errors import IdError, SpatialInnoError, mismatch, preview
from .normalize import KINDS, normalize_matrix
from .validation import check_weight_values


def _freeze(m: sp.csr_matrix) -> sp.csr_matrix:
    m = sp.csr_matrix(m, dtype=float, copy=True)
    m.sum_duplicates()
    m.eliminate_zeros()
    m.sort_indices()
    for arr in (m.data, m.indices, m.indptr):
        arr.setflags(write=False)
    return m


#: relative tolerance of ``Weights.__eq__`` (round trips through libpysal change weights by ~1e-17)
EQUAL_RTOL = 1e-12


class Weights:
    """Spatial weights indexed by region ids.

    Parameters
    ----------
    raw : sparse matrix
        Unnormalised weights, rows/columns in ``ids`` order: finite, non-negative, zero diagonal (else a
        :class:`~spatialinno.errors.SpatialInnoError` names the offending (row id, column id) pairs).
    ids : sequence
        Unique region ids.
    normalization : {"row", "spectral", "minmax", "none"}
        Normalisation applied to ``raw`` to give :attr:`sparse`.
    kind : str
        Human-readable description of how the weights were built.
    meta : dict, optional
        Builder details (e.g. ``island_links`` added by ``islands="nearest"``).
    """

    __slots__ = ("_raw", "_sparse", "_ids", "_normalization", "_kind", "_meta", "_cache")

    def __init__(
        self,
        raw: sp.spmatrix | np.ndarray,
        ids: Iterable[Hashable],
        normalization: str = "row",
        kind: str = "custom",
        meta: dict[str, Any] | None = None,
    ) -> None:
        index = pd.Index(list(ids))
        if index.has_duplicates:
            raise IdError(f"weights ids must be unique; duplicated: {preview(index[index.duplicated()].unique())}")
        if index.hasnans:
            raise IdError("weights ids contain missing values; give every region an id")
        raw = sp.csr_matrix(raw, dtype=float)
        if raw.shape != (len(index), len(index)):
            raise SpatialInnoError(f"weights matrix is {raw.shape} but there are {len(index)} ids")
        check_weight_values(raw, index)
        index.name = index.name or "id"
        self._ids: pd.Index = index
        self._raw = _freeze(raw)
        self._normalization = normalization
        self._sparse = _freeze(normalize_matrix(self._raw, normalization))
        self._kind = kind
        self._meta = dict(meta or {})
        self._cache: dict[Hashable, Any] = {}

    # -- constructors ---------------------------------------------------------------------
    @classmethod
    def from_sparse(cls, matrix, ids: Iterable[Hashable], normalization: str = "none", kind: str = "custom") -> Weights:
        """Weights from a sparse (or dense) matrix whose rows/columns follow ``ids``.

        ``normalization`` is applied to ``matrix`` (default ``"none"``: taken as given).

        Parameters
        ----------
        matrix : sparse matrix or ndarray
        ids : iterable of hashable
        normalization : str
        kind : str
            Description of how the weights were built.

        Returns
        -------
        Weights
        """
        return cls(matrix, ids, normalization=normalization, kind=kind)

    @classmethod
    def from_graph(cls, g, normalization: str | None = None) -> Weights:
        """Weights from a libpysal ``Graph``, its weights taken as given.

        ``normalization=None`` labels the result ``"row"`` when every non-empty row sums to 1
        (row-normalising it again changes nothing), else ``"none"``.

        Parameters
        ----------
        g : libpysal.graph.Graph
        normalization : str, optional

        Returns
        -------
        Weights
        """
        return cls._from_matrix(g.sparse, g.unique_ids, normalization, "libpysal Graph")

    @classmethod
    def from_W(cls, w, normalization: str | None = None) -> Weights:
        """Weights from a libpysal ``W`` (``id_order``), its current transform taken as given.

        Parameters
        ----------
        w : libpysal.weights.W
        normalization : str, optional

        Returns
        -------
        Weights
        """
        return cls._from_matrix(w.sparse, w.id_order, normalization, "libpysal W")

    @classmethod
    def _from_matrix(cls, m, ids, normalization: str | None, kind: str) -> Weights:
        if normalization is None:
            rs = np.asarray(sp.csr_matrix(m).sum(axis=1)).ravel()
            normalization = "row" if np.allclose(rs[rs != 0], 1.0, rtol=0, atol=1e-12) else "none"
        return cls(m, ids, normalization=normalization, kind=kind)

    # -- read-only properties ------------------------------------------------------------
    @property
    def ids(self) -> pd.Index:
        """Region ids, in row/column order."""
        return self._ids

    @property
    def n(self) -> int:
        """Number of regions."""
        return len(self._ids)

    @property
    def sparse(self) -> sp.csr_matrix:
        """The normalised weights as read-only scipy CSR, rows/columns in ``ids`` order."""
        return self._sparse

    @property
    def raw(self) -> sp.csr_matrix:
        """The unnormalised weights the object was built from."""
        return self._raw

    @property
    def normalization(self) -> str:
        """Normalisation applied to the raw weights."""
        return self._normalization

    @property
    def kind(self) -> str:
        """How the weights were built."""
        return self._kind

    @property
    def meta(self) -> dict[str, Any]:
        """Builder details (a copy)."""
        return dict(self._meta)

    @property
    def cardinalities(self) -> pd.Series:
        """Number of neighbours of each region, indexed by id."""
        return pd.Series(np.diff(self._raw.indptr), index=self._ids, name="neighbors")

    @property
    def islands(self) -> pd.Index:
        """Ids with no neighbour."""
        return self._ids[np.diff(self._raw.indptr) == 0]

    @property
    def n_links(self) -> int:
        """Number of directed non-zero links."""
        return int(self._raw.nnz)

    @property
    def is_symmetric(self) -> bool:
        """Whether the *raw* weights are symmetric (the normalised matrix is then similar to a symmetric one)."""
        def check() -> bool:
            d = self._raw - self._raw.T
            return bool(d.nnz == 0 or np.abs(d.data).max() <= 1e-12 * max(1.0, np.abs(self._raw.data).max()))

        return self.memo("symmetric", check)

    # -- per-W cache ---------------------------------------------------------------------
    def memo(self, key: Hashable, factory: Callable[[], Any]) -> Any:
        """The value stored under ``key`` for this weights object, computed by ``factory()`` on first use.

        Derived quantities of W (eigenvalues, trace moments, effect kernels) are computed once per
        Weights object and shared by every model fitted with it. The public state of the object is never
        changed. When two threads compute the same key at once, both get the value stored first.

        Parameters
        ----------
        key : hashable
            Name of the derived quantity (include every argument it depends on, e.g. ``("moments", 64)``).
        factory : callable
            Computes the value from this object alone; called at most once per key unless threads race.

        Returns
        -------
        object
            The stored value (the caller must not mutate it).
        """
        missing = object()
        value = self._cache.get(key, missing)
        if value is missing:
            value = self._cache.setdefault(key, factory())
        return value

    # -- queries -------------------------------------------------------------------------
    def positions(self, ids: Iterable[Hashable]) -> np.ndarray:
        """Row (and column) positions in this matrix of the regions ``ids``, in the order given.

        Parameters
        ----------
        ids : iterable of hashable
            Region ids, each one of ``w.ids``.

        Returns
        -------
        ndarray of int

        Raises
        ------
        IdError
            Naming the ids that are not in the weights.
        """
        ids = list(ids)
        pos = self._ids.get_indexer(ids)
        if (pos < 0).any():
            missing = [i for i, p in zip(ids, pos) if p < 0]
            raise IdError(f"ids not in the weights: {preview(missing)}; use ids from `w.ids`")
        return pos

    def neighbors(self, id: Hashable) -> pd.Series:
        """Neighbours of region ``id`` and their (normalised) weights, indexed by id.

        Parameters
        ----------
        id : hashable

        Returns
        -------
        Series
        """
        i = self.positions([id])[0]
        row = self._sparse.getrow(i)
        return pd.Series(row.data, index=self._ids[row.indices], name=f"w[{id}]")

    def normalize(self, kind: str) -> Weights:
        """A new Weights with the raw matrix normalised by ``kind``.

        Parameters
        ----------
        kind : str
            One of ``"row"``, ``"spectral"``, ``"minmax"``, ``"none"``.

        Returns
        -------
        Weights
        """
        if kind not in KINDS:
            raise SpatialInnoError(f"unknown normalisation {kind!r}; use one of {', '.join(KINDS)}")
        return Weights(self._raw, self._ids, normalization=kind, kind=self._kind, meta=self._meta)

    def subset(self, ids: Iterable[Hashable], normalize: str | None = None) -> Weights:
        """Weights restricted to ``ids`` (in that order), re-normalised (default: as now).

        Parameters
        ----------
        ids : iterable of hashable
        normalize : str, optional

        Returns
        -------
        Weights
        """
        pos = self.positions(ids)
        if len(set(pos)) != len(pos):
            raise IdError("subset ids must be unique")
        raw = self._raw[pos][:, pos]
        return Weights(raw, self._ids[pos], normalization=normalize or self._normalization,
                       kind=f"{self._kind} (subset)", meta=self._meta)

    def align(self, ids: Iterable[Hashable], what: str = "data") -> np.ndarray:
        """Positions in ``ids`` of each weights id; error naming every mismatch in either direction.

        ``ids`` must hold exactly the weights ids (any order, no duplicates).

        Parameters
        ----------
        ids : iterable of hashable
        what : str
            Name of the data in error messages.

        Returns
        -------
        ndarray of int
        """
        given = pd.Index(list(ids))
        if given.has_duplicates:
            raise IdError(f"{what} has duplicated ids: {preview(given[given.duplicated()].unique())}; each region "
                          f"must appear once")
        diff = mismatch(f"ids in the {what} but not in the weights", given.difference(self._ids, sort=False),
                        f"weights ids missing from the {what}", self._ids.difference(given, sort=False))
        if diff:
            raise IdError(diff + ". Build the weights on the same regions, or use w.subset(ids).")
        return given.get_indexer(self._ids)

    # -- conversions ---------------------------------------------------------------------
    def to_graph(self):
        """libpysal ``Graph`` with the normalised weights (islands kept as isolates).

        Returns
        -------
        libpysal.graph.Graph
        """
        from libpysal.graph import Graph

        return Graph.from_sparse(self._sparse, ids=self._ids.to_numpy())

    def to_W(self):
        """libpysal ``W`` with the normalised weights (``id_order`` = ids).

        Row-normalised weights are labelled with libpysal's transform ``"R"`` (the weights are already row
        standardised, so libpysal's re-standardisation leaves them unchanged up to rounding); other
        normalisations have no libpysal label and keep ``"O"`` (original: the weights as given).

        Returns
        -------
        libpysal.weights.W
        """
        from libpysal.weights import W

        m = self._sparse
        neighbors, weights = {}, {}
        for i, idx in enumerate(self._ids):
            lo, hi = m.indptr[i], m.indptr[i + 1]
            neighbors[idx] = [self._ids[j] for j in m.indices[lo:hi]]
            weights[idx] = list(m.data[lo:hi])
        out = W(neighbors, weights, id_order=list(self._ids), silence_warnings=True)
        if self._normalization == "row":
            out.transform = "R"
        return out

    def to_frame(self) -> pd.DataFrame:
        """Links as a long DataFrame ``focal, neighbor, weight``.

        Returns
        -------
        DataFrame
        """
        c = self._sparse.tocoo()
        return pd.DataFrame({"focal": self._ids[c.row], "neighbor": self._ids[c.col], "weight": c.data})

    # -- description ---------------------------------------------------------------------
    def summary(self) -> pd.Series:
        """n, links, mean/min/max neighbours, islands, symmetry, normalisation.

        Returns
        -------
        Series
        """
        card = np.diff(self._raw.indptr)
        return pd.Series(
            {
                "kind": self._kind,
                "n": self.n,
                "links": self.n_links,
                "mean_neighbors": float(card.mean()) if self.n else 0.0,
                "min_neighbors": int(card.min()) if self.n else 0,
                "max_neighbors": int(card.max()) if self.n else 0,
                "islands": list(self.islands),
                "symmetric": self.is_symmetric,
                "normalization": self._normalization,
                "added_links": self._meta.get("island_links", []),
            },
            name="weights",
        )

    def describe(self) -> str:
        """One line for result summaries: kind, normalisation, n, links.

        Returns
        -------
        str
        """
        return f"{self._kind}, {self._normalization}-normalised, n={self.n}, links={self.n_links}"

    def __repr__(self) -> str:
        return f"<Weights {self.describe()}>"

    def __eq__(self, other: object) -> bool:
        """Same ids in the same order, same normalisation, and weights equal up to rounding.

        Weights that went through another representation (libpysal ``W``/``Graph``) and back may differ by a
        few units in the last place; they compare equal when no weight differs by more than ``EQUAL_RTOL``
        times the largest weight.
        """
        if not isinstance(other, Weights):
            return NotImplemented
        if not (self._ids.equals(other.ids) and self._normalization == other.normalization):
            return False
        diff = abs(self._sparse - other.sparse)
        scale = max(1.0, float(abs(self._sparse).max()) if self._sparse.nnz else 1.0)
        return diff.nnz == 0 or float(diff.max()) <= EQUAL_RTOL * scale

    __hash__ = None  # type: ignore[assignment]
