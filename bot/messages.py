"""Every sentence a member reads. Adapters format these; they never reword them."""

from __future__ import annotations

import re

ZWSP = "\u200b"
_MENTION = re.compile(r"@(?=(everyone|here|channel|&?\d|!?\d))|<(?=[@!#])", re.IGNORECASE)


def quote(text: str, limit: int = 80) -> str:
    """Member text shown back: shortened, and unable to ping anyone on any platform."""
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return _MENTION.sub(lambda m: m.group(0) + ZWSP, text)


HELP = """\
Setlist builds a playlist with everyone in this channel.
  new <request>      start a playlist: "new a running playlist, EDM, big drops, 160 BPM"
  <any text>         refine the current playlist ("no more vocals, harder drops")
  more               fill the list up again (or grow it when it is full)
  refine <text>      same as plain text
  keep <n...>        vote to keep tracks: keep 2 5   (also 👍 ✅ ❤️ 🔥)
  drop <n...>        vote to drop tracks: drop 3-4   (also 👎 ❌ 🚫)
  ban <artist>       never propose this artist in this channel again
  unban <artist>     lift a ban
  rules              show this channel's bans
  show               show the current list
  undo / redo        take back (or bring back) the last change
  length <n>         how many tracks the playlist should hold (1–100)
  publish [name]     create or update the Spotify playlist
  export [json|m3u|csv]  the playlist as a file
  help               this text
Votes: one per member per track, your latest counts;
more 👍 than 👎 keeps a track, more 👎 drops it."""


def help_text(prefix: str) -> str:
    """The help with each command written as this platform expects (`/more`, `/setlist more`)."""
    lines = HELP.splitlines()
    body = [
        f"  {prefix}{ln[2:]}" if ln.startswith("  ") and not ln.startswith("  <") else ln
        for ln in lines[1:]
    ]
    return "\n".join([lines[0], *body])


def empty() -> str:
    return 'Say what you\'d like to hear ("chill lofi for studying"), or /help for commands.'


def no_words() -> str:
    return (
        "I couldn't read a request in that. To vote, react on a track or use /keep 3; "
        'to ask for music, use words ("80s synthpop road trip").'
    )


def too_long(length: int, limit: int) -> str:
    return (
        f"That message is {length:,} characters long; keep a request under {limit:,}. "
        "Nothing was changed."
    )


def unknown_command(name: str) -> str:
    return f'There is no command "{quote(name, 30)}". Try /help for the list.'


def usage(text: str) -> str:
    return f"Usage: {text}"


def not_a_number(token: str, usage_text: str) -> str:
    return f'"{quote(token, 20)}" is not a track number. Usage: {usage_text}'


def bad_format(name: str) -> str:
    return f'I can export json, m3u or csv, not "{quote(name, 20)}".'


def no_session() -> str:
    return "There is no playlist in this channel yet. Start one: /new chill lofi for studying"


def no_track(numbers: list[int], count: int) -> str:
    listed = ", ".join(str(n) for n in numbers)
    return (
        f"There is no track {listed}: this round has 1–{count}. Nothing was changed."
        if count
        else f"There is no track {listed}: the list is empty."
    )


def planning(prompt: str) -> str:
    return f"Planning tracks for “{quote(prompt)}”…"


def started(prompt: str, member: str) -> str:
    return f"New playlist for “{quote(prompt)}”, asked by {quote(member, 40)}."


def round_notes(added: int, target: int, size: int, late: int = 0) -> list[str]:
    """`late`: tracks dropped while the round was being planned (it planned without them)."""
    notes = []
    if size < target and late and size + late >= target:
        were = "was" if late == 1 else "were"
        notes.append(
            f"{size} of {target} tracks: {late} more {were} dropped while this round was "
            "planned; /more fills the gap."
        )
    elif size < target:
        notes.append(
            f"Only {size} of {target} tracks: nothing else found fits the requests and "
            "rules. Try a broader request or /unban."
        )
    elif added == 0:
        notes.append(
            "The list is full, so nothing new was added: drop tracks to make room, "
            "or /more to grow it. Your words shape the next tracks."
        )
    return notes


def grounding(found: int, wanted: int, missing: list, where: str) -> str:
    place = "on Spotify" if where == "spotify" else f"in the {where}"
    if not missing:
        return f"{found} of {wanted} found {place}."
    names = "; ".join(quote(s.label, 60) for s in missing[:8])
    more = f" and {len(missing) - 8} more" if len(missing) > 8 else ""
    return f"{found} of {wanted} found; not {place}: {names}{more}."


def unverified(tracks: list) -> str:
    names = "; ".join(quote(f"{', '.join(t.artists)} – {t.title}", 60) for t in tracks[:5])
    return f"Not verified (no catalog knows {'them' if len(tracks) > 1 else 'it'} yet): {names}."


def grew(old: int, new: int) -> str:
    return f"The list was full, so it grows from {old} to {new} tracks."


def refined(text: str, member: str) -> str:
    return f"{quote(member, 40)} refined it: “{quote(text)}”."


def vote_done(member: str, verb: str, label: str, state: str) -> str:
    return f"{quote(member, 40)} {verb} {label}: now {state}."


def already(member: str, verb: str, label: str) -> str:
    return f"{quote(member, 40)} had already voted to {verb} {label}."


def banned(artist: str, dropped: int) -> str:
    tail = (
        f" {dropped} track{'s' if dropped != 1 else ''} dropped from this round."
        if dropped
        else ""
    )
    return f"Banned {quote(artist, 60)} in this channel.{tail}"


def already_banned(artist: str) -> str:
    return f"{quote(artist, 60)} is already banned here."


