"""Files that arrive in a drop directory: the new ones (or the newest) read one after another.

    with ArrivingFilesSource(ArrivingFiles(directory, "exports/sales_*.csv"), columns) as source:
        source.resume(last_state)          # {"files": [{"name", "size", "sha256", "modified"}]}
        if not source.nothing_new:
            for batch in source.batches(): ...
        next_state = source.state          # committed with the rows by run_job

Listing: the files under `directory` matching the relative glob `pattern` (`**` spans folders;
names starting with a dot, such as a copy still in progress, are not matched), sorted by
(modification time, name). A pattern that is absolute or climbs with `..` is refused, and so is
a match that is a link leading outside the directory: nothing outside it is ever read.

What is new: a file is loaded already when the state lists its name with the same size and the
same SHA-256 (or the same modification time, which spares hashing it again). The same name with
another size or checksum is a new version and is loaded again. Mode "new" reads every file not
loaded yet, mode "latest" only the newest match, unless it was loaded. The next state is what
the previous one lists that is still on disk, plus the files just read: a retry or a re-run
(for another date too) never loads a file twice, and a deleted file leaves the state.

Each file is read with CsvSource and the job's CsvOptions (its own `sep=` line and BOM are
honoured). Before any row is read, every file's header is matched to the expected columns by
name (as written, else by SQL name: order, case and spacing do not matter); a file lacking an
expected column fails the run, naming the file and the columns, unless the column is one of
`ArrivingFiles.optional_columns` (added by schema drift: NULL in files without it). Columns the
job does not expect are not read (schema drift decides about them before the run).

Row identities: `file_index << 40 | record number` (the file's index in the run's list, from 0,
and its record number, header = 1), so a single file's rows keep their line numbers and
`identity & (2**40 - 1)` is the line in file `identity >> 40`. Rows a file itself rejects (wrong
number of fields) name the file and line in their reason.
"""

from __future__ import annotations

import glob
import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

import pyarrow as pa

from ..conversion import parse_source
from ..drift import match_columns
from ..errors import InvalidJobSpec, SourceFailed, TransientError, UnreadableFile
from ..identifiers import MAX_IDENTIFIER_BYTES, sql_identifier
from ..profiling import profile_csv
from ..progress import RejectedRow
from ..readers.detect import decode_sample, drop_separator_line, first_row, read_sample, separator_line
from ..spec import ArrivingFiles, ColumnType, CsvOptions, SourceColumn
from .base import ProgressUnit, Source
from .csv import CsvBatch, CsvSource

FILE_SHIFT = 40  # identity = file index << FILE_SHIFT | record number
LINE_MASK = (1 << FILE_SHIFT) - 1
_HASH_CHUNK = 1 << 20
# Rows of a file read to check that its values still read as the job's types (schema drift).
TYPE_SAMPLE_ROWS = 10_000


class HeaderMismatch(SourceFailed):
    """A file's header lacks expected columns; `file` and `missing` (names) say which."""

    def __init__(self, file: str, missing: list[str], header: list[str]) -> None:
        listed = ", ".join(repr(name) for name in missing)
        super().__init__(
            f"the file {file!r} lacks the column{'s' if len(missing) > 1 else ''} {listed} "
            f"(its header: {', '.join(header)}); nothing was loaded"
        )
        self.file = file
        self.missing = missing


class FileChanged(TransientError):
    """A file changed while the run read it (still being written?): a later attempt reads it whole."""


@dataclass
class ArrivedFile:
    """A matching file: `name` is its path relative to the drop directory, with `/`."""

    name: str
    path: Path
    size: int
    modified: int  # st_mtime_ns
    _sha256: str | None = field(default=None, repr=False)

    @property
    def sha256(self) -> str:
        if self._sha256 is None:
            digest = hashlib.sha256()
            with self.path.open("rb") as handle:
                while chunk := handle.read(_HASH_CHUNK):
                    digest.update(chunk)
            self._sha256 = digest.hexdigest()
        return self._sha256

    def entry(self) -> dict[str, Any]:
        return {"name": self.name, "size": self.size, "sha256": self.sha256, "modified": self.modified}

    def loaded_as(self, entry: dict[str, Any] | None) -> bool:
        """Whether the state's `entry` for this name is this very file."""
        if entry is None or entry.get("size") != self.size:
            return False
        return entry.get("modified") == self.modified or entry.get("sha256") == self.sha256


