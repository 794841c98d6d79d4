"""Build the small CJK font shipped in ``spatialinno/plot/fonts/`` so Chinese map labels render anywhere.

Build-time only (needs ``fonttools``; the package itself reads the result with matplotlib). The source
is Noto Sans CJK SC Regular (SIL Open Font License 1.1), e.g. from Debian's ``fonts-noto-cjk``::

    apt-get install fonts-noto-cjk        # or: apt-get download fonts-noto-cjk && dpkg-deb -x fonts-noto-cjk_*.deb x
    python scripts/build_cjk_font.py --source /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc

The subset keeps exactly the characters of every ``name_zh`` in the shipped shapefiles (provinces,
prefectures, the no-data layer), printable ASCII and common CJK punctuation, converts the outlines to
TrueType (quadratic; matplotlib embeds TrueType in PDF and SVG without conversion) and renames the
family to "SpatialInno CJK Subset" (a Modified Version under the OFL must not use the original name
where reserved; renaming is the safe reading). The licence text goes beside it as ``OFL.txt``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import geopandas as gpd
from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

ROOT = Path(__file__).resolve().parents[1]
SHAPEFILES = ("china_provinces.shp", "china_prefectures.shp", "china_nodata.shp")
PUNCTUATION = "，。、：；（）《》·—－“”‘’％～"
FAMILY = "SpatialInno CJK Subset"
OUT = ROOT / "spatialinno" / "plot" / "fonts" / "SpatialInnoCJKSubset-Regular.ttf"
DEFAULT_SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
MAX_ERR = 1.0  # font units, cubic -> quadratic approximation error


def characters() -> str:
    chars = set(chr(c) for c in range(0x20, 0x7F)) | set(PUNCTUATION)
    for shp in SHAPEFILES:
        names = gpd.read_file(ROOT / "shapefiles" / shp, engine="pyogrio", encoding="UTF-8")["name_zh"]
        chars |= set("".join(names))
    return "".join(sorted(chars))


def sc_face(source: Path) -> TTFont:
    if source.suffix.lower() == ".ttc":
        for font in TTCollection(str(source)).fonts:
            if font["name"].getDebugName(1) == "Noto Sans CJK SC":
                return font
        raise SystemExit(f"no 'Noto Sans CJK SC' face in {source}")
    return TTFont(str(source))


def to_truetype(font: TTFont) -> None:
    """Replace CFF outlines by quadratic glyf outlines (as fontTools' otf2ttf recipe does)."""
    glyph_order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = glyph_order
    glyf.glyphs = {}
    for name in glyph_order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, MAX_ERR, reverse_direction=True))
        glyf[name] = pen.glyph()
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    font["maxp"].tableVersion = 0x00010000
    for attr in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                 "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(font["maxp"], attr, 0)
    font["maxp"].maxZones = 1
    font["maxp"].maxComponentDepth = 0
    font["head"].glyphDataFormat = 0
    post = font["post"]
    post.formatType = 2.0
    post.extraNames = []
    post.mapping = {}
    post.glyphOrder = glyph_order
    for tag in ("CFF ", "VORG"):
        if tag in font:
            del font[tag]
    font.sfntVersion = "\x00\x01\x00\x00"


def rename(font: TTFont, copyright_notice: str) -> None:
    name = font["name"]
    keep = {0: copyright_notice, 1: FAMILY, 2: "Regular", 3: f"{FAMILY.replace(' ', '')}-Regular",
            4: f"{FAMILY} Regular", 5: "Version 1.0 (subset of Noto Sans CJK SC)",
            6: f"{FAMILY.replace(' ', '')}-Regular", 13: "This Font Software is licensed under the SIL Open Font "
            "License, Version 1.1.", 14: "https://openfontlicense.org"}
    name.names = []
    for nid, text in keep.items():
        name.setName(text, nid, 3, 1, 0x409)
        name.setName(text, nid, 1, 0, 0)


def ofl_text(copyright_file: Path, notice: str) -> str:
    """The SIL OFL 1.1 text from a Debian copyright file (its ``License: SIL-1.1`` paragraph)."""
    lines = copyright_file.read_text(encoding="utf-8").splitlines()
    start = lines.index("License: SIL-1.1", lines.index("License: SIL-1.1") + 1)
    body = []
    for line in lines[start + 1:]:
        if not line.startswith(" "):
            break
        body.append("" if line.strip() == "." else line[1:])
    assert "SIL OPEN FONT LICENSE Version 1.1" in body[1], body[:3]
    return (f"{FAMILY}: a subset of Noto Sans CJK SC made by scripts/build_cjk_font.py.\n{notice}\n\n"
            + "\n".join(body) + "\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="NotoSansCJK-Regular.ttc (or the SC .otf)")
    parser.add_argument("--licence", type=Path, default=None,
                        help="file with the OFL 1.1 text (default: Debian's copyright file beside the source)")
    args = parser.parse_args(argv)
    text = characters()
    font = sc_face(args.source)
    notice = font["name"].getDebugName(0)
    options = subset.Options()
    options.layout_features = ["kern", "palt"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    options.desubroutinize = True
    sub = subset.Subsetter(options)
    sub.populate(text=text)
    sub.subset(font)
    to_truetype(font)
    rename(font, notice)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(OUT))
    back = TTFont(str(OUT))
    cmap = back.getBestCmap()
    missing = [c for c in text if ord(c) not in cmap]
    assert not missing, f"characters without a glyph: {''.join(missing)}"
    (OUT.parent / "characters.txt").write_text(text + "\n", encoding="utf-8")
    licence = args.licence or args.source.parents[3] / "doc" / "fonts-noto-cjk" / "copyright"
    (OUT.parent / "OFL.txt").write_text(ofl_text(licence, notice), encoding="utf-8")
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes, {len(text)} characters, {len(back.getGlyphOrder())} glyphs)")
    print(f"copyright: {notice}; licence text from {licence}")


if __name__ == "__main__":
    main()
