"""Weights.memo (per-W cache of derived quantities) and Weights.positions (id -> row position)."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import scipy.sparse as sp

import spatialinno as si
from spatialinno.errors import IdError


@pytest.fixture()
def ring() -> si.Weights:
    n = 6
    rows = np.arange(n)
    m = sp.csr_matrix((np.ones(2 * n), (np.r_[rows, rows], np.r_[(rows + 1) % n, (rows - 1) % n])), shape=(n, n))
    return si.Weights(m, [f"r{i}" for i in range(n)])


def test_memo_computes_once_per_key(ring):
    calls = []

    def factory():
        calls.append(1)
        return np.arange(3)

    first = ring.memo("thing", factory)
    second = ring.memo("thing", factory)
    assert first is second and len(calls) == 1
    assert ring.memo(("thing", 2), lambda: "other") == "other"
    # a new Weights object (e.g. renormalised) has its own cache
    assert ring.normalize("none").memo("thing", lambda: "fresh") == "fresh"


def test_memo_threads_share_one_value(ring):
    seen = []
    barrier = threading.Barrier(4)

    def worker():
        barrier.wait()
        seen.append(ring.memo("shared", lambda: object()))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(v) for v in seen}) == 1


def test_memo_leaves_public_state_unchanged(ring):
    before = (ring.ids.copy(), ring.sparse.copy(), ring.normalization, ring.describe())
    ring.memo("x", lambda: 1)
    assert ring.ids.equals(before[0]) and (ring.sparse != before[1]).nnz == 0
    assert (ring.normalization, ring.describe()) == before[2:]


def test_positions_follow_the_order_given(ring):
    assert list(ring.positions(["r3", "r0", "r5"])) == [3, 0, 5]
    # independent: the position is where the id sits in w.ids
    assert all(ring.ids[p] == i for i, p in zip(["r4", "r1"], ring.positions(["r4", "r1"])))


def test_positions_name_unknown_ids(ring):
    with pytest.raises(IdError, match="'nope'.*'zzz'|'zzz'.*'nope'"):
        ring.positions(["r1", "nope", "zzz"])
