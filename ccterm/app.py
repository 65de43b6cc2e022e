"""The Textual shell both TUIs share: one daemon connection, kept alive, turned into messages.

A worker owns the connection: it says hello, reads events and posts them as
messages; when the daemon goes away it posts Disconnected, shows a banner and
tries again until it is back, then says hello again so the screen resyncs.
Handlers on the screens own the state; requests go through `request()`.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

from textual import work
from textual.app import App
from textual.message import Message
from textual.widgets import Static

from ccterm.client import DaemonClient
from ccterm.clock import Clock, SystemClock
from ccterm.errors import CctermError, DaemonUnavailable, RemoteError

RETRY_DELAYS = (0.2, 0.5, 1.0, 2.0, 3.0)


class Connected(Message):
    def __init__(self, hello: dict[str, Any], reconnect: bool) -> None:
        super().__init__()
        self.hello = hello
        self.reconnect = reconnect


class Disconnected(Message):
    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class Refused(Message):
    """The daemon will not have us (unknown user, not an admin for --user): nothing to retry."""

    def __init__(self, error: CctermError) -> None:
        super().__init__()
        self.error = error


class DaemonEvent(Message):
    def __init__(self, name: str, data: dict[str, Any], seq: int) -> None:
        super().__init__()
        self.name = name
        self.data = data
        self.seq = seq


class Banner(Static):
    """A line across the top while the daemon is unreachable."""

    DEFAULT_CSS = """
    Banner { dock: top; height: auto; max-height: 3; background: $error; color: $text;
             display: none; }
    Banner.shown { display: block; }
    """


class CctermApp(App[int]):
    """Connection handling for a ccterm screen; subclasses add the screen."""

    def __init__(
        self,
        socket: Path | str,
        *,
        clock: Clock | None = None,
        act_as: str | None = None,
        client_name: str = "tui",
    ) -> None:
        super().__init__()
        self.socket = Path(socket)
        self.clock = clock or SystemClock()
        self.act_as = act_as
        self.client_name = client_name
        self.client: DaemonClient | None = None
        self.connected = False

    def on_mount(self) -> None:
        self.keep_connected()

    @work(exclusive=True, group="connection")
    async def keep_connected(self) -> None:
        attempt = 0
        ever = False
        while True:
            client = DaemonClient(self.socket)
            try:
                await client.connect()
                hello = await client.hello(client=self.client_name, act_as=self.act_as)
            except RemoteError as exc:
                await client.close()
                if exc.code in ("unknown_user", "forbidden", "not_found", "protocol"):
                    self.post_message(Refused(exc))
                    return
                reason = exc.message
            except DaemonUnavailable as exc:
                await client.close()
                reason = exc.message + (f" — {exc.hint}" if exc.hint else "")
            except OSError as exc:
                await client.close()
                reason = str(exc)
            else:
                self.client = client
                self.connected = True
                attempt = 0
                self.post_message(Connected(hello, reconnect=ever))
                ever = True
                last_seq = int(hello.get("seq", 0))
                gap = False
                async for frame in client.events():
                    seq = int(frame.get("seq", 0))
                    if seq != last_seq + 1:
                        gap = True  # missed something: hello again and resync
                        break
                    last_seq = seq
                    self.post_message(DaemonEvent(str(frame["event"]), frame.get("data", {}), seq))
                self.connected = False
                self.client = None
                await client.close()
                reason = "resynchronising" if gap else "the daemon went away"
            self.post_message(Disconnected(reason))
            await asyncio.sleep(RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)])
            attempt += 1

    async def request(self, op: str, args: dict[str, Any] | None = None) -> Any:
        """A request on the live connection; DaemonUnavailable while there is none."""
        client = self.client
        if client is None:
            raise DaemonUnavailable("not connected to the daemon", "it reconnects by itself")
        return await client.request(op, args)

    async def on_unmount(self) -> None:
        if self.client is not None:
            with contextlib.suppress(Exception):
                await self.client.close()
