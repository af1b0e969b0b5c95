"""Guessing how a file is written from a bounded sample: compression, encoding, dialect, header."""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import chardet

from ..errors import UnreadableFile

SAMPLE_BYTES = 1 << 20  # what encoding and dialect detection look at, however large the file
DIALECT_LINES = 200
DELIMITERS = (",", ";", "\t", "|")
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_FOREIGN_MAGIC = (
    (b"PK\x03\x04", "a ZIP archive (or an Excel .xlsx workbook), not a CSV file"),
    (b"%PDF", "a PDF document, not a CSV file"),
    (b"\x89PNG", "a PNG image, not a CSV file"),
    (b"\xff\xd8\xff", "a JPEG image, not a CSV file"),
    (b"\xd0\xcf\x11\xe0", "a legacy Office document (.xls), not a CSV file"),
    (b"BZh", "a bzip2 archive; only gzip compression is read"),
    (b"\xfd7zXZ", "an xz archive; only gzip compression is read"),
    (b"7z\xbc\xaf", "a 7-Zip archive, not a CSV file"),
    (b"PAR1", "a Parquet file, not a CSV file"),
    (b"SQLite format 3", "an SQLite database, not a CSV file"),
)


@dataclass
class Sample:
    data: bytes  # decompressed bytes from the start of the file
    complete: bool  # the sample is the whole (decompressed) file
    compression: str | None
    size_bytes: int  # on disk
    uncompressed_bytes: int | None  # known for gzip after validating the stream


def read_sample(path: Path) -> Sample:
    size = path.stat().st_size
    if size == 0:
        raise UnreadableFile("empty", "the file is empty")
    with path.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES + 1)
    if head[:2] == b"\x1f\x8b":
        return _gzip_sample(path, size)
    for magic, what in _FOREIGN_MAGIC:
        if head.startswith(magic):
            raise UnreadableFile("not_csv", f"the file is {what}")
    return Sample(head[:SAMPLE_BYTES], len(head) <= SAMPLE_BYTES, None, size, None)


def _gzip_sample(path: Path, size: int) -> Sample:
    """Read the whole gzip stream once: a truncated upload must be refused now, not mid-load."""
    head = bytearray()
    total = 0
    try:
        with gzip.open(path, "rb") as stream:
            while chunk := stream.read(1 << 20):
                total += len(chunk)
                if len(head) < SAMPLE_BYTES:
                    head += chunk[: SAMPLE_BYTES - len(head)]
    except EOFError as error:
        raise UnreadableFile("truncated", "the gzip file is truncated (upload incomplete?)") from error
    except (gzip.BadGzipFile, zlib.error, OSError) as error:
        raise UnreadableFile("corrupt", f"the gzip file is corrupt: {error}") from error
    if total == 0:
        raise UnreadableFile("empty", "the gzip file contains no data")
    return Sample(bytes(head), total <= SAMPLE_BYTES, "gzip", size, total)


def detect_encoding(sample: Sample) -> str:
    """BOM first, then strict UTF-8, then chardet on the bounded sample."""
    for bom, name in _BOMS:
        if sample.data.startswith(bom):
            return name
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(sample.data, final=sample.complete)
        if b"\x00" not in sample.data:
            return "utf-8"
    except UnicodeDecodeError:
        pass
    if b"\x00" in sample.data:
        return _utf16_without_bom(sample.data)
    guess = chardet.detect(
        sample.data, encoding_era=chardet.EncodingEra.MODERN_WEB, prefer_superset=True
    ).get("encoding")
    if not guess:
        raise UnreadableFile("binary", "the file is not text in any encoding that could be detected")
    return codecs.lookup(guess).name


def _utf16_without_bom(data: bytes) -> str:
    even, odd = data[0::2], data[1::2]
    if odd.count(0) > len(odd) * 0.3 and even.count(0) < len(even) * 0.05:
        return "utf-16-le"
    if even.count(0) > len(even) * 0.3 and odd.count(0) < len(odd) * 0.05:
        return "utf-16-be"
    raise UnreadableFile("binary", "the file contains binary data (NUL bytes), not CSV text")


def decode_sample(sample: Sample, encoding: str) -> str:
    """The sample as text, cut after its last complete line unless it is the whole file."""
    try:
        text = codecs.getincrementaldecoder(encoding)("strict").decode(sample.data, final=sample.complete)
    except UnicodeDecodeError as error:
        raise UnreadableFile(
            "encoding", f"the file cannot be decoded as {encoding} at byte {error.start}"
        ) from error
    except LookupError as error:
        raise UnreadableFile("encoding", f"unknown encoding {encoding!r}") from error
    if not sample.complete and "\n" in text:
        text = text[: text.rindex("\n") + 1]
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise UnreadableFile("empty", "the file contains no data, only whitespace")
    control = sum(1 for ch in text[:65536] if ord(ch) < 32 and ch not in "\r\n\t\f")
    if "\x00" in text or control > len(text[:65536]) * 0.01:
        raise UnreadableFile("binary", "the file contains binary data, not CSV text")
    return text


def detect_dialect(text: str) -> tuple[str, str]:
    """The delimiter whose field count is the most consistent (and > 1) over the first lines."""
    _refuse_markup(text)
    best: tuple[float, int, str] | None = None
    quotechar = _detect_quotechar(text)
    for delimiter in DELIMITERS:
        counts = [len(row) for row in _rows(text, delimiter, quotechar)]
        if not counts:
            continue
        modal, frequency = Counter(counts).most_common(1)[0]
        if modal < 2:
            continue
        score = (frequency / len(counts), modal, delimiter)
        if best is None or score[:2] > best[:2]:
            best = score
    if best is None:
        return ",", quotechar
    return best[2], quotechar


def _detect_quotechar(text: str) -> str:
    head = text[:65536]
    singles = sum(head.count(f"{d}'") + head.count(f"'{d}") for d in DELIMITERS)
    doubles = sum(head.count(f'{d}"') + head.count(f'"{d}') for d in DELIMITERS)
    return "'" if singles > doubles and singles > 2 else '"'


def _refuse_markup(text: str) -> None:
    start = text.lstrip()[:2]
    if start[:1] == "{" or start in ("[{", "[["):
        raise UnreadableFile("not_csv", "the file looks like JSON, not CSV")
    if start[:1] == "<":
        raise UnreadableFile("not_csv", "the file looks like HTML or XML, not CSV")


def _rows(text: str, delimiter: str, quotechar: str) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, quotechar=quotechar)
    rows: list[list[str]] = []
    try:
        for row in reader:
            if row:
                rows.append(row)
            if len(rows) >= DIALECT_LINES:
                break
    except csv.Error:
        pass
    return rows


def first_row(text: str, delimiter: str, quotechar: str) -> list[str]:
    rows = _rows(text, delimiter, quotechar)
    return rows[0] if rows else []
