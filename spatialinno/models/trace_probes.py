"""How many Hutchinson probes the effects' trace moments need: a Monte Carlo error rule.

Above ``EIGEN_MAX`` regions the effects use the power series (I - rho W)^-1 = sum_j rho^j W^j with exact
1'W^j 1, tr(W), tr(W^2) and Hutchinson estimates of tr(W^j), j >= 3, from m seeded Rademacher probes
(Hutchinson 1990; Barry & Pace 1999; LeSage & Pace 2009, §4.5). Each probe z_i alone gives a complete set of
trace estimates and hence an effect e_i; the effects are linear in the traces, so the estimate is the mean of
the e_i and its Monte Carlo standard error is

    s_MC = sd_i(e_i) / sqrt(m)          (direct and indirect effects; the total is exact).

That error is independent of the parameter uncertainty the effect's standard error ``se`` (simulated or delta)
measures, and added in quadrature it inflates ``se`` by less than ``INFLATION`` = 1% when

    s_MC <= sqrt((1 + INFLATION)^2 - 1) se  (~ 0.142 se).

Rule: start with ``PILOT_PROBES`` = 16 probes (the default p of R spatialreg's ``trW(type="MC")``); when
s_MC exceeds the bound for some direct or indirect effect, recompute with m' = ceil(m (s_MC / bound)^2)
probes (s_MC falls like 1/sqrt(m)), at most ``MAX_PROBES``, and check again. When an effect with trace error
has no standard error (``method="exact"``) the rule cannot be applied and the default count of
:func:`.logdet.trace_moments` is used. The estimate then lies within a few s_MC of the exact effect
(reported as ``attrs["trace_se"]``).
"""

from __future__ import annotations

import numpy as np

from .effects_inference import effect_values

#: relative inflation of an effect's standard error allowed from the traces' Monte Carlo error
INFLATION = 0.01
#: s_MC / se bound equivalent to INFLATION (errors added in quadrature)
SHARE = float(np.sqrt((1.0 + INFLATION) ** 2 - 1.0))
#: first number of probes (R spatialreg trW(type="MC") default) and the most the rule asks for
PILOT_PROBES = 16
MAX_PROBES = 2048


def trace_error(rows: np.ndarray, scale: float, beta: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Monte Carlo standard errors (V, 3) of the direct, indirect and total effects from per-probe kernel rows.

    s_MC = sd_i(e_i) / sqrt(m), e_i = scale (b_v k_i0 + t_v k_i1, ...) the effects from probe i's rows alone.

    Parameters
    ----------
    rows : ndarray
        (m, 4) per-probe kernel rows at the point estimate (``EffectsKernel.probe_rows``).
    scale : float
        Multiplier scale c (1 for the static multiplier).
    beta, theta : ndarray
        (V,) coefficients b_v and t_v.

    Returns
    -------
    ndarray
    """
    e = scale * effect_values(rows[:, None, :], beta[None, :], theta[None, :])  # (m, V, 3)
    return e.std(axis=0, ddof=1) / np.sqrt(rows.shape[0])


def probes_needed(probes: int, trace_se: np.ndarray, effect_se: np.ndarray) -> int | None:
    """Probes that bring every s_MC within ``SHARE`` x se (at most ``MAX_PROBES``; ``probes`` if already met).

    Parameters
    ----------
    probes : int
        Probes used for ``trace_se``.
    trace_se, effect_se : ndarray
        Monte Carlo and inferential standard errors of the same effects.

    Returns
    -------
    int or None
        None when an effect with a Monte Carlo error has no finite standard error.
    """
    active = trace_se > 0
    if not np.all(np.isfinite(effect_se[active]) & (effect_se[active] > 0)):
        return None
    if not active.any():
        return probes
    ratio = float(np.max(trace_se[active] / (SHARE * effect_se[active])))
    if ratio <= 1.0:
        return probes
    return int(min(MAX_PROBES, max(probes + 1, np.ceil(probes * ratio ** 2))))
