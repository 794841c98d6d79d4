"""Simulated dynamic spatial panels (seeds fixed) for the dynamic-panel tests.

Y_t = (I - rho W)^-1 [(tau I + eta W) Y_{t-1} + b x_t + theta W x_t + mu + xi_t + e_t], with entity effects
mu ~ N(0, 1), time effects xi_t ~ N(0, 1), x_t = 0.5 mu + N(0, 1), e_t ~ N(0, sigma2); ``burn`` periods are discarded.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import spatialinno as si


def simulate_dynamic(w: si.Weights, T: int, rng: np.random.Generator, tau: float, eta: float, rho: float,
                     beta: float = 1.0, theta: float = 0.5, sigma2: float = 1.0, burn: int = 50,
                     start: int = 2000) -> pd.DataFrame:
    """Long panel (columns id, year, y, x) of T periods after ``burn`` discarded ones."""
    W = w.sparse.toarray()
    n = w.n
    Sinv = np.linalg.inv(np.eye(n) - rho * W)
    A = Sinv @ (tau * np.eye(n) + eta * W)
    mu = rng.normal(size=n)
    y = np.zeros(n)
    rows = []
    for t in range(burn + T):
        x = 0.5 * mu + rng.normal(size=n)
        xi = rng.normal()
        y = A @ y + Sinv @ (beta * x + theta * W @ x + mu + xi + rng.normal(scale=np.sqrt(sigma2), size=n))
        if t >= burn:
            rows.append(pd.DataFrame({"id": w.ids, "year": start + t - burn, "y": y, "x": x}))
    return pd.concat(rows, ignore_index=True)
