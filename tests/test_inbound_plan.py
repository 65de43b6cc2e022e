"""The inbound plan in config.toml: the issue's own example loads; each mistake is one line
naming the file, the table and the key, with the nearest name."""

from __future__ import annotations

from pathlib import Path

import pytest

from ccterm import config as config_mod
from ccterm.errors import ConfigError
from tests.conftest import write_config

PLAN = """
[[inbound]]
did = "+48221234500"
client = "Acme Bank"
start = "menu:main"
script = "scripts/acme.txt"
language = "pl"
hours = ["08:00", "20:00"]
days = "mon-fri"
after_hours = "menu:closed"

[menus.main]
prompt = ["prompts/acme/welcome.wav", "prompts/acme/options.wav"]
timeout = 10
repeat = 1
fallback = "queue:support"
keys = { "1" = "queue:sales", "2" = "queue:support", "9" = "menu:main", "0" = "hangup" }

[menus.closed]
prompt = "prompts/closed.wav"
fallback = "hangup"

[queues.support]
groups = ["support"]
hold = "prompts/hold.wav"
announce_every = 60
max_wait = 300
overflow = "voicemail"
callback_after = 60
service_level = 20

[queues.sales]
groups = ["sales"]
overflow = "queue:support"
"""


def load(tmp_path: Path, plan: str) -> config_mod.Config:
    return config_mod.load(write_config(tmp_path, extra=plan))


def test_the_issues_example_loads(tmp_path: Path) -> None:
    plan = load(tmp_path, PLAN).inbound
    route = plan.route("48221234500")  # the trunk may send the digits without the +
    assert route is not None and route.client == "Acme Bank" and route.start == "menu:main"
    assert route.hours == ("08:00", "20:00") and route.days == ("mon", "tue", "wed", "thu", "fri")
    assert plan.menus["main"].keys["1"] == "queue:sales" and plan.menus["closed"].repeat == 1
    support = plan.queues["support"]
    assert support.spec.groups == {"support"} and support.service_level == 20.0
    assert plan.route("+48221234599") is None


def test_a_config_without_a_plan_has_none(tmp_path: Path) -> None:
    assert load(tmp_path, "").inbound.routes == ()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ('start = "menu:main"', 'start = "menu:mian"'),
            r"\[\[inbound\]\] #1 start: no menu 'mian' \(did you mean 'main'\?\)",
        ),
        (
            ('start = "menu:main"', 'start = "hangup"'),
            r"\[\[inbound\]\] #1 start: 'hangup' is not a route",
        ),
        (
            ('"1" = "queue:sales"', '"1" = "queue:sale"'),
            r"\[menus.main\] keys.1: no queue 'sale' \(did you mean 'sales'\?\)",
        ),
        (('"0" = "hangup"', '"A" = "hangup"'), r"\[menus.main\] keys: 'A' is not a phone key"),
        (
            ("timeout = 10", "timout = 10"),
            r"\[menus.main\] timout: unknown key \(did you mean 'timeout'\?\)",
        ),
        (
            ('overflow = "voicemail"', 'overflow = "queue:nowhere"'),
            r"\[queues.support\] overflow: no queue 'nowhere'",
        ),
        (('groups = ["support"]', "groups = []"), r"\[queues.support\] groups: missing"),
        (
            ('hours = ["08:00", "20:00"]', 'hours = ["8am", "20:00"]'),
            r"\[\[inbound\]\] #1 hours: expected two times",
        ),
        (('days = "mon-fri"', 'days = "monday"'), r"\[\[inbound\]\] #1 days: 'monday'"),
        (
            ('did = "+48221234500"', 'did = "12"'),
            r"\[\[inbound\]\] #1 did: '12' is not a phone number",
        ),
        (("max_wait = 300", "max_wait = -1"), r"\[queues.support\] max_wait: -1 is out of range"),
    ],
)
def test_each_mistake_is_one_line_naming_the_place(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        load(tmp_path, PLAN.replace(*change, 1))
    assert "config.toml:" in caught.value.message


def test_a_number_routed_twice_is_refused(tmp_path: Path) -> None:
    twice = (
        PLAN + '\n[[inbound]]\ndid = "48 22 123 45 00"\nclient = "Other"\nstart = "queue:sales"\n'
    )
    with pytest.raises(ConfigError, match="48221234500 is routed twice"):
        load(tmp_path, twice)
