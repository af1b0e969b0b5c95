"""run_job: read → map → stage, then one final transaction. Nothing reaches the target before it."""

from __future__ import annotations

import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace

import pyarrow as pa

from .ddl import column_sql_type, with_source_precision
from .destinations import open_destination
from .errors import (
    DestinationUnreachable,
    EngineError,
    InvalidJobSpec,
    LoadFailed,
    ReconciliationFailed,
    RejectThresholdExceeded,
    RunCancelled,
)
from .mapping import BatchMapper, Widening
from .progress import Progress, RejectedRow, Reporter, RunResult, RunStatus
from .sources import Source, open_source
from .spec import JobSpec, TableSource
from .throttle import Throttle
from .transforms.rows import columns_with_row_transforms
from .writers.base import Destination


def run_job(spec: JobSpec, reporter: Reporter, source: Source | None = None) -> RunResult:
    """Load the spec's source into the destination. Raises an EngineError subclass on failure,
    after which the target is exactly as it was; calling again with the same run_id is safe.

    `source`: the rows, when the caller opened them; by default `open_source(spec)`. It is closed
    either way. Without `spec.source_columns` (a database) the columns are the source's own."""
    _check_spec(spec)
    with source or open_source(spec) as opened:
        if not spec.source_columns:
            spec = replace(spec, source_columns=opened.columns)
        # NUMERIC columns mapped as the source has them are declared with its precision and scale.
        spec = replace(spec, columns=with_source_precision(spec.columns, spec.source_columns))
        destination = open_destination(spec.destination)
        try:
            return _run(spec, reporter, destination, opened)
        except EngineError:
            raise
        except destination.transient_errors as error:
            words = _words(error)
            raise DestinationUnreachable(f"lost the connection to the destination: {words}") from error
        except Exception as error:  # the destination refused a statement: fail with its own words
            raise LoadFailed(f"{type(error).__name__}: {_words(error)}") from error


