"""Encoding-detection accuracy on the labelled set of `encoding_samples`, per candidate detector.

    cd backend && ../.venv/bin/python -m tests.engine.encoding_accuracy [--per-cell 12]

A guess is right when the file decodes with it to exactly the text that was written (latin-1
read as cp1252 is right when the file has no byte that differs between them). Every candidate
runs behind the engine's own first steps (byte-order mark, strict UTF-8, UTF-16 without a BOM),
as it would in the engine; `uchardet` is measured when the `cchardet` module (faust-cchardet,
uchardet bindings) is importable. Prints a Markdown table: accuracy per encoding and size.
"""

from __future__ import annotations

import argparse
import codecs
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import chardet
import charset_normalizer

from etl_engine.readers.detect import LOW_CONFIDENCE, detect_encoding, first_steps, guess_encoding
from etl_engine.readers.detect import Sample as FileSample

from .encoding_samples import LONG_ROWS, SHORT_ROWS, Sample, samples

Detector = Callable[[bytes], str | None]


def _chardet_modern(data: bytes) -> str | None:
    """The engine's detector before this table: chardet limited to modern web encodings."""
    guess = chardet.detect(data, encoding_era=chardet.EncodingEra.MODERN_WEB, prefer_superset=True)
    return guess.get("encoding")


def _chardet_all(data: bytes) -> str | None:
    return chardet.detect(data, prefer_superset=True).get("encoding")


def _charset_normalizer(data: bytes) -> str | None:
    best = charset_normalizer.from_bytes(data).best()
    return best.encoding if best else None


def _uchardet() -> Detector | None:
    try:
        import cchardet  # type: ignore[import-not-found]  # measured in a throwaway environment
    except ImportError:
        return None

    def detect(data: bytes) -> str | None:
        guess: str | None = cchardet.detect(data).get("encoding")
        return guess

    return detect


def _engine_first_steps(detector: Detector) -> Callable[[bytes], str | None]:
    """BOM, strict UTF-8 and BOM-less UTF-16 as the engine does them, then the detector."""

    def detect(data: bytes) -> str | None:
        return first_steps(FileSample(data, True, None, len(data), None)) or detector(data)

    return detect


def _engine(data: bytes) -> str | None:
    return detect_encoding(FileSample(data, True, None, len(data), None))


def _right(sample: Sample, guess: str | None) -> bool:
    if not guess:
        return False
    try:
        codecs.lookup(guess)
        return sample.data.decode(guess) == sample.text
    except (LookupError, UnicodeDecodeError):
        return False


def candidates() -> dict[str, Detector]:
    found: dict[str, Detector] = {
        "chardet (modern web; before)": _engine_first_steps(_chardet_modern),
        "chardet (all eras)": _engine_first_steps(_chardet_all),
        "charset-normalizer": _engine_first_steps(_charset_normalizer),
    }
    uchardet = _uchardet()
    if uchardet is not None:
        found["uchardet (faust-cchardet)"] = _engine_first_steps(uchardet)
    found["engine (chosen)"] = _engine
    return found


def table(per_cell: int) -> str:
    labelled = samples(per_cell)
    detectors = candidates()
    right: dict[tuple[str, str, int], int] = defaultdict(int)
    total: dict[tuple[str, int], int] = defaultdict(int)
    seconds: dict[str, float] = defaultdict(float)
    for sample in labelled:
        total[(sample.label, sample.rows)] += 1
        for name, detect in detectors.items():
            started = time.perf_counter()
            guess = detect(sample.data)
            seconds[name] += time.perf_counter() - started
            right[(name, sample.label, sample.rows)] += _right(sample, guess)
    flagged: dict[tuple[str, int], int] = defaultdict(int)
    for sample in labelled:
        guess = guess_encoding(FileSample(sample.data, True, None, len(sample.data), None))
        flagged[(sample.label, sample.rows)] += guess.confidence < LOW_CONFIDENCE
    names = list(detectors)
    lines = [
        "| encoding | rows | " + " | ".join(names) + " | engine: flagged low |",
        "|---|---|" + "---|" * (len(names) + 1),
    ]
    for label, rows in total:
        cells = [f"{right[(n, label, rows)]}/{total[(label, rows)]}" for n in names]
        cells.append(f"{flagged[(label, rows)]}/{total[(label, rows)]}")
        lines.append(f"| {label} | {rows} | " + " | ".join(cells) + " |")
    overall = [
        f"**{sum(right[(n, lab, r)] for lab, r in total) * 100 / sum(total.values()):.0f} %**" for n in names
    ]
    lines.append("| all | | " + " | ".join(overall) + " |")
    lines.append(
        "| ms per file | | " + " | ".join(f"{seconds[n] * 1000 / len(labelled):.1f}" for n in names) + " |"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-cell", type=int, default=12, help="files per encoding and size")
    parser.add_argument("--write", type=Path, help="also write the table to this file")
    args = parser.parse_args()
    print(f"{args.per_cell} files per encoding and size ({SHORT_ROWS} and {LONG_ROWS} rows)\n")
    result = table(args.per_cell)
    print(result)
    if args.write:
        args.write.write_text(result + "\n")


if __name__ == "__main__":
    main()
