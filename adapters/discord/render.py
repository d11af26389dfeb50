"""Replies → Discord message parts: a track embed, a round header, a listing, within limits."""

from __future__ import annotations

import discord

from adapters import text
from bot.messages import quote
from bot.replies import RoundPosted, TrackView

# Discord's limits: https://discord.com/developers/docs/resources/message#create-message
CONTENT_MAX = 2000
TITLE_MAX = 256
FIELD_MAX = 1024
THREAD_NAME_MAX = 100
COLOURS = {"kept": 0x2ECC71, "dropped": 0xE74C3C, "pending": 0x5865F2}
MARKS = {"kept": "✔ kept", "dropped": "✘ dropped", "pending": "pending"}
HOW_TO_VOTE = (
    "React on a track: 👍 ✅ ❤️ 🔥 keep, 👎 ❌ 🚫 drop (remove yours to take it back). "
    "Mention me to refine in words, or use /setlist."
)
# Nothing the bot posts may ping: member text is in every message (prompts, names, reasons).
NO_MENTIONS = discord.AllowedMentions.none()


def clip(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def track_embed(t: TrackView) -> discord.Embed:
    """One track as its own message: votes go on it, edits mark it kept or dropped."""
    title = f"{t.position}. {t.title}"
    if t.state == "dropped":
        title = f"~~{title}~~"
    embed = discord.Embed(
        title=clip(title, TITLE_MAX),
        description=clip(", ".join(t.artists), FIELD_MAX),
        colour=COLOURS[t.state],
    )
    if t.album_art:
        embed.set_thumbnail(url=t.album_art)
    embed.add_field(name="Tempo", value=text.tempo(t), inline=True)
    if t.year:
        embed.add_field(name="Year", value=str(t.year), inline=True)
    # Discord refuses a blank field value, and with it the whole track message.
    if t.serves and quote(t.serves, 80):
        embed.add_field(name="Asked by", value=clip(quote(t.serves, 80), FIELD_MAX), inline=True)
    if t.reason.strip():
        embed.add_field(name="Why", value=clip(t.reason, FIELD_MAX), inline=False)
    status = [f"👍 {t.up} · 👎 {t.down}", MARKS[t.state] + (f" ({t.note})" if t.note else "")]
    if not t.verified:
        status.append("not verified")
    embed.set_footer(text=clip(" · ".join(status), FIELD_MAX))
    return embed


def fingerprint(t: TrackView) -> tuple:
    """What a track message shows: equal fingerprints need no edit."""
    return (t.position, t.title, t.state, t.up, t.down, t.note, t.reason, t.tempo)


def header(r: RoundPosted) -> str:
    live = sum(1 for t in r.tracks if t.state != "dropped")
    title = f"**Round {r.round_no}** · “{quote(r.prompt)}” · {live}/{r.target_length} tracks"
    return clip("\n".join([*r.notes, title, HOW_TO_VOTE]), CONTENT_MAX)


def listing(r: RoundPosted) -> list[str]:
    """The list shown again (`show`, `undo`): a few messages of lines, not one per track."""
    live = sum(1 for t in r.tracks if t.state != "dropped")
    lines = [*r.notes, f"**Round {r.round_no}** · “{quote(r.prompt)}” · {live}/{r.target_length}"]
    lines += [text.track_line(t) for t in r.tracks]
    return chunks(lines)


def chunks(lines: list[str], limit: int = CONTENT_MAX) -> list[str]:
    out: list[str] = []
    for line in lines:
        line = clip(line, limit)
        if out and len(out[-1]) + 1 + len(line) <= limit:
            out[-1] += "\n" + line
        else:
            out.append(line)
    return out or [""]


def thread_name(prompt: str) -> str:
    return clip(f"🎵 {' '.join(prompt.split())}", THREAD_NAME_MAX)
