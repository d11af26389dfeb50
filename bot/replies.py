"""What the bot says, as values: adapters render these, they never reword them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

TrackState = Literal["kept", "pending", "dropped"]


@dataclass(frozen=True, slots=True)
class TrackView:
    """One track as members see it."""

    id: str
    position: int
    title: str
    artists: tuple[str, ...]
    state: TrackState
    up: int
    down: int
    reason: str
    serves: str | None = None
    tempo: float | None = None
    tempo_source: str | None = None  # "catalog" | "estimate"
    uri: str | None = None
    year: int | None = None
    verified: bool = True
    note: str | None = None  # why it was dropped, when not by votes
    album_art: str | None = None


@dataclass(frozen=True, slots=True)
class Text:
    text: str


@dataclass(frozen=True, slots=True)
class Working:
    """Shown while a slow step (planning) runs: a typing indicator or a progress line."""

    text: str


@dataclass(frozen=True, slots=True)
class RoundPosted:
    """A round's list; `fresh` is False when it is only shown again (`show`)."""

    key: str
    round_no: int
    prompt: str
    target_length: int
    tracks: tuple[TrackView, ...]
    notes: tuple[str, ...] = ()
    fresh: bool = True


@dataclass(frozen=True, slots=True)
class TrackUpdated:
    """A track's votes or state changed; platforms edit its message in place."""

    key: str
    track: TrackView
    text: str
    message_ids: tuple[str, ...] = ()  # the platform messages showing this track (linked)


@dataclass(frozen=True, slots=True)
class Document:
    """A file for the member: an export."""

    filename: str
    content: str
    media_type: str


@dataclass(frozen=True, slots=True)
class Problem:
    """Something went wrong; always a sentence a member can act on."""

    text: str


Reply = Text | Working | RoundPosted | TrackUpdated | Document | Problem
