"""Live configuration: GetConfig, UpdateConfig (validated as a whole, applied in place,
stored as a numbered revision), ListConfigRevisions, reloading the TOML file on SIGHUP, and
the latest revision applied again at start-up, and revisions stored by other servers on the
same store applied as they come (told by their notification; read every POLL_S as well,
should one be lost).

Settings that need a restart (the listen address, the database path, ...) are refused.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping
from typing import Any, Final

from taskqueue_server import config, errors
from taskqueue_server.config import Settings
from taskqueue_server.polling import Poll
from taskqueue_server.queue import page_tokens, validation
from taskqueue_server.queue.page_tokens import PageTokens
from taskqueue_server.store.port import ConfigRevision, Store, Transaction

log = logging.getLogger(__name__)

POLL_S: Final = 10.0


class ConfigManager:
    """Owns the server's one Settings object and its revisions.

    Args:
        settings: the object every part of the server reads; changed in place.
        sources: where each setting's value came from (public name -> "default", "file …",
            "env …", "flag …", "revision N"); kept up to date.
        config_file: the TOML file to reload on SIGHUP, if any.
    """

    def __init__(
        self,
        db: Store,
        settings: Settings,
        sources: dict[str, str],
        config_file: str,
        clock: Callable[[], int],
    ) -> None:
        self._db = db
        self.settings = settings
        self.sources = sources
        for name in settings.public():
            sources.setdefault(name, "default")
        self._config_file = config_file
        self._clock = clock
        self.revision = 0
        self._tokens: PageTokens | None = None
        self._watching = Poll("config revisions", POLL_S, self._follow)

    def live_values(self) -> dict[str, Any]:
        return {k: v for k, v in self.settings.public().items() if not config.needs_restart(k)}

    async def load_latest(self) -> None:
        """Applies the latest stored revision to every live setting no flag has set."""
        found = await self._db.read(lambda s: s.latest_config())
        if found is not None:
            self._take(*found)

    def _take(self, revision: int, values: Mapping[str, Any]) -> None:
        self.revision = revision
        keep = {
            k: v
            for k, v in values.items()
            if k in self.live_values() and not self.sources.get(k, "").startswith("flag")
        }
        try:
            candidate = self.settings.changed(keep)
        except ValueError as exc:
            log.error("ignoring stored config revision %d: %s", self.revision, exc)
            return
        self._apply(candidate, {k: f"revision {self.revision}" for k in keep})

    def start(self) -> None:
        """Follows revisions other servers store (several servers on one PostgreSQL; one
        server holds an SQLite file, nothing to follow)."""
        if self._db.shared:
            self._db.follow("config", self._watching.nudge)
            self._watching.start()

    async def stop(self) -> None:
        await self._watching.stop()

    async def _follow(self) -> None:
        """Applies a stored revision newer than this server's (an UpdateConfig through
        another server on the same store is in force here as soon as its notification comes)."""
        found = await self._db.read(lambda s: s.latest_config(), quick=True)
        if found is not None and found[0] > self.revision:
            log.info("config revision %d, stored by another server: applied", found[0])
            self._take(*found)

    def _apply(self, candidate: Settings, sources: Mapping[str, str]) -> None:
        for f in dataclasses.fields(candidate):
            setattr(self.settings, f.name, getattr(candidate, f.name))
        self.sources.update(sources)

    async def update(self, values: Mapping[str, Any], *, actor: str) -> int:
        """Validates `values` as a whole and applies them live as a new revision; nothing
        changes when any of them is refused."""
        problems: list[errors.FieldViolation] = []
        for name in values:
            if name not in self.settings.public():
                problems.append(
                    errors.FieldViolation(
                        field=f"update_mask.{name}", description="no such setting"
                    )
                )
            elif config.needs_restart(name):
                problems.append(
                    errors.FieldViolation(
                        field=f"config.{name}",
                        description="cannot change while the server runs: set it in the config"
                        " file, environment or flags, and restart",
                    )
                )
        if problems:
            raise errors.InvalidArgument(problems)
        try:
            candidate = self.settings.changed(values)
        except ValueError as exc:
            raise errors.InvalidArgument(
                [errors.FieldViolation(field="config", description=str(exc))]
            ) from exc
        bad = candidate.problems()
        if bad:
            raise errors.InvalidArgument(
                [
                    errors.FieldViolation(field=f"config.{p.split('=')[0]}", description=p)
                    for p in bad
                ]
            )
        before = self.settings.public()
        after = candidate.public()
        changes = {k: (before[k], after[k]) for k in values if before[k] != after[k]}
        if not changes:
            return self.revision
        settings_after = {k: v for k, v in after.items() if not config.needs_restart(k)}
        now = self._clock()

        def op(tx: Transaction) -> int:
            return tx.insert_config(now=now, actor=actor, changes=changes, settings=settings_after)

        self.revision = await self._db.write(op)
        self._apply(candidate, {k: f"revision {self.revision}" for k in changes})
        log.info("config revision %d by %s: %s", self.revision, actor, changes)
        return self.revision

    async def reload_file(self) -> int | None:
        """SIGHUP: applies the live settings of the config file that differ from now."""
        if not self._config_file:
            log.warning("SIGHUP: no --config file to reload")
            return None
        try:
            from_file = Settings().with_file(self._config_file).public()
            with_keys = config_keys(self._config_file)
        except (OSError, ValueError) as exc:
            log.error("SIGHUP: %s; nothing changed", exc)
            return None
        current = self.settings.public()
        wanted = {k: from_file[k] for k in with_keys if from_file[k] != current[k]}
        restart = [k for k in wanted if config.needs_restart(k)]
        if restart:
            log.warning("SIGHUP: %s need a restart; left as they are", ", ".join(restart))
        live = {k: v for k, v in wanted.items() if k not in restart}
        try:
            return await self.update(live, actor="sighup")
        except errors.InvalidArgument as exc:
            log.error("SIGHUP: %s; nothing changed", exc.message)
            return None

    async def revisions(
        self, *, page_size: int, page_token: str
    ) -> tuple[list[ConfigRevision], str]:
        """One page of the revision history, newest first, and the next page's token."""
        if self._tokens is None:
            self._tokens = await PageTokens.of(self._db)
        v = validation.Violations()
        size = page_tokens.page_size(page_size, v, default=50, maximum=1000)
        query = page_tokens.scope("config-revisions")
        after = self._tokens.decode(page_token, query, v, length=1)
        v.raise_if_any()
        before = after[0] if after else 2**62
        found = await self._db.read(lambda s: s.config_revisions(before=before, limit=size + 1))
        more = len(found) > size
        found = found[:size]
        token = self._tokens.encode(query, (found[-1].revision,)) if more and found else ""
        return found, token


def config_keys(path: str) -> list[str]:
    import tomllib

    with open(path, "rb") as f:
        return list(tomllib.load(f))
