"""`setlist chat` as a subprocess: pipes, several members, restarts, bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROMPT = "a running playlist, EDM, big drops, 160 BPM"


def setlist(
    *args: str, stdin: str = "", db: Path, env: dict | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "SETLIST_DB": str(db), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        text=True,
        capture_output=True,
        cwd=ROOT,
        env=environment,
        timeout=120,
    )


def export(db: Path, channel: str = "general") -> dict:
    out = setlist("export", "--channel", channel, db=db)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_pipe_round_then_restart_shows_the_same(tmp_path: Path):
    db = tmp_path / "s.db"
    first = setlist("chat", stdin=f"{PROMPT}\n/drop 2 5\n", db=db)
    assert first.returncode == 0 and "Traceback" not in first.stderr
    assert "Round 1" in first.stdout and " 15. " in first.stdout
    again = setlist("chat", stdin="/show\n", db=db)
    listing = [ln for ln in again.stdout.splitlines() if ln[:4].strip().rstrip(".").isdigit()]
    before = [ln for ln in first.stdout.splitlines() if ln[:4].strip().rstrip(".").isdigit()]
    assert [ln.split("  [")[0] for ln in listing] == [ln.split("  [")[0] for ln in before[:15]]
    assert sum("✘ dropped" in ln for ln in listing) == 2


def test_the_newcomer_flow(tmp_path: Path):
    db = tmp_path / "s.db"
    out = setlist("chat", stdin=f"{PROMPT}\n", db=db)
    data = export(db)
    artist = data["tracks"][0]["artists"][0]
    lines = f"/drop 2 5\n/ban {artist}\nno more vocals, harder drops\n/more\n"
    out = setlist("chat", stdin=lines, db=db)
    assert out.returncode == 0, out.stderr
    data = export(db)
    assert data["rules"]["banned_artists"] == [artist]
    assert data["refinements"] == ["no more vocals, harder drops"]
    assert not any(artist in t["artists"] for t in data["tracks"])
    dropped = {(tuple(t["artists"]), t["title"]) for t in data["dropped"]}
    assert len(dropped) >= 3  # the two votes and the ban
    assert not dropped & {(tuple(t["artists"]), t["title"]) for t in data["tracks"]}


def test_several_members_on_one_process(tmp_path: Path):
    db = tmp_path / "s.db"
    lines = f"alice: {PROMPT}\nalice: /keep 1\nbob: /drop 1\ncarol: /drop 1\nbob: /keep 2\n"
    out = setlist(
        "chat", "--user", "alice", "--user", "bob", "--user", "carol", stdin=lines, db=db
    )
    assert out.returncode == 0, out.stderr
    tracks = export(db)["tracks"]
    assert tracks[0]["votes"] == {"up": 1, "down": 2} and tracks[0]["state"] == "dropped"
    assert tracks[1]["votes"] == {"up": 1, "down": 0} and tracks[1]["state"] == "kept"


def test_separate_processes_are_separate_members(tmp_path: Path):
    db = tmp_path / "s.db"
    setlist("chat", "--user", "alice", "--channel", "room", stdin=f"{PROMPT}\n/keep 3\n", db=db)
    setlist("chat", "--user", "bob", "--channel", "room", stdin="/drop 3\n", db=db)
    track = export(db, "console:room")["tracks"][2]
    assert track["votes"] == {"up": 1, "down": 1} and track["state"] == "pending"


@pytest.mark.parametrize(
    "line",
    [
        "",
        "x" * 20_000,
        "/drop 999",
        "/keep abc",
        "/length 0",
        "🎉🎉🎉",
        "'); DROP TABLE sessions;--",
        "/whatever",
        "@everyone listen to this",
        "\x00\x1b[31m",
    ],
)
def test_bad_input_exits_zero_without_traceback(tmp_path: Path, line: str):
    db = tmp_path / "s.db"
    setlist("chat", stdin=f"{PROMPT}\n/keep 1\n", db=db)
    before = export(db)
    out = setlist("chat", stdin=line + "\n/show\n", db=db)
    assert out.returncode == 0
    assert "Traceback" not in out.stdout + out.stderr
    assert " 15. " in out.stdout  # the list is still there
    after = export(db)
    assert after["tracks"][0]["state"] == "kept"
    if not line.startswith(("'", "@", "\x00")):
        assert after == before
        assert "! " in out.stdout  # a clear problem line


def test_sessions_and_export_formats(tmp_path: Path):
    db = tmp_path / "s.db"
    setlist("chat", "--channel", "a", stdin="chill lofi for studying\n", db=db)
    setlist("chat", "--channel", "b", stdin="80s synthpop road trip\n", db=db)
    out = setlist("sessions", "--format", "json", db=db)
    rows = json.loads(out.stdout)
    assert {r["channel"] for r in rows} == {"console:a", "console:b"}
    assert all(set(r) == {"channel", "platform", "prompt", "updated_at"} for r in rows)
    m3u = setlist("export", "--channel", "a", "--format", "m3u", db=db).stdout
    assert m3u.startswith("#EXTM3U\n") and m3u.count("#EXTINF:") == 15
    csv_out = setlist("export", "--channel", "console:b", "--format", "csv", db=db).stdout
    assert csv_out.splitlines()[0].startswith("Position,Track URI,Track Name,Artist Name(s)")
    missing = setlist("export", "--channel", "nowhere", db=db)
    assert missing.returncode == 1 and "No playlist" in missing.stderr


def test_db_flag_and_console_script(tmp_path: Path):
    db = tmp_path / "flag.db"
    out = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--db", str(db)],
        input="chill lofi for studying\n",
        text=True,
        capture_output=True,
        cwd=ROOT,
        timeout=120,
    )
    assert out.returncode == 0 and db.exists()


def test_a_closed_pipe_ends_quietly(tmp_path: Path):
    db = tmp_path / "s.db"
    lines = "".join(f"/new chill lofi for studying {i}\n" for i in range(5))
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "chat", "--db", str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        text=True,
    )
    proc.stdin.write(lines)
    proc.stdin.close()
    proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    assert proc.wait(timeout=120) == 0
    with proc.stderr:
        assert "Traceback" not in proc.stderr.read()
