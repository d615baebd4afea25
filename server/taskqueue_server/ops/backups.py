"""Online backups: copy, verify, compress, write atomically with a manifest; keep N; restore.

A backup is `taskqueue-<UTC time>.db.gz` plus `taskqueue-<UTC time>.json` (the manifest:
time, size, SHA-256 of the compressed file, schema version, task count, and what
`PRAGMA integrity_check` said of the copy before compression). Both are written to a
temporary name and renamed, so a backup either exists whole or not at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gzip
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Final, Protocol

from taskqueue_server import errors
from taskqueue_server.model import BackupInfo
from taskqueue_server.store.port import CopyFacts, Store

log = logging.getLogger(__name__)

PREFIX = "taskqueue-"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    tmp.replace(path)


def take(store: Store, directory: Path, now_us: int) -> BackupInfo:
    """Takes one backup of `store` into `directory` (blocking: run it in a thread)."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now_us / 1e6))
    name = f"{PREFIX}{stamp}{now_us % 1_000_000:06d}Z"
    with tempfile.TemporaryDirectory(dir=directory, prefix=".backup-") as work:
        raw = Path(work) / "copy.db"
        store.copy_to(str(raw))
        facts = store.inspect_copy(str(raw))
        if facts.integrity_check != "ok":
            raise errors.TaskQueueError(
                f"the copy failed its integrity check: {facts.integrity_check}",
                reason="BACKUP_NOT_VERIFIED",
            )
        packed = Path(work) / "copy.db.gz"
        with raw.open("rb") as src, gzip.open(packed, "wb", compresslevel=6) as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        with packed.open("rb") as f:
            os.fsync(f.fileno())
        target = directory / f"{name}.db.gz"
        packed.replace(target)
    info = BackupInfo(
        name=target.name,
        path=str(target),
        create_time=now_us,
        size_bytes=target.stat().st_size,
        sha256=_sha256(target),
        schema_version=facts.schema_version,
        task_count=facts.task_count,
        integrity_check=facts.integrity_check,
    )
    _write_atomically(directory / f"{name}.json", json.dumps(dataclasses.asdict(info)).encode())
    return info


def listed(directory: Path) -> list[BackupInfo]:
    """Every backup with a readable manifest, newest first."""
    found = []
    for manifest in directory.glob(f"{PREFIX}*.json"):
        try:
            found.append(BackupInfo(**json.loads(manifest.read_text())))
        except (OSError, ValueError, TypeError):
            log.warning("skipping unreadable backup manifest %s", manifest)
    return sorted(found, key=lambda b: b.create_time, reverse=True)


def prune(directory: Path, keep: int) -> None:
    """Deletes all but the `keep` newest backups."""
    for old in listed(directory)[keep:]:
        for path in (Path(old.path), Path(old.path.removesuffix(".db.gz") + ".json")):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


class RestoreTarget(Protocol):
    """Where a verified backup goes: a database file, a PostgreSQL schema (the adapter's)."""

    scratch: Path | None
    """The directory to unpack the copy into (beside a file target, for an atomic rename)."""
    magic: bytes
    """How a copy this target takes begins (a backup of the other store is refused)."""

    def check(self) -> None:
        """Raises when the backup may not go there (a server holds it, it is not empty)."""

    def place(self, copy: Path, info: BackupInfo) -> None:
        """Puts the verified copy in place."""


