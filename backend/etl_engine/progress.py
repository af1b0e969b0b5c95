"""What a run reports while it works and what it returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

# NOTHING_TO_LOAD: the source had nothing new (no new file, say); nothing was committed.
RunStatus = Literal["COMPLETED", "COMPLETED_WITH_REJECTS", "NOTHING_TO_LOAD"]


@dataclass
class Progress:
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    rows_filtered: int
    bytes_read: int
    bytes_total: int
    rows_per_second: float
    eta_seconds: float | None


@dataclass
class RejectedRow:
    """`line_number` counts records from 1 (the header is record 1); `column` is None for a whole row."""

    line_number: int
    raw: str
    column: str | None
    reason: str


@dataclass
class RunResult:
    """`outputs`: what the load published (an object store's keys; [] for tables); `state`: the
    stream's state committed with the rows (an incremental cursor, the files loaded), if any."""

    status: RunStatus
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    rows_filtered: int
    seconds: float
    outputs: list[str] = field(default_factory=list)
    state: dict[str, Any] | None = None


class Reporter(Protocol):
    def progress(self, p: Progress) -> None:
        """Called after every batch (and once at the end); throttling writes is the caller's job."""

    def rejected(self, rows: list[RejectedRow]) -> None: ...

    def log(self, event: str, **kv: object) -> None: ...

    def cancelled(self) -> bool:
        """Checked between batches; True stops the run with RunCancelled and loads nothing."""


class SilentReporter:
    """A Reporter that records nothing and never cancels (benchmarks, CLI)."""

    def progress(self, p: Progress) -> None:
        return None

    def rejected(self, rows: list[RejectedRow]) -> None:
        return None

    def log(self, event: str, **kv: object) -> None:
        return None

    def cancelled(self) -> bool:
        return False