def check_pattern(pattern: str) -> None:
    """InvalidJobSpec for a pattern that could name something outside the drop directory."""
    parts = PurePosixPath(pattern).parts
    if not pattern or pattern.startswith(("/", "~")) or "\\" in pattern or "\x00" in pattern or ".." in parts:
        raise InvalidJobSpec(
            f"the file pattern {pattern!r} must be a relative path inside the drop directory"
        )


def list_files(directory: str | Path, pattern: str) -> list[ArrivedFile]:
    """The regular files under `directory` matching `pattern`, oldest first (then by name)."""
    check_pattern(pattern)
    root = Path(directory)
    if not root.is_dir():
        raise SourceFailed(f"the drop directory {str(root)!r} does not exist")
    root = root.resolve()
    found = []
    for name in glob.glob(pattern, root_dir=root, recursive=True):
        path = root / name
        real = path.resolve()
        if not real.is_relative_to(root):
            raise SourceFailed(f"{name!r} leads outside the drop directory (a link?); it is not read")
        if not real.is_file():
            continue
        stat = real.stat()
        found.append(ArrivedFile(Path(name).as_posix(), real, stat.st_size, stat.st_mtime_ns))
    return sorted(found, key=lambda f: (f.modified, f.name))


def new_files(
    spec: ArrivingFiles, state: dict[str, Any] | None
) -> tuple[list[ArrivedFile], list[dict[str, Any]]]:
    """The files the next run reads given the stream's last `state`, and that state's entries.

    Nothing new under `on_empty == "fail"` raises SourceFailed."""
    loaded: list[dict[str, Any]] = list((state or {}).get("files") or [])
    by_name = {entry.get("name"): entry for entry in loaded}
    matching = list_files(spec.directory, spec.pattern)
    if spec.mode == "latest":
        matching = matching[-1:]
    selected = [f for f in matching if not f.loaded_as(by_name.get(f.name))]
    if not selected and spec.on_empty == "fail":
        raise SourceFailed(f"nothing to load: no new file matches {spec.pattern!r}")
    return selected, loaded


def read_header(path: Path, options: CsvOptions) -> list[str]:
    """A file's column names as its header writes them (`column_1`... without a header)."""
    text = decode_sample(read_sample(path), options.encoding)
    if separator_line(text) is not None:
        text = drop_separator_line(text)
    row = first_row(text, options.delimiter, options.quotechar)
    return row if options.has_header else [f"column_{i}" for i in range(1, len(row) + 1)]


def _placeholder(index: int, name: str) -> SourceColumn:
    """A column the job does not read; its name cannot clash with an SQL name (no leading `_`)."""
    return SourceColumn(name, f"_unread_{index}", ColumnType.TEXT)


@dataclass
class _Plan:
    """How one file is read: its columns as CsvSource names them, and the expected ones it lacks."""

    file: ArrivedFile
    columns: list[SourceColumn]
    absent: list[SourceColumn]


@dataclass
class FileBatch:
    """A CsvBatch of one file, with the expected columns only and identities that name the file."""

    batch: pa.RecordBatch
    inner: CsvBatch
    base: int
    rejected: list[RejectedRow]

    @property
    def records(self) -> int:
        return self.inner.records

    def row_id(self, index: int) -> int:
        return self.base | self.inner.row_id(index)


