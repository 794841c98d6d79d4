"""Compare two spatialinno report directories (e.g. ``spatialinno demo`` before and after a refactor).

Usage: python scripts/compare_report_runs.py BEFORE_DIR AFTER_DIR

Prints: tables that differ byte for byte; run.json differences other than timings, creation time and the
output path; and the differences between the sequences of numbers in the visible text of the two
report.html files (style/script content skipped, the generation time stamp masked).
"""

from __future__ import annotations

import difflib
import filecmp
import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

NUMBER = re.compile(r"-?\d[\d,]*\.?\d*(?:e[-+]?\d+)?")
STAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC")


class VisibleText(HTMLParser):
    """Text content of an HTML page outside <style> and <script>."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("style", "script"):
            self.hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def visible_numbers(page: Path) -> tuple[str, list[str]]:
    """The visible text (whitespace collapsed, time stamp masked) and the numbers in it, in order."""
    parser = VisibleText()
    parser.feed(page.read_text(encoding="utf-8"))
    text = STAMP.sub("<generation time>", " ".join(" ".join(parser.parts).split()))
    return text, NUMBER.findall(text)


def compare_tables(a: Path, b: Path) -> None:
    ta = {p.name for p in (a / "tables").iterdir()}
    tb = {p.name for p in (b / "tables").iterdir()}
    print("tables only in before:", sorted(ta - tb), "only in after:", sorted(tb - ta))
    diff = sorted(n for n in ta & tb if not filecmp.cmp(a / "tables" / n, b / "tables" / n, shallow=False))
    print(f"tables compared: {len(ta & tb)}, differing: {diff}")


def _walk(x: object, y: object, path: str = "") -> None:
    if isinstance(x, dict) and isinstance(y, dict):
        for k in sorted(set(x) | set(y)):
            if k not in x or k not in y:
                print("run.json key only on one side:", f"{path}/{k}", x.get(k, "<absent>"), y.get(k, "<absent>"))
            else:
                _walk(x[k], y[k], f"{path}/{k}")
    elif x != y:
        print("run.json differs at", path, ":", x, "!=", y)


def compare_run_json(a: Path, b: Path) -> None:
    ra, rb = (json.loads((d / "run.json").read_text()) for d in (a, b))
    sa, sb = json.loads(json.dumps(ra)), json.loads(json.dumps(rb))
    for r in (sa, sb):
        r.pop("timings_seconds")
        r.pop("created")
        r["inputs"]["options"].pop("out")
    _walk(sa, sb)
    same_steps = list(ra["timings_seconds"]["steps"]) == list(rb["timings_seconds"]["steps"])
    same_fits = list(ra["timings_seconds"]["model_fits"]) == list(rb["timings_seconds"]["model_fits"])
    print("run.json step names equal:", same_steps, "| model_fits keys equal:", same_fits)


def compare_report_numbers(a: Path, b: Path) -> None:
    (_, na), (_, nb) = visible_numbers(a / "report.html"), visible_numbers(b / "report.html")
    print(f"numbers in report.html: before {len(na)}, after {len(nb)}")
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=na, b=nb, autojunk=False).get_opcodes():
        if op != "equal":
            print(op, "before:", na[i1:i2][:40], "after:", nb[j1:j2][:40])
    print("identical number sequence:", na == nb)


if __name__ == "__main__":
    before, after = Path(sys.argv[1]), Path(sys.argv[2])
    compare_tables(before, after)
    compare_run_json(before, after)
    compare_report_numbers(before, after)
