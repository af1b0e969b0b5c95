"""Fire-and-forget work that must outlive the request that started it (e.g. telling Airflow)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

# The loop keeps only weak references to tasks: hold them until they finish.
_running: set[asyncio.Task[Any]] = set()


def spawn(work: Coroutine[Any, Any, None], name: str) -> None:
    task = asyncio.create_task(work, name=name)
    _running.add(task)
    task.add_done_callback(_running.discard)