class ArrivingFilesSource(Source):
    """The new files matching the spec, read as one source (see the module docstring)."""

    progress_unit: ProgressUnit = "bytes"

    def __init__(self, spec: ArrivingFiles, expected: list[SourceColumn], batch_size: int = 100_000) -> None:
        check_pattern(spec.pattern)
        self.spec = spec
        self.columns = list(expected)
        self.batch_size = batch_size
        self.optional = set(spec.optional_columns)
        self._loaded: list[dict[str, Any]] = []
        self._files: list[ArrivedFile] | None = None
        self._read: list[dict[str, Any]] = []  # state entries of the files read
        self._current: CsvSource | None = None
        self._done = 0

    def resume(self, state: dict[str, Any] | None) -> None:
        self._files = None
        self._loaded = list((state or {}).get("files") or [])

    @property
    def files(self) -> list[ArrivedFile]:
        """The files this run reads, oldest first."""
        if self._files is None:
            self._files, _ = new_files(self.spec, {"files": self._loaded})
        return self._files

    @property
    def nothing_new(self) -> bool:
        return not self.files

    @property
    def state(self) -> dict[str, Any]:
        read = {entry["name"] for entry in self._read}
        root = Path(self.spec.directory)
        kept = [
            e for e in self._loaded if e.get("name") not in read and (root / str(e.get("name"))).is_file()
        ]
        return {"files": kept + self._read}

    @property
    def total(self) -> int:
        return sum(f.size for f in self.files)

    @property
    def position(self) -> int:
        return self._done + (self._current.position if self._current is not None else 0)

    def close(self) -> None:
        if self._current is not None:
            self._current.close()
            self._current = None

    def batches(self) -> Iterator[FileBatch]:
        plans = [self._plan(f) for f in self.files]  # every header checked before any row is read
        for index, plan in enumerate(plans):
            base = index << FILE_SHIFT
            file = plan.file
            try:
                self._current = CsvSource(file.path, self.spec.csv, plan.columns, self.batch_size)
                for raw in self._current.batches():
                    yield FileBatch(self._expected(raw, plan), raw, base, self._rejected(raw, file, base))
            except UnreadableFile as error:
                raise UnreadableFile(error.reason, f"{file.name}: {error}") from error
            finally:
                self.close()
            entry = file.entry()  # hashed after the read, then checked unchanged: the entry is what was read
            self._check_unchanged(file)
            self._done += file.size
            self._read.append(entry)

    def _plan(self, file: ArrivedFile) -> _Plan:
        try:
            header = read_header(file.path, self.spec.csv)
        except UnreadableFile as error:
            raise UnreadableFile(error.reason, f"{file.name}: {error}") from error
        matched = match_columns(self.columns, header)
        columns = [
            found if found is not None else _placeholder(index, name)
            for index, (name, found) in enumerate(zip(header, matched, strict=True))
        ]
        present = {id(c) for c in matched if c is not None}
        absent = [c for c in self.columns if id(c) not in present]
        missing = [c.name for c in absent if c.sql_name not in self.optional]
        if missing:
            raise HeaderMismatch(file.name, missing, header)
        return _Plan(file, columns, absent)

    def _expected(self, raw: CsvBatch, plan: _Plan) -> pa.RecordBatch:
        absent = {c.sql_name for c in plan.absent}
        arrays = [
            pa.nulls(raw.batch.num_rows, pa.string())
            if c.sql_name in absent
            else raw.batch.column(c.sql_name)
            for c in self.columns
        ]
        return pa.RecordBatch.from_arrays(arrays, names=[c.sql_name for c in self.columns])

    @staticmethod
    def _rejected(raw: CsvBatch, file: ArrivedFile, base: int) -> list[RejectedRow]:
        return [
            replace(
                row,
                line_number=base | row.line_number,
                reason=f"{row.reason} (file {file.name}, line {row.line_number})",
            )
            for row in raw.rejected
        ]

    @staticmethod
    def _check_unchanged(file: ArrivedFile) -> None:
        try:
            stat = file.path.stat()
        except OSError as error:
            raise FileChanged(f"the file {file.name!r} went away while it was read") from error
        if (stat.st_size, stat.st_mtime_ns) != (file.size, file.modified):
            raise FileChanged(
                f"the file {file.name!r} changed while it was read (still being written?); "
                "nothing was loaded, a later attempt reads it again"
            )


