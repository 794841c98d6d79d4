"""Build ``spatialinno/datasets/data/prefecture_changes.csv`` from the year-end code lists of China's MCA.

This is a *build-time* script (run by a maintainer; the package only reads the CSV it writes).

Source
------
``yescallop/areacodes`` (https://github.com/yescallop/areacodes, CC0 1.0): the Ministry of Civil Affairs'
year-end lists of county-level-and-above administrative division codes (GB/T 2260), one file per year
(``data/YYYY.txt``, state on 31 December), and per-year difference files (``diff/YYYY-YYYY.diff``) that record
the approval behind each change (title, document number ``文号`` and date ``日期``, transcribed from the State
Council Gazette and MCA notices) and where each old code's territory went.

Usage::

    git clone https://github.com/yescallop/areacodes /tmp/areacodes
    python scripts/build_prefecture_changes.py /tmp/areacodes --commit "$(git -C /tmp/areacodes rev-parse HEAD)"

The shipped table was built from commit eed219a0678d36bacaa717f62443b10e869f0291 of yescallop/areacodes.

Method
------
For each year-end list the "map units" are derived as in the shipped prefecture map: every prefecture-level
code (``xxxx00``), each municipality as one unit (``110100``, ``120100``, ``310100``, ``500100``), and each
county-level unit without a prefecture-level parent (``xx90xx`` such as Jiyuan 419001; before 2001 Hainan's
``4600xx``). Between consecutive lists, a unit that disappears is followed through its counties (the
successor codes recorded in the diff) to the map units that received its territory:

- one successor that did not exist before -> ``recoded`` (typically a region/league becoming a city);
  several disappearing units with the same new successor -> ``merged``;
- one successor that existed before -> ``merged`` (absorbed, e.g. Laiwu into Jinan);
- several successors -> ``dissolved/split`` (e.g. Chaohu);
- a new unit that is nobody's successor -> ``created`` (``old_code`` empty; its donors are in ``note``);
- same code, new name -> ``renamed``.

``code_list_year`` is the first year-end list carrying the new state. ``year`` (first year whose statistics
use the new code) equals it, except for approvals dated in December, whose year's statistics are normally
still compiled for the old units (``year = code_list_year + 1``, stated in ``note``).
"""

from __future__ import annotations

import argparse
import csv
import re
from collections import defaultdict
from pathlib import Path

FIRST_YEAR = 2000
LAST_YEAR = 2024
MUNICIPALITIES = {"11", "12", "31", "50"}
EXCLUDED = {"71", "81", "82"}
OUT = Path(__file__).resolve().parents[1] / "spatialinno" / "datasets" / "data" / "prefecture_changes.csv"
CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
HEADER = """\
# Prefecture-level (GB/T 2260) code changes since 2000, for matching panels to si.datasets.load_prefectures().
# Built by scripts/build_prefecture_changes.py from the MCA year-end code lists as compiled (with the approval
# documents) in yescallop/areacodes (CC0 1.0). Columns: old_code (empty for units created from parts of
# others), old_name, new_code, new_name, year (first year whose statistics use new_code), code_list_year (first
# MCA year-end list carrying it), kind, approved (date of the approval), source, note.
"""


def read_list(root: Path, year: int) -> dict[int, str]:
    """Codes and names of the year-end list of ``year``."""
    out = {}
    for line in (root / "data" / f"{year}.txt").read_text(encoding="utf-8-sig").splitlines():
        if line.strip():
            code, name = line.split(maxsplit=1)
            out[int(code)] = name.strip()
    return out


def map_unit(code: int, codes: dict[int, str]) -> int | None:
    """The map unit holding ``code`` in a list (None for provinces and excluded areas)."""
    prov = str(code)[:2]
    if prov in EXCLUDED or code % 10000 == 0:
        return None
    if prov in MUNICIPALITIES:
        return int(prov + "0100")
    parent = code // 100 * 100
    return parent if parent in codes and parent % 10000 else code


