"""What a source query may be: one SELECT that writes nowhere, checked before it is sent.

    statement = single_select("SELECT * FROM t; -- done", "postgres")   # -> "SELECT * FROM t"

The check reads the text the way the server will (comments, quoted strings and identifiers,
PostgreSQL dollar quoting and nested comments, MySQL backslash escapes and backticks) and refuses
a second statement, a first word other than SELECT / WITH / VALUES / TABLE, an `INTO` (SELECT ...
INTO a table, a variable or a server file) and MySQL's executable comments (`/*! ... */`). It is
the first of three guards, not the only one: the statement also runs in a read-only transaction
with a timeout, and drivers that can send one statement per call are used that way.
"""

from __future__ import annotations

import re
from typing import Literal

from .base import QueryRefused

Dialect = Literal["postgres", "mysql", "sqlserver", "oracle"]

READING_WORDS = {"SELECT", "WITH", "VALUES", "TABLE"}
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
_DOLLAR_TAG = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")


def single_select(query: str, dialect: Dialect) -> str:
    """`query` without its trailing semicolons; QueryRefused unless it is one reading statement."""
    tokens, end = _scan(query, dialect)
    words = [token.upper() for token in tokens if _WORD.fullmatch(token)]
    if not words:
        raise QueryRefused("the query is empty: a source query is one SELECT")
    if words[0] not in READING_WORDS:
        raise QueryRefused(
            f"a source query is one SELECT (or WITH ... SELECT); this one starts with {words[0]}, "
            "which is not run"
        )
    if "INTO" in words:
        raise QueryRefused("a source query cannot write its rows anywhere (SELECT ... INTO is refused)")
    return query[:end].rstrip()


def _scan(query: str, dialect: Dialect) -> tuple[list[str], int]:
    """The tokens outside comments (words, one character per symbol, a quote mark per quoted
    text) and where the statement ends: before a `;` that only comments, blanks and more `;`
    follow. Raises QueryRefused for code after a `;` and for executable comments."""
    tokens: list[str] = []
    i, n = 0, len(query)
    mysql = dialect == "mysql"
    while i < n:
        ch = query[i]
        two = query[i : i + 2]
        if ch.isspace():
            i += 1
        elif (two == "--" and (not mysql or i + 2 >= n or query[i + 2].isspace())) or (ch == "#" and mysql):
            i = _line_end(query, i)
        elif two == "/*":
            if mysql and (query.startswith("/*!", i) or query.startswith("/*M!", i)):
                raise QueryRefused("executable comments (/*! ... */) are not allowed in a source query")
            i = _comment_end(query, i, nested=dialect == "postgres")
        elif ch in "'\"`[" and (ch != "`" or mysql) and (ch != "[" or dialect == "sqlserver"):
            prefix = dialect == "postgres" and i > 0 and query[i - 1] in "eE" and _word_start(query, i - 1)
            backslash = (mysql and ch != "`") or (ch == "'" and prefix)
            i = _quoted_end(query, i, "]" if ch == "[" else ch, backslash)
            tokens.append(ch)
        elif ch == "$" and dialect == "postgres" and (tag := _DOLLAR_TAG.match(query, i)):
            closing = query.find(tag.group(), tag.end())
            i = n if closing < 0 else closing + len(tag.group())
            tokens.append("$")
        elif ch == ";":
            rest, _ = _scan(query[i + 1 :].lstrip(" \t\r\n;"), dialect)
            if rest:
                raise QueryRefused("the query holds more than one statement: a source query is one SELECT")
            return tokens, i
        elif match := _WORD.match(query, i):
            tokens.append(match.group())
            i = match.end()
        else:
            tokens.append(ch)
            i += 1
    return tokens, n


def _word_start(query: str, i: int) -> bool:
    return i == 0 or not (query[i - 1].isalnum() or query[i - 1] == "_")


def _line_end(query: str, i: int) -> int:
    end = query.find("\n", i)
    return len(query) if end < 0 else end + 1


def _comment_end(query: str, i: int, nested: bool) -> int:
    depth, i = 1, i + 2
    while i < len(query) and depth:
        if query.startswith("*/", i):
            depth, i = depth - 1, i + 2
        elif nested and query.startswith("/*", i):
            depth, i = depth + 1, i + 2
        else:
            i += 1
    return i


def _quoted_end(query: str, i: int, quote: str, backslash: bool, opening: int = 1) -> int:
    """The index after the quoted text starting at `i` (a doubled quote is one quote character)."""
    i += opening
    while i < len(query):
        ch = query[i]
        if backslash and ch == "\\":
            i += 2
        elif ch == quote:
            if query.startswith(quote * 2, i):
                i += 2
            else:
                return i + 1
        else:
            i += 1
    return i
