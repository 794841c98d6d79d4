"""Effects averaged over groups of regions (LeSage & Pace 2009, §2.7.1: partial-effect summaries over subsets).

For S_k = (I - rho W)^-1 (b_k I + t_k W) and a group g of regions (n_g of them),

    direct_g = (1/n_g) sum_{i in g} [S_k]_ii,    total_g = (1/n_g) sum_{i in g} sum_j [S_k]_ij,
    indirect_g = total_g - direct_g:

the effect on the regions of g of a change of x_k in every region (rows of S_k averaged within the group).
The groups' direct (total) effects, weighted by n_g / n, sum to the overall direct (total) effect. With a
row-normalised W every row of S_k sums to (b_k + t_k)/(1 - rho), so the total effect is the same in every
group and the groups differ only in how it splits into direct and indirect. With
A = I - rho W the kernel of group g is [mean_g diag(A^-1), mean_g diag(A^-1 W), mean_g A^-1 1,
mean_g A^-1 W 1], computed from one eigen-decomposition (O(G N) per rho):

- W = D^-1/2 S D^1/2 with S = Q L Q' symmetric: diag(A^-1)_i = sum_k Q_ik^2 / (1 - rho l_k),
  A^-1 1 = D^-1/2 Q diag(1/(1 - rho l)) Q' D^1/2 1;
- other W: W = V L V^-1 (complex), diag(A^-1)_i = sum_k V_ik [V^-1]_ki / (1 - rho l_k), when V is well
  conditioned (cond(V) <= 1e8); otherwise dense inverses per rho.

Exact; limited to ``EIGEN_MAX`` regions (:class:`GroupEffectsError` above: per-row diagonals of A^-1 would need
stochastic estimates, not implemented). Models without rho use rho = 0 (A = I).
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import pandas as pd

from ..constants import EIGEN_MAX
from ..errors import IdError, SpatialInnoError, preview
from ..weights import Weights
from .logdet import symmetric_form

#: eigenvector matrices of non-symmetric W with a larger condition number use dense inverses per rho
EIG_COND_MAX = 1e8


class GroupEffectsError(SpatialInnoError):
    """Groups for ``impacts(by=...)`` cannot be formed (unknown column, missing or inconsistent labels, large N)."""


def group_labels(by, w: Weights, data: pd.DataFrame | None = None, id: Hashable | None = None) -> pd.Series:
    """Group label of every region of ``w``, aligned to ``w.ids`` by id.

    Parameters
    ----------
    by : Series or hashable
        A Series indexed by region id (every id of ``w``; ids not in ``w`` are an error), or a column of
        ``data``.
    w : Weights
    data : DataFrame, optional
        Needed when ``by`` is a column name: a cross-section or long panel holding that column.
    id : hashable, optional
        The region id column of ``data`` (the entity column of a panel); default the index.

    Returns
    -------
    Series
        Indexed by ``w.ids``.

    Raises
    ------
    GroupEffectsError, IdError
    """
    if not isinstance(by, pd.Series):
        if data is None:
            raise GroupEffectsError(f"by={by!r} names a column, but the results do not keep the data: pass "
                                    f"data= (and id=), or by=<Series of group labels indexed by region id>")
        if by not in data.columns:
            raise GroupEffectsError(f"by column {by!r} not in the data; columns are {preview(data.columns)}")
        if id is not None and id not in data.columns:
            raise IdError(f"id column {id!r} not in the data; columns are {preview(data.columns)}")
        ids = data.index if id is None else data[id]
        pairs = pd.DataFrame({"id": np.asarray(ids), "g": data[by].to_numpy()}).drop_duplicates()
        multi = pairs["id"][pairs["id"].duplicated()].unique()
        if len(multi):
            raise GroupEffectsError(f"column {by!r} takes several values for regions {preview(list(multi))}; "
                                    f"groups must be constant over time")
        by = pd.Series(pairs["g"].to_numpy(), index=pairs["id"].to_numpy(), name=by)
    if by.index.has_duplicates:
        raise IdError(f"group labels indexed by duplicated ids: {preview(by.index[by.index.duplicated()].unique())}")
    ids = pd.Index(w.ids)
    missing = ids.difference(by.index)
    extra = by.index.difference(ids)
    if len(missing) or len(extra):
        raise IdError(f"group labels must cover exactly the regions of the weights: missing for "
                      f"{preview(list(missing))}; not in the weights: {preview(list(extra))}")
    out = by.reindex(ids)
    if out.isna().any():
        raise GroupEffectsError(f"missing group label for regions {preview(list(ids[out.isna().to_numpy()]))}")
    return out


class GroupKernel:
    """rho -> per-group kernel rows [mean_g diag(A^-1), mean_g diag(A^-1 W), mean_g A^-1 1, mean_g A^-1 W 1].

    Parameters
    ----------
    w : Weights
    labels : Series
        Group of every region, indexed by ``w.ids`` (see :func:`group_labels`).
    """

    def __init__(self, w: Weights, labels: pd.Series) -> None:
        if w.n > EIGEN_MAX:
            raise GroupEffectsError(f"impacts(by=...) is exact up to {EIGEN_MAX} regions (dense eigen-decomposition); "
                                    f"this W has {w.n}")
        values = labels.to_numpy()
        try:
            self.groups = pd.Index(pd.unique(values)).sort_values()
        except TypeError:  # labels of mixed types: order of first appearance
            self.groups = pd.Index(pd.unique(values))
        M = (values[None, :] == self.groups.to_numpy()[:, None]).astype(float)
        M /= M.sum(axis=1, keepdims=True)  # (G, N) group-averaging matrix
        self.W = w.sparse.toarray()
        self.mode = "eigen"
        sym = symmetric_form(w)
        if sym is not None:
            lam, Q = np.linalg.eigh(sym[0].toarray())
            dh = np.sqrt(sym[1])
            diag, rows, ones = Q ** 2, Q / dh[:, None], Q.T @ dh
        else:
            lam, V = np.linalg.eig(self.W)
            if np.linalg.cond(V) > EIG_COND_MAX:
                self.mode, self.M = "dense", M
                return
            U = np.linalg.inv(V)
            diag, rows, ones = V * U.T, V, U.sum(axis=1)
        gd, gr = M @ diag, (M @ rows) * ones[None, :]
        self.lam = lam
        self.parts = [gd, gd * lam, gr, gr * lam]  # each (G, N): contracted with 1/(1 - rho lam)

    def __call__(self, rho: np.ndarray) -> np.ndarray:
        """Kernel rows (len(rho), G, 4).

        Parameters
        ----------
        rho : ndarray

        Returns
        -------
        ndarray
        """
        rho = np.atleast_1d(np.asarray(rho, dtype=float))
        if self.mode == "dense":
            n = self.W.shape[0]
            out = np.empty((len(rho), len(self.groups), 4))
            for i, r in enumerate(rho):
                Ainv = np.linalg.inv(np.eye(n) - r * self.W)
                AW = Ainv @ self.W
                out[i] = np.column_stack([self.M @ np.diag(Ainv), self.M @ np.diag(AW), self.M @ Ainv.sum(1),
                                          self.M @ AW.sum(1)])
            return out
        inv = 1.0 / (1.0 - rho[:, None] * self.lam[None, :])  # (n, N)
        return np.real(np.stack([inv @ p.T for p in self.parts], axis=-1))
