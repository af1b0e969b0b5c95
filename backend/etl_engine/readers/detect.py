"""Guessing how a file is written from a bounded sample: compression, encoding, dialect, header."""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import re
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import chardet

from ..errors import FileTooLarge, UnreadableFile

SAMPLE_BYTES = 1 << 20  # what encoding and dialect detection look at, however large the file
MAX_INFLATED_BYTES = 16 << 30  # a .csv.gz inflating past this is refused (callers pass their own)
DIALECT_LINES = 200
DELIMITERS = (",", ";", "\t", "|")
DETECT_BYTES = 200_000  # what the statistical guess reads (chardet's own default bound)
MAX_ALTERNATIVES = 4
# A single-byte guess scoring at least this share of the best one is close enough for cp1252 to win.
CP1252_MARGIN = 0.5
MAX_CANDIDATES = 12
MAX_ODDITY = 0.02
LOW_CONFIDENCE = 0.8  # below this the portal warns and offers the alternatives
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# Characters a wrong code page shows and real text rarely has: C1 control codes anywhere; in
# Western European code pages, Š/ž/Ÿ/‰/³... (what mac-roman or cp1250 bytes become); in Central
# European ones, ŕ/ĺ/ˇ/˙... (what à, å, ¡ and ÿ of a Western file become).
_CONTROL = "\x80-\x9f"
_ODD_WESTERN = re.compile(f"[{_CONTROL}Ÿƒˆ˜†‡‰¤¦¨´¸¯¹²³ﬁﬂ◊∂∑∏π∫Ω√≈∆≠≤≥ıˇ˝˛˘˙˚]")  # noqa: RUF001
# What mac-roman's ä, ö and é become under cp1252, but also letters of the Czech, Slovak, Slovene
# and Croatian names Western exports carry (Štefan, Lukáš), the same bytes in cp1250 and cp1252:
# odd only where mac-roman reads the sample cleanly.
_MAC_ROMAN_SIGNS = re.compile("[ŠšŽž]")
# Code pages a file is rarely written in: one wins only when no common code page reads the sample
# with at most LOOSE_ODDITY (their readings of a Western file are clean-looking letter salads).
LOOSE_ODDITY = 0.1
_RARE = ("hp-roman8", "cp437", "cp850", "cp852", "cp858")
_ODD_CENTRAL = re.compile(f"[{_CONTROL}ŕĺŔĹˇ˘˙˛˝¤¦¨¸]")  # noqa: RUF001
_ODD_OTHER = re.compile(f"[{_CONTROL}]")
# Greek, Cyrillic, Hebrew, Arabic, Thai
_OTHER_SCRIPT = "\u0370-\u03ff\u0400-\u04ff\u0590-\u06ff\u0e00-\u0e7f"
_MIXED_SCRIPT = re.compile(f"(?<=[A-Za-z])[{_OTHER_SCRIPT}]|[{_OTHER_SCRIPT}](?=[A-Za-z])")
_COMMON = re.compile(
    "[àâäçéèêëîïôöùûüÿñáíóúœßæøåãõÀÂÄÇÉÈÊËÎÏÔÖÙÛÜÑÁÍÓÚŒÆØÅÃÕ"  # Western European
    "ąćęłńśźżčďěňřšťůžýőűășțşţĄĆĘŁŃŚŹŻČĎĚŇŘŠŤŮŽÝŐŰĂȘȚŞŢ"  # Central European
    "\u0400-\u04ff\u0370-\u03ff"  # Cyrillic, Greek
    "€£«»„“”‘’‚–—•…°§¿¡№©®™·×½¼¾±]"  # noqa: RUF001
)
MIN_COMMON_SHARE = 0.98
_ERAS = chardet.EncodingEra.MODERN_WEB | chardet.EncodingEra.LEGACY_MAC | chardet.EncodingEra.LEGACY_ISO
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


def read_sample(path: Path, max_inflated_bytes: int | None = MAX_INFLATED_BYTES) -> Sample:
    """The file's first SAMPLE_BYTES (decompressed); a gzip file is inflated whole once, refused
    with FileTooLarge past `max_inflated_bytes` (None: no limit)."""
    size = path.stat().st_size
    if size == 0:
        raise UnreadableFile("empty", "the file is empty")
    with path.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES + 1)
    if head[:2] == b"\x1f\x8b":
        return _gzip_sample(path, size, max_inflated_bytes)
    for magic, what in _FOREIGN_MAGIC:
        if head.startswith(magic):
            raise UnreadableFile("not_csv", f"the file is {what}")
    return Sample(head[:SAMPLE_BYTES], len(head) <= SAMPLE_BYTES, None, size, None)


