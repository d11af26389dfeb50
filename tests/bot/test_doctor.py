"""`setlist doctor` through the real CLI, against the four fake services on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.catalog.index import Catalog
from bot.cli import main
from bot.config import Settings
from bot.doctor import diagnose
from bot.store.migrations import POSTGRES
from tests.fakes.anthropic_api import KEY as ANTHROPIC_KEY
from tests.fakes.anthropic_api import FakeAnthropic
from tests.fakes.discord_api import FakeDiscord, Spec
from tests.fakes.slack_api import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET, FakeSlack
from tests.fakes.spotify_api import Dataset, FakeSpotify

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "setlist-doctor-client"
CLIENT_SECRET = "spotify-client-secret-0123"
DISCORD_TOKEN = "discord-doctor-token.0123456789abcdef"
PREFIXES = ("SETLIST_", "SPOTIFY_", "ANTHROPIC_", "DISCORD_", "SLACK_")


@dataclass
class Services:
    spotify: FakeSpotify
    anthropic: FakeAnthropic
    discord: FakeDiscord
    slack: FakeSlack
    refresh_token: str
    db: Path


@pytest.fixture(scope="module")
def spotify_data() -> Dataset:
    return Dataset(None, decoys=False)  # the built-in catalog is plenty for /me and tokens


@pytest.fixture(scope="module")
def discord_spec() -> Spec:
    return Spec()


@pytest.fixture
def quiet_logging() -> Iterator[None]:
    """The CLI configures the root logger; leave it as it was for the tests after these."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
    root.setLevel(level)


