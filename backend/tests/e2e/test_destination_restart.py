"""A destination PostgreSQL server really restarting mid-load, on the session's real stack.

The module starts a throwaway PostgreSQL server of its own (Debian's 15 binaries, run as the
`postgres` user because initdb refuses root) so restarting it disturbs nothing else.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from e2e_client import PortalClient

from portal.devstack import free_port

pytestmark = pytest.mark.e2e

PG_BIN = Path("/usr/lib/postgresql/15/bin")
# Large enough that the load is still staging batches when the server restarts.
ROWS = 400_000
SENTINELS = 3


class Server:
    """A PostgreSQL server in `root/data` on `port`, controlled through pg_ctl."""

    def __init__(self, root: Path, port: int) -> None:
        self.root = root
        self.port = port
        self.data = root / "data"
        self.dsn = f"postgresql://postgres@127.0.0.1:{port}/postgres"

    def pg(self, tool: str, *args: str) -> None:
        command = [str(PG_BIN / tool), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, cwd=self.root, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, f"{tool} failed: {done.stdout}{done.stderr}"

    def ctl(self, action: str, *args: str) -> None:
        self.pg("pg_ctl", action, "-D", str(self.data), "-w", "-t", "30", *args)

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off"
        self.ctl("start", "-l", str(self.root / "server.log"), "-o", options)

    def restart(self) -> None:
        # pg_ctl keeps the server's options but not its log file: without -l the server would
        # inherit this process's output pipes and the call would never see end-of-file.
        self.ctl("restart", "-m", "fast", "-l", str(self.root / "server.log"))

    def stop(self) -> None:
        self.ctl("stop", "-m", "immediate")


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    # Not under pytest's tmp dir: its parents are private to root, and the server runs as postgres.
    root = Path(tempfile.mkdtemp(prefix="etl_restart_pg_"))
    root.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    running = Server(root, free_port())
    try:
        running.pg("initdb", "-D", str(running.data), "-A", "trust", "-U", "postgres", "--no-sync")
        running.start()
        yield running
    finally:
        if (running.data / "postmaster.pid").exists():
            running.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def big_file(portal: PortalClient, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path = tmp_path_factory.mktemp("restart") / "restart.csv"
    with path.open("w") as out:
        out.write("id,name,amount,day\n")
        out.writelines(
            f"{i},name {i},{i % 997}.{i % 100:02d},2024-01-{1 + i % 28:02d}\n" for i in range(1, ROWS + 1)
        )
    return portal.upload_csv(path)


def connect(server: Server) -> psycopg.Connection:
    return psycopg.connect(server.dsn, autocommit=True)


def row_counts(server: Server) -> tuple[int, int]:
    """(rows, distinct ids) in `restarted.target`, over a fresh connection (the server restarted)."""
    with connect(server) as conn:
        row = conn.execute("SELECT count(*), count(DISTINCT id) FROM restarted.target").fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def loading(run: dict[str, Any]) -> bool:
    return bool(run["status"] == "RUNNING" and run["rows_read"] > 0)


def test_destination_server_restarting_mid_load_fails_the_run_and_a_rerun_loads_each_row_once(
    portal: PortalClient, server: Server, big_file: dict[str, Any]
) -> None:
    credential = portal.create_credential(
        name="restarting destination",
        kind="postgres",
        host="127.0.0.1",
        port=server.port,
        database="postgres",
        username="postgres",
        password="not-checked-under-trust",
    )
    body = {
        "name": "load into a restarting server",
        "file_id": big_file["id"],
        "credential_id": credential["id"],
        "target_schema": "restarted",
        "target_table": "target",
        "batch_size": 10_000,
        "max_retries": 0,
    }
    # The target exists and holds SENTINELS rows in the very layout the portal would create.
    with connect(server) as conn:
        conn.execute("CREATE SCHEMA restarted")
        conn.execute(portal.preview_ddl(**body))
        conn.execute(
            "INSERT INTO restarted.target (id, name, amount, day) VALUES (-1, 'sentinel', 1, '2020-01-01'), "
            "(-2, 'sentinel', 2, '2020-01-02'), (-3, 'sentinel', 3, '2020-01-03')"
        )
    job = portal.create_job(**body)

    run = portal.execute(job["id"])
    portal.wait_for_run(run["id"], loading)
    server.restart()
    final = portal.follow(run["id"], timeout=120)[-1].data

    assert final["status"] == "FAILED", final
    assert final["error_message"], final
    assert row_counts(server) == (SENTINELS, SENTINELS)

    rerun = portal.follow(portal.execute(job["id"])["id"], timeout=180)[-1].data
    assert rerun["status"] == "COMPLETED", rerun
    assert (rerun["rows_read"], rerun["rows_loaded"]) == (ROWS, ROWS)
    assert row_counts(server) == (ROWS + SENTINELS, ROWS + SENTINELS)
