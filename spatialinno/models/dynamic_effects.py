"""Stationarity and long-run effects of dynamic spatial panels (Debarsy, Ertur & LeSage 2012; Elhorst 2014, ch. 4).

For Y_t = tau Y_{t-1} + rho W Y_t + eta W Y_{t-1} + X_t b + W X_t theta + e_t the reduced form is
Y_t = A Y_{t-1} + (I - rho W)^-1 (X_t b + W X_t theta + e_t) with A = (I - rho W)^-1 (tau I + eta W).

Stationarity: the spectral radius of A is below 1. A is a rational function of W, so its eigenvalues are
(tau + eta w)/(1 - rho w) over the eigenvalues w of W (exact for any W, complex w included):

- up to ``EIGEN_MAX`` regions all eigenvalues of W are used (for a real spectrum only its extremes matter,
  because w -> (tau + eta w)/(1 - rho w) is monotone between poles);
- above, a W with real spectrum uses its extreme eigenvalues (a row-normalised W the interval [-1, 1], which
  contains its spectrum, so the check is then sufficient);
- any other W above ``EIGEN_MAX``: the sufficient condition (|tau| + |eta| ||W||) / (1 - |rho| ||W||) < 1 with
  ||W|| = ||W||_inf (max absolute row sum), i.e. |tau| + |rho| + |eta| < 1 when ||W||_inf = 1.

Effects of regressor k (short run as the static model):

    short run  S_k = (I - rho W)^-1 (I b_k + W theta_k)
    long run   L_k = ((1 - tau) I - (rho + eta) W)^-1 (I b_k + W theta_k)
                   = 1/(1 - tau) (I - r W)^-1 (I b_k + W theta_k),   r = (rho + eta)/(1 - tau),

so the long run uses the static kernel at r scaled by 1/(1 - tau) (:class:`LongRun`), exact for any
normalisation and scalable like the static effects. Simulation draws that are not stationary are rejected.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..constants import EIGEN_MAX
from ..errors import SpatialInnoError
from ..weights import Weights
from .effects import Multiplier
from .logdet import eigenvalues, rho_bounds, symmetric_form


class NonStationaryError(SpatialInnoError):
    """A dynamic spatial panel fit is not stationary, so long-run quantities do not exist."""


def _spectrum_points(w: Weights) -> tuple[np.ndarray | None, bool]:
    """Eigenvalues of W that decide the stationarity check and whether the check is exact (None: use the norm)."""
    def compute():
        if w.n <= EIGEN_MAX:
            ev = eigenvalues(w)
            return (ev if np.iscomplexobj(ev) else np.array([ev.min(), ev.max()])), True
        if symmetric_form(w) is not None:
            lo, hi = rho_bounds(w)  # a large row-normalised W: (-1, 1), which contains its spectrum
            return np.array([1.0 / lo, 1.0 / hi]), w.normalization != "row"
        return None, False
    return w.memo("dynamic_spectrum_points", compute)


def spectral_radius(w: Weights, tau: np.ndarray | float, eta: np.ndarray | float, rho: np.ndarray | float
                    ) -> tuple[np.ndarray, bool]:
    """Spectral radius of (I - rho W)^-1 (tau I + eta W), or an upper bound of it (module docstring).

    Parameters
    ----------
    w : Weights
    tau, eta, rho : float or ndarray
        Parameters (arrays of equal length for many draws).

    Returns
    -------
    (ndarray, bool)
        Radii (one per parameter triple) and whether they are exact (False: an upper bound).
    """
    tau, eta, rho = (np.atleast_1d(np.asarray(v, dtype=float)) for v in (tau, eta, rho))
    pts, exact = _spectrum_points(w)
    if pts is None:
        norm = float(np.abs(w.sparse).sum(axis=1).max())
        den = 1.0 - np.abs(rho) * norm
        bound = np.where(den > 0, (np.abs(tau) + np.abs(eta) * norm) / np.where(den > 0, den, 1.0), np.inf)
        return bound, False
    vals = np.abs((tau[:, None] + eta[:, None] * pts[None, :]) / (1.0 - rho[:, None] * pts[None, :])).max(axis=1)
    if not np.iscomplexobj(pts):  # real spectrum: the pole 1/rho must lie outside [w_min, w_max]
        inside = (rho * pts.min() < 1.0) & (rho * pts.max() < 1.0)
        vals = np.where(inside, vals, np.inf)
    return vals, exact


def is_stable(w: Weights, tau: float, eta: float, rho: float) -> bool:
    """True when the spectral radius of (I - rho W)^-1 (tau I + eta W) is below 1 (or its bound, see module).

    Parameters
    ----------
    w : Weights
    tau, eta, rho : float

    Returns
    -------
    bool
    """
    return bool(spectral_radius(w, tau, eta, rho)[0][0] < 1.0)


class LongRun(Multiplier):
    """Long-run multiplier ((1 - tau) I - (rho + eta) W)^-1: kernel argument r = (rho + eta)/(1 - tau), scale
    1/(1 - tau); draws that are not stationary are rejected.

    Parameters
    ----------
    names : sequence of str
        Parameter names (``rho`` and ``tau`` and/or ``eta`` among them).
    w : Weights
    """

    horizon = "long"

    def __init__(self, names: Sequence[str], w: Weights) -> None:
        names = list(names)
        self.w = w
        self.i_rho = names.index("rho")
        self.i_tau = names.index("tau") if "tau" in names else None
        self.i_eta = names.index("eta") if "eta" in names else None
        self.index = [i for i in (self.i_tau, self.i_eta, self.i_rho) if i is not None]
        self.bounds = rho_bounds(w)

    def parts(self, P: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(tau, eta, rho) columns of the parameter matrix P (zeros for absent terms).

        Parameters
        ----------
        P : ndarray
            (m, p) parameter vectors.

        Returns
        -------
        (ndarray, ndarray, ndarray)
        """
        P = np.atleast_2d(P)
        zero = np.zeros(len(P))
        tau = P[:, self.i_tau] if self.i_tau is not None else zero
        eta = P[:, self.i_eta] if self.i_eta is not None else zero
        return tau, eta, P[:, self.i_rho]

    def __call__(self, P: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(r, c, ok): r = (rho + eta)/(1 - tau), c = 1/(1 - tau), ok = stationary draws.

        Parameters
        ----------
        P : ndarray
            (m, p) parameter vectors.

        Returns
        -------
        (ndarray, ndarray, ndarray)
        """
        tau, eta, rho = self.parts(P)
        c = 1.0 / (1.0 - tau)
        r = (rho + eta) * c
        lo, hi = self.bounds
        ok = (spectral_radius(self.w, tau, eta, rho)[0] < 1.0) & (r > lo) & (r < hi)
        return r, c, ok