@pytest.fixture
async def services(
    spotify_data: Dataset,
    discord_spec: Spec,
    builtin: Catalog,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    quiet_logging: None,
) -> AsyncIterator[Services]:
    """Every service up and configured as a healthy deployment would have it."""
    for name in list(os.environ):
        if name.startswith(PREFIXES):
            monkeypatch.delenv(name)
    spotify = FakeSpotify(spotify_data)
    await spotify.start()
    spotify.client_id, spotify.client_secret = CLIENT_ID, CLIENT_SECRET
    anthropic = FakeAnthropic(builtin)
    await anthropic.start()
    discord = await FakeDiscord(discord_spec).start()
    discord.token = DISCORD_TOKEN
    slack = await FakeSlack().start()
    db = tmp_path / "data" / "setlist.db"
    found = Services(spotify, anthropic, discord, slack, spotify.grant_refresh_token(), db)
    env = {
        "SETLIST_DB": str(db),
        "SETLIST_SECRET_KEY": Fernet.generate_key().decode(),
        "SPOTIFY_CLIENT_ID": CLIENT_ID,
        "SPOTIFY_REFRESH_TOKEN": found.refresh_token,
        "SPOTIFY_API_URL": f"{spotify.base_url}/v1/",
        "SPOTIFY_ACCOUNTS_URL": f"{spotify.base_url}/",
        "ANTHROPIC_API_KEY": ANTHROPIC_KEY,
        "ANTHROPIC_BASE_URL": anthropic.url,
        "DISCORD_TOKEN": DISCORD_TOKEN,
        "DISCORD_API_URL": discord.api_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_APP_TOKEN": APP_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    yield found
    await slack.close()
    await discord.close()
    await anthropic.close()
    await spotify.stop()
    assert discord.violations == [], "the doctor sent requests Discord's spec doesn't have"


@dataclass
class Report:
    code: int
    out: str
    err: str

    def line(self, check: str) -> str:
        """The check's line and, for a problem, its fix."""
        lines = self.out.splitlines()
        for i, line in enumerate(lines):
            if line[2:].split("  ")[0].strip() == check:
                fix = lines[i + 1] if i + 1 < len(lines) and "fix:" in lines[i + 1] else ""
                return (line + "\n" + fix).strip()
        raise AssertionError(f"no {check!r} line in:\n{self.out}")

    def problems(self) -> set[str]:
        return {
            line[2:].split("  ")[0].strip() for line in self.out.splitlines() if line[:2] == "✗ "
        }


def secrets_in(services: Services) -> list[str]:
    """Every secret the run could know: configured ones and what the fakes issued."""
    configured = [
        v
        for k, v in os.environ.items()
        if k.startswith(PREFIXES) and any(w in k for w in ("TOKEN", "SECRET", "KEY"))
    ]
    issued = [*services.spotify.access_tokens, *services.spotify.refresh_tokens]
    return [s for s in [*configured, *issued, CLIENT_SECRET] if s]


@pytest.fixture
def doctor(
    services: Services, capsys: pytest.CaptureFixture[str]
) -> Callable[..., Awaitable[Report]]:
    async def run(*args: str) -> Report:
        # main() runs its own event loop: a thread of its own, while the fakes serve on ours.
        code = await asyncio.to_thread(main, ["doctor", *args])
        out, err = capsys.readouterr()
        for secret in secrets_in(services):
            assert secret not in out + err, "a secret was printed"
        assert "Traceback" not in out + err
        return Report(code, out, err)

    return run


async def test_a_healthy_deployment_passes_every_check(doctor, services: Services):
    report = await doctor()
    assert report.code == 0, report.out
    assert report.problems() == set()
    for check in ("database", "secrets", "spotify", "anthropic", "discord", "slack"):
        assert report.line(check).startswith("✓"), report.out
    assert "(created now): schema version" in report.line("database")
    assert "logged in as Setlist Owner (setlist-owner, premium)" in report.line("spotify")
    assert "token refreshed, valid until" in report.line("spotify")
    assert "claude-haiku-5-5 (Claude Haiku 5.5)" in report.line("anthropic")
    assert "mentions refine" in report.line("discord")
    assert "Team T0TEAM (T0TEAM)" in report.line("slack")
    assert report.line("slack socket mode").startswith("✓")
    assert report.line("slack http mode").startswith("✓")
    assert "Everything configured works." in report.out
    # The refresh was saved encrypted as spotipy would: a second run reads the stored login.
    again = await doctor("--format", "json")
    verdict = json.loads(again.out)
    assert again.code == 0 and verdict["ok"] is True and verdict["problems"] == 0
    by_check = {c["check"]: c for c in verdict["checks"]}
    assert by_check["secrets"]["detail"].endswith("the stored Spotify login decrypts with it")
    assert by_check["database"]["detail"].endswith("0 sessions")
    assert by_check["spotify"]["status"] == "ok" and by_check["spotify"]["fix"] is None


async def test_services_left_unconfigured_are_not_problems(doctor, monkeypatch):
    for name in list(os.environ):
        if name.startswith(PREFIXES) and name != "SETLIST_DB":
            monkeypatch.delenv(name)
    report = await doctor()
    assert report.code == 0, report.out
    for check in ("spotify", "anthropic", "discord", "slack"):
        assert report.line(check).startswith("– "), report.out
        assert "not configured" in report.line(check)
    assert "a key will be generated into" in report.line("secrets")


async def test_a_wrong_spotify_client_secret(doctor, monkeypatch):
    monkeypatch.setenv("SPOTIFY_CLIENT_SECRET", "not-the-secret-0123")
    report = await doctor()
    assert report.code == 1
    assert report.problems() == {"spotify"}
    line = report.line("spotify")
    assert "invalid_client: Invalid client secret" in line
    assert "check SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET" in line


async def test_the_right_client_secret_passes(doctor, monkeypatch):
    monkeypatch.setenv("SPOTIFY_CLIENT_SECRET", CLIENT_SECRET)
    report = await doctor()
    assert report.code == 0 and report.line("spotify").startswith("✓"), report.out


async def test_a_revoked_spotify_login(doctor, services: Services):
    services.spotify.revoked.add(services.refresh_token)
    report = await doctor()
    assert report.code == 1 and report.problems() == {"spotify"}
    line = report.line("spotify")
    assert "invalid_grant" in line and "revoked" in line
    assert "run `setlist spotify login`" in line


async def test_no_spotify_login_stored(doctor, monkeypatch):
    monkeypatch.delenv("SPOTIFY_REFRESH_TOKEN")
    report = await doctor()
    assert report.code == 1 and report.problems() == {"spotify"}
    assert "no Spotify login is stored" in report.line("spotify")
    assert "run `setlist spotify login`" in report.line("spotify")


async def test_a_login_missing_a_publishing_scope(doctor, services: Services):
    services.spotify.scope = "playlist-read-private"
    report = await doctor()
    assert report.code == 1 and report.problems() == {"spotify"}
    assert (
        "lacks the scopes publishing needs: playlist-modify-private, playlist-modify-public"
        in (report.line("spotify"))
    )


async def test_a_bad_anthropic_key(doctor, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-revoked-key-0123")
    report = await doctor()
    assert report.code == 1 and report.problems() == {"anthropic"}
    line = report.line("anthropic")
    assert "refused ANTHROPIC_API_KEY (401)" in line and "set ANTHROPIC_API_KEY" in line


async def test_an_unknown_model(doctor, monkeypatch):
    monkeypatch.setenv("SETLIST_MODEL", "claude-haiku-9-9")
    report = await doctor()
    assert report.code == 1 and report.problems() == {"anthropic"}
    line = report.line("anthropic")
    assert "no model 'claude-haiku-9-9' (404)" in line
    assert "set SETLIST_MODEL to a current model id" in line


async def test_a_bad_discord_token(doctor, monkeypatch):
    monkeypatch.setenv("DISCORD_TOKEN", "reset-long-ago.0123456789abcdef")
    report = await doctor()
    assert report.code == 1 and report.problems() == {"discord"}
    line = report.line("discord")
    assert "refused DISCORD_TOKEN (401 Unauthorized)" in line and "Reset Token" in line


async def test_message_content_wanted_but_not_enabled(doctor, services: Services, monkeypatch):
    monkeypatch.setenv("DISCORD_MESSAGE_CONTENT", "1")
    report = await doctor()
    assert report.code == 1 and report.problems() == {"discord"}
    line = report.line("discord")
    assert "doesn't have it enabled" in line
    portal = f"https://discord.com/developers/applications/{services.discord.app_id}/bot"
    assert f"{portal} → Privileged Gateway Intents → switch on Message Content Intent" in line
    services.discord.app_flags = 1 << 19  # GATEWAY_MESSAGE_CONTENT_LIMITED: switched on
    report = await doctor()
    assert report.code == 0, report.out
    assert "Message Content intent enabled" in report.line("discord")


async def test_a_slack_token_missing_a_scope(doctor, services: Services):
    services.slack.bot_scopes.remove("files:write")
    report = await doctor()
    assert report.code == 1 and report.problems() == {"slack"}
    line = report.line("slack")
    assert "the token lacks the scope files:write" in line
    assert "add files:write, then reinstall the app" in line


async def test_an_invalid_slack_app_token(doctor, monkeypatch):
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1-A0APP-revoked-0123")
    report = await doctor()
    assert report.code == 1 and report.problems() == {"slack socket mode"}
    line = report.line("slack socket mode")
    assert "Slack refused SLACK_APP_TOKEN (invalid_auth)" in line
    assert "App-Level Tokens" in line


async def test_a_changed_secret_key(doctor, monkeypatch):
    assert (await doctor()).code == 0  # the refreshed login is stored with the first key
    monkeypatch.setenv("SETLIST_SECRET_KEY", Fernet.generate_key().decode())
    report = await doctor()
    assert report.code == 1 and report.problems() == {"secrets", "spotify"}
    line = report.line("secrets")
    assert "can't be decrypted with SETLIST_SECRET_KEY: was the key changed?" in line
    assert "restore the key" in line


async def test_an_unreachable_postgresql_fails_fast(doctor, monkeypatch):
    monkeypatch.setenv(
        "SETLIST_DATABASE_URL", "postgresql://setlist:pg-password-0123@127.0.0.1:1/x"
    )
    started = time.monotonic()
    report = await doctor()
    assert time.monotonic() - started < 8
    assert report.code == 1 and "database" in report.problems()
    line = report.line("database")
    assert "127.0.0.1:1/x" in line and "SETLIST_DATABASE_URL" in line
    assert "pg-password-0123" not in report.out + report.err
    assert "fix the database first" in report.line("spotify")


async def test_postgresql_database(doctor, monkeypatch, postgres_url: str):
    monkeypatch.setenv("SETLIST_DATABASE_URL", postgres_url)
    report = await doctor()
    assert report.code == 0, report.out
    assert report.line("database").startswith("✓ database")
    assert f"schema version {len(POSTGRES)} (current), 0 sessions" in report.line("database")


def test_an_unwritable_database_folder(tmp_path: Path):
    """A subprocess that can't write there: as root, without the capability that overrides
    file permissions (root could write anywhere)."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: can't make a folder unwritable")
        caps = "-dac_override,-dac_read_search"
        prefix = [setpriv, "--bounding-set", caps, "--inh-caps", caps]
    folder = tmp_path / "readonly"
    folder.mkdir()
    folder.chmod(0o555)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "SETLIST_SECRET_KEY": Fernet.generate_key().decode(),
    }
    try:
        done = subprocess.run(
            [*prefix, sys.executable, "-m", "bot", "doctor", "--db", str(folder / "setlist.db")],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        folder.chmod(0o755)
    assert done.returncode == 1, done.stdout + done.stderr
    report = Report(done.returncode, done.stdout, done.stderr)
    assert report.problems() == {"database"}
    line = report.line("database")
    assert f"can't create files in {folder} (Permission denied)" in line
    assert "make that folder writable" in line
    assert "Traceback" not in done.stderr
    assert env["SETLIST_SECRET_KEY"] not in done.stdout + done.stderr


async def test_checks_run_at_once_each_within_its_time_limit(services: Services, tmp_path):
    services.discord.latency = services.slack.latency = 2.0
    settings = Settings.from_env()
    from adapters.discord.doctor import check as discord_check
    from adapters.slack.doctor import check as slack_check

    started = time.monotonic()
    out = tmp_path / "report.txt"
    with out.open("w") as stream:
        code = await diagnose(
            settings,
            [("discord", discord_check), ("slack", slack_check)],
            timeout=0.5,
            out=stream,
        )
    elapsed = time.monotonic() - started
    text = out.read_text()
    assert code == 1
    assert "✗ discord" in text and "✗ slack" in text and "no answer within 0.5 s" in text
    assert "✓ spotify" in text and "✓ anthropic" in text
    assert elapsed < 1.5, f"the checks ran one after another ({elapsed:.1f} s)"


async def test_postgresql_without_a_secret_key(doctor, monkeypatch, postgres_url: str):
    """No key is only a problem once something must be stored encrypted."""
    monkeypatch.setenv("SETLIST_DATABASE_URL", postgres_url)
    monkeypatch.delenv("SETLIST_SECRET_KEY")
    report = await doctor()
    assert report.code == 1 and report.line("secrets").startswith("✗ secrets"), report.out
    assert "SETLIST_SECRET_KEY" in report.line("secrets")
    for name in ("SPOTIFY_CLIENT_ID", "SPOTIFY_REFRESH_TOKEN"):
        monkeypatch.delenv(name)
    report = await doctor()
    assert report.line("secrets").startswith("– secrets"), report.out
    assert "nothing needs it yet" in report.line("secrets")
