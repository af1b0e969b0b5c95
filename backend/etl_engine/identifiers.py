"""Safe SQL identifiers from arbitrary header text, and quoting."""

from __future__ import annotations

import re
import unicodedata

MAX_IDENTIFIER_BYTES = 63  # PostgreSQL truncates longer names silently; never let it.
_NOT_WORD = re.compile(r"[^a-z0-9_]+")
# Letters that Unicode decomposition does not reduce to ASCII.
_LETTERS = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th"})


def sql_identifier(text: str, fallback: str) -> str:
    """Lower-case ASCII letters, digits and underscores; never empty, never starting with a digit."""
    decomposed = unicodedata.normalize("NFKD", text.lower().translate(_LETTERS))
    ascii_text = decomposed.encode("ascii", "ignore").decode("ascii")
    name = _NOT_WORD.sub("_", ascii_text.lower()).strip("_")
    if not name:
        name = fallback
    if name[0].isdigit():
        name = f"c_{name}"
    return name[:MAX_IDENTIFIER_BYTES]


def unique_sql_identifiers(texts: list[str]) -> list[str]:
    """One identifier per text, made unique with `_2`, `_3`... (case-insensitively)."""
    seen: set[str] = set()
    result: list[str] = []
    for position, text in enumerate(texts, start=1):
        base = sql_identifier(text, f"column_{position}")
        name, n = base, 1
        while name in seen:
            n += 1
            suffix = f"_{n}"
            name = base[: MAX_IDENTIFIER_BYTES - len(suffix)] + suffix
        seen.add(name)
        result.append(name)
    return result


def quote_identifier(name: str) -> str:
    """Double-quoted SQL identifier (PostgreSQL, Redshift and DuckDB share this rule)."""
    return '"' + name.replace('"', '""') + '"'


def qualified_name(schema: str, table: str) -> str:
    return f"{quote_identifier(schema)}.{quote_identifier(table)}"
