"""A channel's playlist session as one value, and the pure transitions that change it."""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field
from typing import Any

from bot import rules
from bot.errors import UserError
from bot.events import Direction, Member
from bot.replies import TrackState, TrackView
from bot.votes import state_of, tally

DEFAULT_LENGTH = 15
MIN_LENGTH, MAX_LENGTH = 1, 100


@dataclass(slots=True)
class Request:
    """Something a member asked for: the prompt or a refinement, in order."""

    member_id: str
    member_name: str
    text: str
    kind: str  # "prompt" | "refine"
    round_no: int


@dataclass(slots=True)
class Track:
    id: str
    artists: list[str]
    title: str
    reason: str
    round_no: int
    position: int = 0
    serves: str | None = None
    uri: str | None = None
    year: int | None = None
    tempo: float | None = None
    tempo_source: str | None = None
    verified: bool = True
    album_art: str | None = None
    vocals: bool | None = None
    tags: list[str] = field(default_factory=list)
    votes: dict[str, Direction] = field(default_factory=dict)
    removed_by_rule: str | None = None  # a ban or a refinement dropped it, not votes
    # The names as the planner proposed them: what a planner may be told about later
    # (Spotify's own names must never reach an LLM prompt: Developer Policy III.14).
    proposed: list[str] | None = None  # [title, *artists]

    @property
    def key(self) -> str:
        return rules.track_key(self.artists, self.title)

    @property
    def state(self) -> TrackState:
        return "dropped" if self.removed_by_rule else state_of(self.votes)

    def view(self) -> TrackView:
        up, down = tally(self.votes)
        return TrackView(
            id=self.id,
            position=self.position,
            title=self.title,
            artists=tuple(self.artists),
            state=self.state,
            up=up,
            down=down,
            reason=self.reason,
            serves=self.serves,
            tempo=self.tempo,
            tempo_source=self.tempo_source,
            uri=self.uri,
            year=self.year,
            verified=self.verified,
            note=self.removed_by_rule,
            album_art=self.album_art,
        )


@dataclass(slots=True)
class Session:
    id: str
    key: str
    prompt: str
    requests: list[Request]
    target_length: int = DEFAULT_LENGTH
    round_no: int = 0
    tracks: list[Track] = field(default_factory=list)
    dropped: list[Track] = field(default_factory=list)  # dropped in earlier rounds
    banned: list[str] = field(default_factory=list)  # the channel's rules, versioned with undo
    spotify: dict[str, str] | None = None
    rules_key: str = ""  # where the channel's bans are kept; "" means the session's own key

    @classmethod
    def start(
        cls, key: str, member: Member, prompt: str, banned: list[str], rules_key: str = ""
    ) -> Session:
        return cls(
            id=uuid.uuid4().hex,
            key=key,
            prompt=prompt,
            requests=[Request(member.id, member.name, prompt, "prompt", 1)],
            banned=list(banned),
            rules_key=rules_key if rules_key != key else "",
        )

    # -- reading -------------------------------------------------------------------------
    def track_at(self, position: int) -> Track:
        for track in self.tracks:
            if track.position == position:
                return track
        raise UserError(f"There is no track {position}: this round has 1–{len(self.tracks)}.")

    def track_by_id(self, track_id: str) -> Track | None:
        return next((t for t in self.tracks if t.id == track_id), None)

    def seen_keys(self) -> set[str]:
        """Every track this session must never propose again, or twice."""
        return {t.key for t in self.tracks} | {t.key for t in self.dropped}

    def live(self) -> list[Track]:
        """Tracks that survive into the next round: kept and pending."""
        return [t for t in self.tracks if t.state != "dropped"]

    def members(self) -> list[str]:
        names: list[str] = []
        for r in self.requests:
            if r.member_name not in names:
                names.append(r.member_name)
        return names

    # -- transitions (callers work on a copy: the store saves the result as a new version) --
    def vote(self, member: Member, position: int, direction: Direction | None) -> Track:
        track = self.track_at(position)
        return self.vote_on(track, member, direction)

    def vote_on(self, track: Track, member: Member, direction: Direction | None) -> Track:
        if direction is None:
            track.votes.pop(member.id, None)
        else:
            track.votes[member.id] = direction
        return track

    def set_length(self, n: int) -> None:
        if not MIN_LENGTH <= n <= MAX_LENGTH:
            raise UserError(
                f"A playlist holds {MIN_LENGTH}–{MAX_LENGTH} tracks; {n} is out of range."
            )
        self.target_length = n

    def ban(self, artist: str) -> list[Track]:
        """Ban an artist for the channel; their tracks in this round are marked dropped."""
        if not rules.add_ban(self.banned, artist):
            return []
        hit = [t for t in self.tracks if rules.is_banned(t.artists, [artist])]
        for t in hit:
            t.removed_by_rule = f"{artist} is banned"
        return hit

    def unban(self, artist: str) -> str | None:
        return rules.remove_ban(self.banned, artist)

    def drop_by_rule(self, track: Track, why: str) -> None:
        track.removed_by_rule = why

    def next_round(self, new_tracks: list[Track]) -> list[Track]:
        """Carry kept and pending tracks over, retire dropped ones, append what still fits.

        Re-checks every candidate against the state as it is now: votes and bans may have
        arrived while the planner was thinking.
        """
        for t in self.tracks:  # banned meanwhile, e.g. in another thread of the channel
            if t.state != "dropped" and rules.is_banned(t.artists, self.banned):
                t.removed_by_rule = f"{t.artists[0]} is banned"
        self.dropped.extend(t for t in self.tracks if t.state == "dropped")
        carried = self.live()
        seen = {t.key for t in carried} | {t.key for t in self.dropped}
        room = max(0, self.target_length - len(carried))
        added: list[Track] = []
        for t in new_tracks:
            if len(added) >= room:
                break
            if t.key in seen or rules.is_banned(t.artists, self.banned):
                continue
            seen.add(t.key)
            added.append(t)
        self.round_no += 1
        for t in added:
            t.round_no = self.round_no
        self.tracks = carried + added
        for i, t in enumerate(self.tracks, start=1):
            t.position = i
        return added

    def views(self) -> tuple[TrackView, ...]:
        return tuple(t.view() for t in self.tracks)

    # -- storage ---------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON. Shallow on purpose: it is serialised at once, and
        dataclasses.asdict's deep copies made every vote several times slower."""
        data = _fields(self)
        data["requests"] = [_fields(r) for r in self.requests]
        data["tracks"] = [_fields(t) for t in self.tracks]
        data["dropped"] = [_fields(t) for t in self.dropped]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Session:
        data = dict(data)
        data["requests"] = [Request(**r) for r in data["requests"]]
        data["tracks"] = [Track(**t) for t in data["tracks"]]
        data["dropped"] = [Track(**t) for t in data["dropped"]]
        return cls(**data)


def _fields(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