def arriving_columns(
    spec: ArrivingFiles, expected: list[SourceColumn], state: dict[str, Any] | None
) -> list[SourceColumn]:
    """The columns of the files the next run reads: those every new file has (in the first file's
    order; an expected column some file lacks is left out, unless it is one of
    `spec.optional_columns`, which one file having it is enough for), then those some files add.
    Types: the expected type while the sampled values read as it, else the inferred one. Each
    distinct header is profiled once (its first file). No new file: `expected` (nothing to find)."""
    files, _ = new_files(spec, state)
    if not files:
        return list(expected)
    seen_headers: set[tuple[str, ...]] = set()
    per_file: list[list[SourceColumn]] = []
    for file in files:
        header = tuple(read_header(file.path, spec.csv))
        if header in seen_headers:
            continue
        seen_headers.add(header)
        per_file.append(file_columns(file.path, spec.csv, expected))
    expected_names = {c.sql_name for c in expected}
    optional = set(spec.optional_columns)
    everywhere = set.intersection(*({c.sql_name for c in columns} for columns in per_file))
    result: list[SourceColumn] = []
    for columns in per_file:
        for column in columns:
            earlier = next((i for i, c in enumerate(result) if c.sql_name == column.sql_name), None)
            if earlier is None:
                # An expected column must be in every file (else it is removed); new ones in any.
                if column.sql_name in everywhere or column.sql_name not in expected_names - optional:
                    result.append(column)
            elif result[earlier] in expected and column not in expected:
                result[earlier] = column  # this file's values no longer read as the expected type
    return result


def file_columns(
    path: str | Path, options: CsvOptions, expected: Sequence[SourceColumn]
) -> list[SourceColumn]:
    """One file's columns in header order: an expected column as it is while the file's first
    TYPE_SAMPLE_ROWS values read as its type, else with the profiled type; the others as profiled,
    with SQL names that do not clash with the expected ones."""
    path = Path(path)
    profile = profile_csv(path, _overrides(options))
    matched = match_columns(expected, [c.name for c in profile.columns])
    taken = {c.sql_name for c in expected}
    reading = [
        was or _placeholder(i, c.name)
        for i, (c, was) in enumerate(zip(profile.columns, matched, strict=True))
    ]
    sample = _first_batch(path, options, reading)
    result: list[SourceColumn] = []
    for column, was in zip(profile.columns, matched, strict=True):
        if was is None:
            name = _unique(column.sql_name, taken)
            taken.add(name)
            result.append(replace(column, sql_name=name))
        elif sample is not None and not _reads_as(sample.column(was.sql_name), was, options):
            result.append(
                replace(
                    was,
                    type=column.type,
                    precision=column.precision,
                    scale=column.scale,
                    format=column.format,
                )
            )
        else:
            result.append(was)
    return result


def _first_batch(path: Path, options: CsvOptions, columns: list[SourceColumn]) -> pa.RecordBatch | None:
    with CsvSource(path, options, columns, TYPE_SAMPLE_ROWS) as source:
        for raw in source.batches():
            return raw.batch
    return None


def _reads_as(values: pa.Array, column: SourceColumn, options: CsvOptions) -> bool:
    return column.type is ColumnType.TEXT or parse_source(values, column, options).invalid_count() == 0


def _unique(name: str, taken: set[str]) -> str:
    base, n = sql_identifier(name, "column"), 1
    candidate = base
    while candidate in taken:
        n += 1
        candidate = base[: MAX_IDENTIFIER_BYTES - len(f"_{n}")] + f"_{n}"
    return candidate


def _overrides(options: CsvOptions) -> dict[str, object]:
    """The job's CsvOptions as profile_csv overrides, so a new file is read as the sample was."""
    overrides: dict[str, object] = {
        "encoding": options.encoding,
        "delimiter": options.delimiter,
        "quotechar": options.quotechar,
        "has_header": options.has_header,
        "decimal": options.decimal,
        "timezone": options.timezone,
    }
    if options.null_markers is not None:
        overrides["null_markers"] = options.null_markers
    return overrides
