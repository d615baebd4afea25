"""Checks on what callers send. Each check either returns the clean value or records a
violation; a request with any violation is refused whole with every violation listed.
"""

from __future__ import annotations

import json
import posixpath
import re
import uuid
from collections.abc import Sequence
from typing import Any, Final

from taskqueue_server import errors
from taskqueue_server.model import Priority

MAX_PATH_BYTES: Final = 4096
MAX_TAGS: Final = 20
MAX_WORKER_ID_CHARS: Final = 256
MAX_RESULT_BYTES: Final = 1024 * 1024
MAX_ERROR_BYTES: Final = 64 * 1024
MAX_IN_FLIGHT: Final = 1000
_TAG: Final = re.compile(r"[A-Za-z0-9._:/-]{1,64}")


class Violations:
    """Collects field violations; `raise_if_any` refuses the request when there are some."""

    def __init__(self) -> None:
        self.items: list[errors.FieldViolation] = []

    def add(self, field: str, description: str) -> None:
        self.items.append(errors.FieldViolation(field=field, description=description))

    def raise_if_any(self) -> None:
        if self.items:
            raise errors.InvalidArgument(self.items)


# Unicode category Cc is exactly C0, DEL and C1.
_CONTROL: Final = re.compile("[\x00-\x1f\x7f-\x9f]")


def _has_control(text: str) -> bool:
    return _CONTROL.search(text) is not None


# Valid values seen lately, as checked (a batch's tasks mostly share their directory and
# tags; checking them took 1.2 of the ~10 us the event loop spends on a task of a batch).
_REMEMBERED: Final = 4096
_CLEAN_PATHS: dict[str, str] = {}
_CLEAN_TAGS: dict[tuple[str, ...], tuple[str, ...]] = {}
_PRIORITIES: Final = {int(p): p for p in Priority}


def _remember(seen: dict[Any, Any], value: Any, clean: Any) -> None:
    if len(seen) >= _REMEMBERED:
        seen.clear()
    seen[value] = clean


def work_directory(value: str, v: Violations, field: str = "work_directory") -> str:
    """An absolute POSIX path, normalised: no `.`/`..` segments, no doubled or trailing `/`."""
    clean = _CLEAN_PATHS.get(value)
    if clean is not None:
        return clean
    if not value:
        v.add(field, "required: an absolute path such as /home/user/project")
        return value
    if len(value.encode("utf-8", "surrogatepass")) > MAX_PATH_BYTES:
        v.add(field, f"too long: at most {MAX_PATH_BYTES} bytes")
        return value
    if _has_control(value):
        v.add(field, "must not contain NUL or control characters")
        return value
    if not value.startswith("/"):
        v.add(field, f"must be an absolute path starting with '/', got {value[:80]!r}")
        return value
    # normpath keeps a leading "//" (POSIX leaves it implementation-defined); fold it.
    clean = "/" + posixpath.normpath(value).lstrip("/")
    _remember(_CLEAN_PATHS, value, clean)
    return clean


def prompt(value: str, v: Violations, *, max_bytes: int) -> str:
    """Any text that is not blank and fits the limit; kept exactly as sent."""
    if not value.strip():
        v.add("prompt", "required: must not be empty or only whitespace")
    elif len(value.encode("utf-8", "surrogatepass")) > max_bytes:
        v.add("prompt", f"too long: at most {max_bytes} bytes of UTF-8")
    elif "\x00" in value:
        v.add("prompt", "must not contain NUL characters")
    return value


def priority(value: int, v: Violations, field: str = "priority") -> Priority:
    """A known priority; unspecified (0) means medium."""
    if value == 0:
        return Priority.MEDIUM
    known = _PRIORITIES.get(value)
    if known is None:
        v.add(
            field, f"unknown priority {value}: use PRIORITY_HIGH, PRIORITY_MEDIUM or PRIORITY_LOW"
        )
        return Priority.MEDIUM
    return known


