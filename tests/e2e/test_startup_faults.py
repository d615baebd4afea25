"""Files the server must not use: corrupt, another program's, or not writable. It refuses to
start, names the file and the problem, points to restoring a backup, and changes nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import apsw
import pytest
from support import ServerProcess


def start_fails(db: Path, *prefix: str, advice: str = "restore a backup") -> str:
    """Runs the server on `db`; asserts it exits with status 2, naming the file and giving
    `advice`, and returns what it said."""
    out = subprocess.run(
        [*prefix, sys.executable, "-m", "taskqueue_server.main", "--listen", "127.0.0.1:0",
         "--db", str(db)],
        capture_output=True, text=True, timeout=30, env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )  # fmt: skip
    assert out.returncode == 2, (out.returncode, out.stderr)
    assert "Traceback" not in out.stderr, out.stderr
    assert str(db) in out.stderr and advice in out.stderr, out.stderr
    return out.stderr


def test_garbage_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    db = tmp_path / "garbage.db"
    content = os.urandom(8192)
    db.write_bytes(content)
    said = start_fails(db)
    assert "not a database" in said
    assert db.read_bytes() == content
    assert not (tmp_path / "garbage.db-wal").exists()


def test_truncated_taskqueue_database_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    proc = ServerProcess(db)
    proc.start()
    proc.terminate()
    data = db.read_bytes()
    db.write_bytes(b"SQLite format 2\0" + data[16:])  # damage the header's magic
    said = start_fails(db)
    assert "corrupt" in said or "not a database" in said


def test_another_programs_database_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    conn = apsw.Connection(str(db))
    conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO users (name) VALUES ('ada')")
    conn.close()
    before = db.read_bytes()
    said = start_fails(db)
    assert "another program" in said and "users" in said
    assert db.read_bytes() == before
    other = tmp_path / "other.db"
    conn = apsw.Connection(str(other))
    conn.pragma("application_id", 0x12345678)
    conn.execute("CREATE TABLE t (x)")
    conn.close()
    assert "application id 0x12345678" in start_fails(other)


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root")
def test_unwritable_directory_is_refused_clearly_then_works_when_fixed() -> None:
    # Outside pytest's private temporary tree, which the unprivileged user cannot enter.
    home = Path(tempfile.mkdtemp(prefix="taskqueue-nobody-", dir="/tmp"))
    os.chown(home, 65534, 65534)
    db = home / "t.db"
    as_nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    ok = subprocess.run(
        [*as_nobody, sys.executable, "-c", "import taskqueue_server"], capture_output=True
    )
    if ok.returncode != 0:
        pytest.skip("the unprivileged user cannot read this checkout")
    os.chmod(home, 0o555)  # not writable: SQLite cannot create the database or its WAL
    said = start_fails(db, *as_nobody, advice="must be writable by this user")
    assert "cannot be opened for writing" in said
    os.chmod(home, 0o755)
    out = subprocess.Popen(
        [*as_nobody, sys.executable, "-m", "taskqueue_server.main", "--listen", "127.0.0.1:0",
         "--db", str(db)],
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert out.stderr is not None
        for line in out.stderr:
            if "serving taskqueue.v1.TaskQueueService" in line:
                break
        else:
            pytest.fail("the server did not start once the directory was writable")
    finally:
        out.kill()
        out.wait()
        if out.stderr:
            out.stderr.close()
        shutil.rmtree(home, ignore_errors=True)
