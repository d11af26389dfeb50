"""Emoji → votes, majority, and what counts as the same artist or track."""

import pytest

from bot import rules
from bot.votes import direction_of, state_of


@pytest.mark.parametrize("emoji", ["👍", "✅", "❤️", "🔥", "👍🏽", "+1", ":thumbsup:", "heart"])
def test_up(emoji):
    assert direction_of(emoji) == "up"


@pytest.mark.parametrize("emoji", ["👎", "❌", "🚫", "👎🏿", "-1", ":x:"])
def test_down(emoji):
    assert direction_of(emoji) == "down"


@pytest.mark.parametrize("emoji", ["😀", "🎵", "", "thinking_face"])
def test_other_emoji_are_not_votes(emoji):
    assert direction_of(emoji) is None


def test_majority():
    assert state_of({}) == "pending"
    assert state_of({"a": "up"}) == "kept"
    assert state_of({"a": "up", "b": "down"}) == "pending"
    assert state_of({"a": "up", "b": "down", "c": "down"}) == "dropped"


def test_same_track_whatever_the_version():
    base = rules.track_key(["The Killers"], "Mr. Brightside")
    assert rules.track_key(["Killers"], "Mr Brightside") == base
    assert rules.track_key(["The Killers"], "Mr. Brightside - Remastered 2011") == base
    assert rules.track_key(["The Killers"], "Mr. Brightside (Live)") == base
    assert rules.track_key(["the killers", "Guest"], "Mr. Brightside (feat. Guest)") == base
    assert rules.track_key(["The Killers"], "Somebody Told Me") != base


def test_bans_fold_case_and_accents():
    assert rules.is_banned(["Beyoncé", "Jay-Z"], ["beyonce"])
    assert rules.is_banned(["The Weeknd"], ["weeknd"])
    assert not rules.is_banned(["Queens of the Stone Age"], ["Queen"])
    banned: list[str] = []
    assert rules.add_ban(banned, "Drake")
    assert not rules.add_ban(banned, " drake ")
    assert rules.remove_ban(banned, "DRAKE") == "Drake"
    assert banned == []


def test_proposals_with_a_blank_name_never_reach_a_round():
    from bot.events import Member
    from bot.planner.base import Proposal
    from bot.rounds import filter_proposals
    from bot.session import Session

    session = Session.start("console:t", Member("u", "u"), "p", ["Drake"])
    proposals = [
        Proposal(("",), "Untitled", "r"),
        Proposal(("Daft Punk", " "), "One More Time", "r"),
        Proposal(("Daft Punk",), "  ", "r"),
        Proposal((), "Nobody", "r"),
        Proposal(("Drake",), "Hotline Bling", "r"),
        Proposal(("Daft Punk",), "Around the World", "r"),
        Proposal(("daft punk",), "around the world", "r"),
    ]
    kept = filter_proposals(session, proposals, set())
    assert [(p.artists, p.title) for p in kept] == [(("Daft Punk",), "Around the World")]
