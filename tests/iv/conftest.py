"""Data of the spatial IV tests: spreg's Columbus and Baltimore (written by tests/reference/iv/make_reference.py)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import spatialinno as si

IVREF = Path(__file__).parents[1] / "reference" / "iv"


def iv_dataset(name: str) -> tuple[pd.DataFrame, si.Weights]:
    data = pd.read_csv(IVREF / f"{name}_data.csv")
    edges = pd.read_csv(IVREF / f"{name}_neighbors.csv")
    ids = data["id"].to_numpy()
    pos = {v: i for i, v in enumerate(ids)}
    m = sp.csr_matrix((np.ones(len(edges)), ([pos[a] for a in edges.iloc[:, 0]], [pos[b] for b in edges.iloc[:, 1]])),
                      shape=(len(ids), len(ids)))
    return data, si.Weights.from_sparse(m, ids, normalization="row", kind="spreg reference")


@pytest.fixture(scope="session")
def spreg_ref() -> dict:
    return json.loads((IVREF / "spreg_reference.json").read_text())


@pytest.fixture(scope="session")
def lm_ref() -> dict:
    return json.loads((IVREF / "linearmodels_reference.json").read_text())


@pytest.fixture(scope="session")
def columbus_iv():
    return iv_dataset("columbus")


@pytest.fixture(scope="session")
def baltimore_iv():
    return iv_dataset("baltimore")


@pytest.fixture(scope="session")
def make_lattice():
    """side -> row-normalised rook-contiguity Weights of a side x side lattice (ids 0..side^2 - 1)."""

    def lattice(side: int) -> si.Weights:
        r, c = [], []
        for i in range(side):
            for j in range(side):
                for di, dj in ((1, 0), (-1, 0), (0, 1), (0, -1)):
                    if 0 <= i + di < side and 0 <= j + dj < side:
                        r.append(i * side + j)
                        c.append((i + di) * side + j + dj)
        m = sp.csr_matrix((np.ones(len(r)), (r, c)), shape=(side * side, side * side))
        return si.Weights.from_sparse(m, list(range(side * side)), normalization="row", kind="rook lattice")

    return lattice
