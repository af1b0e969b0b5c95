"""Engine errors: the class name says what happened, the base class says what to do.

TransientError: retrying later may succeed. TerminalError: fail the run now. RowError: one value
is bad; the row is rejected and counted against the job's threshold.
"""

from __future__ import annotations


class EngineError(Exception):
    """Base of every error the engine raises on purpose; `str(error)` is readable by a user."""


class TransientError(EngineError):
    pass


class TerminalError(EngineError):
    pass


class RowError(EngineError):
    pass


class DestinationUnreachable(TransientError):
    pass


class SourceUnreachable(TransientError):
    """The source database cannot be reached (or the connection dropped mid-read)."""


class SourceFailed(TerminalError):
    """The source refused the read (a missing table, no permission...); `str()` has its words."""


class UnreadableFile(TerminalError):
    """The file cannot be read as CSV; `reason` is one of the short codes below, `str()` explains."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class FileTooLarge(UnreadableFile):
    """A compressed file inflates past the allowed size (a gzip bomb, or simply too big)."""

    def __init__(self, limit_bytes: int) -> None:
        super().__init__(
            "too_large", f"the file inflates to more than {limit_bytes:,} bytes, the most allowed"
        )
        self.limit_bytes = limit_bytes


class InvalidJobSpec(TerminalError):
    pass


class SchemaMismatch(TerminalError):
    pass


class DuplicateKeys(TerminalError):
    pass


class RejectThresholdExceeded(TerminalError):
    pass


class ReconciliationFailed(TerminalError):
    pass


class RunCancelled(TerminalError):
    pass


class LoadFailed(TerminalError):
    """The destination refused the data or a statement; nothing was committed."""
