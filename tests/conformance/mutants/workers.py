"""Several reference apps behind one entry point, the way worker processes share one socket.

Over HTTP, a client's requests on one keep-alive connection all reach the same worker, while
simultaneous requests open more connections and land on other workers. `WorkerPool` does the
same in-process and deterministically: a request that arrives while k others are in flight goes
to worker k mod N, so sequential traffic meets worker 0 and a burst is spread over all of them.

With one shared store the pool behaves like the reference server under `--workers N` on SQLite
or Redis; with a memory store per worker it has the fault the server's CLI refuses to start
with (`DUALTOKEN_STORE=memory://` and `--workers 2`): each worker knows only its own revocations.
(A real multi-process server would show the same fault, but which worker the kernel hands a
connection to is not ours to decide, so the set of failing cases would vary from run to run.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from starlette.types import ASGIApp, Receive, Scope, Send

from reference_server.app import build_services, create_app
from reference_server.config import Settings
from reference_server.store import MemoryStore


class WorkerPool:
    def __init__(self, workers: Sequence[ASGIApp]) -> None:
        self.workers = list(workers)
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        slot = self.in_flight
        self.in_flight += 1
        try:
            # In-process requests never wait on I/O: yield once so that the others of a burst
            # arrive (and take their slots) before this one is served.
            await asyncio.sleep(0)
            await self.workers[slot % len(self.workers)](scope, receive, send)
        finally:
            self.in_flight -= 1

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        # The workers' memory stores need no start-up or clean-up; just speak the protocol.
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return


def shared_store_pool(settings: Settings, size: int = 2) -> WorkerPool:
    """Sound: every worker reads and writes one store, as with SQLite or Redis."""
    store = MemoryStore()
    return WorkerPool(
        [create_app(settings, services=build_services(settings, store=store)) for _ in range(size)]
    )


def store_per_worker_pool(settings: Settings, size: int = 2) -> WorkerPool:
    """Faulty: each worker has its own memory store, so a revocation stays on one worker."""
    return WorkerPool([create_app(settings) for _ in range(size)])
