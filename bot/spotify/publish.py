"""Publishing: one Spotify playlist per session, created once, then kept in step."""

from __future__ import annotations

import re
from typing import Any

from bot import messages
from bot.errors import UserError
from bot.export import playlist
from bot.publishing import SCOPE, published_link, remember_link
from bot.session import Session
from bot.spotify.client import SpotifyGateway, Transient
from bot.store.base import Store

CHUNK = 100  # URIs per items request
CREATING = "spotify-creating"  # set before asking Spotify to create the session's playlist


class Publisher:
    def __init__(self, gateway: SpotifyGateway, store: Store) -> None:
        self.gateway, self.store = gateway, store

    async def publish(self, session: Session, name: str) -> tuple[dict[str, str], int, bool]:
        """(link, track count, whether it updated an existing playlist)."""
        uris = [t.uri for t in playlist(session) if t.uri and t.uri.startswith("spotify:track:")]
        if not uris:
            raise UserError(messages.nothing_to_publish())
        link = await published_link(self.store, session)
        updated = link is not None
        if link is None:
            link = await self._create(session, name)
            await remember_link(self.store, session, link)
        await self._fill(link["playlist_id"], uris)
        return link, len(uris), updated

    async def _create(self, session: Session, name: str) -> dict[str, str]:
        marker = f"[setlist {session.id[:12]}]"
        description = _plain(f"“{session.prompt}” — made with Setlist in {session.key}")
        description = f"{description[:250]} {marker}"
        scope = SCOPE.format(id=session.id)
        # An earlier publish that failed after asking may have made the playlist: find it
        # rather than make a second one.
        if await self.store.get_setting(scope, CREATING) and (found := await self._find(marker)):
            return _link(found)
        await self.store.set_setting(scope, CREATING, marker)
        try:
            created = await self.gateway.create_playlist(_plain(name)[:100], description)
        except Transient:
            # The create may have gone through before the error: look before trying again,
            # so a retry never makes a second playlist.
            created = await self._find(marker) or await self.gateway.create_playlist(
                _plain(name)[:100], description
            )
        return _link(created)

    async def _find(self, marker: str) -> dict[str, Any] | None:
        """The owner's playlist whose description carries this session's marker."""
        mine = await self.gateway.my_playlists()
        return next((p for p in mine if marker in (p.get("description") or "")), None)

    async def _fill(self, playlist_id: str, uris: list[str]) -> None:
        """PUT the first 100 (replacing everything), POST the rest. A failure part-way
        starts again from the PUT, so a retried write never adds a track twice."""
        for attempt in range(2):
            try:
                await self.gateway.replace_items(playlist_id, uris[:CHUNK])
                for start in range(CHUNK, len(uris), CHUNK):
                    await self.gateway.add_items(playlist_id, uris[start : start + CHUNK])
                return
            except Transient:
                if attempt == 1:
                    raise


def _link(playlist: dict[str, Any]) -> dict[str, str]:
    return {"playlist_id": playlist["id"], "url": playlist["external_urls"]["spotify"]}


def _plain(text: str) -> str:
    """Spotify descriptions take no newlines or HTML."""
    return re.sub(r"[<>\s]+", " ", text).strip()
