"""The Unix socket: who is calling (SO_PEERCRED), their session, frames in and out.

Each connection is one session. The peer's uid decides the identity: root is an
admin, other users map to [[users]] in config.toml, anyone else is refused
before a single request is read. Requests of one session run in order; replies
and events leave through one bounded queue, so a stuck client cannot make the
daemon hoard memory: it is disconnected and resynchronises with hello.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import grp
import itertools
import logging
import os
import pwd
import socket
import stat
import struct
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from ccterm import wire
from ccterm.config import Config
from ccterm.errors import CctermError
from ccterm.model import Campaign, Role

log = logging.getLogger(__name__)

OUTBOX_LIMIT = 10_000  # frames queued for one client before it counts as stuck
BACKLOG = 100  # connections waiting to be accepted (asyncio's default)


@dataclass(frozen=True, slots=True)
class Identity:
    user: str
    role: Role
    group: str
    uid: int
    pid: int

    def to_wire(self) -> dict[str, Any]:
        return {"user": self.user, "role": str(self.role), "group": self.group}


class Refused(CctermError):
    code = "unknown_user"


def peer_credentials(sock: socket.socket) -> tuple[int, int, int]:
    """(pid, uid, gid) of the process at the other end, as the kernel saw it at connect."""
    raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    pid, uid, gid = struct.unpack("3i", raw)
    return pid, uid, gid


def identify(config: Config, pid: int, uid: int) -> Identity:
    if uid == 0:
        return Identity("root", Role.ADMIN, "", uid, pid)
    try:
        name = pwd.getpwuid(uid).pw_name
    except KeyError:
        raise Refused(f"uid {uid} has no user name on this machine") from None
    user = config.user(name)
    if user is None:
        raise Refused(
            f"user '{name}' is not a ccterm user",
            f'an admin adds a [[users]] table with name = "{name}" to {config.path}'
            " and restarts the daemon",
        )
    return Identity(user.name, user.role, user.group, uid, pid)


def campaign_audience(campaign: Campaign) -> Callable[[Identity], bool]:
    """Who may hear about a campaign: whoever may see it."""
    return lambda who: campaign.visible_to(who.role, who.user, who.group)


def staff_audience(
    campaign: Campaign | None, groups: frozenset[str] | None
) -> Callable[[Identity], bool]:
    """The wallboard's events and rows: admins; supervisors who see the campaign or are of
    one of `groups` (neither given: every supervisor); never agents."""
    everyone = campaign is None and groups is None

    def sees(who: Identity) -> bool:
        if who.role is Role.ADMIN:
            return True
        if who.role is not Role.SUPERVISOR:
            return False
        if everyone or (groups is not None and who.group in groups):
            return True
        return campaign is not None and campaign.visible_to(who.role, who.user, who.group)

    return sees


Handler = Callable[["Session", str, dict[str, Any]], Awaitable[Any]]


@dataclass(eq=False)
class Session:
    id: int
    identity: Identity
    outbox: asyncio.Queue[bytes | None]
    seq: int = 0
    subscribed: bool = False
    closed: bool = False
    state: dict[str, Any] = field(default_factory=dict)  # per-session op state (imports)
    on_close: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    abort: Callable[[], None] | None = None  # drops the connection at once

    def send(self, frame: wire.Frame) -> None:
        self._put(wire.encode(frame))

    def event(self, name: str, data: dict[str, Any]) -> None:
        self.event_encoded(name, wire.encode_data(data))

    def event_encoded(self, name: str, data: bytes) -> None:
        """An event whose data was encoded once (wire.encode_data) for all who get it."""
        if self.closed:
            return
        self.seq += 1
        self._put(wire.encode_event(self.seq, name, data))

    def _put(self, frame: bytes) -> None:
        if self.closed:
            return
        if self.outbox.qsize() >= OUTBOX_LIMIT:
            log.warning(
                "session %s (%s) is not reading; disconnecting", self.id, self.identity.user
            )
            self.close()
            if self.abort is not None:
                self.abort()
            return
        self.outbox.put_nowait(frame)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.outbox.put_nowait(None)


class Server:
    def __init__(self, config: Config, handler: Handler | None = None) -> None:
        self.config = config
        self.path = config.daemon.socket
        self.handler = handler  # set before start(); the ops need the server to publish
        self._server: asyncio.AbstractServer | None = None
        self._ids = itertools.count(1)
        self.sessions: set[Session] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._sock: socket.socket | None = None
        self._created: tuple[int, int] | None = None  # (device, inode) of the socket we bound

    def claim(self) -> None:
        """Bind and listen on the socket path, before the rest of the daemon starts.

        From here a second daemon's probe connects and is refused; clients that come
        early wait in the backlog until start() serves them.
        """
        if self._sock is None:
            self._sock = self._bind()
            self._sock.listen(BACKLOG)

    async def start(self) -> None:
        self.claim()
        assert self._sock is not None
        self._server = await asyncio.start_unix_server(
            self._on_connect, sock=self._sock, limit=wire.MAX_FRAME + 1, backlog=BACKLOG
        )
        if self.config.daemon.socket_group:
            try:
                gid = grp.getgrnam(self.config.daemon.socket_group).gr_gid
            except KeyError:
                raise CctermError(
                    f"[daemon] socket_group: no Unix group '{self.config.daemon.socket_group}'",
                    "create it (groupadd) or leave socket_group empty",
                ) from None
            os.chown(self.path, -1, gid)

    def _bind(self) -> socket.socket:
        """Our own socket at the path, or a CctermError; nothing that is not ours is removed.

        bind() never replaces a file (asyncio's path= would unlink a socket there, even
        through a symlink), so the only file ever removed is a socket nobody answers on.
        """
        self._prepare_path()
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old_umask = os.umask(0o117)  # the socket is born 0660, never wider
        try:
            sock.bind(str(self.path))
        except OSError as exc:
            sock.close()
            if exc.errno == errno.EADDRINUSE:
                raise CctermError(
                    f"{self.path} appeared while this daemon was starting",
                    "another ccterm daemon may be starting on it; stop it, or give this one"
                    " another [daemon] socket",
                ) from None
            raise CctermError(f"cannot create the socket {self.path}: {exc.strerror}") from None
        finally:
            os.umask(old_umask)
        created = self.path.lstat()
        self._created = (created.st_dev, created.st_ino)
        os.chmod(self.path, 0o660)
        return sock

    def _prepare_path(self) -> None:
        """Refuse a path that is not a stale socket; remove it only when provably stale."""
        try:
            self.path.parent.mkdir(parents=True, mode=0o755, exist_ok=True)
            mode = self.path.lstat().st_mode
        except FileNotFoundError:
            return
        except OSError as exc:
            raise CctermError(
                f"cannot use the socket path {self.path}: {exc.strerror}",
                "the daemon's user must be able to create it ([daemon] socket in config.toml)",
            ) from None
        fix = "fix [daemon] socket in config.toml: a path of its own, like /run/ccterm/ccterm.sock"
        if stat.S_ISLNK(mode):
            raise CctermError(
                f"{self.path} is a symbolic link; the daemon neither follows nor replaces it",
                f"{fix}, or remove the link if nothing needs it",
            )
        if stat.S_ISDIR(mode):
            raise CctermError(f"{self.path} is a directory, not a socket", fix)
        if not stat.S_ISSOCK(mode):
            raise CctermError(
                f"{self.path} exists and is not a socket", f"{fix}, or move the file away"
            )
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        probe.settimeout(1.0)
        try:
            probe.connect(str(self.path))
        except ConnectionRefusedError:
            # Nobody listens: a daemon that died. It is ours to replace.
            try:
                self.path.unlink()
            except OSError as exc:
                raise CctermError(
                    f"cannot remove the stale socket {self.path}: {exc.strerror}",
                    "remove it as its owner, or run the daemon as that user",
                ) from None
            return
        except OSError as exc:  # no permission, or a daemon too busy to accept: not provably stale
            raise CctermError(
                f"cannot tell whether a daemon is listening on {self.path}"
                f" ({exc.strerror or 'no answer within 1 s'})",
                f"if no ccterm daemon runs, remove {self.path} and start again",
            ) from None
        finally:
            probe.close()
        raise CctermError(
            f"another ccterm daemon is already listening on {self.path}",
            "stop it first (systemctl stop ccterm), or give this one another [daemon] socket",
        )

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        elif self._sock is not None:
            self._sock.close()  # claimed, never served
        for session in list(self.sessions):
            session.close()
            if session.abort is not None:
                session.abort()  # the reader sees the end; no task is cancelled under asyncio
        if self._tasks:
            _done, pending = await asyncio.wait(list(self._tasks), timeout=5.0)
            for task in pending:
                task.cancel()
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2.0)
        self._remove_own_socket()

    def _remove_own_socket(self) -> None:
        """The socket file goes only if it is still the one this daemon bound."""
        if self._created is None:
            return
        try:
            current = self.path.lstat()
        except FileNotFoundError:
            return
        if stat.S_ISSOCK(current.st_mode) and (current.st_dev, current.st_ino) == self._created:
            self.path.unlink()
        self._created = None

    def publish(
        self, name: str, data: dict[str, Any], audience: Callable[[Identity], bool] | None = None
    ) -> None:
        """An event to every hello'd session whose identity may see it; encoded once."""
        encoded: bytes | None = None
        for session in list(self.sessions):
            if session.subscribed and (audience is None or audience(session.identity)):
                if encoded is None:
                    encoded = wire.encode_data(data)
                session.event_encoded(name, encoded)

    async def _on_connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._serve(reader, writer)
        finally:
            self._tasks.discard(task)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        try:
            pid, uid, _gid = peer_credentials(sock)
            identity = identify(self.config, pid, uid)
        except Refused as exc:
            log.warning("refused a connection: %s", exc.message)
            writer.write(wire.encode(wire.error(None, exc.code, exc.message, exc.hint)))
            with contextlib.suppress(ConnectionError):
                await writer.drain()
            writer.close()
            return
        session = Session(next(self._ids), identity, asyncio.Queue())
        session.abort = writer.transport.abort
        self.sessions.add(session)
        log.debug("session %s: %s (%s) pid %s", session.id, identity.user, identity.role, pid)
        sender = asyncio.create_task(self._send_loop(session, writer), name=f"send-{session.id}")
        try:
            await self._read_loop(session, reader)
        finally:
            session.close()
            self.sessions.discard(session)
            for cleanup in session.on_close:
                try:
                    await cleanup()
                except Exception:
                    log.exception("session %s cleanup failed", session.id)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(sender, 5.0)
            sender.cancel()
            writer.close()

    async def _read_loop(self, session: Session, reader: asyncio.StreamReader) -> None:
        while not session.closed:
            try:
                line = await reader.readline()
            except ValueError:
                session.send(wire.error(None, "bad_frame", f"frame over {wire.MAX_FRAME} bytes"))
                return
            except ConnectionError:
                return
            if not line:
                return
            if not line.strip():
                continue
            req_id: Any = None
            try:
                frame = wire.decode(line)
                req_id = frame.get("id") if isinstance(frame.get("id"), int) else None
                req_id, op, args = wire.parse_request(frame)
                assert self.handler is not None, "Server.handler is set before start()"
                result = await self.handler(session, op, args)
                session.send(wire.ok(req_id, result))
            except CctermError as exc:
                session.send(wire.error(req_id, exc.code, exc.message, exc.hint))
            except Exception:
                log.exception("request %r of %s failed", req_id, session.identity.user)
                session.send(
                    wire.error(
                        req_id, "internal", "the daemon failed on this request", "see its log"
                    )
                )

    async def _send_loop(self, session: Session, writer: asyncio.StreamWriter) -> None:
        while True:
            data = await session.outbox.get()
            if data is None:
                break
            try:
                writer.write(data)
                await writer.drain()
            except (ConnectionError, RuntimeError):
                session.close()
                break
        with contextlib.suppress(Exception):
            writer.close()
