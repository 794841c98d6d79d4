"""Bundled data sets: boundary maps of China's provinces and prefectures."""

from .maps import load_prefectures, load_provinces

__all__ = ["load_prefectures", "load_provinces"]
