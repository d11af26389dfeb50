"""What members type, and what platforms send: hypothesis strategies shared by the fuzzers."""

from __future__ import annotations

import random

from hypothesis import strategies as st

from bot.replies import RoundPosted, TrackView

PINGS = (
    "@everyone",
    "@here",
    "@channel",
    "<@123456789012345678>",
    "<@!123456789012345678>",
    "<@&123456789012345678>",
    "<#123456789012345678>",
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<!subteam^S123|@team>",
    "<@U0BOT>",
    "<@U2|bob>",
    "<#C1|music>",
    "<https://example.com|a link>",
)
ODD = (
    "\u200b",  # zero-width space
    "\u200d",  # zero-width joiner
    "\ufeff",  # byte-order mark
    "\u202e",  # right-to-left override
    "\u2066",  # left-to-right isolate
    "\x00",
    "\r",
    "\t",
    "\u3000",  # ideographic space
    "\u00a0",
    "שלום",  # Hebrew, right to left
    "مرحبا",  # Arabic
    "٣",  # an Arabic-Indic digit
    "²",  # a superscript: a digit to str.isdigit, not to int()
    "Ⅻ",  # a Roman numeral: numeric, not a digit
    "🔥",
    "👍🏽",
    "👨‍👩‍👧",  # a joined emoji
    "🏳️‍🌈",
    "**bold**",
    "~~gone~~",
    "`code`",
    "```fence```",
    "> quote",
    "||spoiler||",
    "&amp;",
    "&lt;",
    "<b>",
    "[x](https://example.com)",
    "-",
    "–",
    "#",
    ",",
)
PROMPTS = (
    "a running playlist, EDM, big drops, 160 BPM",
    "chill lofi for studying",
    "80s synthpop road trip",
    "90s hip hop",
    "jazz for a rainy sunday",
    "big room house anthems",
    "sad indie songs",
    "metal for the gym",
)
REFINEMENTS = (
    "no more vocals, harder drops",
    "more jazz please",
    "slower",
    "faster, 170 bpm",
    "no rap",
    "more like 3",
    "something from the 90s",
    "no Daft Punk",
    "happier",
)
ARTISTS = ("Daft Punk", "Avicii", "David Guetta", "Drake", "daft punk", "The Beatles", "Adele")
NUMBERS = (
    "0",
    "1",
    "3",
    "15",
    "16",
    "100",
    "101",
    "-1",
    "-3",
    "2-4",
    "4-2",
    "1-100",
    "1-500",
    "#3",
    "2,5",
    "999999",
    "1000000",
    "99999999999999999999999",
    "1e3",
    "0x10",
    "٣",
    "²",
    "3.5",
)
COMMAND_NAMES = (
    "new",
    "more",
    "refine",
    "keep",
    "drop",
    "ban",
    "unban",
    "rules",
    "show",
    "undo",
    "redo",
    "length",
    "publish",
    "export",
    "help",
    "start",
    "add",
    "list",
    "len",
    "remove",
    "like",
    "?",
    "commands",
    "frobnicate",
    "KEEP",
    "@everyone",
    "",
)

# Any text; hypothesis leaves out surrogates (no platform can deliver them, unencodable).
any_text = st.text(max_size=60)
pieces = st.sampled_from(PINGS + ODD + PROMPTS + REFINEMENTS + ARTISTS + NUMBERS)


@st.composite
def nasty_text(draw: st.DrawFn, max_pieces: int = 6) -> str:
    """Random text laced with mentions, markup, RTL, zero-width and control characters."""
    parts = draw(st.lists(st.one_of(any_text, pieces), max_size=max_pieces))
    sep = draw(st.sampled_from([" ", "", "\n", "  ", ","]))
    return sep.join(parts)


long_text = st.builds(
    lambda piece, n: (piece * n)[:40_000],
    st.sampled_from(("a", "🔥", "@everyone ", "<!channel> ", "٣", "x" * 999 + " ")),
    st.integers(900, 41_000),
)
numbers_text = st.lists(st.sampled_from(NUMBERS), min_size=1, max_size=4).map(" ".join)


@st.composite
def command_line(draw: st.DrawFn, prefix: str = "/") -> str:
    """A line as typed: a command with arguments of its own kind, or something else."""
    name = draw(st.sampled_from(COMMAND_NAMES))
    args = draw(
        st.one_of(
            numbers_text,
            st.sampled_from(PROMPTS + REFINEMENTS + ARTISTS + ("json", "m3u", "csv", "pdf")),
            nasty_text(),
            st.just(""),
        )
    )
    return f"{prefix}{name} {args}"


def member_line(prefix: str = "/") -> st.SearchStrategy[str]:
    """Everything a member may say: commands, requests, junk, very long pastes."""
    return st.one_of(
        command_line(prefix),
        st.sampled_from(PROMPTS + REFINEMENTS),
        nasty_text(),
        long_text,
    )


# -- replies, as any planner, catalog or member could fill them ----------------------------------
# Drawing every field of a hundred tracks is slow: a few nasty texts are drawn, and a seeded
# random picks each field from them (hypothesis still controls, and shrinks, both).
text_pool = st.lists(st.one_of(nasty_text(), long_text), min_size=2, max_size=5)


def view_from(rnd: random.Random, pool: list[str], position: int) -> TrackView:
    def pick(limit: int) -> str:
        return rnd.choice(pool)[:limit]

    return TrackView(
        id=rnd.choice(("3f2a9c0e", "t1", "0" * 64, pick(100) or "x")),
        position=position,
        title=pick(600),
        artists=tuple(pick(200) for _ in range(rnd.randint(1, 4))),
        state=rnd.choice(("kept", "pending", "dropped")),
        up=rnd.choice((0, 1, 3, 10_000)),
        down=rnd.choice((0, 2, 10_000)),
        reason=pick(1200),
        serves=rnd.choice((None, pick(100))),
        tempo=rnd.choice((None, 0.0, 128.4, 174.0, 399.9)),
        tempo_source=rnd.choice((None, "catalog", "estimate", "spotify")),
        year=rnd.choice((None, 1969, 2026)),
        verified=rnd.random() < 0.5,
        note=rnd.choice((None, pick(1100))),
        album_art=rnd.choice((None, "https://i.scdn.co/image/ab67616d", "http://x", pick(50))),
    )


@st.composite
def track_views(draw: st.DrawFn) -> TrackView:
    rnd = draw(st.randoms(use_true_random=False))
    return view_from(rnd, draw(text_pool), draw(st.integers(1, 100)))


@st.composite
def rounds(draw: st.DrawFn) -> RoundPosted:
    """A round of up to 100 tracks, fresh or shown again."""
    pool = draw(text_pool)
    rnd = draw(st.randoms(use_true_random=False))
    count = draw(st.sampled_from((0, 1, 3, 15, 40, 100)))
    return RoundPosted(
        key=draw(st.sampled_from(("slack:T0TEAM:C1:1800000001.000100", "discord:1:2"))),
        round_no=draw(st.integers(1, 10**9)),
        prompt=rnd.choice(pool)[:1000].strip() or "x",
        target_length=draw(st.integers(1, 100)),
        tracks=tuple(view_from(rnd, pool, i) for i in range(1, count + 1)),
        notes=tuple(rnd.choice(pool)[:1000].strip() or "." for _ in range(rnd.randint(0, 5))),
        fresh=draw(st.booleans()),
    )
