"""Bundled data sets: boundary maps of China's provinces and prefectures."""

from .demo import load_demo_industry, load_demo_panel
from .maps import load_prefectures, load_provinces

__all__ = ["load_demo_industry", "load_demo_panel", "load_prefectures", "load_provinces"]
