"""Shared fixtures: reference data sets with their weights, built from the R-exported CSVs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import spatialinno as si

REF = Path(__file__).parent / "reference"


def weights_from_edges(ids, edges: pd.DataFrame, normalization: str = "row") -> si.Weights:
    pos = {v: i for i, v in enumerate(ids)}
    r = [pos[a] for a in edges.iloc[:, 0]]
    c = [pos[b] for b in edges.iloc[:, 1]]
    m = sp.csr_matrix((np.ones(len(r)), (r, c)), shape=(len(ids), len(ids)))
    return si.Weights.from_sparse(m, ids, normalization=normalization, kind="reference contiguity")


def load_reference(folder: str, dataset: str):
    data = pd.read_csv(REF / folder / f"{dataset}_data.csv")
    edges = pd.read_csv(REF / folder / f"{dataset}_neighbors.csv")
    return data, edges


@pytest.fixture(scope="session")
def xs_ref():
    return json.loads((REF / "crosssection" / "reference.json").read_text())


@pytest.fixture(scope="session")
def panel_ref():
    return json.loads((REF / "panel" / "reference.json").read_text())


@pytest.fixture(scope="session")
def columbus():
    data, edges = load_reference("crosssection", "columbus")
    return data, weights_from_edges(data["id"].to_numpy(), edges)


@pytest.fixture(scope="session")
def boston():
    data, edges = load_reference("crosssection", "boston")
    return data, weights_from_edges(data["id"].to_numpy(), edges)


@pytest.fixture(scope="session")
def produc():
    data = pd.read_csv(REF / "panel" / "produc_data.csv")
    edges = pd.read_csv(REF / "panel" / "produc_neighbors.csv")
    return data, weights_from_edges(sorted(data["state"].unique()), edges)


@pytest.fixture(scope="session")
def provinces():
    return si.datasets.load_provinces()


@pytest.fixture(scope="session")
def province_w(provinces):
    return si.weights.contiguity(provinces, id="code", islands="nearest")
