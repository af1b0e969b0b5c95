"""The CSV file source: text columns in bounded Arrow batches, ragged rows rejected, bytes counted."""

from __future__ import annotations

import codecs
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from ..errors import UnreadableFile
from ..progress import RejectedRow
from ..readers.detect import file_separator_line
from ..spec import CsvOptions, SourceColumn
from .base import ProgressUnit, Source

# pyarrow parses ahead by dozens of blocks, so blocks stay small and are joined into batches of
# `batch_size` rows or BATCH_BYTES of text, whichever comes first: memory is bounded by these, never
# by the file.
BLOCK_BYTES = 1 << 19
BATCH_BYTES = 4 << 20
# How much of the file is decoded once to learn how many file bytes a byte of parsed text takes
# (compressed or non-UTF-8 files).
RATIO_SAMPLE_BYTES = 1 << 20
MAX_BLOCK_BYTES = 1 << 30
_STRADDLING = "straddling object straddles two block boundaries"  # pyarrow: a record > a block


@dataclass
class CsvBatch:
    """Text values of consecutive records (a SourceBatch): a row's identity is its record number.

    `file_bytes` is how much of the file these records take (exact per parser block, shared out
    by records within one).
    """

    batch: pa.RecordBatch
    first_record: int
    skipped_records: list[int] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)
    file_bytes: float = 0.0

    def row_id(self, index: int) -> int:
        line: int = self.first_record + index
        for skipped in self.skipped_records:
            if skipped <= line:
                line += 1
        return line

    @property
    def records(self) -> int:
        return int(self.batch.num_rows) + len(self.skipped_records)

    def split(self, rows: int) -> tuple[CsvBatch, CsvBatch]:
        """The first `rows` rows (with the skipped records among them) and the rest."""
        boundary = self.row_id(rows - 1) if rows else self.first_record - 1
        head = CsvBatch(
            self.batch.slice(0, rows),
            self.first_record,
            [n for n in self.skipped_records if n < boundary],
            [r for r in self.rejected if r.line_number < boundary],
        )
        tail = CsvBatch(
            self.batch.slice(rows),
            boundary + 1,
            [n for n in self.skipped_records if n > boundary],
            [r for r in self.rejected if r.line_number > boundary],
        )
        head.file_bytes = self.file_bytes * head.records / self.records if self.records else 0.0
        tail.file_bytes = self.file_bytes - head.file_bytes
        return head, tail

    @classmethod
    def join(cls, pieces: list[CsvBatch]) -> CsvBatch:
        if len(pieces) == 1:
            return pieces[0]
        table = pa.Table.from_batches([p.batch for p in pieces]).combine_chunks()
        batches = table.to_batches()
        batch = batches[0] if batches else pieces[0].batch
        skipped = sorted(n for p in pieces for n in p.skipped_records)
        return cls(
            batch,
            pieces[0].first_record,
            skipped,
            [r for p in pieces for r in p.rejected],
            sum(p.file_bytes for p in pieces),
        )


def arrow_encoding(encoding: str) -> str:
    """pyarrow decodes UTF-8 natively and skips a UTF-8 BOM; other codecs go through Python's."""
    name = codecs.lookup(encoding).name
    return "utf8" if name in ("utf-8", "utf-8-sig") else name


