"""The engine inputs built from stored rows: the same for the API and the runner."""

from __future__ import annotations

import os

from etl_engine import ColumnType
from portal.connections.engine_inputs import destination_config
from portal.connections.models import Credential
from portal.core.crypto import CredentialCipher
from portal.uploads.engine_inputs import csv_options, source_columns
from portal.uploads.models import UploadedFile


def test_source_columns_carry_column_type_members_not_their_names() -> None:
    row = UploadedFile(
        columns=[
            {"name": "Id", "sql_name": "id", "type": "INTEGER", "precision": None, "scale": None},
            {"name": "Price", "sql_name": "price", "type": "NUMERIC", "precision": 10, "scale": 2},
        ]
    )

    columns = source_columns(row)

    # The engine compares types by identity (`is`): a plain "INTEGER" would match nothing.
    assert columns[0].type is ColumnType.INTEGER
    assert columns[1].type is ColumnType.NUMERIC
    assert (columns[1].precision, columns[1].scale) == (10, 2)


def test_csv_options_default_a_missing_quotechar_to_double_quote() -> None:
    row = UploadedFile(
        encoding="latin-1", delimiter=";", quotechar=None, has_header=True, decimal=",", compression=None
    )

    options = csv_options(row)

    assert (options.encoding, options.delimiter, options.quotechar, options.decimal) == (
        "latin-1",
        ";",
        '"',
        ",",
    )


def test_destination_config_decrypts_the_password_and_takes_the_path_out_of_the_options() -> None:
    cipher = CredentialCipher(os.urandom(32))
    postgres = Credential(
        kind="postgres",
        host="db.example",
        port=5433,
        database="dwh",
        username="loader",
        password_encrypted=cipher.encrypt("s3cret"),
        options={"sslmode": "require"},
    )
    warehouse = Credential(kind="duckdb", options={"path": "/data/warehouse.duckdb"})

    config = destination_config(postgres, cipher)
    embedded = destination_config(warehouse, cipher)

    assert (config.kind, config.host, config.port, config.user, config.password) == (
        "postgres",
        "db.example",
        5433,
        "loader",
        "s3cret",
    )
    assert config.options == {"sslmode": "require"}
    assert (embedded.kind, embedded.path, embedded.password, embedded.options) == (
        "duckdb",
        "/data/warehouse.duckdb",
        None,
        {},
    )