def tags(values: Sequence[str], v: Violations) -> tuple[str, ...]:
    """Valid tags without duplicates, in the order first given."""
    given = tuple(values)
    clean = _CLEAN_TAGS.get(given)
    if clean is not None:
        return clean
    unique = tuple(dict.fromkeys(given))
    if len(unique) > MAX_TAGS:
        v.add("tags", f"too many tags: {len(unique)}, at most {MAX_TAGS}")
        return unique
    valid = True
    for tag in unique:
        if not _TAG.fullmatch(tag):
            valid = False
            v.add(
                f"tags[{list(values).index(tag)}]",
                f"invalid tag {tag[:80]!r}: 1-64 characters of letters, digits and ._:/-",
            )
    if valid:
        _remember(_CLEAN_TAGS, given, unique)
    return unique


def task_id(value: str, v: Violations, field: str = "task_id") -> str:
    """A UUID, returned in canonical lower-case form."""
    if not value:
        v.add(field, "required: the task's UUID")
        return value
    try:
        return str(uuid.UUID(value)) if len(value) <= 64 else _bad_id(value, v, field)
    except ValueError:
        return _bad_id(value, v, field)


def _bad_id(value: str, v: Violations, field: str) -> str:
    v.add(field, f"not a task id: {value[:80]!r} is not a UUID")
    return value


def worker_id(value: str, v: Violations) -> str:
    """A worker name: 1-256 characters, no control characters."""
    if not value:
        v.add("worker_id", "required: a name for this worker, such as worker-1")
    elif len(value) > MAX_WORKER_ID_CHARS:
        v.add("worker_id", f"too long: at most {MAX_WORKER_ID_CHARS} characters")
    elif _has_control(value):
        v.add("worker_id", "must not contain NUL or control characters")
    return value


def lease_duration(
    value_us: int | None, v: Violations, *, default: int, minimum: int, maximum: int
) -> int:
    """A lease length in microseconds within bounds; None means the default."""
    if value_us is None:
        return default
    if not minimum <= value_us <= maximum:
        v.add(
            "lease_duration",
            f"must be from {minimum / 1e6:g}s to {maximum / 1e6:g}s, got {value_us / 1e6:g}s",
        )
    return value_us


def max_in_flight(value: int, v: Violations) -> int:
    """How many tasks a watcher may hold at once; 0 means 1."""
    if value == 0:
        return 1
    if not 1 <= value <= MAX_IN_FLIGHT:
        v.add("max_in_flight", f"must be from 1 to {MAX_IN_FLIGHT}, got {value}")
    return value


def lease_token(value: str, v: Violations, *, required: bool) -> str:
    """A token as a claim handed it out (opaque, short, printable)."""
    if not value:
        if required:
            v.add("lease_token", "required: the lease_token the claim returned")
    elif len(value) > 128 or _has_control(value):
        v.add("lease_token", "not a lease token this server hands out")
    return value


def result(value: dict[str, Any] | None, v: Violations) -> str | None:
    """The result object encoded as JSON, at most 1 MiB; None when there is none."""
    if value is None:
        return None
    encoded = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if len(encoded.encode("utf-8", "surrogatepass")) > MAX_RESULT_BYTES:
        v.add("result", f"too large: at most {MAX_RESULT_BYTES} bytes as JSON")
    return encoded


def error_message(value: str, v: Violations) -> str:
    """A failure message, at most 64 KiB."""
    if len(value.encode("utf-8", "surrogatepass")) > MAX_ERROR_BYTES:
        v.add("error", f"too long: at most {MAX_ERROR_BYTES} bytes")
    elif "\x00" in value:
        v.add("error", "must not contain NUL characters")
    return value


def original_prompt(value: str, v: Violations, *, max_bytes: int) -> str:
    """The prompt a worker reports it carried out; empty means not checked."""
    if len(value.encode("utf-8", "surrogatepass")) > max_bytes:
        v.add("original_prompt", f"too long: at most {max_bytes} bytes of UTF-8")
    return value
