"""A strict resolver over a catalog: what it can't find is dropped and reported, as the
Spotify resolver does, so tests can hold a round to "only real tracks"."""

from __future__ import annotations

from bot.grounding import CatalogResolver


class StrictCatalogResolver(CatalogResolver):
    name = "catalog"
    strict = True
