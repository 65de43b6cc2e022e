"""The error family every layer raises: what went wrong, and what to do about it.

The CLI turns a CctermError into one line on stderr plus an optional hint and an
exit code; the daemon turns it into an error reply with the same code, message
and hint. Nothing user-facing should ever surface as a traceback.
"""

from __future__ import annotations


class CctermError(Exception):
    """A failure the user can act on."""

    code = "error"
    exit_code = 1

    def __init__(self, message: str, hint: str = "", *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message


class ConfigError(CctermError):
    """config.toml is missing, unreadable or holds a wrong key, type or value."""

    code = "config"
    exit_code = 78  # EX_CONFIG


class UsageError(CctermError):
    """A command or request was given a bad argument."""

    code = "bad_request"
    exit_code = 2


class ImportFileError(CctermError):
    """An import file cannot be used at all (not a CSV, no phone column, cannot decode)."""

    code = "bad_file"
    exit_code = 65  # EX_DATAERR


class DaemonUnavailable(CctermError):
    """The daemon's socket is missing, refuses us or went away."""

    code = "daemon_unavailable"
    exit_code = 69  # EX_UNAVAILABLE


class Forbidden(CctermError):
    """The peer's role does not allow this."""

    code = "forbidden"
    exit_code = 77  # EX_NOPERM


class NotFound(CctermError):
    code = "not_found"
    exit_code = 1


class Conflict(CctermError):
    """The request clashes with the current state (a name taken, a campaign finished)."""

    code = "conflict"
    exit_code = 1


class Interrupted(CctermError):
    """Ctrl-C: the message says what was done and what was not."""

    code = "interrupted"
    exit_code = 130  # 128 + SIGINT, as a shell reports it


class RemoteError(CctermError):
    """An error reply from the daemon, re-raised in the client with its code."""

    def __init__(self, code: str, message: str, hint: str = "") -> None:
        super().__init__(message, hint, code=code)
        self.exit_code = {
            "forbidden": Forbidden.exit_code,
            "unknown_user": Forbidden.exit_code,
            "bad_request": UsageError.exit_code,
            "bad_file": ImportFileError.exit_code,
            "config": ConfigError.exit_code,
        }.get(code, 1)
