"""Replies → Block Kit and fallback text. Pure functions; every string from outside is escaped."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from adapters import text as plain
from bot.replies import RoundPosted, TrackView

Block = dict[str, Any]

VOTE_UP = "setlist.vote.up"
VOTE_DOWN = "setlist.vote.down"
ROUND_MORE = "setlist.round.more"
ROUND_PUBLISH = "setlist.round.publish"
ROUND_UNDO = "setlist.round.undo"
ROUND_ACTIONS = {ROUND_MORE: "more", ROUND_PUBLISH: "publish", ROUND_UNDO: "undo"}
MARKS = {"kept": "✔ kept", "dropped": "✘ dropped", "pending": "pending"}
SECTION_LIMIT = 2900  # a section's text holds 3,000 characters
TEXT_LIMIT = 39_000  # a message's text holds 40,000


def escape(s: str) -> str:
    """Slack's three control characters: member text can never become <!channel> or <@U…>.

    https://api.slack.com/reference/surfaces/formatting#escaping"""
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn(s: str) -> Block:
    return {"type": "mrkdwn", "text": s}


def section(s: str) -> Block:
    return {"type": "section", "text": mrkdwn(s[:SECTION_LIMIT])}


def button(label: str, action_id: str, value: str, style: str | None = None) -> Block:
    b: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": label},
        "action_id": action_id,
        "value": value,
    }
    if style:
        b["style"] = style
    return b


def track_fallback(t: TrackView) -> str:
    """The notification text and the text of clients that show no blocks."""
    return escape(f"{t.position}. {t.title} — {', '.join(t.artists)}")


def track_blocks(t: TrackView, retired: bool = False) -> list[Block]:
    """One track's message: title, artists, art, tempo, reason, whose request, Keep/Drop."""
    title = escape(f"{t.position}. {t.title}")
    title = f"~{title}~" if retired or t.state == "dropped" else f"*{title}*"
    facts = [escape(", ".join(t.artists)), escape(plain.tempo(t))]
    if t.year:
        facts.append(str(t.year))
    if not t.verified:
        facts.append("not verified")
    lines = [title, " · ".join(facts)]
    if t.reason:
        lines.append(f"_{escape(t.reason)}_")
    if t.serves:
        lines.append(f"for {escape(t.serves)}")
    main = section("\n".join(lines))
    if t.album_art and t.album_art.startswith("https://"):
        main["accessory"] = {
            "type": "image",
            "image_url": t.album_art,
            "alt_text": escape(f"{t.title} cover")[:2000],
        }
    state = "retired from the list" if retired else MARKS[t.state]
    if t.note and t.state == "dropped":
        state += f" ({escape(t.note)})"
    status = f"👍 {t.up} · 👎 {t.down} · {state}"
    blocks = [main, {"type": "context", "elements": [mrkdwn(status)]}]
    if not retired:
        blocks.append(
            {
                "type": "actions",
                "block_id": f"vote:{t.id}"[:255],
                "elements": [
                    button("Keep", VOTE_UP, t.id, "primary"),
                    button("Drop", VOTE_DOWN, t.id, "danger"),
                ],
            }
        )
    return blocks


def digest(blocks: list[Block]) -> str:
    """What a message shows, in 16 hex digits: update it only when this changes."""
    data = json.dumps(blocks, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(data).hexdigest()[:16]


def round_title(r: RoundPosted) -> str:
    live = sum(1 for t in r.tracks if t.state != "dropped")
    return escape(f"Round {r.round_no} · “{r.prompt}” · {live}/{r.target_length} tracks")


def round_fallback(r: RoundPosted) -> str:
    return round_title(r)


def listing(tracks: tuple[TrackView, ...]) -> list[str]:
    """The whole list, one line a track, for `show` and `undo`."""
    out = []
    for t in tracks:
        line = escape(f"{t.position}. {t.title} — {', '.join(t.artists)}")
        if t.state == "dropped":
            line = f"~{line}~"
        mark = {"kept": " ✔", "dropped": " ✘", "pending": ""}[t.state]
        out.append(f"{line}{mark}  ({t.up}👍 {t.down}👎)" if t.up or t.down else line + mark)
    return out


def chunks(lines: list[str], limit: int = SECTION_LIMIT) -> list[str]:
    out: list[str] = []
    current = ""
    for line in lines:
        if current and len(current) + len(line) + 1 > limit:
            out.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        out.append(current)
    return out


def round_blocks(r: RoundPosted, key: str) -> list[Block]:
    """A round's header: notes, title, the list when shown again, More / Publish / Undo."""
    blocks: list[Block] = [section(escape(note)) for note in r.notes]
    blocks.append(section(f"*{round_title(r)}*"))
    if r.fresh:
        blocks.append(
            {
                "type": "context",
                "elements": [
                    mrkdwn(
                        "Vote with 👍 / 👎 reactions or the buttons on each track; mention me "
                        "in this thread to refine; `/setlist help` for everything."
                    )
                ],
            }
        )
    else:
        blocks += [section(c) for c in chunks(listing(r.tracks))]
    blocks = blocks[:49]  # a message holds 50 blocks
    blocks.append(
        {
            "type": "actions",
            "block_id": "round",
            "elements": [
                button("More", ROUND_MORE, key),
                button("Publish", ROUND_PUBLISH, key, "primary"),
                button("Undo", ROUND_UNDO, key),
            ],
        }
    )
    return blocks


def code_block(filename: str, content: str) -> str:
    """A file as a message, when it can't be uploaded."""
    body = escape(content.replace("```", "ˋˋˋ"))[: TEXT_LIMIT - len(filename) - 20]
    return f"{escape(filename)}\n```{body}```"
