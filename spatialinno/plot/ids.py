"""Matching plotted values to map regions by id (never by position), shared by the map plots."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from ..errors import IdError, SpatialInnoError, preview


def map_ids(gdf: Any, id: Hashable | None) -> pd.Index:
    """The region ids of a map: a column of the GeoDataFrame, or its index.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        The map.
    id : hashable or None
        Column holding the region ids; None uses the index.

    Returns
    -------
    pd.Index
        One id per map row, in row order.

    Raises
    ------
    SpatialInnoError
        If ``gdf`` is not a GeoDataFrame.
    IdError
        If the id column is missing or ids are duplicated.
    """
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise SpatialInnoError(f"gdf must be a GeoDataFrame (got {type(gdf).__name__}); "
                               f"e.g. si.datasets.load_provinces()")
    if id is None:
        ids = pd.Index(gdf.index)
    else:
        if id not in gdf.columns:
            raise IdError(f"id column {id!r} not in the map; columns are {preview(gdf.columns)}")
        ids = pd.Index(gdf[id].to_numpy())
    if ids.has_duplicates:
        raise IdError(f"the map has duplicated ids {preview(ids[ids.duplicated()].unique())}; dissolve them first")
    return ids


def match_ids(ids: pd.Index, values: pd.Series, what: str) -> np.ndarray:
    """Positions in ``values`` of each map id (-1 where the map region has no value).

    Parameters
    ----------
    ids : pd.Index
        Map ids, from :func:`map_ids`.
    values : pd.Series
        Values indexed by region id.
    what : str
        Name of the values, for error messages.

    Returns
    -------
    np.ndarray
        Integer positions into ``values``, one per map id; -1 for map regions without a value.

    Raises
    ------
    IdError
        If ``values`` has duplicated ids or ids that are not on the map.
    """
    vid = pd.Index(values.index)
    if vid.has_duplicates:
        raise IdError(f"{what} has duplicated ids {preview(vid[vid.duplicated()].unique())}")
    extra = vid.difference(ids, sort=False)
    if len(extra):
        raise IdError(f"ids in the {what} but not on the map: {preview(extra)}; pass id= naming the map's id column "
                      f"(e.g. id='code') or drop those values")
    return vid.get_indexer(ids)
