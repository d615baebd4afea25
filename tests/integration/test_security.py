"""Authentication, roles, the auth log and rate limits, through the real gRPC interface."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import apsw
import grpc
import psycopg
import pytest
from google.protobuf import duration_pb2
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from grpc_status import rpc_status
from pki import AUDIENCE, ISSUER, JwtKeys, make_jwt_keys
from psycopg import sql
from support import (
    Running,
    create_request,
    db_digest,
    digest,
    rich_error,
    running_server,
    schema_for,
    wait_for,
)
from taskqueue.v1 import taskqueue_service_pb2 as pb
from taskqueue_server.security import keys, roles
from taskqueue_server.security.service import create_key_in
from taskqueue_server.store.postgres import offline as postgres_offline
from taskqueue_server.store.sqlite.offline import run_offline

pytestmark = pytest.mark.anyio

AUDITED = ("audit_events",)
"""A refused call is written to the auth log: the one change its refusal makes."""


@dataclass
class Secured:
    tq: Running
    tokens: dict[str, str]
    """An API key per role."""
    jwt: JwtKeys

    def md(self, token: str) -> tuple[tuple[str, str], ...]:
        return (("authorization", f"Bearer {token}"),)

    def as_role(self, role: str) -> tuple[tuple[str, str], ...]:
        return self.md(self.tokens[role])


def add_key(
    db: Path, name: str, role: str, ttl_us: int | None = None, now: int = 0, postgres: str = ""
) -> str:
    """A key stored as the keys command stores it: in the SQLite file `db`, or with
    `postgres` in the schema a server on `db` would use."""
    import time

    token, stored = keys.new_key(
        name=name, role=role, now_us=now or int(time.time() * 1e6), ttl_us=ttl_us
    )
    if postgres:
        postgres_offline.run_offline(
            postgres, lambda tx: create_key_in(tx, stored), schema=schema_for(db)
        )
        return token
    run_offline(str(db), lambda tx: create_key_in(tx, stored))
    keys.touch_stamp(str(db))
    return token


@pytest.fixture
async def secured(
    tmp_path: Path, store: str, request: pytest.FixtureRequest
) -> AsyncIterator[Secured]:
    """A server with authentication on, a key per role and JWT material, on each store."""
    db = tmp_path / "taskqueue.db"
    url = request.getfixturevalue("postgres_url") if store == "postgres" else ""
    tokens = {role: add_key(db, f"{role}-key", role, postgres=url) for role in roles.ROLES}
    material = make_jwt_keys(tmp_path / "jwt")
    async with running_server(
        db,
        postgres=url,
        auth_enabled=True,
        jwt_secret_file=str(material.secret_file),
        jwt_public_key_file=str(material.rsa_public_file),
        jwt_jwks_file=str(material.jwks_file),
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
    ) as tq:
        yield Secured(tq, tokens, material)


async def test_every_method_has_roles_in_the_table() -> None:
    methods = set(pb.DESCRIPTOR.services_by_name["TaskQueueService"].methods_by_name)
    assert methods == set(roles.METHOD_ROLES), "a method without roles is refused to everyone"
    for method, allowed in roles.METHOD_ROLES.items():
        assert roles.ADMIN in allowed, method


async def _call(s: Secured, method: str, metadata: Any) -> grpc.StatusCode:
    """Calls `method` with an empty request; the code it ended with (OK included)."""
    stub_method = getattr(s.tq.stub, method)
    request_type = pb.DESCRIPTOR.services_by_name["TaskQueueService"].methods_by_name[method]
    request = getattr(pb, request_type.input_type.name)()
    if method == "Work":

        async def subscribe() -> AsyncIterator[pb.WorkRequest]:
            yield pb.WorkRequest(
                subscribe=pb.WatchNextRequest(worker_id="w", work_directory="/nothing/here")
            )
            await asyncio.sleep(5)

        stream = stub_method(subscribe(), metadata=metadata, timeout=0.5)
        try:
            await stream.read()
        except grpc.aio.AioRpcError as exc:
            return exc.code()
        return grpc.StatusCode.OK
    if method == "WatchNext":
        request = pb.WatchNextRequest(worker_id="w", work_directory="/nothing/here")
        call = stub_method(request, metadata=metadata, timeout=0.5)
        try:
            async for _ in call:
                break
        except grpc.aio.AioRpcError as exc:
            return exc.code()
        return grpc.StatusCode.OK
    try:
        await stub_method(request, metadata=metadata, timeout=10)
    except grpc.aio.AioRpcError as exc:
        return exc.code()
    return grpc.StatusCode.OK


async def test_every_role_against_every_method(secured: Secured) -> None:
    methods = pb.DESCRIPTOR.services_by_name["TaskQueueService"].methods_by_name
    for role in roles.ROLES:
        for method in methods:
            code = await _call(secured, method, secured.as_role(role))
            if role in roles.METHOD_ROLES[method]:
                assert code not in (
                    grpc.StatusCode.PERMISSION_DENIED,
                    grpc.StatusCode.UNAUTHENTICATED,
                ), (role, method, code)
            else:
                assert code == grpc.StatusCode.PERMISSION_DENIED, (role, method, code)


async def test_refused_role_changes_nothing_and_says_why(secured: Secured) -> None:
    stub = secured.tq.stub
    await stub.CreateTask(create_request(), metadata=secured.as_role("submitter"))
    before = digest(secured.tq, leaving_out=AUDITED)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stub.CreateTask(create_request(), metadata=secured.as_role("worker"))
    error = rich_error(caught.value)
    assert error.code == grpc.StatusCode.PERMISSION_DENIED
    assert error.reason == "ROLE_NOT_ALLOWED"
    assert error.metadata["method"] == "CreateTask"
    assert error.metadata["allowed_roles"] == "submitter,admin"
    assert error.metadata["principal"] == "key:worker-key"
    assert digest(secured.tq, leaving_out=AUDITED) == before


@pytest.mark.parametrize(
    ("metadata", "reason"),
    [
        ((), "MISSING_CREDENTIALS"),
        ((("authorization", "Basic dXNlcjpwYXNz"),), "MALFORMED_CREDENTIALS"),
        ((("authorization", "Bearer"),), "MALFORMED_CREDENTIALS"),
        ((("authorization", "Bearer tq_nonsense"),), "MALFORMED_API_KEY"),
        ((("authorization", "Bearer tq_0123456789abcdef_" + "x" * 43),), "UNKNOWN_API_KEY"),
        ((("authorization", "Bearer not-a-jwt"),), "MALFORMED_TOKEN"),
        ((("authorization", "Bearer " + "a" * 4000),), "MALFORMED_TOKEN"),
    ],
)
async def test_no_or_malformed_credentials_are_unauthenticated(
    secured: Secured, metadata: Any, reason: str
) -> None:
    before = digest(secured.tq, leaving_out=AUDITED)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await secured.tq.stub.CreateTask(create_request(), metadata=metadata)
    error = rich_error(caught.value)
    assert (error.code, error.reason) == (grpc.StatusCode.UNAUTHENTICATED, reason)
    assert digest(secured.tq, leaving_out=AUDITED) == before


async def test_health_and_reflection_answer_without_credentials(secured: Secured) -> None:
    health = health_pb2_grpc.HealthStub(secured.tq.channel)
    answer = await health.Check(
        health_pb2.HealthCheckRequest(service="taskqueue.v1.TaskQueueService")
    )
    assert answer.status == health_pb2.HealthCheckResponse.SERVING
    reflection = reflection_pb2_grpc.ServerReflectionStub(secured.tq.channel)

    async def one() -> AsyncIterator[reflection_pb2.ServerReflectionRequest]:
        yield reflection_pb2.ServerReflectionRequest(list_services="")

    async for response in reflection.ServerReflectionInfo(one()):
        names = {s.name for s in response.list_services_response.service}
        assert "taskqueue.v1.TaskQueueService" in names
        break


async def test_jwts_of_each_kind_are_accepted(secured: Secured) -> None:
    j = secured.jwt
    for token in (j.hs256(), j.rs256(), j.es256(), j.hs256(role=["monitor", "submitter"])):
        created = await secured.tq.stub.CreateTask(create_request(), metadata=secured.md(token))
        assert created.task.id
    # a token 10 s past its exp is still inside the 30 s clock-skew allowance
    import time

    late = j.hs256(exp=int(time.time()) - 10)
    await secured.tq.stub.GetStats(
        pb.GetStatsRequest(), metadata=secured.md(j.hs256(role="monitor"))
    )
    await secured.tq.stub.CreateTask(create_request(), metadata=secured.md(late))


async def test_bad_jwts_are_refused_with_a_reason(secured: Secured) -> None:
    import time

    j = secured.jwt
    now = int(time.time())
    other = make_jwt_keys(secured.tq.db_path.parent / "other")
    cases = {
        "expired": (j.hs256(exp=now - 120), "TOKEN_EXPIRED"),
        "not yet valid": (j.hs256(nbf=now + 600), "TOKEN_NOT_YET_VALID"),
        "wrong audience": (j.hs256(aud="someone-else"), "WRONG_AUDIENCE"),
        "wrong issuer": (j.hs256(iss="https://evil.example"), "WRONG_ISSUER"),
        "wrong signature HS": (other.hs256(), "BAD_SIGNATURE"),
        "wrong signature RS": (other.rs256(), "BAD_SIGNATURE"),
        "unknown kid": (other.es256(kid="ec-9"), "UNKNOWN_SIGNING_KEY"),
        "known kid, other key": (other.es256(kid="ec-1"), "BAD_SIGNATURE"),
        "alg none": (j.unsigned(), "ALGORITHM_NOT_ALLOWED"),
        "HS keyed with the RS public key": (j.hs256_with_public_key(), "BAD_SIGNATURE"),
        "no exp": (j.hs256(exp=None), "MISSING_CLAIM"),
        "no sub": (j.hs256(sub=None), "MISSING_CLAIM"),
    }
    before = digest(secured.tq, leaving_out=AUDITED)
    for what, (token, reason) in cases.items():
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await secured.tq.stub.CreateTask(create_request(), metadata=secured.md(token))
        error = rich_error(caught.value)
        assert (error.code, error.reason) == (grpc.StatusCode.UNAUTHENTICATED, reason), what
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await secured.tq.stub.CreateTask(
            create_request(), metadata=secured.md(j.hs256(role="superuser"))
        )
    error = rich_error(caught.value)
    assert (error.code, error.reason) == (grpc.StatusCode.PERMISSION_DENIED, "NO_ROLE")
    assert digest(secured.tq, leaving_out=AUDITED) == before


async def test_hs_rs_confusion_is_refused_without_an_hs_secret(tmp_path: Path) -> None:
    material = make_jwt_keys(tmp_path / "jwt")
    async with running_server(
        tmp_path / "t.db",
        auth_enabled=True,
        jwt_public_key_file=str(material.rsa_public_file),
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
    ) as tq:
        md = (("authorization", f"Bearer {material.hs256_with_public_key()}"),)
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await tq.stub.CreateTask(create_request(), metadata=md)
        assert rich_error(caught.value).reason == "ALGORITHM_NOT_ALLOWED"
        ok = (("authorization", f"Bearer {material.rs256()}"),)
        assert (await tq.stub.CreateTask(create_request(), metadata=ok)).task.id


async def test_api_keys_created_revoked_and_expired_over_the_api(secured: Secured) -> None:
    stub, admin = secured.tq.stub, secured.as_role("admin")
    made = await stub.CreateApiKey(
        pb.CreateApiKeyRequest(name="ci-bot", role=pb.ROLE_SUBMITTER), metadata=admin
    )
    assert made.key.startswith("tq_") and made.api_key.name == "ci-bot"
    await stub.CreateTask(create_request(), metadata=secured.md(made.key))
    listed = await stub.ListApiKeys(pb.ListApiKeysRequest(), metadata=admin)
    assert "ci-bot" in {k.name for k in listed.api_keys}
    assert made.key not in str(listed)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stub.CreateApiKey(
            pb.CreateApiKeyRequest(name="ci-bot", role=pb.ROLE_WORKER), metadata=admin
        )
    assert rich_error(caught.value).reason == "API_KEY_NAME_TAKEN"
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stub.CreateApiKey(pb.CreateApiKeyRequest(name="", role=0), metadata=admin)
    assert rich_error(caught.value).fields == ["name", "role"]

    await stub.RevokeApiKey(pb.RevokeApiKeyRequest(key="ci-bot"), metadata=admin)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stub.CreateTask(create_request(), metadata=secured.md(made.key))
    error = rich_error(caught.value)
    assert (error.code, error.reason) == (grpc.StatusCode.UNAUTHENTICATED, "API_KEY_REVOKED")
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stub.RevokeApiKey(pb.RevokeApiKeyRequest(key="ci-bot"), metadata=admin)
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND

    expired = add_key(secured.tq.db_path, "old", "submitter", ttl_us=1, now=1_000_000,
                      postgres=secured.tq.postgres)  # fmt: skip
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stub.CreateTask(create_request(), metadata=secured.md(expired))
    assert rich_error(caught.value).reason == "API_KEY_EXPIRED"
    short = await stub.CreateApiKey(
        pb.CreateApiKeyRequest(
            name="brief", role=pb.ROLE_MONITOR, ttl=duration_pb2.Duration(seconds=3600)
        ),
        metadata=admin,
    )
    assert short.api_key.expire_time.seconds > short.api_key.create_time.seconds


async def test_revocation_by_another_process_holds_from_the_next_call(secured: Secured) -> None:
    """On SQLite from the very next call (the file's stamp); on PostgreSQL within the poll of
    the store's count of key changes (a second)."""
    tq = secured.tq
    token = add_key(tq.db_path, "temp", "monitor", postgres=tq.postgres)

    async def refused() -> bool:
        try:
            await tq.stub.GetStats(pb.GetStatsRequest(), metadata=secured.md(token))
        except grpc.aio.AioRpcError as exc:
            return rich_error(exc).reason == "API_KEY_REVOKED"
        return False

    if tq.postgres:
        await wait_for(lambda: _accepted(tq, secured.md(token)), 10, "the new key accepted")
        postgres_offline.run_offline(
            tq.postgres, lambda tx: tx.revoke_key("temp", 1), schema=tq.schema
        )
        await wait_for(refused, 10, "the revoked key refused")
        return
    await tq.stub.GetStats(pb.GetStatsRequest(), metadata=secured.md(token))
    run_offline(str(tq.db_path), lambda tx: tx.revoke_key("temp", 1))
    keys.touch_stamp(str(tq.db_path))
    assert await refused()


async def _accepted(tq: Running, md: tuple[tuple[str, str], ...]) -> bool:
    try:
        await tq.stub.GetStats(pb.GetStatsRequest(), metadata=md)
    except grpc.aio.AioRpcError:
        return False
    return True


async def test_only_a_salted_hash_of_a_key_is_stored(secured: Secured) -> None:
    if secured.tq.postgres:
        with psycopg.connect(secured.tq.postgres) as pg:
            table = sql.SQL("{}.api_keys").format(sql.Identifier(secured.tq.schema))
            dump = repr(pg.execute(sql.SQL("SELECT * FROM {}").format(table)).fetchall())
            salts = [bytes(r[0]) for r in pg.execute(sql.SQL("SELECT salt FROM {}").format(table))]
    else:
        conn = apsw.Connection(str(secured.tq.db_path), flags=apsw.SQLITE_OPEN_READONLY)
        try:
            dump = repr(list(conn.execute("SELECT * FROM api_keys")))
            salts = [row[0] for row in conn.execute("SELECT salt FROM api_keys")]
        finally:
            conn.close()
    for token in secured.tokens.values():
        secret = token.split("_", 2)[2]
        assert secret not in dump and secret.encode() not in dump.encode()
    assert len(set(salts)) == len(salts) == len(secured.tokens)


async def test_auth_log_records_failures_and_admin_calls(secured: Secured) -> None:
    stub, admin = secured.tq.stub, secured.as_role("admin")
    with pytest.raises(grpc.aio.AioRpcError):
        await stub.GetTask(pb.GetTaskRequest(task_id="x"))
    with pytest.raises(grpc.aio.AioRpcError):
        await stub.GetConfig(pb.GetConfigRequest(), metadata=secured.as_role("worker"))
    await stub.ListBackups(pb.ListBackupsRequest(), metadata=admin)
    page = await stub.ListAuditEvents(pb.ListAuditEventsRequest(), metadata=admin)
    events = [(e.principal, e.method.rsplit("/", 1)[1], e.outcome, e.reason) for e in page.events]
    assert events[:3] == [
        ("key:admin-key", "ListBackups", "OK", ""),
        ("key:worker-key", "GetConfig", "PERMISSION_DENIED", "ROLE_NOT_ALLOWED"),
        ("", "GetTask", "UNAUTHENTICATED", "MISSING_CREDENTIALS"),
    ]
    assert all(e.peer.startswith("ipv4:127.0.0.1:") and e.time.seconds > 0 for e in page.events)
    failures = await stub.ListAuditEvents(
        pb.ListAuditEventsRequest(failures_only=True), metadata=admin
    )
    assert {e.outcome for e in failures.events} == {"UNAUTHENTICATED", "PERMISSION_DENIED"}
    mine = await stub.ListAuditEvents(
        pb.ListAuditEventsRequest(principal="key:worker-key"), metadata=admin
    )
    assert [e.method.rsplit("/", 1)[1] for e in mine.events] == ["GetConfig"]
    # pages: newest first, no entry twice
    seen: list[int] = []
    token = ""
    while True:
        page = await stub.ListAuditEvents(
            pb.ListAuditEventsRequest(page_size=2, page_token=token), metadata=admin
        )
        seen += [e.seq for e in page.events]
        token = page.next_page_token
        if not token:
            break
    assert seen == sorted(seen, reverse=True) and len(seen) == len(set(seen)) >= 4
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stub.ListAuditEvents(pb.ListAuditEventsRequest(page_token="zzz"), metadata=admin)
    assert rich_error(caught.value).fields == ["page_token"]


async def test_a_token_never_appears_in_logs_errors_or_stats(
    secured: Secured, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    j = secured.jwt
    secrets_used = [
        *secured.tokens.values(),
        j.hs256(),
        j.hs256(exp=1),
        j.hs256(aud="x"),
        "tq_0123456789abcdef_" + "s" * 43,
        "definitely-not-a-token-but-secret",
    ]
    texts: list[str] = []
    for token in secrets_used:
        for method in ("CreateTask", "GetConfig", "ListAuditEvents"):
            request = (
                create_request() if method == "CreateTask" else getattr(pb, f"{method}Request")()
            )
            try:
                await getattr(secured.tq.stub, method)(request, metadata=secured.md(token))
            except grpc.aio.AioRpcError as exc:
                texts.append(
                    f"{exc.details()} {exc.trailing_metadata()} {exc.debug_error_string()}"
                )
    admin = secured.as_role("admin")
    texts.append(
        str(await secured.tq.stub.ListAuditEvents(pb.ListAuditEventsRequest(), metadata=admin))
    )
    texts.append(str(await secured.tq.stub.GetStats(pb.GetStatsRequest(), metadata=admin)))
    from prometheus_client import generate_latest

    texts.append(generate_latest(secured.tq.server.metrics.registry).decode())
    texts.append(caplog.text)
    everything = "\n".join(texts)
    assert "auth" in caplog.text  # the auth log did write lines
    for token in secrets_used:
        assert token not in everything
        assert token.split(".")[-1] not in everything  # not even a JWT signature


async def _set(s: Secured, **values: Any) -> None:
    config = pb.ServerConfig(**values)
    await s.tq.stub.UpdateConfig(
        pb.UpdateConfigRequest(config=config, update_mask={"paths": list(values)}),
        metadata=s.as_role("admin"),
    )


def _retry_delay(exc: grpc.aio.AioRpcError) -> float:
    status = rpc_status.from_call(exc)  # type: ignore[arg-type]
    assert status is not None
    for detail in status.details:
        if detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            info = error_details_pb2.RetryInfo()
            detail.Unpack(info)
            return float(info.retry_delay.ToNanoseconds() / 1e9)
    raise AssertionError("no RetryInfo")


async def test_burst_over_the_principal_limit_is_refused_then_recovers(secured: Secured) -> None:
    stub, submitter = secured.tq.stub, secured.as_role("submitter")
    await _set(secured, rate_limit_submitter_per_second=4.0, rate_limit_submitter_burst=3)
    for _ in range(3):
        await stub.CreateTask(create_request(), metadata=submitter)
    before = digest(secured.tq, leaving_out=AUDITED)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stub.CreateTask(create_request(), metadata=submitter)
    error = rich_error(caught.value)
    assert (error.code, error.reason) == (grpc.StatusCode.RESOURCE_EXHAUSTED, "RATE_LIMITED")
    assert error.metadata["scope"] == "principal"
    delay = _retry_delay(caught.value)
    assert 0 < delay <= 0.25 + 1e-6
    assert digest(secured.tq, leaving_out=AUDITED) == before, "a throttled call is not executed"
    # other principals have their own buckets
    await stub.GetStats(pb.GetStatsRequest(), metadata=secured.as_role("monitor"))
    await asyncio.sleep(delay)  # what RetryInfo told the client to do
    await stub.CreateTask(create_request(), metadata=submitter)
    stats = await stub.GetStats(pb.GetStatsRequest(), metadata=secured.as_role("admin"))
    assert [(t.principal, t.method, t.count) for t in stats.throttled] == [
        ("key:submitter-key", "CreateTask", 1)
    ]
    from prometheus_client import generate_latest

    metrics = generate_latest(secured.tq.server.metrics.registry).decode()
    assert (
        'taskqueue_throttled_total{method="CreateTask",principal="key:submitter-key"} 1.0'
        in metrics
    )


async def test_turning_auth_on_live_closes_the_open_gate_at_once(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    admin = (("authorization", f"Bearer {add_key(db, 'admin-key', 'admin')}"),)
    async with running_server(db) as tq:
        # open: no credentials needed (the interceptor hands calls straight to the service)
        assert (await tq.stub.CreateTask(create_request())).task.id
        await tq.stub.UpdateConfig(
            pb.UpdateConfigRequest(
                config=pb.ServerConfig(auth_enabled=True), update_mask={"paths": ["auth_enabled"]}
            )
        )
        before = db_digest(tq.db_path, leaving_out=AUDITED)
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await tq.stub.CreateTask(create_request())
        error = rich_error(caught.value)
        assert (error.code, error.reason) == (
            grpc.StatusCode.UNAUTHENTICATED,
            "MISSING_CREDENTIALS",
        )
        assert db_digest(tq.db_path, leaving_out=AUDITED) == before
        await tq.stub.UpdateConfig(
            pb.UpdateConfigRequest(
                config=pb.ServerConfig(auth_enabled=False),
                update_mask={"paths": ["auth_enabled"]},
            ),
            metadata=admin,
        )
        assert (await tq.stub.CreateTask(create_request())).task.id


async def test_per_address_limit_applies_without_authentication(tmp_path: Path) -> None:
    async with running_server(
        tmp_path / "t.db", rate_limit_ip_per_second=2.0, rate_limit_ip_burst=2
    ) as tq:
        await tq.stub.GetStats(pb.GetStatsRequest())
        await tq.stub.GetStats(pb.GetStatsRequest())
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await tq.stub.CreateTask(create_request())
        error = rich_error(caught.value)
        assert (error.code, error.reason, error.metadata["scope"]) == (
            grpc.StatusCode.RESOURCE_EXHAUSTED,
            "RATE_LIMITED",
            "address",
        )
        stats = await _eventually_allowed(tq)
        assert ("anonymous", "CreateTask") in {(t.principal, t.method) for t in stats.throttled}


async def _eventually_allowed(tq: Running) -> pb.GetStatsResponse:
    """Calls again after the delay each refusal's RetryInfo gives, as a client should."""
    for _ in range(50):
        try:
            return await tq.stub.GetStats(pb.GetStatsRequest())
        except grpc.aio.AioRpcError as exc:
            code, delay = exc.code(), _retry_delay(exc)
        assert code == grpc.StatusCode.RESOURCE_EXHAUSTED
        await asyncio.sleep(delay)
    raise AssertionError("still refused after 50 retries")


async def test_watch_next_counts_once_and_its_deliveries_are_not_throttled(
    secured: Secured,
) -> None:
    stub = secured.tq.stub
    for _ in range(8):
        await stub.CreateTask(
            create_request(work_directory="/w"), metadata=secured.as_role("admin")
        )
    await _set(secured, rate_limit_worker_per_second=0.01, rate_limit_worker_burst=1)
    worker = secured.as_role("worker")
    stream = stub.WatchNext(
        pb.WatchNextRequest(worker_id="w1", work_directory="/w", max_in_flight=8), metadata=worker
    )
    got = []
    async for pushed in stream:
        got.append(pushed.task.id)
        if len(got) == 8:
            break
    stream.cancel()
    assert len(set(got)) == 8
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stub.GetTask(pb.GetTaskRequest(task_id=got[0]), metadata=worker)
    assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED


async def test_revoking_a_key_named_with_a_nul_is_invalid_on_either_store(
    secured: Secured,
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await secured.tq.stub.RevokeApiKey(
            pb.RevokeApiKeyRequest(key="ci\x00bot"), metadata=secured.as_role("admin")
        )
    error = rich_error(caught.value)
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT and error.fields == ["key"]
