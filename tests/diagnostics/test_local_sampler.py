"""The local-permutation sampler (k_max + 1 distinct draws per replication instead of a permutation of n):
uniform ordered samples, uniform p_sim under the null, and agreement with esda's simulated local Moran."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy import stats
from simulate import lattice

import spatialinno as si
from spatialinno.diagnostics import local_moran
from spatialinno.diagnostics.local import distinct_draws

REF_DIR = Path(__file__).resolve().parents[1] / "reference" / "diagnostics"


def test_distinct_draws_are_uniform_ordered_samples():
    """All 5*4*3 = 60 ordered triples from range(5) appear with frequency 1/60 (chi-square, 59 dof)."""
    R = distinct_draws(5, 60_000, 3, np.random.default_rng(1))
    assert all(len(set(r)) == 3 for r in R[:1000])
    codes = R[:, 0] * 25 + R[:, 1] * 5 + R[:, 2]
    expected = [a * 25 + b * 5 + c for a, b, c in itertools.permutations(range(5), 3)]
    obs = np.array([np.sum(codes == e) for e in expected])
    assert obs.sum() == len(R)
    assert stats.chisquare(obs).pvalue > 1e-3


def test_small_map_p_sim_matches_exact_enumeration():
    """n = 6: the conditional permutation distribution is enumerated exactly (all ordered k-tuples of the other
    five values); 20,000 draws agree per region within 4.5 binomial sd. Region i's own position is often among
    the draws here (probability k_i / n), so the correction path is exercised."""
    C = sp.csr_matrix(np.array([[0, 1, 1, 0, 0, 0], [1, 0, 1, 1, 0, 0], [1, 1, 0, 1, 1, 0],
                                [0, 1, 1, 0, 1, 1], [0, 0, 1, 1, 0, 1], [0, 0, 0, 1, 1, 0]], float))
    ids = list("abcdef")
    w = si.Weights.from_sparse(C, ids, normalization="row")
    y = pd.Series([3.0, 1.0, 4.0, 1.5, 5.0, 9.0], index=ids)
    P = 20_000
    res = local_moran(y, w, permutations=P, seed=3)
    z = (y - y.mean()).to_numpy()
    W = w.sparse
    for i in range(6):
        nb = W.indices[W.indptr[i]:W.indptr[i + 1]]
        wt = W.data[W.indptr[i]:W.indptr[i + 1]]
        others = np.delete(z, i)
        lags = np.array([wt @ others[list(t)] for t in itertools.permutations(range(5), len(nb))])
        center = lags.mean()
        obs = wt @ z[nb]
        exact = np.mean(np.abs(lags - center) >= abs(obs - center) - 1e-12)
        sd = np.sqrt(exact * (1 - exact) / P) + 1 / P
        assert abs(res.p_sim.iloc[i] - exact) < 4.5 * sd, (i, res.p_sim.iloc[i], exact)


@pytest.mark.slow
def test_p_sim_is_uniform_under_the_null():
    """300 independent null maps (iid normal on a 10 x 10 lattice), one interior region each: KS against U(0, 1)
    of p_sim (199 permutations; the grid 1/200 is fine for KS at this size)."""
    w = lattice(10)
    rng = np.random.default_rng(2024)
    ps = []
    for rep in range(300):
        y = pd.Series(rng.normal(size=w.n), index=w.ids)
        res = local_moran(y, w, permutations=199, seed=rep)
        ps.append(res.p_sim.iloc[44])
    assert stats.kstest(ps, "uniform").pvalue > 1e-3


def test_agrees_with_esda_simulated_local_moran():
    """Columbus CRIME: our two-sided rule applied to esda's own simulated I_i (keep_simulations) equals our p_sim
    within Monte Carlo error (two independent samplers of the same conditional distribution)."""
    esda = pytest.importorskip("esda")
    libpysal = pytest.importorskip("libpysal")
    d = pd.read_csv(REF_DIR / "columbus_data.csv").set_index("id")
    e = pd.read_csv(REF_DIR.parent / "crosssection" / "columbus_neighbors.csv")
    ids = d.index
    m = sp.csr_matrix((np.ones(len(e)), (ids.get_indexer(e.from_id), ids.get_indexer(e.to_id))), shape=(49, 49))
    w = si.Weights.from_sparse(m, ids, normalization="row")
    P = 9999
    ours = local_moran(d.CRIME, w, permutations=P, seed=21).p_sim.to_numpy()
    pw = libpysal.weights.WSP(m).to_W()
    pw.transform = "r"
    ml = esda.moran.Moran_Local(d.CRIME.to_numpy(), pw, permutations=P, seed=77, keep_simulations=True,
                                n_jobs=1)
    z = d.CRIME.to_numpy() - d.CRIME.mean()
    Wr = w.sparse
    lag = Wr @ z
    center_lag = np.asarray(Wr.sum(axis=1)).ravel() * (z.sum() - z) / (len(z) - 1)
    center = ml.Is * center_lag / lag                       # I_i is linear in the lag: scale its exact mean
    sims = ml.rlisas
    theirs = (1 + np.sum(np.abs(sims - center[:, None]) >= np.abs(ml.Is - center)[:, None] * (1 - 1e-10),
                         axis=1)) / (P + 1)
    pbar = (ours + theirs) / 2
    sd = np.sqrt(2 * pbar * (1 - pbar) / P) + 1 / P
    assert np.all(np.abs(ours - theirs) < 4.5 * sd), np.max(np.abs(ours - theirs) / sd)