def _gzip_sample(path: Path, size: int, max_inflated_bytes: int | None) -> Sample:
    """Read the whole gzip stream once: a truncated upload must be refused now, not mid-load, and
    a gzip bomb as soon as it inflates past the limit."""
    head = bytearray()
    total = 0
    try:
        with gzip.open(path, "rb") as stream:
            while chunk := stream.read(1 << 20):
                total += len(chunk)
                if max_inflated_bytes is not None and total > max_inflated_bytes:
                    raise FileTooLarge(max_inflated_bytes)
                if len(head) < SAMPLE_BYTES:
                    head += chunk[: SAMPLE_BYTES - len(head)]
    except EOFError as error:
        raise UnreadableFile("truncated", "the gzip file is truncated (upload incomplete?)") from error
    except (gzip.BadGzipFile, zlib.error, OSError) as error:
        raise UnreadableFile("corrupt", f"the gzip file is corrupt: {error}") from error
    if total == 0:
        raise UnreadableFile("empty", "the gzip file contains no data")
    return Sample(bytes(head), total <= SAMPLE_BYTES, "gzip", size, total)


@dataclass
class EncodingGuess:
    """The encoding to read a file with, how sure the guess is (0..1) and the other encodings that
    decode the sample to different text, most plausible first."""

    encoding: str
    confidence: float
    alternatives: list[str]


def detect_encoding(sample: Sample) -> str:
    return guess_encoding(sample).encoding


def guess_encoding(sample: Sample) -> EncodingGuess:
    """BOM first, then strict UTF-8 and BOM-less UTF-16 (certain), then the ranked guess of
    `rank_single_byte` (see docs/encoding-detection.md for the measurements behind it)."""
    certain = first_steps(sample)
    if certain is not None:
        return EncodingGuess(certain, 1.0, [])
    ranked = rank_legacy(sample.data)
    if not ranked:
        raise UnreadableFile("binary", "the file is not text in any encoding that could be detected")
    (best, best_score), rest = ranked[0], ranked[1:]
    # Sure when no other encoding reads the sample as text made of common letters; else by how
    # chardet's scores compare (a rival scoring as high as the choice makes it a coin toss: 0.5).
    window = sample.data[:DETECT_BYTES]
    rivals = [score for name, score in rest if _plausible(window.decode(name), name)]
    confidence = best_score / (best_score + rivals[0]) if rivals and best_score else 1.0
    return EncodingGuess(best, round(confidence, 3), [name for name, _ in rest][:MAX_ALTERNATIVES])


def _plausible(text: str, codec: str) -> bool:
    return _oddity(text, codec) <= MAX_ODDITY and _common_share(text) >= MIN_COMMON_SHARE


def _common_share(text: str) -> float:
    """Share of the non-ASCII characters that are everyday letters and signs of some European
    language (or any Cyrillic or Greek letter): what a right reading of a legacy file is made of."""
    foreign = len(_NON_ASCII.findall(text))
    return len(_COMMON.findall(text)) / foreign if foreign else 1.0


def first_steps(sample: Sample) -> str | None:
    """The encoding when the bytes leave no doubt: a BOM, valid UTF-8, UTF-16 without a BOM."""
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
    return None


