"""Call-progress tones the daemon makes itself, as 20 ms linear frames for the media loop.

Our SIP layer opens media at the answer, so an agent bridged to a customer's line
before it is answered (agent first) would hear silence; they hear this ringback
instead, in the cadence their country knows.
"""

from __future__ import annotations

import math
import struct
from functools import lru_cache

from ccterm.sip.media import RATE, SAMPLES

# (frequencies in Hz, seconds on, seconds off): ITU-T E.180's ringing tones
RINGBACK = {
    "US": ((440.0, 480.0), 2.0, 4.0),
    "CA": ((440.0, 480.0), 2.0, 4.0),
    "GB": ((400.0, 450.0), 0.4, 0.2),  # simplified: the double ring as one on/off beat
}
EUROPE = ((425.0,), 1.0, 4.0)
LEVEL = 0.2  # of full scale: heard, not loud


def ringback(region: str, seconds: float = 120.0) -> list[bytes]:
    """`seconds` of ringback for `region` (ISO country code), as linear 16-bit frames."""
    cycle = _cycle(region.upper())
    return list(cycle) * max(1, math.ceil(seconds * 50 / len(cycle)))


@lru_cache(maxsize=8)
def _cycle(region: str) -> tuple[bytes, ...]:
    """One on-off cycle (a whole number of 20 ms frames in every cadence above)."""
    freqs, on, off = RINGBACK.get(region, EUROPE)
    amplitude = LEVEL * 32767 / len(freqs)
    frames: list[bytes] = []
    for n in range(round((on + off) * 50)):
        samples = []
        for i in range(n * SAMPLES, (n + 1) * SAMPLES):
            t = i / RATE
            tone = sum(math.sin(2 * math.pi * f * t) for f in freqs) if t < on else 0.0
            samples.append(int(tone * amplitude))
        frames.append(struct.pack(f"<{SAMPLES}h", *samples))
    return tuple(frames)
