"""Bundled data sets: boundary maps of China's provinces and prefectures, demo panels (provinces; a simulated
prefecture panel with yearbook codes and holes), prefecture code changes."""

from .changes import harmonise_codes, prefecture_changes
from .demo import load_demo_industry, load_demo_panel
from .maps import load_nodata_regions, load_prefectures, load_provinces
from .prefecture_panel import load_prefecture_panel

__all__ = ["load_demo_industry", "load_demo_panel", "load_nodata_regions", "load_prefectures", "load_provinces",
           "load_prefecture_panel", "prefecture_changes", "harmonise_codes"]
