"""What a run reports while it works and what it returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

RunStatus = Literal["COMPLETED", "COMPLETED_WITH_REJECTS"]


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
    status: RunStatus
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    rows_filtered: int
    seconds: float


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
