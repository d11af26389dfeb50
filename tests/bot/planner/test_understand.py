"""Reading requests: BPM, decades, moods, exclusions, artists, "more like 3"."""

import pytest

from bot.planner.understand import Intent, understand

ARTISTS = {
    "daft punk": "Daft Punk",
    "drake": "Drake",
    "muse": "Muse",
    "weeknd": "The Weeknd",
    "coldplay": "Coldplay",
}


def test_the_running_request():
    i = understand("a running playlist, EDM, big drops, 160 BPM")
    assert i.genres == {"edm"} and {"workout", "drops"} <= i.moods
    assert i.bpm == (160, 160) and i.energy[0] >= 0.7


@pytest.mark.parametrize(
    "text,bpm",
    [
        ("150-170 bpm", (150, 170)),
        ("between 120 and 130 BPM", (120, 130)),
        ("128bpm techno", (128, 128)),
        ("tempo 90", (90, 90)),
        ("something fast", (125, 180)),
        ("slow jams", (60, 100)),
    ],
)
def test_bpm(text, bpm):
    assert understand(text).bpm == bpm


@pytest.mark.parametrize(
    "text,years",
    [
        ("80s synthpop road trip", (1980, 1989)),
        ("1990s grunge", (1990, 1999)),
        ("'70s funk", (1970, 1979)),
        ("hits from the eighties", (1980, 1989)),
        ("rock from 1994 to 1999", (1994, 1999)),
        ("songs from 2012", (2012, 2012)),
        ("2000s pop", (2000, 2009)),
        ("70s and 80s disco", (1970, 1989)),
    ],
)
def test_years(text, years):
    assert understand(text).years == years


def test_moods_and_activities():
    study = understand("chill lofi for studying")
    assert study.genres == {"lofi"} and {"chill", "focus"} <= study.moods
    assert study.vocals is False  # study music is instrumental unless asked
    assert understand("workout at the gym").moods >= {"workout"}
    assert understand("dinner party, something groovy").moods >= {"party", "groovy"}


def test_exclusions_stay_in_their_clause():
    i = understand("no more vocals, harder drops")
    assert i.vocals is False and "drops" in i.moods and "aggressive" in i.moods
    j = understand("rock but no metal")
    assert j.genres == {"rock"} and j.avoid_genres == {"metal"}
    k = understand("without rap, more soul")
    assert k.avoid_genres == {"hip hop"} and k.genres == {"soul"}
    assert understand("instrumental only").vocals is False
    assert understand("with vocals please").vocals is True


def test_artists_wanted_and_avoided():
    i = understand("songs like Daft Punk, no Drake", ARTISTS)
    assert i.artists == {"daft punk"} and i.avoid_artists == {"drake"}
    assert "punk" not in i.genres  # the artist's name is not a genre request
    assert understand("like muse but heavier", ARTISTS).artists == {"muse"}
    assert understand("amuse me", ARTISTS).artists == frozenset()
    assert understand("no more Coldplay", ARTISTS).avoid_artists == {"coldplay"}


def test_more_like_positions():
    assert understand("more like 3").like == (3,)
    assert understand("similar to 2 and 5").like == (2, 5)


def test_refinements_replace_what_they_name_and_add_exclusions():
    base = understand("a running playlist, EDM, big drops, 160 BPM")
    later = understand("no more vocals, 170 bpm")
    merged = base.then(later)
    assert merged.genres == {"edm"} and merged.bpm == (170, 170) and merged.vocals is False
    assert base.then(understand("90s hip hop")).genres == {"hip hop"}
    assert later.exclusions() == Intent(vocals=False)
