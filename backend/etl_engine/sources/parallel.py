"""A big table read as key ranges in parallel: one source (and connection) per range, in threads.

    with ParallelRanges(table_spec, batch_size) as source:   # table_spec.ranges == 4
        for batch in source.batches(): ...   # the ranges' batches as they come, interleaved

Only a table whose primary key is one integer column (PostgreSQL, MySQL) is split: its ranges
(ranges.split_range) hold every row exactly once and the rows' identities are their keys, unique
across ranges, so interleaving the ranges' batches keeps identities stable. Any other table is
read as one range. Memory stays bounded: a thread waits while `2 x ranges` batches are queued.
An incremental read resumes every range at the same cursor; the state is the largest cursor read.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from queue import Empty, Full, Queue
from typing import Any, cast

from ..spec import ColumnType, TableSource
from .base import ProgressUnit, Source, SourceBatch
from .incremental import latest_state
from .ranges import KeyRange

_POLL_SECONDS = 0.1  # how often a blocked reader looks whether the read was stopped


@dataclass
class _Failed:
    error: BaseException


_DONE = object()


class ParallelRanges(Source):
    progress_unit: ProgressUnit = "rows"

    def __init__(self, spec: TableSource, batch_size: int) -> None:
        from .database import open_range, table_schema

        probe = open_range(spec, batch_size, None)
        self.columns = probe.columns
        self.estimate = probe.total
        self._handed_on = 0
        # The batches the ranges read ahead, while batches() runs (its size is what memory holds).
        self.read_ahead: Queue[object] | None = None
        ranges = self._ranges(spec, probe, table_schema(spec))
        if len(ranges) < 2:
            self.sources = [probe]  # not split: the probe reads the whole table
            return
        probe.close()
        self.sources = []
        try:
            for key_range in ranges:
                self.sources.append(open_range(spec, batch_size, key_range))
        except BaseException:
            self.close()
            raise

    @staticmethod
    def _ranges(spec: TableSource, probe: Source, schema: str | None) -> list[KeyRange]:
        keys: list[str] = getattr(probe, "primary_key", [])
        if len(keys) != 1:
            return []
        column = next((c for c in probe.columns if c.name == keys[0]), None)
        if column is None or column.type not in (ColumnType.INTEGER, ColumnType.BIGINT):
            return []
        if spec.connection.kind == "postgres":
            from .postgres import postgres_key_ranges

            assert schema is not None
            return postgres_key_ranges(spec.connection, schema, spec.table, keys[0], spec.ranges)
        if spec.connection.kind == "mysql":
            from .mysql import mysql_key_ranges

            return mysql_key_ranges(spec.connection, schema, spec.table, keys[0], spec.ranges)
        return []

    @property
    def total(self) -> int | None:
        return self.estimate

    @property
    def position(self) -> int:
        return self._handed_on

    def resume(self, state: dict[str, Any] | None) -> None:
        for source in self.sources:
            source.resume(state)

    @property
    def state(self) -> dict[str, Any] | None:
        return latest_state([source.state for source in self.sources])

    def batches(self) -> Iterator[SourceBatch]:
        if len(self.sources) == 1:
            for batch in self.sources[0].batches():
                self._handed_on = self.sources[0].position
                yield batch
            return
        queue: Queue[object] = Queue(maxsize=2 * len(self.sources))
        self.read_ahead = queue
        stop = threading.Event()

        def put(item: object) -> bool:
            while not stop.is_set():
                try:
                    queue.put(item, timeout=_POLL_SECONDS)
                    return True
                except Full:
                    continue
            return False

        def read(source: Source) -> None:
            batches = source.batches()
            try:
                for batch in batches:
                    if not put(batch):
                        return
            except BaseException as error:  # handed to the consumer, which raises it
                put(_Failed(error))
            finally:
                batches.close()  # type: ignore[attr-defined]  # a generator
                put(_DONE)

        threads = [
            threading.Thread(target=read, args=(source,), name=f"etl-range-{i}", daemon=True)
            for i, source in enumerate(self.sources)
        ]
        for thread in threads:
            thread.start()
        try:
            running = len(threads)
            while running:
                try:
                    item = queue.get(timeout=_POLL_SECONDS)
                except Empty:
                    continue
                if item is _DONE:
                    running -= 1
                elif isinstance(item, _Failed):
                    raise item.error
                else:
                    handed = cast(SourceBatch, item)
                    self._handed_on += handed.records
                    yield handed
        finally:
            stop.set()
            for thread in threads:
                thread.join()

    def close(self) -> None:
        for source in self.sources:
            source.close()