def rank_legacy(data: bytes) -> list[tuple[str, float]]:
    """Legacy (non-UTF) encodings that decode `data` without error, best first, with chardet's
    score; encodings giving the same text as a better one are left out, and so are decodings full
    of mojibake (control codes, Š/Ÿ/³ amid words) while a clean one exists."""
    window = data[:DETECT_BYTES]
    guesses = chardet.detect_all(window, ignore_threshold=True, encoding_era=_ERAS, prefer_superset=True)
    scored: list[tuple[str, float, float]] = []  # (codec, score, oddity)
    readings: list[str] = []
    texts: dict[str, int] = {}
    for guess in guesses:
        try:
            codec = codecs.lookup(str(guess.get("encoding"))).name
            text = window.decode(codec)
        except (LookupError, UnicodeDecodeError):
            continue
        if text in texts:
            if codec == "cp1252":  # the same text: name it by the code page most files use
                index = texts[text]
                scored[index] = ("cp1252", scored[index][1], _oddity(text, codec))
            continue
        if len(scored) < MAX_CANDIDATES:
            texts[text] = len(scored)
            readings.append(text)
            scored.append((codec, float(guess.get("confidence") or 0.0), _oddity(text, codec)))
    if not any(codec == "mac-roman" and oddity <= MAX_ODDITY for codec, _, oddity in scored):
        scored = [
            (codec, score, _oddity(text, codec, mac_roman_signs=False))
            for (codec, score, _), text in zip(scored, readings, strict=True)
        ]
    clean = [item for item in scored if item[2] <= MAX_ODDITY] or scored
    clean.sort(key=lambda item: -item[1])
    if clean and _rare(clean[0][0]):
        common = sorted(
            (item for item in scored if not _rare(item[0]) and item[2] <= LOOSE_ODDITY),
            key=lambda item: (item[0] != "cp1252", -item[1]),
        )
        if common:
            clean = [common[0]] + [item for item in clean if item is not common[0]]
    # chardet tells Western European single-byte files from Central European ones by letter
    # statistics, which names and places do not have (short files, and long ones too): among
    # clean single-byte candidates that score close, cp1252 (by far the most common) wins.
    if clean and _single_byte(clean[0][0]):
        top = clean[0][1]
        for index, (codec, score, _) in enumerate(clean):
            if codec == "cp1252" and score >= top * CP1252_MARGIN:
                clean.insert(0, clean.pop(index))
                break
    return [(codec, score) for codec, score, _ in clean]


def _oddity(text: str, codec: str, mac_roman_signs: bool = True) -> float:
    """Share of the non-ASCII characters that real text rarely has: what a wrong code page shows."""
    foreign = len(_NON_ASCII.findall(text))
    if not foreign:
        return 0.0
    if codec in ("cp1250", "iso8859-2", "iso8859-16", "mac-latin2"):
        odd = _ODD_CENTRAL
    elif codec in ("cp1252", "iso8859-1", "iso8859-15", "latin-1") or codec.startswith("mac-"):
        signs = len(_ODD_WESTERN.findall(text))
        if mac_roman_signs:
            signs += len(_MAC_ROMAN_SIGNS.findall(text))
        return signs / foreign
    else:
        # Cyrillic, Greek, Arabic... letters inside Latin words: a Western file read in their code page.
        return (len(_ODD_OTHER.findall(text)) + len(_MIXED_SCRIPT.findall(text))) / foreign
    return len(odd.findall(text)) / foreign


def _rare(codec: str) -> bool:
    return codec in _RARE or (codec.startswith("mac-") and codec != "mac-roman")


def _single_byte(codec: str) -> bool:
    return codec.startswith(("cp12", "iso8859", "latin", "mac")) or codec in ("cp850", "cp437")


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
    end = max(text.rfind("\n"), text.rfind("\r"))
    if not sample.complete and end >= 0:
        text = text[: end + 1]
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
    # newline="": lines end at \n, \r\n or a lone \r (old Mac files), as in the parser.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar=quotechar)
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


_SEPARATOR_LINE = re.compile(r"sep=(.)(\r\n|\r|\n|$)")


def separator_line(text: str) -> str | None:
    """The delimiter named by Excel's first-line hint `sep=;`, if the text starts with one."""
    match = _SEPARATOR_LINE.match(text.lstrip("\ufeff"))
    return match.group(1) if match else None


def drop_separator_line(text: str) -> str:
    return _SEPARATOR_LINE.sub("", text, count=1)


def file_separator_line(path: Path, encoding: str, compression: str | None) -> str | None:
    """`separator_line` of the file itself, read from its first bytes."""
    opener = gzip.open if compression == "gzip" else open
    try:
        with opener(path, "rb") as handle:
            head = handle.read(64)
    except (OSError, EOFError):
        return None  # the reader says what is wrong with the file
    try:
        text = codecs.getincrementaldecoder(encoding)("replace").decode(head)
    except LookupError:
        return None
    return separator_line(text)


def first_row(text: str, delimiter: str, quotechar: str) -> list[str]:
    rows = _rows(text, delimiter, quotechar)
    return rows[0] if rows else []