def _words(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def _run(spec: JobSpec, reporter: Reporter, destination: Destination, source: Source) -> RunResult:
    started = time.monotonic()
    reporter.log("run_started", run_id=spec.run_id, target=f"{spec.load.schema}.{spec.load.table}")
    columns = columns_with_row_transforms(spec.columns, spec.row_transforms)  # what the rows end as
    with destination.writer(spec.load, columns, spec.run_id) as writer:
        previous = writer.committed()
        if previous is not None:
            reporter.log("run_already_committed", run_id=spec.run_id, rows_loaded=previous.rows_loaded)
            return RunResult(
                "COMPLETED_WITH_REJECTS" if previous.rows_rejected else "COMPLETED",
                previous.rows_read,
                previous.rows_loaded,
                previous.rows_rejected,
                previous.rows_filtered,
                time.monotonic() - started,
                previous.outputs,
                previous.state,
            )
        if spec.load.stream is not None:
            source.resume(writer.last_state())
        if source.nothing_new:
            reporter.log("nothing_to_load", stream=spec.load.stream)
            return RunResult("NOTHING_TO_LOAD", 0, 0, 0, 0, time.monotonic() - started)
        writer.prepare()
        writing: deque[Future[None]] = deque()

        def widen(change: Widening) -> None:
            while writing:  # staged rows are rewritten with the new type: no write may be in flight
                writing.popleft().result()
            writer.widen(change.index, change.column)
            reporter.log(
                "column_widened",
                column=change.column.target,
                from_type=change.from_type.value,
                to_type=column_sql_type(
                    writer.kind, change.column.type, writer.column_limits()[change.index]
                ),
                line=change.line,
            )

        new_table = not writer.target_exists and spec.load.create_table and spec.load.widen_types
        mapper = BatchMapper(
            spec,
            writer.numeric_limit,
            writer.text_max_bytes,
            column_limits=writer.column_limits(),
            kind=writer.kind,
            widen=widen if new_table else None,
        )
        counts = _Counts()
        # Writes run in threads while the next batch is read: the CSV parser, Arrow kernels and
        # the drivers release the GIL. At most `parallel_writes` batches are in flight.
        with ThreadPoolExecutor(writer.parallel_writes, thread_name_prefix="etl-write") as pool:
            throttle = Throttle(spec.load.max_rows_per_second, reporter.cancelled)

            def stage(batch: pa.RecordBatch, rejected: list[RejectedRow]) -> None:
                counts.filtered = mapper.filtered
                if rejected:
                    counts.rejected += len(rejected)
                    reporter.rejected(rejected)
                    _check_count_threshold(spec, counts.rejected, rejected)
                if len(writing) >= writer.parallel_writes:
                    writing.popleft().result()
                if batch.num_rows:
                    writing.append(pool.submit(writer.write, batch))

            for raw in source.batches():
                if reporter.cancelled():
                    raise RunCancelled("the run was cancelled; nothing was loaded")
                batch, rejected = mapper.map(raw)
                counts.read += raw.records
                stage(batch, sorted(raw.rejected + rejected, key=lambda row: row.line_number))
                throttle.wait(counts.read)  # before the report, so its rows/s and ETA reflect the cap
                reporter.progress(counts.progress(writer.rows_staged, source, started))
            for batch, rejected in mapper.finish():  # rows a keep-last dedupe held back until the end
                stage(batch, rejected)
            while writing:
                writing.popleft().result()
            position = source.position
        _check_percent_threshold(spec, counts)
        if counts.read != writer.rows_staged + counts.rejected + counts.filtered:
            raise ReconciliationFailed(
                f"rows read {counts.read} != staged {writer.rows_staged} + rejected {counts.rejected}"
                f" + filtered {counts.filtered}"
            )
        reporter.log("rows_staged", rows=writer.rows_staged, seconds=round(time.monotonic() - started, 3))
        state = source.state
        loaded = writer.commit(counts.read, counts.rejected, counts.filtered, state)
        outputs = writer.outputs()
    seconds = time.monotonic() - started
    reporter.progress(
        Progress(
            counts.read,
            loaded,
            counts.rejected,
            counts.filtered,
            position,
            position,  # the end: an estimated total is what was actually read
            counts.read / seconds if seconds else 0.0,
            0.0,
        )
    )
    status: RunStatus = "COMPLETED_WITH_REJECTS" if counts.rejected else "COMPLETED"
    reporter.log("run_finished", status=status, rows_loaded=loaded, rows_rejected=counts.rejected)
    return RunResult(status, counts.read, loaded, counts.rejected, counts.filtered, seconds, outputs, state)


class _Counts:
    def __init__(self) -> None:
        self.read = 0
        self.rejected = 0
        self.filtered = 0

    def progress(self, staged: int, source: Source, started: float) -> Progress:
        """`bytes_read`/`bytes_total` carry the source's position and total in its progress unit
        (file bytes, or rows for a table); an unknown total is 0 with no ETA."""
        elapsed = max(time.monotonic() - started, 1e-6)
        done, total = source.position, source.total
        if total is not None:
            total = max(total, done)  # a row estimate the read has passed
        eta = (total - done) / (done / elapsed) if done and total is not None else None
        return Progress(
            self.read,
            staged,
            self.rejected,
            self.filtered,
            done,
            total or 0,
            self.read / elapsed,
            eta,
        )


def _check_spec(spec: JobSpec) -> None:
    if not spec.columns:
        raise InvalidJobSpec("the job maps no columns")
    targets = [c.target for c in columns_with_row_transforms(spec.columns, spec.row_transforms)]
    duplicates = sorted({t for t in targets if targets.count(t) > 1})
    if duplicates:
        raise InvalidJobSpec(f"destination columns appear more than once: {duplicates}")
    if spec.load.strategy == "UPSERT":
        if not spec.load.upsert_keys:
            raise InvalidJobSpec("UPSERT needs at least one key column")
        unknown = sorted(set(spec.load.upsert_keys) - set(targets))
        if unknown:
            raise InvalidJobSpec(f"upsert keys are not destination columns: {unknown}")
    source = spec.source
    if isinstance(source, TableSource) and source.incremental is not None:
        # Rows re-read at the cursor (ties, the lookback) and rows updated in place merge on the key.
        if spec.load.strategy != "UPSERT":
            raise InvalidJobSpec(
                f"an incremental read of {source.table} loads with UPSERT on its keys, "
                f"not {spec.load.strategy}"
            )
        if spec.load.stream is None:
            raise InvalidJobSpec("an incremental read needs a stream to keep its cursor in (load.stream)")
    cap = spec.load.max_rows_per_second
    if cap is not None and cap <= 0:
        raise InvalidJobSpec(f"max_rows_per_second must be positive (or None for no cap), not {cap}")


def _check_count_threshold(spec: JobSpec, rejected: int, latest: list[RejectedRow]) -> None:
    limit = spec.load.reject_threshold_count
    if limit is None and spec.load.reject_threshold_percent is None:
        limit = 0
    if limit is not None and rejected > limit:
        first = latest[0]
        # A ragged row is rejected whole: it names no column.
        where = f"line {first.line_number}" + (f", column {first.column}" if first.column else "")
        raise RejectThresholdExceeded(
            f"{rejected} rejected rows exceed the limit of {limit}; nothing was loaded. "
            f"First: {where}: {first.reason}"
        )


def _check_percent_threshold(spec: JobSpec, counts: _Counts) -> None:
    percent = spec.load.reject_threshold_percent
    if percent is None or not counts.read:
        return
    share = counts.rejected * 100.0 / counts.read
    if share > percent:
        raise RejectThresholdExceeded(
            f"{counts.rejected} rejected rows ({share:.2f}%) exceed the limit of {percent}%; "
            "nothing was loaded"
        )