def restore(
    backup_path: str, target: RestoreTarget, *, inspect: Callable[[str], CopyFacts]
) -> BackupInfo:
    """Restores a backup into `target`: checks the manifest, the checksum and the copy's own
    verification (`inspect`, the adapter's) before `target` places it."""
    packed = Path(backup_path)
    manifest_path = packed.with_name(packed.name.removesuffix(".db.gz") + ".json")
    try:
        info = BackupInfo(**json.loads(manifest_path.read_text()))
    except (OSError, ValueError, TypeError) as exc:
        raise errors.TaskQueueError(
            f"cannot read the manifest {manifest_path}: {exc}", reason="BACKUP_UNREADABLE"
        ) from exc
    actual = _sha256(packed)
    if actual != info.sha256:
        raise errors.TaskQueueError(
            f"{packed} is damaged: its SHA-256 is {actual}, the manifest says {info.sha256}",
            reason="BACKUP_CHECKSUM_MISMATCH",
        )
    target.check()
    if target.scratch is not None:
        target.scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.scratch, prefix=".restore-") as work:
        raw = Path(work) / "restored.db"
        try:
            with gzip.open(packed, "rb") as src, raw.open("wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        except (OSError, EOFError) as exc:
            raise errors.TaskQueueError(
                f"{packed} cannot be decompressed: {exc}", reason="BACKUP_UNREADABLE"
            ) from exc
        with raw.open("rb") as f:
            begins = f.read(16)
        if not begins.startswith(target.magic):
            raise errors.TaskQueueError(
                f"{packed} is not a backup this store can take: {_kind_of(begins)}",
                reason="BACKUP_OF_ANOTHER_STORE",
            )
        facts = inspect(str(raw))
        if facts.integrity_check != "ok":
            raise errors.TaskQueueError(
                f"the restored copy failed its integrity check: {facts.integrity_check}",
                reason="BACKUP_NOT_VERIFIED",
            )
        target.place(raw, info)
    return info


SQLITE_MAGIC: Final = b"SQLite format 3\x00"
PG_DUMP_MAGIC: Final = b"PGDMP"


def _kind_of(begins: bytes) -> str:
    if begins.startswith(SQLITE_MAGIC):
        return "it is a backup of an SQLite store (restore it with --db PATH)"
    if begins.startswith(PG_DUMP_MAGIC):
        return "it is a backup of a PostgreSQL store (restore it with --db postgresql://...)"
    return "it is neither an SQLite database nor a pg_dump archive"


class FileTarget:
    """An SQLite database file: refused while a server holds it (`in_use`); a database it
    replaces is kept beside it as PATH.before-restore-<time>."""

    magic = SQLITE_MAGIC

    def __init__(self, db_path: str, *, in_use: Callable[[str], bool]) -> None:
        self.path = Path(db_path).resolve()
        self.scratch: Path | None = self.path.parent
        self._in_use = in_use

    def check(self) -> None:
        if self._in_use(str(self.path)):
            raise errors.TaskQueueError(
                f"{self.path} is in use by a running taskqueue server: stop it first",
                reason="DATABASE_IN_USE",
            )

    def place(self, copy: Path, info: BackupInfo) -> None:
        with copy.open("rb") as f:
            os.fsync(f.fileno())
        if self.path.exists():
            aside = self.path.with_name(f"{self.path.name}.before-restore-{int(time.time())}")
            for suffix in ("", "-wal", "-shm"):
                old = Path(str(self.path) + suffix)
                if old.exists():
                    old.replace(Path(str(aside) + suffix))
            log.warning("kept the database that was there as %s", aside)
        copy.replace(self.path)


class Backups:
    """CreateBackup and ListBackups, and the schedule from the settings.

    Args:
        store: the store to copy (`Store.copy_to`, verified by `Store.inspect_copy`).
        directory: where backups go.
        keep: how many to keep.
        interval_s: how often to take one on schedule; 0 means never.
        clock: microseconds since the epoch.
    """

    def __init__(
        self, store: Store, directory: Path, *, keep: Callable[[], int],
        interval_s: Callable[[], float], clock: Callable[[], int],
        on_outcome: Callable[[str], None] | None = None,
    ) -> None:  # fmt: skip
        self._store = store
        self.directory = directory
        self._keep = keep
        self._interval = interval_s
        self._clock = clock
        self._on_outcome = on_outcome or (lambda outcome: None)
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self.last_outcome = ""
        self.last_success: BackupInfo | None = None

    async def create(self) -> BackupInfo:
        """Takes a backup now (one at a time), then prunes old ones."""
        async with self._lock:
            try:
                info = await asyncio.to_thread(take, self._store, self.directory, self._clock())
            except errors.Unsupported:
                self.last_outcome = "failed: unsupported"
                self._on_outcome("failed")
                raise
            except (OSError, errors.TaskQueueError) as exc:
                message = getattr(exc, "message", str(exc))
                self.last_outcome = f"failed: {message}"
                self._on_outcome("failed")
                raise errors.StorageUnavailable(
                    f"backup failed: {message}", reason="BACKUP_FAILED"
                ) from exc
            await asyncio.to_thread(prune, self.directory, self._keep())
            self.last_outcome, self.last_success = "ok", info
            self._on_outcome("ok")
            log.info("backup %s: %d tasks, %d bytes", info.name, info.task_count, info.size_bytes)
            return info

    async def list(self) -> list[BackupInfo]:
        return await asyncio.to_thread(listed, self.directory)

    def start(self) -> None:
        self._task = asyncio.create_task(self._scheduled(), name="backups")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _scheduled(self) -> None:
        """A backup every interval (read live: 0 turns the schedule off); a failure is logged
        and retried after 1 s, 2 s, 4 s, … (never later than the next scheduled one)."""
        retry: float | None = None
        while True:
            interval = self._interval()
            if interval <= 0:
                await asyncio.sleep(1.0)
                continue
            await asyncio.sleep(interval if retry is None else min(retry, interval))
            if not self._store.leads:  # several servers on one store: the leader backs up
                continue
            try:
                await self.create()
                retry = None
            except errors.TaskQueueError as exc:
                retry = 1.0 if retry is None else retry * 2
                log.error("scheduled %s; retrying in %gs", exc.message, retry)
