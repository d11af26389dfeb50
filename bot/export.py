"""The playlist as JSON, M3U or CSV (Exportify's column names where they exist)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from bot.session import Session, Track
from bot.votes import tally

MEDIA_TYPES = {"json": "application/json", "m3u": "audio/x-mpegurl", "csv": "text/csv"}


def _track(t: Track) -> dict[str, Any]:
    up, down = tally(t.votes)
    return {
        "position": t.position,
        "title": t.title,
        "artists": list(t.artists),
        "uri": t.uri,
        "tempo": t.tempo,
        "state": t.state,
        "votes": {"up": up, "down": down},
        "reason": t.reason or None,
    }


def as_dict(session: Session) -> dict[str, Any]:
    return {
        "channel": session.key,
        "prompt": session.prompt,
        "refinements": [r.text for r in session.requests if r.kind == "refine"],
        "rules": {"banned_artists": list(session.banned)},
        "target_length": session.target_length,
        "tracks": [_track(t) for t in session.tracks],
        "dropped": [
            _track(t) for t in [*session.dropped, *session.tracks] if t.state == "dropped"
        ],
        "spotify": session.spotify,
    }


def playlist(session: Session) -> list[Track]:
    """What a published playlist holds: kept and pending tracks, in order."""
    return [t for t in session.tracks if t.state != "dropped"]


def to_json(session: Session) -> str:
    return json.dumps(as_dict(session), ensure_ascii=False, indent=2)


def to_m3u(session: Session) -> str:
    lines = ["#EXTM3U", f"#PLAYLIST:{' '.join(session.prompt.split())}"]
    for t in playlist(session):
        lines.append(f"#EXTINF:-1,{', '.join(t.artists)} - {t.title}")
        # Players open Spotify URIs; without one, a search keeps the entry useful.
        lines.append(t.uri or f"spotify:search:{' '.join([*t.artists, t.title])}")
    return "\n".join(lines) + "\n"


def to_csv(session: Session) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "Position",
            "Track URI",
            "Track Name",
            "Artist Name(s)",
            "Release Date",
            "Tempo",
            "State",
            "Votes Up",
            "Votes Down",
            "Reason",
        ]
    )
    for t in session.tracks:
        up, down = tally(t.votes)
        writer.writerow(
            [
                t.position,
                t.uri or "",
                t.title,
                ";".join(t.artists),
                t.year or "",
                t.tempo if t.tempo is not None else "",
                t.state,
                up,
                down,
                t.reason,
            ]
        )
    return out.getvalue()


def render(session: Session, fmt: str) -> str:
    return {"json": to_json, "m3u": to_m3u, "csv": to_csv}[fmt](session)
