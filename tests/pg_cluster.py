"""A private PostgreSQL cluster for tests that stop, restart or break the database server (never the
machine's shared server): initdb into a temporary directory, served on a free 127.0.0.1 port, run as
the `postgres` user when the tests run as root (initdb refuses root). `standby_of(primary)` makes a
streaming standby of a running cluster (`pg_basebackup -R`), which `promote()` turns into a primary."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.databases import selected_backends
from tests.receivers import free_port


def _bin_dir() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


def unavailable_reason() -> str | None:
    """Why a private cluster cannot be started here, or None."""
    if _bin_dir() is None:
        return "no PostgreSQL server binaries in /usr/lib/postgresql/*/bin"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser (initdb refuses root)"
    return None


class PrivateCluster:
    """`port`: where to listen (default: a free one); `options`: extra `-c name=value` server settings
    given on the command line, so a standby copied from this cluster does not inherit them."""

    def __init__(self, port: int | None = None, options: str = "", *, initdb: bool = True) -> None:
        bin_dir = _bin_dir()
        assert bin_dir is not None, unavailable_reason()
        self.bin = bin_dir
        self.port = port or free_port()
        self.options = options
        self.root = Path(tempfile.mkdtemp(prefix="onwatch-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        if initdb:
            self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    @classmethod
    def standby_of(cls, primary: PrivateCluster, port: int | None = None) -> PrivateCluster:
        """A streaming standby of the running `primary` (`pg_basebackup -R`: it follows the primary
        until promoted). Start it with start()."""
        standby = cls(port, initdb=False)
        standby._run(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
            "-D", str(standby.data), "-R", "-X", "stream", "--no-sync",
        )  # fmt: skip
        return standby

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        cmd = [str(self.bin / tool), *args]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            f"-c full_page_writes=off -c max_connections=100 {self.options}"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        """Fast shutdown: sessions are ended, committed work is kept. `immediate`: as if the machine
        died (no checkpoint, sessions cut)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def promote(self) -> None:
        """A standby becomes a primary (read-write), waiting until it is."""
        self._run("pg_ctl", "-D", str(self.data), "-w", "promote")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(subprocess.CalledProcessError):
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
            time.sleep(0.1)
        shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def running() -> Iterator[PrivateCluster]:
    """A started private cluster, removed after; skips the test when PostgreSQL tests are not selected
    or its binaries are missing."""
    if "postgresql" not in selected_backends():
        pytest.skip("PostgreSQL tests not selected (ONWATCH_TEST_DATABASES)")
    if reason := unavailable_reason():
        pytest.skip(reason)
    private = PrivateCluster()
    private.start()
    try:
        yield private
    finally:
        private.remove()
