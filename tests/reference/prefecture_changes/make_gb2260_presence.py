"""Make ``gb2260_presence.csv``: which codes of the shipped change table each MCA year-end list holds.

Independent reference for ``tests/datasets/test_prefecture_changes.py``: the table is built from the lists as
compiled in yescallop/areacodes; this fixture reads the same MCA lists as compiled separately in ``cn/GB2260``
(https://github.com/cn/GB2260, files ``mca/YYYY12.tsv``; the 2012 year-end list is missing there, so the NBS
list of October 2012 ``stats/201210.tsv`` stands in, and ``mca/201904.tsv`` (April 2019) for the end of 2018).

Usage::

    git clone https://github.com/cn/GB2260 /tmp/GB2260
    python tests/reference/prefecture_changes/make_gb2260_presence.py /tmp/GB2260

The shipped fixture was made from commit 1173e8b of cn/GB2260.
"""

import csv
import sys
from pathlib import Path

import spatialinno as si

HERE = Path(__file__).resolve().parent
FILES = {year: f"mca/{year}12.tsv" for year in range(1999, 2018) if year != 2012}
FILES[2012] = "stats/201210.tsv"
FILES[2018] = "mca/201904.tsv"


def main(root: Path) -> None:
    changes = si.datasets.prefecture_changes()
    codes = set(changes["old_code"].dropna().astype(int)) | set(changes["new_code"].astype(int))
    rows = []
    for year, rel in sorted(FILES.items()):
        with open(root / rel, encoding="utf-8") as fh:
            listed = {int(r["Code"]): r["Name"] for r in csv.DictReader(fh, delimiter="\t")}
        rows += [{"year": year, "list": rel, "code": c, "name": listed[c]} for c in sorted(codes) if c in listed]
    with open(HERE / "gb2260_presence.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["year", "list", "code", "name"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} rows")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
