"""`ccterm lead why NUMBER` against a running daemon on a fixed clock: what a supervisor reads."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ccterm import config as config_mod
from ccterm.client import DaemonClient
from ccterm.clock import VirtualClock
from ccterm.errors import RemoteError
from tests.conftest import RunningDaemon, ccterm, running_daemon, write_config

# 20:59 in Chicago, 21:59 in New York, 03:59 the next day "here" (Europe/Warsaw)
NOW = datetime(2026, 1, 16, 2, 59, tzinfo=UTC).timestamp()
HOUR = 3600.0

USERS = """
[[users]]
name = "anna"
role = "agent"
group = "sales"

[[users]]
name = "sam"
role = "supervisor"
group = "sales"

[[users]]
name = "ola"
role = "supervisor"
group = "support"
"""

CHICAGO = "America/Chicago"
# campaign -> [(number, name, zones)], imported in this order (contact and lead ids follow)
LISTS: dict[str, list[tuple[str, str, str]]] = {
    "Spring": [
        ("+13125550101", "Ada Able", CHICAGO),
        ("+13125550102", "Ben Queue", CHICAGO),
        ("+13125550103", "Cy Listed", CHICAGO),
        ("+13125550104", "Di Wrong", CHICAGO),
        ("+13125550105", "Ed Rest", CHICAGO),
        ("+13125550106", "Flo Later", CHICAGO),
        ("+12125550107", "Gus Late", "America/New_York"),
        ("+13125550109", "Hal Done", CHICAGO),
    ],
    "Autumn": [("+13125550108", "Ivy Paused", CHICAGO)],
    "Desk": [("+13125550111", "Jo Manual", CHICAGO)],
    "Support": [("+13125550110", "Kim Support", CHICAGO)],
}
SETTINGS: dict[str, dict[str, Any]] = {
    "Spring": {"mode": "power", "groups": ["sales"]},
    "Winter": {"mode": "power", "groups": ["sales"]},
    "Autumn": {"mode": "manual", "groups": ["sales"]},
    "Desk": {"mode": "manual", "groups": ["sales"]},
    "Support": {"mode": "power", "groups": ["support"]},
}

# Until ccterm/cli.py registers `lead`, run the real root command with it added.


def write(daemon: RunningDaemon, sql: str, params: tuple[Any, ...] = ()) -> None:
    """State no op sets yet (marks, attempts, a second campaign's lead), straight to the file."""
    con = sqlite3.connect(daemon.config.daemon.database, timeout=10)
    try:
        with con:
            con.execute(sql, params)
    finally:
        con.close()


async def import_list(daemon: RunningDaemon, campaign: str) -> None:
    rows = [
        [i + 2, e164, name, {}, zones, 0] for i, (e164, name, zones) in enumerate(LISTS[campaign])
    ]
    async with DaemonClient(daemon.socket) as client:  # an import lives on one connection
        begun = await client.request(
            "import.begin", {"campaign": campaign, "file_name": "t.csv", "columns": []}
        )
        await client.request("import.rows", {"import_id": begun["import_id"], "rows": rows})
        await client.request(
            "import.commit",
            {"import_id": begun["import_id"], "rows": len(rows), "invalid": 0, "duplicates": 0},
        )


def lead_of(e164: str, campaign: str) -> str:
    return (
        "(SELECT l.id FROM leads l JOIN contacts c ON c.id = l.contact_id"
        f" JOIN campaigns p ON p.id = l.campaign_id WHERE c.e164 = '{e164}'"
        f" AND p.name = '{campaign}')"
    )


async def populate(daemon: RunningDaemon) -> None:
    for name, settings in SETTINGS.items():
        await daemon.request("campaign.create", {"name": name, "settings": settings})
    for name in LISTS:
        await import_list(daemon, name)
    await daemon.request("campaign.pause", {"name": "Autumn"})
    await daemon.request("dnc.add", {"numbers": ["+13125550103"], "reason": "asked on the phone"})
    # a wrong number, as its disposition leaves it
    write(
        daemon,
        "INSERT INTO number_marks (e164, mark, set_by, set_at) VALUES (?, 'wrong_number', 'anna', ?)",
        ("+13125550104", NOW - HOUR),
    )
    write(
        daemon,
        "UPDATE leads SET state = 'done', blocked = 1, attempts = 1,"
        f" last_disposition = 'wrong_number' WHERE id = {lead_of('+13125550104', 'Spring')}",
    )
    # abandoned an hour ago in Spring; the same contact sits ready in Winter
    spring_lead = lead_of("+13125550105", "Spring")
    write(
        daemon,
        "INSERT INTO attempts (lead_id, campaign_id, contact_id, e164, mode, started_at,"
        " answered_at, abandoned_at, ended_at)"
        f" SELECT l.id, l.campaign_id, l.contact_id, '+13125550105', 'predictive', ?, ?, ?, ?"
        f" FROM leads l WHERE l.id = {spring_lead}",
        (NOW - HOUR - 20, NOW - HOUR - 2, NOW - HOUR, NOW - HOUR + 5),
    )
    write(
        daemon,
        "UPDATE leads SET state = 'waiting', attempts = 1, next_at = ?,"
        f" last_disposition = 'abandoned' WHERE id = {spring_lead}",
        (NOW - HOUR + 72 * HOUR,),
    )
    write(
        daemon,
        "INSERT INTO leads (campaign_id, contact_id, created_at)"
        " SELECT p.id, c.id, 0 FROM campaigns p, contacts c"
        " WHERE p.name = 'Winter' AND c.e164 = '+13125550105'",
    )
    # busy two hours ago... its retry is in two hours
    write(
        daemon,
        "UPDATE leads SET state = 'waiting', attempts = 1, next_at = ?,"
        f" last_disposition = 'busy' WHERE id = {lead_of('+13125550106', 'Spring')}",
        (NOW + 2 * HOUR,),
    )
    write(
        daemon,
        "UPDATE leads SET state = 'exhausted', attempts = 5, last_disposition = 'no_answer'"
        f" WHERE id = {lead_of('+13125550109', 'Spring')}",
    )


@pytest.fixture
async def center(workdir: Path, here_is_warsaw: None) -> AsyncIterator[RunningDaemon]:
    path = write_config(workdir, users=USERS, calling_hours=("08:00", "21:00"))
    async with running_daemon(config_mod.load(path), VirtualClock(NOW)) as running:
        await populate(running)
        yield running


async def ccterm_lead(daemon: RunningDaemon, *args: str) -> subprocess.CompletedProcess[str]:
    """`ccterm lead ARGS --config ...` in its own process, as a user runs it."""
    return await asyncio.to_thread(ccterm, "lead", *args, config=daemon.config.path, timeout=60)


async def why(daemon: RunningDaemon, number: str, *args: str) -> str:
    done = await ccterm_lead(daemon, "why", number, *args)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return done.stdout


async def test_a_dialable_contact_is_next_in_line(center: RunningDaemon) -> None:
    assert await why(center, "+1 312 555 0101") == (
        "+13125550101  Ada Able\n"
        "  local time: America/Chicago 20:59 (here 03:59); calling hours 08:00–21:00\n"
        "\n"
        "Spring (power, running), contact 1, attempts 0 of 5: next in line\n"
    )
    second = await why(center, "+13125550102")
    assert "contact 2, attempts 0 of 5: in line: 1 contact(s) ranked ahead of it\n" in second


async def test_a_listed_number(center: RunningDaemon) -> None:
    assert (await why(center, "+13125550103")).splitlines()[3:] == [
        "Spring (power, running), contact 3, attempts 0 of 5: not dialled now",
        "  - the number is on the do-not-call list since 2026-01-15 20:59 America/Chicago"
        " (2026-01-16 03:59 here), added by root (asked on the phone)",
    ]


async def test_a_wrong_number(center: RunningDaemon) -> None:
    assert (await why(center, "+13125550104")).splitlines()[3:] == [
        "Spring (power, running), contact 4, attempts 1 of 5: not dialled now",
        "  - it is done in this campaign (last disposition 'wrong_number')",
        "  - the number is marked as a wrong number since 2026-01-15 19:59 America/Chicago"
        " (2026-01-16 02:59 here), by anna",
    ]


async def test_an_abandoned_call_rests_the_number_in_every_campaign(
    center: RunningDaemon,
) -> None:
    rest = (
        "  - its call in campaign 'Spring' was abandoned at 2026-01-15 19:59 America/Chicago"
        " (2026-01-16 02:59 here); it may be called again after 2026-01-18 19:59"
        " America/Chicago (2026-01-19 02:59 here)"
    )
    assert (await why(center, "+13125550105")).splitlines()[3:] == [
        "Spring (power, running), contact 5, attempts 1 of 5: not dialled now",
        rest,  # the retry the abandon set is the same wait: said once
        "",
        "Winter (power, running), contact 12, attempts 0 of 5: not dialled now",
        rest,
    ]


async def test_a_retry_not_yet_due(center: RunningDaemon) -> None:
    assert (await why(center, "+13125550106")).splitlines()[3:] == [
        "Spring (power, running), contact 6, attempts 1 of 5: not dialled now",
        "  - its retry time has not come: next attempt at 2026-01-15 22:59 America/Chicago"
        " (2026-01-16 05:59 here), after 'busy'",
    ]


async def test_outside_calling_hours_in_the_contacts_zone(center: RunningDaemon) -> None:
    assert await why(center, "+1 212-555-0107", "--campaign", "spring") == (
        "+12125550107  Gus Late\n"
        "  local time: America/New_York 21:59 (here 03:59); calling hours 08:00–21:00\n"
        "\n"
        "Spring (power, running), contact 7, attempts 0 of 5: not dialled now\n"
        "  - outside calling hours: it is 21:59 in America/New_York; calls are allowed"
        " 08:00–21:00; it may be called from 2026-01-16 08:00 America/New_York (14:00 here)\n"
    )


async def test_a_paused_manual_campaign(center: RunningDaemon) -> None:
    assert (await why(center, "+13125550108")).splitlines()[3:] == [
        "Autumn (manual, paused), contact 9, attempts 0 of 5: not dialled now",
        "  - the campaign is paused since 2026-01-15 20:59 America/Chicago (2026-01-16 03:59"
        " here); it dials nobody until it is started",
        "  - the campaign is manual: it is dialled only when an agent picks it",
    ]


async def test_a_running_manual_campaign_waits_for_an_agent(center: RunningDaemon) -> None:
    assert (await why(center, "+13125550111")).splitlines()[3:] == [
        "Desk (manual, running), contact 10, attempts 0 of 5:"
        " not dialled by the dialer: an agent may dial it now",
        "  - the campaign is manual: it is dialled only when an agent picks it",
    ]


async def test_attempts_exhausted(center: RunningDaemon) -> None:
    assert (await why(center, "+13125550109")).splitlines()[3:] == [
        "Spring (power, running), contact 8, attempts 5 of 5: not dialled now",
        "  - it has had all its attempts: 5 of 5",
    ]


async def test_json_carries_codes_and_times(center: RunningDaemon) -> None:
    out = json.loads(await why(center, "+12125550107", "--json"))
    assert out["e164"] == "+12125550107" and out["calling_hours"] == ["08:00", "21:00"]
    assert out["zones"] == [{"zone": "America/New_York", "time": "21:59"}]
    [spring] = out["campaigns"]
    assert spring["verdict"] == "not_dialled" and spring["ahead"] == 2
    [reason] = spring["reasons"]
    opens = datetime(2026, 1, 16, 13, 0, tzinfo=UTC).timestamp()  # 08:00 in New York
    assert reason["code"] == "calling_hours" and reason["until"] == opens


async def test_unknown_and_invalid_numbers_are_one_line_errors(center: RunningDaemon) -> None:
    unknown = await ccterm_lead(center, "why", "+13125550199")
    assert unknown.returncode == 1 and unknown.stdout == ""
    assert unknown.stderr == (
        "ccterm: +13125550199 is not in the contact base\n"
        "  hint: check the number, or import it: ccterm import FILE --campaign NAME\n"
    )
    invalid = await ccterm_lead(center, "why", "12")
    assert invalid.returncode == 2
    assert invalid.stderr.splitlines()[0] == "ccterm: '12' is too short for PL"
    word = await ccterm_lead(center, "why", "abc")
    assert word.stderr.splitlines()[0] == "ccterm: 'abc' is not a phone number", "said once"
    elsewhere = await ccterm_lead(center, "why", "+13125550101", "--campaign", "Autumn")
    assert elsewhere.stderr.splitlines()[0] == ("ccterm: +13125550101 is not in campaign 'Autumn'")


async def test_supervisors_see_only_their_groups_campaigns(center: RunningDaemon) -> None:
    sam = await center.client()
    await sam.hello(act_as="sam")
    with pytest.raises(RemoteError) as caught:
        await sam.request("lead.why", {"number": "+13125550110"})
    assert caught.value.message == ("+13125550110 is not in the contact base of your campaigns"), (
        "the same words as an unknown number: another group's contact is not probed"
    )
    with pytest.raises(RemoteError) as caught:
        await sam.request("lead.why", {"number": "+13125550110", "campaign": "Support"})
    assert caught.value.message == "no campaign named 'Support'"
    ola = await center.client()
    await ola.hello(act_as="ola")
    seen = await ola.request("lead.why", {"number": "+13125550110"})
    assert [c["campaign"] for c in seen["campaigns"]] == ["Support"]
    anna = await center.client()
    await anna.hello(act_as="anna")
    with pytest.raises(RemoteError) as caught:
        await anna.request("lead.why", {"number": "+13125550101"})
    assert caught.value.code == "forbidden"
    for client in (sam, ola, anna):
        await client.close()
