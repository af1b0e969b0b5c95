"""profile_csv: encodings, dialects, headers, conservative types, identifiers, refused files."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import pytest

import etl_engine as e
from etl_engine import ColumnType as T

GERMAN = "Name;Straße;Größe\n" + "Müller;Hauptstraße 5;grün\n" * 40 + "Jürgen;Bäckerweg 1;weiß\n"


def types(profile: e.FileProfile) -> dict[str, T]:
    return {c.sql_name: c.type for c in profile.columns}


def test_cp1252_file_is_detected_and_decoded(write_csv: Callable[..., Path]) -> None:
    profile = e.profile_csv(write_csv(GERMAN, encoding="cp1252"))
    assert profile.options.encoding == "cp1252"
    assert profile.options.delimiter == ";"
    assert [c.name for c in profile.columns] == ["Name", "Straße", "Größe"]
    assert [c.sql_name for c in profile.columns] == ["name", "strasse", "grosse"]


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-16", "utf-16"), ("utf-32", "utf-32"), ("utf-8-sig", "utf-8-sig")],
)
def test_byte_order_mark_decides_the_encoding(
    write_csv: Callable[..., Path], encoding: str, expected: str
) -> None:
    profile = e.profile_csv(write_csv("id\tnom\n1\tÉlodie\n2\tZoë\n", encoding=encoding))
    assert profile.options.encoding == expected
    assert profile.options.delimiter == "\t"
    assert types(profile) == {"id": T.INTEGER, "nom": T.TEXT}


def test_plain_utf8_is_detected_without_guessing(write_csv: Callable[..., Path]) -> None:
    profile = e.profile_csv(write_csv("a|b\n1|Ωμέγα\n"))
    assert (profile.options.encoding, profile.options.delimiter) == ("utf-8", "|")


def test_gzip_is_read_transparently(write_csv: Callable[..., Path]) -> None:
    profile = e.profile_csv(write_csv("a,b\n1,x\n2,y\n", name="data.csv.gz", gzip=True))
    assert profile.options.compression == "gzip"
    assert types(profile) == {"a": T.INTEGER, "b": T.TEXT}
    assert profile.row_estimate == 2


def test_header_row_is_detected_and_its_absence_too(write_csv: Callable[..., Path]) -> None:
    with_header = e.profile_csv(write_csv("id,price\n1,2.50\n"))
    without = e.profile_csv(write_csv("1,2.50,x\n2,3.75,y\n", name="plain.csv"))
    assert with_header.options.has_header
    assert not without.options.has_header
    assert [c.sql_name for c in without.columns] == ["column_1", "column_2", "column_3"]
    assert without.row_estimate == 2


def test_quoted_newlines_and_single_quotes(write_csv: Callable[..., Path]) -> None:
    profile = e.profile_csv(write_csv('id,note\n1,"two\nlines"\n2,"say ""hi"""\n'))
    assert profile.options.quotechar == '"'
    assert profile.row_estimate == 2
    quoted = e.profile_csv(write_csv("id;note\n1;'a;b'\n2;'c'\n3;'d;e'\n", name="q.csv"))
    assert quoted.options.quotechar == "'"
    assert len(quoted.columns) == 2


def test_decimal_comma_in_semicolon_files(write_csv: Callable[..., Path]) -> None:
    profile = e.profile_csv(write_csv("produkt;preis;menge\nA;12,50;3\nB;0,99;10\n"))
    assert profile.options.decimal == ","
    assert types(profile) == {"produkt": T.TEXT, "preis": T.NUMERIC, "menge": T.INTEGER}
    assert (profile.columns[1].precision, profile.columns[1].scale) == (4, 2)


