"""Installing the app over OAuth in HTTP mode: state, callback, encrypted tokens, per-team."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import replace
from urllib.parse import parse_qs, urlparse

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from cryptography.fernet import Fernet

from adapters.slack.app import SlackAdapter, check
from adapters.slack.installations import StoreInstallations
from adapters.slack.poster import Pacer
from bot.errors import ConfigError
from tests.adapters.slack.conftest import PROMPT, root_of, tracks_in
from tests.fakes import slack_api as s

KEY = Fernet.generate_key().decode()
# slack_sdk 3.48's oauth.v2.access still passes aiohttp.BasicAuth, which aiohttp 3.14 deprecates;
# a warning in production, an error under filterwarnings=error. Nothing of ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")


@pytest.fixture
def oauth_settings(settings):
    return replace(
        settings,
        slack_bot_token="",
        slack_client_id="111.222",
        slack_client_secret="shh",
        secret_key=KEY,
    )


@pytest.fixture
async def site(
    fake, oauth_settings, core, store
) -> AsyncIterator[tuple[str, aiohttp.ClientSession]]:
    assert check(oauth_settings, http=True) is True
    adapter = SlackAdapter(core, store, oauth_settings, oauth=True, pacer=Pacer(rate=0))
    server = TestServer(adapter.web_app(), host="127.0.0.1", port=0)
    await server.start_server()
    async with aiohttp.ClientSession() as session:
        yield f"http://127.0.0.1:{server.port}", session, adapter
        await adapter.idle()
    await server.close()


async def install(
    base: str, session: aiohttp.ClientSession, fake, team: str
) -> aiohttp.ClientResponse:
    async with session.get(f"{base}/slack/install", allow_redirects=False) as page:
        assert page.status in (200, 302)
        body = await page.text()
        cookie = page.headers["Set-Cookie"].split(";")[0]
    link = body[body.index("https://slack.com/oauth/v2/authorize") :].split('"')[0]
    query = parse_qs(urlparse(link.replace("&amp;", "&")).query)
    assert query["client_id"] == ["111.222"] and "reactions:read" in query["scope"][0]
    fake.oauth_codes["code-1"] = team
    callback = f"{base}/slack/oauth_redirect?code=code-1&state={query['state'][0]}"
    return await session.get(callback, headers={"Cookie": cookie}, allow_redirects=False)


async def test_install_then_serve_that_workspace(site, fake, store):
    base, session, adapter = site
    async with await install(base, session, fake, "T0NEW") as done:
        assert done.status == 200, await done.text()
    bot_token = next(t for t, team in fake.tokens.items() if team == "T0NEW")
    # Stored encrypted: the token appears nowhere in the database in the clear.
    sealed = await store.get_secret("slack.bot:-:T0NEW")
    assert sealed and bot_token not in sealed and "T0NEW" not in sealed
    found = await StoreInstallations(store, KEY).async_find_bot(
        enterprise_id=None, team_id="T0NEW"
    )
    assert found.bot_token == bot_token and found.bot_user_id == s.BOT_USER
    assert (
        await StoreInstallations(store, Fernet.generate_key().decode()).async_find_bot(
            enterprise_id=None, team_id="T0NEW"
        )
        is None
    )  # another key reads nothing
    # The new workspace's requests are served with its own token.
    sender = s.SignedSender(session, f"{base}/slack/events")
    payload = s.command(f"new {PROMPT}", team_id="T0NEW")
    assert (await sender.command(payload))[0] == 200
    await adapter.idle()
    posts = fake.called("chat.postMessage")
    assert posts and {c.token for c in posts} == {bot_token}
    assert len(tracks_in(fake, "C1", root_of(fake))) == 15
    # A workspace that never installed is refused: no token, no calls.
    before = len(fake.calls)
    assert (await sender.command(s.command("help", team_id="T0NONE")))[0] == 200
    await adapter.idle()
    assert [c.method for c in fake.calls[before:]] == []


async def test_a_forged_or_replayed_state_installs_nothing(site, fake, store):
    base, session, _ = site
    fake.oauth_codes["code-1"] = "T0EVIL"
    forged = f"{base}/slack/oauth_redirect?code=code-1&state=made-up"
    async with session.get(forged, headers={"Cookie": "slack-app-oauth-state=made-up"}) as r:
        assert r.status >= 400
    assert await store.get_secret("slack.bot:-:T0EVIL") is None
    async with await install(base, session, fake, "T0OK") as done:
        assert done.status == 200
        replay = str(done.url)
    fake.oauth_codes["code-1"] = "T0AGAIN"
    async with session.get(replay) as again:
        assert again.status >= 400
    assert await store.get_secret("slack.bot:-:T0AGAIN") is None


def test_configuration_errors_say_what_to_set(settings):
    with pytest.raises(ConfigError, match="SLACK_APP_TOKEN"):
        check(settings, http=False)
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET"):
        check(replace(settings, slack_signing_secret=""), http=True)
    oauth = replace(settings, slack_client_id="1", slack_client_secret="2")
    with pytest.raises(ConfigError, match="SETLIST_SECRET_KEY"):
        check(oauth, http=True)
    with pytest.raises(ConfigError, match="unset SLACK_CLIENT_ID"):
        check(replace(oauth, slack_app_token="xapp-1"), http=False)
    assert check(settings, http=True) is False
    assert json.dumps(check(replace(settings, slack_app_token="xapp-1"), http=False)) == "false"
