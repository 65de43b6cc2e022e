"""The reject report: the rows an import refused, with their spreadsheet row and reason.

Written next to the imported file by default (FILE.rejects.csv) or where --rejects
says; a dry run writes one only when asked, so that it changes nothing.
"""

from __future__ import annotations

import contextlib
import csv
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from ccterm.importer import Reject

__all__ = ["reject_path", "write_rejects"]


def reject_path(path: Path) -> Path:
    """Where the rejects of `path` go: next to it, "list.csv" -> "list.csv.rejects.csv"."""
    return Path(f"{path}.rejects.csv")


def write_rejects(target: Path, header: Sequence[str], rejects: Iterable[Reject]) -> Path:
    """Write rejected rows to `target` as CSV (UTF-8, ','): row, reason, then the original
    columns. Written to a temporary file and renamed, so a reader never sees half a
    file. Returns the path written.
    """
    target = Path(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["row", "reason", *header])
            for reject in rejects:
                writer.writerow([reject.row, reject.reason, *reject.values])
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return target