def test_types_are_inferred_conservatively(write_csv: Callable[..., Path]) -> None:
    rows = [
        "id,zip,small,big,huge,giant,price,ratio,flag,yn,bit,day,at,at_tz,mixed,empty",
        "1,01234,5,3000000000,123456789012345678901234567890,"
        + "9" * 80
        + ",1.50,1e-3,true,yes,1,2024-02-29,2024-02-29 13:45:00,2024-02-29T13:45:00+02:00,a,",
        "2,12345,-7,-3000000000,1,1,2,2.5,false,no,0,2024-03-01,2024-03-01T00:00:00.123456,"
        "2024-03-01 00:00:00Z,1,",
    ]
    profile = e.profile_csv(write_csv("\n".join(rows) + "\n"))
    assert types(profile) == {
        "id": T.INTEGER,
        "zip": T.TEXT,  # leading zeros are codes, not numbers
        "small": T.INTEGER,
        "big": T.BIGINT,
        "huge": T.NUMERIC,  # beyond 64 bits
        "giant": T.TEXT,  # beyond any decimal
        "price": T.NUMERIC,
        "ratio": T.FLOAT,
        "flag": T.BOOLEAN,
        "yn": T.BOOLEAN,
        "bit": T.INTEGER,  # 1/0 alone is not enough for a boolean
        "day": T.DATE,
        "at": T.TIMESTAMP,
        "at_tz": T.TIMESTAMPTZ,
        "mixed": T.TEXT,
        "empty": T.TEXT,
    }


def test_a_decimal_late_in_the_sample_makes_the_column_numeric(write_csv: Callable[..., Path]) -> None:
    text = "id,amount\n" + "".join(f"{i},{i}\n" for i in range(5000)) + "5000,12.125\n"
    profile = e.profile_csv(write_csv(text))
    assert types(profile)["amount"] == T.NUMERIC
    assert profile.columns[1].scale == 3


def test_printed_doubles_with_many_decimals_are_float(write_csv: Callable[..., Path]) -> None:
    profile = e.profile_csv(write_csv("v,w\n44.406954034520155,1.1000000000\n0.1,2.2500000000\n"))
    assert types(profile) == {"v": T.FLOAT, "w": T.NUMERIC}  # trailing zeros mean a decimal


def test_header_names_become_unique_safe_identifiers(write_csv: Callable[..., Path]) -> None:
    header = 'Name,name,"First Name",1st,"",Prix (€),"a""b",select,Ünïcödé,' + "x" * 80
    profile = e.profile_csv(write_csv(header + "\n" + ",".join(["v"] * 10) + "\n"))
    assert [c.sql_name for c in profile.columns] == [
        "name",
        "name_2",
        "first_name",
        "c_1st",
        "column_5",
        "prix",
        "a_b",
        "select",
        "unicode",
        "x" * 63,
    ]
    assert profile.columns[0].name == "Name"


def test_overrides_win_over_detection(write_csv: Callable[..., Path]) -> None:
    path = write_csv("x,y;z\n1,5;2\n")
    profile = e.profile_csv(path, {"delimiter": ",", "has_header": False, "encoding": "latin-1"})
    assert (profile.options.delimiter, profile.options.has_header, profile.options.encoding) == (
        ",",
        False,
        "latin-1",
    )
    assert len(profile.columns) == 2


def test_row_estimate_of_a_large_file_comes_from_a_sample(write_csv: Callable[..., Path]) -> None:
    text = "id,text\n" + "".join(f"{i},{'x' * 90}\n" for i in range(30000))
    profile = e.profile_csv(write_csv(text))
    assert 25000 < profile.row_estimate < 35000


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"   \n\n  \n", "empty"),
        (b"\x00\x01\x02\x03binary\x00\x00\xff\xfe\x00", "binary"),
        (b"PK\x03\x04" + b"\x00" * 100, "not_csv"),
        (b"%PDF-1.7\n...", "not_csv"),
        (b'{"a": 1, "b": [1, 2]}\n', "not_csv"),
        (b"<html><body>hello</body></html>\n", "not_csv"),
        (gzip.compress(b"a,b\n" + b"1,2\n" * 5000)[:-40], "truncated"),
        (b"\x1f\x8b\x08\x00garbage-not-deflate", "corrupt"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "upload.csv"
    path.write_bytes(content)
    with pytest.raises(e.UnreadableFile) as error:
        e.profile_csv(path)
    assert error.value.reason == reason
    assert str(error.value)


def test_preview_of_a_file_beyond_the_scan_bound_estimates_its_rows_from_what_it_parsed(
    write_csv: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from etl_engine import preview

    monkeypatch.setattr(preview, "SCAN_BYTES", 1 << 20)  # the real bound is 32 MiB
    rows = 150_000
    path = write_csv("id,name\n" + "".join(f"{i:07d},name{i:07d}\n" for i in range(rows)))
    profile = e.profile_csv(path)
    result = e.preview_csv(path, profile.options, profile.columns, 0, 10)
    assert not result.total_rows_exact
    assert abs(result.total_rows - rows) < rows * 0.05, result.total_rows