def did_you_mean(artist: str) -> str:
    return f" (I know no artist by that name; did you mean {quote(artist, 60)}?)"


def unbanned(artist: str) -> str:
    return f"Unbanned {quote(artist, 60)}."


def not_banned(artist: str) -> str:
    return f"{quote(artist, 60)} isn't banned here. /rules lists the bans."


def rules(banned_artists: list[str]) -> str:
    if not banned_artists:
        return "No rules in this channel: no artist is banned."
    return "Banned in this channel: " + ", ".join(quote(a, 60) for a in banned_artists)


def undone(label: str) -> str:
    # History labels hold member names and ban texts as typed: defuse them here.
    return f"Undone: {quote(label, 200)}."


def redone(label: str) -> str:
    return f"Redone: {quote(label, 200)}."


def nothing_to_undo() -> str:
    return "Nothing to undo in this playlist."


def nothing_to_redo() -> str:
    return "Nothing to redo."


def length_set(n: int, current: int) -> str:
    tail = " Say /more to fill it." if current < n else ""
    if current > n:
        tail = " Extra tracks stay until you drop them."
    return f"The playlist will hold {n} tracks.{tail}"


def publish_unconfigured() -> str:
    return (
        "Spotify isn't set up for this bot yet. An admin sets SPOTIFY_CLIENT_ID (and "
        "SPOTIFY_CLIENT_SECRET) and runs `setlist spotify login`. Meanwhile /export m3u or "
        "/export csv gives you the playlist as a file."
    )


def reaction_unknown() -> str:
    return "That message isn't a track of the current round."


def unexpected() -> str:
    return "Sorry, something went wrong on my side; nothing was changed. Please try again."


# -- Spotify -------------------------------------------------------------------------------


def spotify_localhost(uri: str) -> str:
    return (
        f"SPOTIFY_REDIRECT_URI is {uri}, but Spotify refuses `localhost` redirect URIs. Use "
        "the loopback IP instead, e.g. http://127.0.0.1:8888/callback, and register that "
        "exact URI in your Spotify app's settings."
    )


def spotify_bad_redirect(uri: str) -> str:
    return (
        f"SPOTIFY_REDIRECT_URI is {uri}: Spotify only accepts https URIs or a loopback IP "
        "(http://127.0.0.1:PORT/...)."
    )


def spotify_client_missing() -> str:
    return (
        "SPOTIFY_CLIENT_ID is not set. Create an app at developer.spotify.com, add the "
        "redirect URI http://127.0.0.1:8888/callback (or your SPOTIFY_REDIRECT_URI), export "
        "SPOTIFY_CLIENT_ID, and run `setlist spotify login` again."
    )


def spotify_not_logged_in() -> str:
    return (
        "Spotify isn't logged in for this bot: an admin runs `setlist spotify login` "
        "(or sets SPOTIFY_REFRESH_TOKEN)."
    )


def spotify_login_expired() -> str:
    return (
        "The bot's Spotify login has expired (logins last 6 months): an admin must run "
        "`setlist spotify login` again. Meanwhile /export gives you the playlist."
    )


def spotify_quota(seconds: float) -> str:
    return (
        f"Spotify's rate limit for this bot is used up; try again in {_duration(seconds)}. "
        "Nothing was lost: the playlist is saved here."
    )


def spotify_forbidden() -> str:
    return (
        "Spotify refused (403). Most likely the bot owner's Premium subscription lapsed, or "
        "the owner's account isn't on the app's allow-list (Development Mode apps allow "
        "5 users) — an admin can check both in the Spotify developer dashboard."
    )


def spotify_unavailable(status: int | str) -> str:
    return f"Spotify isn't answering right now ({status}); please try again in a minute."


def publishing() -> str:
    return "Publishing to Spotify…"


def published(url: str, count: int, updated: bool) -> str:
    verb = "Updated" if updated else "Published"
    return f"{verb} the playlist on Spotify with {count} tracks: {url}"


def nothing_to_publish() -> str:
    return "There is nothing to publish yet: every track is dropped or not on Spotify."


def _duration(seconds: float) -> str:
    seconds = max(1, int(seconds))
    if seconds < 90:
        return f"{seconds} seconds"
    if seconds < 5400:
        return f"{round(seconds / 60)} minutes"
    return f"{round(seconds / 3600)} hours"


# -- Claude planner --------------------------------------------------------------------------


def claude_trouble(kind: str, detail: str = "") -> str:
    """Why Claude gave no plan, as a phrase for claude_fallback."""
    return {
        "key": "it rejected the API key; an admin must check ANTHROPIC_API_KEY",
        "forbidden": "the API key may not use it; an admin must check the Anthropic account",
        "model": f"there is no model “{detail}”; an admin must check SETLIST_MODEL",
        "rate": "the bot's rate limit is used up for now",
        "overloaded": "it is overloaded",
        "server": f"its servers answered with an error ({detail})",
        "rejected": f"it rejected the bot's request ({detail}); the log has the details",
        "timeout": "it didn't answer in time",
        "unreachable": "it can't be reached",
        "garbled": "its answer was garbled",
    }.get(kind, kind)


def claude_fallback(why: str) -> str:
    return f"Claude is unavailable ({why}), so these tracks come from the offline catalog."


def claude_refused() -> str:
    return (
        "Claude declined to suggest tracks for this request. Try rewording it, "
        "or /new to start over."
    )


def claude_cut_off(kept: int) -> str:
    return f"Claude's answer was cut short; I kept the {kept} complete tracks from it."


def claude_garbled() -> str:
    return "Part of Claude's answer couldn't be read; I kept the tracks that could."
