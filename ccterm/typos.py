"""The option a mistyped word most likely meant, for "did you mean" in error messages."""

from __future__ import annotations

import difflib
from typing import Any


def nearest(word: str, options: Any) -> str | None:
    """The option most like `word` (a typo's likely intent), if any is close."""
    close = difflib.get_close_matches(str(word), [str(o) for o in options], n=1, cutoff=0.5)
    return close[0] if close else None


def suggest(word: str, options: Any) -> str:
    """' (did you mean 'x'?)' for the nearest option, or ''."""
    close = nearest(word, options)
    return f" (did you mean '{close}'?)" if close else ""
