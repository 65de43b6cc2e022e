"""`ccterm simulate`: an 8-hour shift of the real pacer (or, for `[inbound]`, the real ACD)
in seconds, as one JSON object."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import IO, Annotated

import typer

from ccterm.commands.common import emit_json
from ccterm.errors import UsageError


def simulate_command(
    scenario: Annotated[
        Path,
        typer.Option(
            "--scenario",
            help="The scenario TOML (see bench/scenarios/README.md).",
            dir_okay=False,
        ),
    ],
    policy: Annotated[
        str,
        typer.Option(
            "--policy",
            help="progressive, ratio:K, predictive[:target=0.03][,drop=15] or"
            " precise[:drop=15] (drop: seconds rung before a line no agent is free for"
            " is cut; 0: never).",
        ),
    ] = "predictive",
    seed: Annotated[
        int,
        typer.Option(
            "--seed", help="Draws the contacts (without --contacts) and the inbound callers."
        ),
    ] = 1,
    contacts: Annotated[
        Path | None,
        typer.Option(
            "--contacts",
            help="A CSV of pre-drawn contacts, dialled in order"
            " (header: outcome_u,ring_s,talk_s,wrap_s,amd_u).",
            dir_okay=False,
        ),
    ] = None,
    events: Annotated[
        Path | None,
        typer.Option(
            "--events", help="Also write every call and agent event here, one JSON per line."
        ),
    ] = None,
) -> None:
    """Run the dialer's pacing on a virtual clock against the simulated trunk (a scenario with
    only [inbound]: the inbound queue; with both: blended agents); print the metrics."""
    from ccterm.dialer.blend_sim import simulate_blended
    from ccterm.dialer.inbound_sim import simulate_inbound
    from ccterm.dialer.pacing import parse_policy
    from ccterm.dialer.scenario import load_scenario, read_contacts, sample_contacts
    from ccterm.dialer.simulate import simulate

    chosen = parse_policy(policy)
    loaded = load_scenario(scenario)
    if loaded.inbound is not None and not loaded.blended and contacts is not None:
        raise UsageError(
            f"{scenario}: an [inbound] scenario dials nobody: --contacts is for outbound ones"
        )
    source = iter(read_contacts(contacts)) if contacts else sample_contacts(loaded, seed)
    with contextlib.ExitStack() as stack:
        out: IO[str] | None = None
        if events is not None:
            try:
                out = stack.enter_context(events.open("w", encoding="utf-8"))
            except OSError as exc:
                raise UsageError(f"cannot write {events}: {exc.strerror or exc}") from None
        if loaded.blended:
            metrics = simulate_blended(loaded, chosen, source, seed, events=out)
        elif loaded.inbound is not None:
            metrics = simulate_inbound(loaded, seed, events=out)
        else:
            metrics = simulate(loaded, chosen, source, events=out)
    emit_json(metrics)
    sys.stdout.flush()