class CsvSource(Source):
    """`with CsvSource(path, options, columns) as source: for raw in source.batches(): ...` — every
    column read as text, named by its `sql_name`; its profiled type is the mapper's business.

    Empty cells arrive as NULL. Rows with the wrong number of fields are skipped by the parser and
    handed back as rejected rows, with their record numbers, on the batch they interrupted.

    `position` counts the file bytes of the records handed on so far, not the file position:
    pyarrow reads many blocks ahead of what it has parsed, and a batch waits for `batch_size` rows.
    """

    progress_unit: ProgressUnit = "bytes"

    def __init__(
        self,
        path: str | Path,
        options: CsvOptions,
        columns: list[SourceColumn],
        batch_size: int = 100_000,
    ) -> None:
        self.path = Path(path)
        self.options = options
        self.columns = columns
        self.column_names = [c.sql_name for c in columns]
        self.batch_size = batch_size
        self.bytes_total = self.path.stat().st_size
        self._raw: pa.NativeFile = pa.OSFile(str(self.path), "rb")
        self._pending: list[RejectedRow] = []
        self._handed_on = 0.0

    def close(self) -> None:
        self._raw.close()

    @property
    def total(self) -> int:
        return self.bytes_total

    @property
    def position(self) -> int:
        return min(round(self._handed_on), self.bytes_total)

    def batches(self) -> Iterator[CsvBatch]:
        pieces: list[CsvBatch] = []
        rows = size = 0
        for block in self._blocks():
            piece: CsvBatch | None = block
            while piece is not None:
                room = self.batch_size - rows
                if piece.batch.num_rows > room:
                    head, piece = piece.split(room)
                else:
                    head, piece = piece, None
                pieces.append(head)
                rows += head.batch.num_rows
                size += head.batch.nbytes
                if rows >= self.batch_size or size >= BATCH_BYTES:
                    yield self._hand_on(CsvBatch.join(pieces))
                    pieces, rows, size = [], 0, 0
        if pieces:
            yield self._hand_on(CsvBatch.join(pieces))
        self._handed_on = self.bytes_total  # the end (a header-only file hands on no records)

    def _hand_on(self, raw: CsvBatch) -> CsvBatch:
        self._handed_on += raw.file_bytes
        return raw

    def _blocks(self) -> Iterator[CsvBatch]:
        """Parser blocks; a record longer than a block (a cell of megabytes) restarts the read with
        blocks four times larger, skipping the records already handed on, until one fits."""
        block_bytes = BLOCK_BYTES
        handed = 0  # records handed on so far
        while True:
            try:
                for raw in self._blocks_of(block_bytes, handed):
                    handed += raw.records
                    yield raw
                return
            except UnreadableFile as error:
                # A block larger than the (inflated) file cannot be straddled; gzip's inflated size is
                # unknown here, so its blocks stop at 1 GiB.
                largest = MAX_BLOCK_BYTES if self.options.compression == "gzip" else self.bytes_total * 4
                if _STRADDLING not in str(error) or block_bytes > min(largest, MAX_BLOCK_BYTES):
                    raise
                block_bytes *= 4
                # A fresh handle: the abandoned gzip stream closes the old one when it is collected.
                self._raw.close()
                self._raw = pa.OSFile(str(self.path), "rb")

    def _blocks_of(self, block_bytes: int, skip: int) -> Iterator[CsvBatch]:
        self._pending = []
        stream: pa.NativeFile = self._raw
        if self.options.compression == "gzip":
            stream = pa.CompressedInputStream(self._raw, "gzip")
        try:
            reader = pacsv.open_csv(
                stream,
                **arrow_csv_options(
                    self.options, self.column_names, self.handle_invalid_row, self.path, block_bytes
                ),
            )
            first = skip_lines(self.options, self.path) + 1
            next_record = first
            # The serial parser turns each block of (decoded) text into one batch; the last block
            # takes whatever the file has left.
            block_file_bytes = block_bytes * file_bytes_per_text_byte(self.path, self.options)
            counted = 0.0
            for (batch, ragged), last in _with_last(self._parsed(reader)):
                left = self.bytes_total - counted
                size = left if last else min(block_file_bytes, left)
                counted += size
                raw = CsvBatch(batch, next_record, sorted(r.line_number for r in ragged), ragged, size)
                next_record += raw.records
                if next_record - first <= skip:
                    continue  # handed on before a restart
                if raw.first_record - first < skip:
                    raw = _from_record(raw, first + skip)
                yield raw
            if self._pending:  # ragged rows after the last full batch
                empty = pa.RecordBatch.from_pylist([], schema=reader.schema)
                yield CsvBatch(
                    empty, next_record, sorted(r.line_number for r in self._pending), self._pending
                )
                self._pending = []
        except (pa.ArrowInvalid, OSError, UnicodeDecodeError, EOFError) as error:
            raise unreadable_from(error, self.options) from error

    def _parsed(self, reader: pacsv.CSVStreamingReader) -> Iterator[tuple[pa.RecordBatch, list[RejectedRow]]]:
        """Each parsed batch with the ragged rows the parser skipped while reading it."""
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                return
            ragged, self._pending = self._pending, []
            yield batch, ragged

    def handle_invalid_row(self, row: pacsv.InvalidRow) -> str:
        reason = f"expected {row.expected_columns} fields, found {row.actual_columns}"
        self._pending.append(RejectedRow(row.number or 0, row.text, None, reason))
        return "skip"


