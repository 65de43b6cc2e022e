"""The asyncio client of the daemon's socket: requests with ids, replies matched, events queued.

Both TUIs and every admin command talk through this. Connection problems become
DaemonUnavailable with a hint (start the daemon, join the socket's group);
error replies become RemoteError carrying the daemon's code, message and hint.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from ccterm import wire
from ccterm.errors import DaemonUnavailable, RemoteError

CONNECT_TIMEOUT = 5.0  # seconds; a local socket answers at once or not at all


class DaemonClient:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._events: asyncio.Queue[wire.Frame | None] = asyncio.Queue()
        self._read_task: asyncio.Task[None] | None = None
        self._failure: Exception | None = None

    async def __aenter__(self) -> DaemonClient:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def connect(self) -> None:
        try:
            self._reader, self._writer = await asyncio.wait_for(
                asyncio.open_unix_connection(str(self.path), limit=wire.MAX_FRAME + 1),
                CONNECT_TIMEOUT,
            )
        except FileNotFoundError:
            if not self.path.parent.is_dir():
                raise DaemonUnavailable(
                    f"the daemon's directory {self.path.parent} is gone",
                    "a demo that ended takes its directory along; start the daemon again,"
                    " or check --config",
                ) from None
            raise DaemonUnavailable(
                f"no ccterm daemon socket at {self.path}",
                "start the daemon (ccterm daemon, or systemctl start ccterm), or check --config",
            ) from None
        except PermissionError:
            raise DaemonUnavailable(
                f"permission denied on {self.path}",
                "your Unix user must be in the socket's group ([daemon] socket_group)",
            ) from None
        except ConnectionRefusedError:
            raise DaemonUnavailable(
                f"the ccterm daemon is not running ({self.path} is left over)",
                "start it: ccterm daemon, or systemctl start ccterm",
            ) from None
        except (TimeoutError, OSError) as exc:
            raise DaemonUnavailable(f"cannot connect to {self.path}: {exc}") from None
        self._read_task = asyncio.create_task(self._read_loop(), name="ccterm-client-reader")

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(Exception):
                await self._writer.wait_closed()
        if self._read_task is not None:
            self._read_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._read_task
        self._fail(DaemonUnavailable("the connection to the daemon is closed"))

    def _fail(self, exc: Exception) -> None:
        if self._failure is None:
            self._failure = exc
        for future in self._pending.values():
            if not future.done():
                future.set_exception(exc)
        self._pending.clear()
        self._events.put_nowait(None)

    async def _read_loop(self) -> None:
        assert self._reader is not None
        try:
            while True:
                line = await self._reader.readline()
                if not line:
                    break
                frame = wire.decode(line)
                if "event" in frame:
                    self._events.put_nowait(frame)
                    continue
                error = frame.get("error") or {}
                req_id = frame.get("id")
                if req_id is None:  # a refusal or a broken frame: the session is over
                    self._fail(
                        RemoteError(
                            str(error.get("code", "error")),
                            str(error.get("message", "the daemon refused the connection")),
                            str(error.get("hint", "")),
                        )
                    )
                    return
                future = self._pending.pop(req_id, None)
                if future is None or future.done():
                    continue
                if frame.get("ok"):
                    future.set_result(frame.get("result"))
                else:
                    future.set_exception(
                        RemoteError(
                            str(error.get("code", "error")),
                            str(error.get("message", "")),
                            str(error.get("hint", "")),
                        )
                    )
        except (ConnectionError, ValueError, wire.WireError) as exc:
            self._fail(DaemonUnavailable(f"lost the connection to the daemon: {exc}"))
            return
        self._fail(DaemonUnavailable("the daemon closed the connection", "is it still running?"))

    def send(self, op: str, args: dict[str, Any] | None = None) -> asyncio.Future[Any]:
        """Send a request now; the returned future resolves with its result."""
        if self._failure is not None:
            raise self._failure
        assert self._writer is not None, "connect() first"
        req_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[req_id] = future
        self._writer.write(wire.encode(wire.request(req_id, op, args)))
        return future

    async def request(self, op: str, args: dict[str, Any] | None = None) -> Any:
        future = self.send(op, args)
        with contextlib.suppress(DaemonUnavailable):  # the future carries the reason
            await self.drain()
        return await future

    async def drain(self) -> None:
        """Wait until the socket takes what was sent; a lost daemon becomes DaemonUnavailable."""
        assert self._writer is not None
        try:
            await self._writer.drain()
        except ConnectionError as exc:
            # The daemon may have refused us at connect: its reason is worth more than EPIPE.
            if self._read_task is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(asyncio.shield(self._read_task), 2.0)
            self._fail(DaemonUnavailable(f"lost the connection to the daemon: {exc}"))
            assert self._failure is not None
            raise self._failure from None

    async def hello(
        self, *, subscribe: bool = True, client: str = "cli", act_as: str | None = None
    ) -> dict[str, Any]:
        """Identity, snapshot and events from now on; `act_as` (admins only): another's seat."""
        args: dict[str, Any] = {
            "protocol": wire.PROTOCOL_VERSION,
            "subscribe": subscribe,
            "client": client,
        }
        if act_as is not None:
            args["act_as"] = act_as
        result: dict[str, Any] = await self.request("hello", args)
        return result

    async def events(self) -> AsyncIterator[wire.Frame]:
        """Events in arrival order, until the connection ends."""
        while True:
            frame = await self._events.get()
            if frame is None:
                return
            yield frame


async def call(path: Path | str, op: str, args: dict[str, Any] | None = None) -> Any:
    """One request on a fresh connection."""
    async with DaemonClient(path) as client:
        return await client.request(op, args)
