"""Write demo_neighbors.csv: the binary contiguity edges of the 31 provinces used by make_reference.py.

This is input preparation only (the weights, not any estimate): queen contiguity of the bundled province
polygons with the island province Hainan linked to its nearest province (Guangdong), as
``si.weights.contiguity(provinces, id="code", islands="nearest")`` builds it. make_reference.py reads the
edges and row-normalises them itself. Run from the repository root:

    python tests/reference/elhorst/demo_weights.py
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import spatialinno as si

w = si.weights.contiguity(si.datasets.load_provinces(), id="code", islands="nearest")
coo = w.sparse.tocoo()
ids = list(w.ids)
edges = pd.DataFrame({"from_code": [ids[i] for i in coo.row], "to_code": [ids[j] for j in coo.col]})
edges.sort_values(["from_code", "to_code"]).to_csv(Path(__file__).with_name("demo_neighbors.csv"), index=False)
