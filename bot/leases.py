"""One round per channel at a time across every process sharing the database.

Within a process an asyncio lock already orders rounds; a lease in the store does the same
between processes (Slack HTTP workers behind a load balancer all receive one channel's
events). A holder renews its lease while its round runs; if the process dies, the lease
lapses after LEASE_S and the next round goes ahead."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator

from bot.store.base import Store

log = logging.getLogger("setlist.leases")
LEASE_S = 30.0
RENEW_S = 10.0
POLL_S = 0.2


@contextlib.asynccontextmanager
async def held(store: Store, name: str, holder: str) -> AsyncIterator[None]:
    """Wait for the lease, hold it (renewed) for the block, then give it back."""
    while not await store.lease(name, holder, LEASE_S):
        await asyncio.sleep(POLL_S * random.uniform(0.5, 1.5))
    renewing = asyncio.create_task(_renew(store, name, holder))
    try:
        yield
    finally:
        renewing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await renewing
        try:
            await store.release(name, holder)
        except Exception:  # it lapses on its own; the member's round is done either way
            log.warning("could not release the lease %s; it lapses in %.0f s", name, LEASE_S)


async def _renew(store: Store, name: str, holder: str) -> None:
    while True:
        await asyncio.sleep(RENEW_S)
        try:
            if not await store.lease(name, holder, LEASE_S):
                log.warning("lease %s lapsed while its round ran (database away?)", name)
        except Exception:
            log.warning("could not renew the lease %s", name, exc_info=True)
