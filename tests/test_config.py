"""config.toml: typed, frozen, and every mistake named by file, key and a nearby fix."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from ccterm import config as config_mod
from ccterm.config import Config
from ccterm.errors import ConfigError
from ccterm.model import Role


def load_text(tmp_path: Path, text: str) -> Config:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return config_mod.load(path)


def error_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load_text(tmp_path, text)
    message = caught.value.message
    assert "\n" not in message, "a config error is one line"
    assert str(tmp_path / "config.toml") in message, "it names the file"
    return message


def test_starter_file_loads_back_to_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(config_mod.starter_text(), encoding="utf-8")
    loaded = config_mod.load(path)
    assert loaded == Config(path=path)
    assert "# " in path.read_text()  # commented for the admin


def test_local_starter_keeps_state_beside_the_file(tmp_path: Path) -> None:
    path = tmp_path / "etc" / "config.toml"
    path.parent.mkdir()
    path.write_text(config_mod.starter_text(local=True), encoding="utf-8")
    loaded = config_mod.load(path)
    assert loaded.daemon.socket == path.parent.resolve() / "ccterm-data" / "ccterm.sock"
    assert loaded.daemon.database.is_absolute()


def test_full_example_from_the_issue(tmp_path: Path) -> None:
    cfg = load_text(
        tmp_path,
        """
        [daemon]
        socket = "/run/ccterm/ccterm.sock"
        database = "/var/lib/ccterm/ccterm.db"
        recordings = "/var/lib/ccterm/recordings"
        [trunk]
        kind = "sip"
        host = "sip.example.net"
        port = 5060
        username = "user1"
        password = "s3cret"
        local_ip = "192.0.2.10"
        local_port = 5060
        rtp_ports = [10000, 20000]
        caller_id = "+48221234567"
        [dialer]
        region = "PL"
        [[users]]
        name = "anna"
        role = "agent"
        group = "sales"
        phone = "sip:1001@pbx.example.net"
        """,
    )
    assert cfg.trunk.kind == "sip" and cfg.trunk.rtp_ports == (10000, 20000)
    assert cfg.user("anna") is not None and cfg.user("anna").role is Role.AGENT  # type: ignore[union-attr]
    assert "s3cret" not in repr(cfg), "the password never shows in a repr (or a log line)"
    with pytest.raises(AttributeError):
        cfg.trunk.port = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[trunk]\nprot = 5060", "[trunk] prot: unknown key (did you mean 'port'?)"),
        ("[trunk]\nregion = 'PL'", "[trunk] region: unknown key (it belongs in [dialer])"),
        ("[trunc]\nhost = 'x'", "trunc: unknown section (did you mean 'trunk'?)"),
        ("[trunk]\nport = '5060'", "[trunk] port: expected a whole number, got '5060'"),
        ("[trunk]\nport = 70000", "[trunk] port: 70000 is not a port number"),
        (
            "[trunk]\nkind = 'sipp'",
            "[trunk] kind: 'sipp' is not one of 'sip', 'sim' (did you mean 'sip'?)",
        ),
        ("[trunk]\nrtp_ports = [20000, 10000]", "[trunk] rtp_ports: [20000, 10000] is not a range"),
        ("[trunk]\nlocal_ip = 'myhost'", "[trunk] local_ip: 'myhost' is not an IP address"),
        ("[trunk]\nkind = 'sip'\nhost = ''", "[trunk] host: required when kind = 'sip'"),
        (
            "[dialer]\nregion = 'pl'",
            "[dialer] region: 'pl' is not a region code like 'PL' or 'US' (did you mean 'PL'?)",
        ),
        (
            "[dialer]\ncalling_hours = ['9:00', '21:00']",
            "[dialer] calling_hours: '9:00' is not a time like '08:00'",
        ),
        (
            "[dialer]\ncalling_hours = ['24:00', '24:00']",
            "[dialer] calling_hours: '24:00' is not a time like '08:00'",
        ),
        (
            "[dialer]\ncalling_hours = ['21:00', '08:00']",
            "[dialer] calling_hours: '21:00' must come before '08:00'",
        ),
        (
            "[[users]]\nname = 'anna'\nrole = 'agnet'",
            "[[users]] #1 role: 'agnet' is not one of 'agent', 'supervisor', 'admin' (did you mean 'agent'?)",
        ),
        ("[[users]]\nrole = 'agent'", "[[users]] #1 name: missing"),
        ("[[users]]\nname = 'a'\n[[users]]\nname = 'a'", "[[users]] #2 name: 'a' is listed twice"),
        ("[daemon]\nsoket = 'x'", "[daemon] soket: unknown key (did you mean 'socket'?)"),
        ("[sim]\np_human = 0.9\np_busy = 0.5", "[sim] p_human: the four odds add up to"),
    ],
)
def test_mistakes_are_named(tmp_path: Path, text: str, expected: str) -> None:
    assert expected in error_of(tmp_path, text)


def test_calling_hours_may_run_to_midnight(tmp_path: Path) -> None:
    cfg = load_text(tmp_path, "[dialer]\ncalling_hours = ['00:00', '24:00']")
    assert cfg.dialer.calling_hours == ("00:00", "24:00")


def test_password_is_never_echoed(tmp_path: Path) -> None:
    message = error_of(tmp_path, "[trunk]\npassword = 123456789")
    assert "123456789" not in message


def test_not_toml_and_missing_file(tmp_path: Path) -> None:
    assert "not valid TOML" in error_of(tmp_path, "[trunk\nport = 1")
    with pytest.raises(ConfigError) as caught:
        config_mod.load(tmp_path / "nope.toml")
    assert "no such config file" in caught.value.message
    assert "ccterm init" in caught.value.hint


def test_config_path_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CCTERM_CONFIG", raising=False)
    assert config_mod.resolve_path(None) == Path("config.toml")
    monkeypatch.setenv("CCTERM_CONFIG", str(tmp_path / "env.toml"))
    assert config_mod.resolve_path(None) == tmp_path / "env.toml"
    assert config_mod.resolve_path(tmp_path / "flag.toml") == tmp_path / "flag.toml"


def test_starter_text_is_valid_toml_for_other_regions() -> None:
    data = tomllib.loads(config_mod.starter_text(region="US"))
    assert data["dialer"]["region"] == "US"
