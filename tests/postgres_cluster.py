"""A throwaway PostgreSQL cluster from the system's packages, on a free loopback port.

The tests start one per session (conftest.py `postgres_url`), and `make postgres` one in
.cache/postgres for trying the server by hand. `initdb` refuses to run as root: as root the
cluster belongs to the `postgres` user and every command runs through `runuser`.

  python tests/postgres_cluster.py start DIR   # prints the URL
  python tests/postgres_cluster.py stop DIR
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


def binary(name: str) -> str:
    """A PostgreSQL program: from the newest /usr/lib/postgresql/N/bin, else the PATH."""
    for directory in BIN_DIRS:
        if (directory / name).exists():
            return str(directory / name)
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} is not installed: apt-get install -y postgresql")
    return found


def _as_owner(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(directory: Path, *, fsync: bool = True) -> str:
    """Creates (once) and starts a cluster in `directory`; its URL (user postgres, trust
    authentication on loopback, database `postgres`)."""
    directory.mkdir(parents=True, exist_ok=True)
    data = directory / "data"
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    if not (data / "PG_VERSION").exists():
        subprocess.run(
            _as_owner([binary("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
                       "--no-sync"]),
            check=True, capture_output=True, text=True,
        )  # fmt: skip
    port = _free_port()
    options = f"-k {directory} -c listen_addresses=127.0.0.1 -p {port}"
    if not fsync:
        options += " -c fsync=off -c synchronous_commit=on -c full_page_writes=off"
    subprocess.run(
        _as_owner([binary("pg_ctl"), "-D", str(data), "-w", "-t", "30", "-l",
                   str(directory / "log"), "-o", options, "start"]),
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    (directory / "port").write_text(str(port))
    return f"postgresql://postgres@127.0.0.1:{port}/postgres"


def start_again(directory: Path) -> None:
    """Starts a stopped cluster on the port it had (stop, then this: an outage)."""
    port = (directory / "port").read_text().strip()
    subprocess.run(
        _as_owner([binary("pg_ctl"), "-D", str(directory / "data"), "-w", "-t", "30", "-l",
                   str(directory / "log"), "-o",
                   f"-k {directory} -c listen_addresses=127.0.0.1 -p {port} -c fsync=off",
                   "start"]),
        check=True, capture_output=True, text=True,
    )  # fmt: skip


def stop(directory: Path) -> None:
    data = directory / "data"
    if (data / "postmaster.pid").exists():
        subprocess.run(
            _as_owner([binary("pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
            check=False, capture_output=True, text=True,
        )  # fmt: skip


def restart(directory: Path) -> None:
    """Restarts the cluster in place (same port), as `pg_ctl restart` does."""
    subprocess.run(  # -l: the new postmaster must not hold our pipes (we would wait on them)
        _as_owner([binary("pg_ctl"), "-D", str(directory / "data"), "-m", "fast", "-w",
                   "-t", "30", "-l", str(directory / "log"), "restart"]),
        check=True, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def main() -> None:
    command, where = sys.argv[1], Path(sys.argv[2]).resolve()
    if command == "start":
        print(start(where))
    elif command == "stop":
        stop(where)
    else:
        raise SystemExit(f"usage: {sys.argv[0]} start|stop DIR")


if __name__ == "__main__":
    main()
