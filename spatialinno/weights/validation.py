"""Checks of weight values at construction, the island warning of the distance builders, and W fingerprints.

- Weights must be finite and non-negative: row-normalising a row of +1 and -1 divides by zero and
  silently makes an island, and negative "distances" have no spatial meaning. Offenders are named as
  (row id, column id) pairs.
- Self-links (a non-zero diagonal) are refused: every model assumes w_ii = 0.
- A distance builder that leaves regions without neighbours warns with their count and ids
  (:class:`~spatialinno.errors.SpatialInnoWarning`), as libpysal and spdep do.
- :func:`fingerprint` identifies a weights matrix (ids, normalisation, normalised values), so tests between
  models can check that two fits used the same W without comparing matrices entry by entry every time.
"""

from __future__ import annotations

import hashlib
import warnings

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..errors import SpatialInnoError, SpatialInnoWarning, preview


def _pairs(m: sp.coo_matrix, mask: np.ndarray, ids: pd.Index) -> str:
    rows, cols = m.row[mask], m.col[mask]
    shown = preview([(ids[r], ids[c]) for r, c in zip(rows[:8], cols[:8], strict=True)])
    return shown + (", ..." if len(rows) > 8 else "")


def check_weight_values(raw: sp.csr_matrix, ids: pd.Index) -> None:
    """Refuse NaN, infinite or negative weights and self-links, naming the offending (row id, column id) pairs.

    Parameters
    ----------
    raw : csr_matrix
        The unnormalised weights, rows/columns in ``ids`` order.
    ids : Index
        Region ids.

    Raises
    ------
    SpatialInnoError
        Naming the first few offending (row id, column id) pairs (or ids for self-links) and their count.
    """
    m = raw.tocoo()
    nonfinite = ~np.isfinite(m.data)
    if nonfinite.any():
        raise SpatialInnoError(f"weights contain {int(nonfinite.sum())} NaN or infinite values at (row id, column id) "
                               f"{_pairs(m, nonfinite, ids)}; check the input distances or values")
    negative = m.data < 0
    if negative.any():
        raise SpatialInnoError(f"weights contain {int(negative.sum())} negative values at (row id, column id) "
                               f"{_pairs(m, negative, ids)}; spatial weights must be >= 0 (row-normalising a row "
                               f"with negative entries can divide by zero)")
    diag = raw.diagonal()
    if diag.any():
        raise SpatialInnoError(f"weights have non-zero diagonal (self-links) for {int((diag != 0).sum())} ids "
                               f"{preview(ids[np.flatnonzero(diag)])}; set w_ii = 0")


def warn_islands(islands: pd.Index, n: int, builder: str) -> None:
    """Warn that a builder left regions without neighbours.

    Parameters
    ----------
    islands : Index
        Ids with no neighbour.
    n : int
        Number of regions.
    builder : str
        What was built (e.g. ``"inverse_distance(cutoff_km=300)"``), used in the message.

    Warns
    -----
    SpatialInnoWarning
        When ``islands`` is not empty, with their count and ids.
    """
    if len(islands):
        warnings.warn(f"{builder} leaves {len(islands)} of {n} regions without neighbours: {preview(islands)}; "
                      f"their rows of W are zero (raise the cutoff, or use knn / contiguity(islands='nearest'))",
                      SpatialInnoWarning, stacklevel=3)


def fingerprint(w) -> str:
    """A hash of the weights' ids, normalisation and normalised matrix, computed once per object.

    Parameters
    ----------
    w : Weights

    Returns
    -------
    str
        SHA-1 hex digest; equal for weights with equal ids (same order), normalisation and values.
    """
    def compute() -> str:
        m = w.sparse
        h = hashlib.sha1()
        h.update(repr([str(i) for i in w.ids]).encode())
        h.update(w.normalization.encode())
        for arr in (m.indptr, m.indices, m.data):
            h.update(np.ascontiguousarray(arr).tobytes())
        return h.hexdigest()

    return w.memo("fingerprint", compute)