def _from_record(raw: CsvBatch, line: int) -> CsvBatch:
    """The records of `raw` from record number `line` on."""
    rows = 0
    while rows < raw.batch.num_rows and raw.row_id(rows) < line:
        rows += 1
    tail = raw.split(rows)[1]
    tail.skipped_records = [n for n in tail.skipped_records if n >= line]
    tail.rejected = [r for r in tail.rejected if r.line_number >= line]
    tail.first_record = max(tail.first_record, line)
    return tail


def _with_last(
    items: Iterable[tuple[pa.RecordBatch, list[RejectedRow]]],
) -> Iterator[tuple[tuple[pa.RecordBatch, list[RejectedRow]], bool]]:
    """Each item with whether it is the last one (one item read ahead)."""
    iterator = iter(items)
    try:
        current = next(iterator)
    except StopIteration:
        return
    for following in iterator:
        yield current, False
        current = following
    yield current, True


def file_bytes_per_text_byte(path: Path, options: CsvOptions) -> float:
    """File bytes per byte of the UTF-8 text the parser sees: 1 for a plain UTF-8 file, else
    measured on the file's first RATIO_SAMPLE_BYTES (gzip ratio, other encodings' widths)."""
    if options.compression != "gzip" and arrow_encoding(options.encoding) == "utf8":
        return 1.0
    with path.open("rb") as file:
        sample = file.read(RATIO_SAMPLE_BYTES)
    used, text = len(sample), sample
    try:
        if options.compression == "gzip":
            inflater = zlib.decompressobj(wbits=zlib.MAX_WBITS | 32)
            text = inflater.decompress(sample, 8 * RATIO_SAMPLE_BYTES)
            used -= len(inflater.unconsumed_tail)
        if arrow_encoding(options.encoding) != "utf8":
            text = text.decode(options.encoding, errors="ignore").encode("utf-8")
    except (zlib.error, LookupError):
        return 1.0  # the reader itself says what is wrong with the file
    return used / len(text) if used and text else 1.0


def skip_lines(options: CsvOptions, path: Path | None) -> int:
    """Lines before the data: the header, and Excel's `sep=;` line when the file starts with one."""
    hinted = path is not None and file_separator_line(path, options.encoding, options.compression)
    return int(options.has_header) + int(bool(hinted))


def arrow_csv_options(
    options: CsvOptions,
    column_names: list[str],
    on_invalid_row: Callable[[pacsv.InvalidRow], str] = lambda row: "skip",
    path: Path | None = None,
    block_bytes: int = BLOCK_BYTES,
) -> dict[str, object]:
    """pyarrow's options for reading `options`; `path` (the file) to look for a `sep=` line;
    `block_bytes` must hold the longest record."""
    return {
        # Serial reading keeps record numbers known for ragged rows; the COPY runs in parallel anyway.
        "read_options": pacsv.ReadOptions(
            use_threads=False,
            block_size=block_bytes,
            column_names=column_names,
            skip_rows=skip_lines(options, path),
            encoding=arrow_encoding(options.encoding),
        ),
        "parse_options": pacsv.ParseOptions(
            delimiter=options.delimiter,
            quote_char=options.quotechar or False,
            double_quote=True,
            newlines_in_values=True,
            invalid_row_handler=on_invalid_row,
        ),
        "convert_options": pacsv.ConvertOptions(
            column_types={name: pa.string() for name in column_names},
            null_values=["", *(options.null_markers or [])],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        ),
    }


def unreadable_from(error: BaseException, options: CsvOptions) -> UnreadableFile:
    text = str(error)
    if isinstance(error, UnicodeDecodeError) or "UTF8" in text or "utf-8" in text.lower():
        return UnreadableFile(
            "encoding",
            f"the file is not valid {options.encoding} further in ({text[:200]}); choose its encoding",
        )
    if options.compression == "gzip" and isinstance(error, (OSError, EOFError)):
        return UnreadableFile("truncated", f"the gzip stream is truncated or corrupt ({text[:200]})")
    return UnreadableFile("malformed", f"the CSV cannot be parsed: {text[:300]}")
