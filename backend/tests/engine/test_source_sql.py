"""sql.single_select: one reading statement, read the way each server reads it."""

from __future__ import annotations

import pytest

from etl_engine.sources.base import QueryRefused
from etl_engine.sources.sql import Dialect, single_select


@pytest.mark.parametrize(
    ("dialect", "query", "statement"),
    [
        ("postgres", "SELECT 1;", "SELECT 1"),
        ("postgres", "select 1 ; -- done\n ; /* and */ ;", "select 1"),
        ("postgres", "SELECT ';DROP TABLE t' -- ; DROP", "SELECT ';DROP TABLE t' -- ; DROP"),
        ("postgres", "SELECT $$;$$, $q$ ; DROP $q$", "SELECT $$;$$, $q$ ; DROP $q$"),
        ("postgres", "SELECT E'\\';' AS x", "SELECT E'\\';' AS x"),
        ("postgres", "SELECT 1 /* a /* nested */ ; */", "SELECT 1 /* a /* nested */ ; */"),
        ("postgres", "WITH a AS (SELECT 1) SELECT * FROM a", "WITH a AS (SELECT 1) SELECT * FROM a"),
        ("postgres", '(SELECT "in;to" FROM t)', '(SELECT "in;to" FROM t)'),
        (
            "mysql",
            "SELECT 'it\\'s; fine', `a;b` FROM t # ; DROP",
            "SELECT 'it\\'s; fine', `a;b` FROM t # ; DROP",
        ),
        ("mysql", "SELECT 1--1", "SELECT 1--1"),
        ("mysql", "VALUES (1), (2);", "VALUES (1), (2)"),
        ("sqlserver", "SELECT [a;b] FROM t;", "SELECT [a;b] FROM t"),
    ],
)
def test_one_reading_statement_passes_without_its_final_semicolon(
    dialect: Dialect, query: str, statement: str
) -> None:
    assert single_select(query, dialect) == statement


@pytest.mark.parametrize(
    ("dialect", "query", "says"),
    [
        ("postgres", "", "empty"),
        ("postgres", "-- nothing", "empty"),
        ("postgres", "SELECT 1; SELECT 2", "more than one statement"),
        ("postgres", "SELECT 1;;; 2", "more than one statement"),
        ("postgres", "INSERT INTO t VALUES (1)", "starts with INSERT"),
        ("postgres", "  /* hi */ DROP TABLE t", "starts with DROP"),
        ("postgres", "CALL p()", "starts with CALL"),
        ("postgres", "SELECT * INTO t2 FROM t", "SELECT ... INTO"),
        ("postgres", "SELECT $$a$$; DELETE FROM t", "more than one statement"),
        ("mysql", "SELECT 1 -- x\n; DROP TABLE t", "more than one statement"),
        ("mysql", "SELECT 1 INTO OUTFILE '/tmp/x'", "SELECT ... INTO"),
        ("mysql", "SELECT 1 INTO @v", "SELECT ... INTO"),
        ("mysql", "/*! DROP TABLE t */ SELECT 1", "executable comments"),
        ("mysql", "SELECT 1 /*M!100000 , sleep(1) */", "executable comments"),
        ("mysql", "SHOW TABLES", "starts with SHOW"),
        ("mysql", "HANDLER t OPEN", "starts with HANDLER"),
        ("sqlserver", "SELECT 1; EXEC xp_cmdshell 'dir'", "more than one statement"),
        ("oracle", "MERGE INTO t USING s ON (1 = 1) WHEN MATCHED THEN DELETE", "starts with MERGE"),
    ],
)
def test_anything_else_is_refused_before_it_is_sent(dialect: Dialect, query: str, says: str) -> None:
    with pytest.raises(QueryRefused, match=says):
        single_select(query, dialect)