def units(codes: dict[int, str]) -> dict[int, str]:
    """Map units of one list with their names (municipalities named by the municipality)."""
    out = {}
    for code in codes:
        unit = map_unit(code, codes)
        if unit is not None and unit not in out:
            out[unit] = codes.get(unit, codes.get(unit // 10000 * 10000, ""))
    return out


def cn_date(text: str) -> str:
    """ISO date from ``2011年5月20日`` or ``二〇一一年七月十四日``."""
    def number(part: str) -> int:
        if part.isdigit():
            return int(part)
        if "十" in part:
            tens, _, ones = part.partition("十")
            return 10 * (CN_DIGITS[tens] if tens else 1) + (CN_DIGITS[ones] if ones else 0)
        return int("".join(str(CN_DIGITS[c]) for c in part))
    m = re.match(r"(\S+?)年(\S+?)月(\S+?)日", text)
    if not m:
        return ""
    y, mo, d = (number(p) for p in m.groups())
    return f"{y:04d}-{mo:02d}-{d:02d}"


def read_diff(root: Path, year: int) -> dict[int, dict]:
    """Per code: the approval (title, document number, date) described above its change line."""
    meta: dict[int, dict] = {}
    block: dict = {}
    in_comment = False
    path = root / "diff" / f"{year - 1}-{year}.diff"
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        if line.startswith("#"):
            if not in_comment:
                block = {}
                in_comment = True
            body = line.lstrip("#").strip()
            if line.startswith("## "):
                block["title"] = body
            elif body.startswith("文号："):
                block["document"] = body.removeprefix("文号：")
            elif body.startswith("日期："):
                block["date"] = cn_date(body.removeprefix("日期："))
            continue
        in_comment = False
        m = re.match(r"[-+=](\d{6}) ", line)
        if m:
            meta.setdefault(int(m.group(1)), dict(block))
    return meta


def successors(root: Path) -> dict[tuple[int, int], set[int]]:
    """(old code, year it disappeared or gave territory) -> new codes, from ``result.csv``."""
    out: dict[tuple[int, int], set[int]] = defaultdict(set)
    with open(root / "result.csv", encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            if not row["新代码"]:
                continue
            for item in row["新代码"].split(";"):
                m = re.match(r"(\d{6})(?:\[(\d{4})\])?$", item)
                year = int(m.group(2) or row["变更/弃用时间"])
                out[(int(row["代码"]), year)].add(int(m.group(1)))
    return out


def donors(succ_all: dict, prev_codes: dict[int, str], codes: dict[int, str], unit: int | None, year: int) -> list[int]:
    """Map units of the previous list some of whose territory went to map unit ``unit`` in ``year``."""
    members = {c for c in codes if map_unit(c, codes) == unit} | {unit}
    return sorted({map_unit(o, prev_codes) for (o, y), new_codes in succ_all.items()
                   if y == year and o in prev_codes and new_codes & members} - {None})


def describe(meta: dict) -> tuple[str, str]:
    """(approval date, source text) of one approval."""
    if not meta.get("title"):
        return "", "MCA year-end code lists; approval document not recorded in the source (verify)"
    doc = f" ({meta['document']})" if meta.get("document") else ""
    return meta.get("date", ""), f"{meta['title']}{doc}; MCA year-end code lists"


def build(root: Path) -> list[dict]:
    """All rows of the table, ordered by year and old/new code."""
    succ_all = successors(root)
    rows = []
    prev_codes = read_list(root, FIRST_YEAR - 1)
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        codes = read_list(root, year)
        before, after = units(prev_codes), units(codes)
        meta = read_diff(root, year)
        gone = sorted(set(before) - set(after))
        new = sorted(set(after) - set(before))
        targets: dict[int, set[int]] = {}
        for old in gone:
            members = [c for c in prev_codes if map_unit(c, prev_codes) == old] or [old]
            new_codes = set().union(*(succ_all.get((c, year), set()) for c in members))
            targets[old] = {map_unit(c, codes) for c in new_codes if c in codes} - {None, old}
        receivers = defaultdict(list)
        for old, tgt in targets.items():
            for t in tgt:
                receivers[t].append(old)
        for old in gone:
            tgt = sorted(targets[old])
            codes_involved = [old] + [c for c in prev_codes if map_unit(c, prev_codes) == old]
            info = next((meta[c] for c in codes_involved if meta.get(c, {}).get("title")), {})
            approved, source = describe(info)
            if not tgt:
                kind, note = "abolished", "no successor found in the code lists (verify)"
                tgt = [None]
            elif len(tgt) > 1:
                kind = "dissolved/split"
                note = "territory split between " + ", ".join(f"{t} {after[t]}" for t in tgt)
            elif tgt[0] in before:
                kind, note = "merged", f"absorbed into existing unit {tgt[0]} {after[tgt[0]]}"
            elif len(receivers[tgt[0]]) > 1:
                kind = "merged"
                note = "merged with " + ", ".join(str(o) for o in receivers[tgt[0]] if o != old) + " into a new unit"
            else:
                kind, note = "recoded", ""
            extra = [d for d in donors(succ_all, prev_codes, codes, tgt[0], year)
                     if d not in receivers[tgt[0]] and d != tgt[0]]
            if tgt[0] is not None and extra and kind != "dissolved/split":
                received = "also received territory from " + ", ".join(f"{d} {before[d]}" for d in extra)
                note = f"{note}; {received}" if note else received
            for t in tgt:
                rows.append(row(old, before[old], t, after.get(t, ""), year, kind, approved, source, note))
        for unit in new:
            if unit in receivers:
                continue
            members = [c for c in codes if map_unit(c, codes) == unit] or [unit]
            sources = donors(succ_all, prev_codes, codes, unit, year)
            info = next((meta[c] for c in [unit] + members if meta.get(c, {}).get("title")), {})
            approved, source = describe(info)
            note = ("carved out of " + ", ".join(f"{d} {before.get(d, '')}" for d in sources)
                    if sources else "donor units not recorded in the code lists (verify)")
            rows.append(row(None, "", unit, after[unit], year, "created", approved, source, note))
        for unit in sorted(set(before) & set(after)):
            if before[unit] != after[unit] and str(unit)[:2] not in MUNICIPALITIES:
                info = meta.get(unit, {})
                approved, source = describe(info)
                rows.append(row(unit, before[unit], unit, after[unit], year, "renamed", approved, source, ""))
        prev_codes = codes
    return rows


def known_issue(old: int | None, year: int) -> str:
    """Remarks on rows where the published lists disagree (see the errata of yescallop/areacodes)."""
    if old is not None and old // 100 == 4600 and year == 2001:
        return ("the MCA year-end lists of 2001 and 2002 as published still print 4600xx codes for Hainan's "
                "province-administered units; GB/T 2260-2002 and the MCA notice use 4690xx from 2001 (both "
                "occur in 2001-2002 data)")
    return ""


def row(old, old_name, new, new_name, year, kind, approved, source, note) -> dict:
    """One output row; December approvals move ``year`` to the next year (statistics convention)."""
    issue = known_issue(old, year)
    note = f"{note}; {issue}" if note and issue else note or issue
    stat_year = year
    if approved.endswith(tuple(f"-12-{d:02d}" for d in range(1, 32))) and approved.startswith(str(year)):
        stat_year = year + 1
        extra = (f"approved {approved}: the {year} year-end code list already uses the new code, but statistics for "
                 f"{year} are normally still reported for the old unit")
        note = f"{note}; {extra}" if note else extra
    return {"old_code": "" if old is None else old, "old_name": old_name, "new_code": "" if new is None else new,
            "new_name": new_name, "year": stat_year, "code_list_year": year, "kind": kind, "approved": approved,
            "source": source, "note": note}


def main() -> None:
    """Parse the command line, build the table and write the CSV."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("areacodes", type=Path, help="local checkout of github.com/yescallop/areacodes")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--commit", default="", help="commit of the areacodes checkout, recorded in the header")
    args = parser.parse_args()
    rows = build(args.areacodes)
    with open(args.out, "w", encoding="utf-8", newline="") as fh:
        fh.write(HEADER)
        if args.commit:
            fh.write(f"# Source snapshot: yescallop/areacodes commit {args.commit}\n")
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} rows to {args.out}")


if __name__ == "__main__":
    main()
