"""Regions whose row of W is only links added by the island policy (named in the report's text and maps)."""

from __future__ import annotations

from collections.abc import Hashable

from ..weights import Weights


def island_only_rows(w: Weights) -> dict[Hashable, list[Hashable]]:
    """Regions whose row of W consists only of links added by the island policy (``islands="nearest"``).

    Such a region has no neighbour of its own; its one added link (to its nearest region) carries the whole
    row weight, so it ranks high among the spillover recipients of that region for a reason that is a policy
    choice, not geography.

    Parameters
    ----------
    w : Weights
        Weights whose ``meta["island_links"]`` lists the added (island, nearest region) pairs.

    Returns
    -------
    dict
        Region id -> the regions of its added links, for every region whose W row holds nothing else.
    """
    partners: dict[Hashable, set] = {}
    for a, b in w.meta.get("island_links", []):
        partners.setdefault(a, set()).add(b)
        partners.setdefault(b, set()).add(a)
    return {i: sorted(ps, key=str) for i, ps in partners.items()
            if set(w.neighbors(i).index) == ps}
