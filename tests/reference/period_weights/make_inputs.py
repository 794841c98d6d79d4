"""Write the input of make_reference.R: the bundled SIMULATED demo panel, 2007-2010 (pgdp, innov).

Run from the repository root: ``python tests/reference/period_weights/make_inputs.py``.
(2006 is left out: two provinces have exactly equal pgdp that year, so 1/|v_i - v_j| is infinite.)
"""

from pathlib import Path

import spatialinno as si

out = Path(__file__).parent / "demo_values.csv"
demo = si.datasets.load_demo_panel()
demo = demo[demo["year"].between(2007, 2010)][["code", "year", "pgdp", "innov"]]
demo.sort_values(["year", "code"]).to_csv(out, index=False, float_format="%.17g")
print(f"wrote {out} ({len(demo)} rows)")
