"""The socket path: a daemon removes only a socket it bound, or one provably stale.

A second daemon (with its own database) pointed at a live daemon's socket, or at
a path that is a symlink, a directory or a regular file, is refused and leaves
the path as it found it: the running daemon keeps its clients.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from ccterm import config as config_mod
from ccterm.config import Config
from ccterm.daemon.main import serve
from ccterm.errors import CctermError
from tests.conftest import RunningDaemon, running_daemon, write_config


@pytest.fixture
def elsewhere() -> Iterator[Path]:
    """A second daemon's own directory (its own database and lock)."""
    path = Path(tempfile.mkdtemp(prefix="ccterm-second-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def config_at(directory: Path, socket_path: Path) -> Config:
    cfg = write_config(directory)
    text = cfg.read_text().replace('socket = "ccterm.sock"', f'socket = "{socket_path}"')
    cfg.write_text(text)
    return config_mod.load(cfg)


async def refused(config: Config) -> str:
    with pytest.raises(CctermError) as caught:
        await asyncio.wait_for(serve(config), 20)
    return caught.value.message


async def test_a_second_daemon_on_a_live_socket_is_refused_and_the_first_keeps_it(
    daemon: RunningDaemon, elsewhere: Path
) -> None:
    before = daemon.socket.lstat()
    message = await refused(config_at(elsewhere, daemon.socket))
    assert message == f"another ccterm daemon is already listening on {daemon.socket}"
    after = daemon.socket.lstat()
    assert (after.st_ino, after.st_dev) == (before.st_ino, before.st_dev), "the same socket"
    assert (await daemon.request("status"))["role"] == "admin", "new clients still connect"
    assert not (elsewhere / "ccterm.db").exists(), "refused before a database or a trunk started"


async def test_a_symlink_to_a_live_socket_is_refused_and_both_are_left(
    daemon: RunningDaemon, elsewhere: Path
) -> None:
    link = elsewhere / "link.sock"
    link.symlink_to(daemon.socket)
    message = await refused(config_at(elsewhere, link))
    assert message == f"{link} is a symbolic link; the daemon neither follows nor replaces it"
    assert link.is_symlink() and os.readlink(link) == str(daemon.socket)
    assert (await daemon.request("status"))["role"] == "admin"


async def test_a_directory_at_the_socket_path_is_refused_and_left(elsewhere: Path) -> None:
    path = elsewhere / "ccterm.sock"
    path.mkdir()
    (path / "keep").write_text("mine")
    message = await refused(config_at(elsewhere, path))
    assert message == f"{path} is a directory, not a socket"
    assert (path / "keep").read_text() == "mine"


async def test_a_regular_file_at_the_socket_path_is_refused_and_left(elsewhere: Path) -> None:
    path = elsewhere / "ccterm.sock"
    path.write_text("not a socket")
    message = await refused(config_at(elsewhere, path))
    assert message == f"{path} exists and is not a socket"
    assert path.read_text() == "not a socket"


async def test_a_dangling_symlink_is_refused_and_left(elsewhere: Path) -> None:
    link = elsewhere / "ccterm.sock"
    link.symlink_to(elsewhere / "nowhere")
    await refused(config_at(elsewhere, link))
    assert link.is_symlink() and not (elsewhere / "nowhere").exists()


async def test_a_stale_socket_is_replaced_and_removed_at_a_clean_stop(elsewhere: Path) -> None:
    config = config_at(elsewhere, elsewhere / "ccterm.sock")
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(config.daemon.socket))
    stale.close()  # the file stays, nobody listens: a daemon that was killed
    async with running_daemon(config) as running:
        assert (await running.request("status"))["role"] == "admin"
    assert not config.daemon.socket.exists(), "a clean stop removes its own socket"


async def test_a_stop_leaves_a_socket_that_replaced_ours(elsewhere: Path) -> None:
    config = config_at(elsewhere, elsewhere / "ccterm.sock")
    async with running_daemon(config):
        config.daemon.socket.unlink()  # someone removed ours and bound their own
        theirs = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        theirs.bind(str(config.daemon.socket))
    try:
        assert config.daemon.socket.exists(), "not ours: left in place"
    finally:
        theirs.close()
