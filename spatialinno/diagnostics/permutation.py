"""Permutation inference shared by the global and local statistics: seeds, permuted blocks, p-values.

The pseudo p-value from ``permutations`` random permutations is two-sided:
p_sim = (1 + #{|S_perm - E| >= |S - E|}) / (1 + permutations) (Hope 1968; Anselin 1995), where a
permuted statistic within a relative :data:`TIE_RTOL` of the observed distance counts as a tie.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from scipy import stats

from ..constants import PERMUTATION_SEED
from ..errors import SpatialInnoError
from ..validation import check_seed

#: number of float entries held at once by the permutation machinery (bounds memory)
BLOCK_ELEMENTS = 2_000_000

#: relative tolerance for counting permuted statistics as "at least as extreme" (ties)
TIE_RTOL = 1e-10


def check_permutations(permutations: object) -> int:
    """Check the number of permutations.

    Parameters
    ----------
    permutations : int
        Requested number of random permutations (0 skips permutation inference).

    Returns
    -------
    int
        ``permutations`` as an ``int``.

    Raises
    ------
    SpatialInnoError
        If it is not a non-negative integer.
    """
    try:
        p = int(permutations)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise SpatialInnoError(f"permutations must be a non-negative integer (got {permutations!r})") from None
    if p < 0 or p != permutations:
        raise SpatialInnoError(f"permutations must be a non-negative integer (got {permutations!r}); use 0 to skip")
    return p


def generator(seed: int | np.random.Generator | None) -> np.random.Generator:
    """The random generator of a permutation test.

    Parameters
    ----------
    seed : int, np.random.Generator or None
        A seed (``None`` means :data:`spatialinno.constants.PERMUTATION_SEED`), or a generator used
        as given.

    Returns
    -------
    np.random.Generator
        ``np.random.default_rng(seed)``, or ``seed`` itself when it is a generator.

    Raises
    ------
    SpatialInnoError
        If ``seed`` is not a non-negative integer, a generator or None.
    """
    seed = check_seed(seed)
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(PERMUTATION_SEED if seed is None else seed)


def permuted_blocks(v: np.ndarray, permutations: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """Blocks of independent random permutations of ``v``, ``permutations`` rows in all.

    Parameters
    ----------
    v : np.ndarray
        Values of length n to permute.
    permutations : int
        Total number of permutations.
    rng : np.random.Generator
        Source of randomness.

    Yields
    ------
    np.ndarray
        Arrays of shape (k, n), each row a permutation of ``v``; k is chosen so that a block holds
        at most :data:`BLOCK_ELEMENTS` floats.
    """
    n = v.shape[0]
    per = max(1, BLOCK_ELEMENTS // max(n, 1))
    done = 0
    while done < permutations:
        k = min(per, permutations - done)
        yield rng.permuted(np.tile(v, (k, 1)), axis=1)
        done += k


def count_extreme(sims: np.ndarray, obs: float, center: float) -> int:
    """Number of permuted statistics at least as far from ``center`` as the observed one.

    Parameters
    ----------
    sims : np.ndarray
        Permuted statistics.
    obs : float
        Observed statistic.
    center : float
        Expected value under the null (the statistic's mean over all permutations).

    Returns
    -------
    int
        ``#{|sims - center| >= |obs - center|}``, ties within a relative :data:`TIE_RTOL` counted.
    """
    dev = abs(obs - center)
    return int(np.count_nonzero(np.abs(sims - center) >= dev - TIE_RTOL * (dev + abs(center) + 1e-300)))


def pseudo_p(count: int, permutations: int) -> float:
    """Permutation pseudo p-value ``(count + 1) / (permutations + 1)``.

    Parameters
    ----------
    count : int
        Number of permuted statistics at least as extreme as the observed one.
    permutations : int
        Number of permutations.

    Returns
    -------
    float
        The pseudo p-value, NaN when ``permutations`` is 0.
    """
    return (count + 1.0) / (permutations + 1.0) if permutations else float("nan")


def two_sided_p(z):
    """Two-sided standard-normal p-value ``2 * (1 - Phi(|z|))``, computed from the upper tail.

    Parameters
    ----------
    z : float or np.ndarray
        Standard normal deviates.

    Returns
    -------
    float or np.ndarray
        ``2 * norm.sf(|z|)`` (accurate for tiny p-values).
    """
    return 2.0 * stats.norm.sf(np.abs(z))
