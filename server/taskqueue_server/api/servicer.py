"""`taskqueue.v1.TaskQueueService` on grpc.aio: each method converts the request
(api/requests.py), calls the domain and converts back (api/convert.py, api/responses.py).
Every handler is wrapped by api/calls.py: in-flight count, metrics, and the one mapping of
domain errors to statuses."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import grpc
from taskqueue.v1 import task_pb2
from taskqueue.v1 import taskqueue_service_pb2 as pb
from taskqueue.v1 import taskqueue_service_pb2_grpc as pb_grpc

from taskqueue_server import errors
from taskqueue_server.api import calls, convert, requests, responses, work_stream
from taskqueue_server.api.reporting import Reporting
from taskqueue_server.ops.backups import Backups
from taskqueue_server.ops.live_config import ConfigManager
from taskqueue_server.ops.metrics import Metrics
from taskqueue_server.ops.stats import Stats
from taskqueue_server.ops.status import ServerStatus
from taskqueue_server.queue.services import TaskQueue
from taskqueue_server.security.service import Security


class TaskQueueServicer(pb_grpc.TaskQueueServiceServicer):
    """The service, backed by one `TaskQueue`."""

    def __init__(
        self,
        queue: TaskQueue,
        *,
        backups: Backups,
        stats: Stats,
        status: ServerStatus,
        metrics: Metrics,
        config: ConfigManager,
        security: Security,
    ) -> None:
        self._queue = queue
        self._security = security
        self._config = config
        self.metrics = metrics
        self._backups = backups
        self._stats = stats
        self._status = status
        self._reporting = Reporting(queue, metrics)
        self.in_flight = 0
        """Calls being served (unary calls and open streams)."""

    def _server_config(self) -> pb.ServerConfig:
        return pb.ServerConfig(**self._config.settings.public())

    @calls.unary
    async def GetConfig(
        self, request: pb.GetConfigRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.GetConfigResponse:
        return pb.GetConfigResponse(
            config=self._server_config(),
            sources=self._config.sources,
            revision=self._config.revision,
        )

    @calls.unary
    async def UpdateConfig(
        self, request: pb.UpdateConfigRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.UpdateConfigResponse:
        paths = list(request.update_mask.paths)
        known = set(pb.ServerConfig.DESCRIPTOR.fields_by_name)
        bad = [
            errors.FieldViolation(field=f"update_mask.paths[{i}]", description=f"no setting {p!r}")
            for i, p in enumerate(paths)
            if p not in known
        ]
        if not paths:
            bad.append(
                errors.FieldViolation(
                    field="update_mask", description="required: name the settings to change"
                )
            )
        if bad:
            raise errors.InvalidArgument(bad)
        values = {p: getattr(request.config, p) for p in paths}
        revision = await self._config.update(values, actor="client")
        return pb.UpdateConfigResponse(config=self._server_config(), revision=revision)

    @calls.unary
    async def ListConfigRevisions(
        self, request: pb.ListConfigRevisionsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ListConfigRevisionsResponse:
        found, token = await self._config.revisions(
            page_size=request.page_size, page_token=request.page_token
        )
        return pb.ListConfigRevisionsResponse(
            revisions=[
                pb.ConfigRevision(
                    revision=r.revision,
                    time=convert.timestamp(r.time),
                    actor=r.actor,
                    changes=[
                        pb.ConfigChange(name=k, old_value=str(old), new_value=str(new))
                        for k, (old, new) in r.changes.items()
                    ],
                )
                for r in found
            ],
            next_page_token=token,
        )

    @calls.unary
    async def GetServerStatus(
        self, request: pb.GetServerStatusRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.GetServerStatusResponse:
        s = await self._status.status()
        response = pb.GetServerStatusResponse(
            condition=int(s.condition),  # type: ignore[arg-type]
            reasons=s.reasons,
            version=s.version,
            start_time=convert.timestamp(s.start_time),
            uptime=convert.duration(s.uptime_us),
            database_path=s.database_path,
            database_size_bytes=s.database_size_bytes,
            wal_size_bytes=s.wal_size_bytes,
            database_engine=s.database_engine,
            database_connections=s.database_connections,
            tasks_by_state=responses.state_counts(s.counts),
            in_flight_rpcs=s.in_flight_rpcs,
            open_watch_streams=s.open_watch_streams,
            writer_queue_length=s.writer_queue_length,
            last_batch_size=s.last_batch_size,
            event_loop_lag=convert.duration(s.event_loop_lag_us),
            rss_bytes=s.rss_bytes,
            cpu_time=convert.duration(s.cpu_time_us),
            last_backup_outcome=s.last_backup_outcome,
            servers=[
                pb.ServerInfo(
                    id=r.id,
                    address=r.address,
                    version=r.version,
                    start_time=convert.timestamp(r.start_time),
                    last_seen_time=convert.timestamp(r.last_seen),
                    leader=r.leader,
                    live=r.live,
                    this_server=r.id == s.server_id,
                )
                for r in s.servers
            ],
        )
        if s.last_probe_time is not None:
            response.last_probe_time.CopyFrom(convert.timestamp(s.last_probe_time))
        if s.last_backup is not None:
            response.last_backup.CopyFrom(convert.backup(s.last_backup))
        return response

    @calls.unary
    async def CreateBackup(
        self, request: pb.CreateBackupRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.CreateBackupResponse:
        return pb.CreateBackupResponse(backup=convert.backup(await self._backups.create()))

    @calls.unary
    async def ListBackups(
        self, request: pb.ListBackupsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ListBackupsResponse:
        return pb.ListBackupsResponse(
            backups=[convert.backup(b) for b in await self._backups.list()]
        )

    @calls.unary
    async def CreateTask(
        self, request: pb.CreateTaskRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.CreateTaskResponse:
        task = await self._queue.submit.create(requests.new_task(request))
        return pb.CreateTaskResponse(task=convert.task(task))

    @calls.unary
    async def BatchCreateTasks(
        self, request: pb.BatchCreateTasksRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.BatchCreateTasksResponse:
        made = await self._queue.submit.batch_create(
            [requests.new_task(r) for r in request.requests]
        )
        response = pb.BatchCreateTasksResponse()
        if isinstance(made, list):
            convert.add_tasks(response.tasks, made)
        else:
            convert.add_created(response.tasks, made)
        return response

    @calls.unary
    async def ListTasks(
        self, request: pb.ListTasksRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ListTasksResponse:
        page = await self._queue.tasks.list(
            requests.task_filter(request),
            order_by=request.order_by,
            page_size=request.page_size,
            page_token=request.page_token,
            full=request.view == task_pb2.TASK_VIEW_FULL,
        )
        return pb.ListTasksResponse(
            tasks=[convert.task(t) for t in page.tasks],
            next_page_token=page.next_page_token,
            total_size=page.total_size,
        )

    @calls.unary
    async def CancelTask(
        self, request: pb.CancelTaskRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.CancelTaskResponse:
        task = await self._queue.control.cancel(task_id=request.task_id, reason=request.reason)
        return pb.CancelTaskResponse(task=convert.task(task))

    @calls.unary
    async def BatchCancelTasks(
        self, request: pb.BatchCancelTasksRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.BatchCancelTasksResponse:
        result = await self._queue.control.batch_cancel(
            task_ids=list(request.task_ids),
            filter=requests.task_filter(request.filter) if request.HasField("filter") else None,
            reason=request.reason,
        )
        return pb.BatchCancelTasksResponse(
            results=[
                pb.BatchCancelResult(
                    task_id=o.task_id, cancelled=o.cancelled, reason=o.reason, message=o.message
                )
                for o in result.outcomes
            ],
            cancelled_count=result.cancelled_count,
            has_more=result.has_more,
        )

    @calls.unary
    async def RetryTask(
        self, request: pb.RetryTaskRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.RetryTaskResponse:
        task = await self._queue.control.retry(task_id=request.task_id, reason=request.reason)
        return pb.RetryTaskResponse(task=convert.task(task))

    @calls.unary
    async def SetTaskPriority(
        self, request: pb.SetTaskPriorityRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.SetTaskPriorityResponse:
        task = await self._queue.control.set_priority(
            task_id=request.task_id, priority=request.priority
        )
        return pb.SetTaskPriorityResponse(task=convert.task(task))

    @calls.unary
    async def GetTask(
        self, request: pb.GetTaskRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.GetTaskResponse:
        return pb.GetTaskResponse(task=convert.task(await self._queue.tasks.get(request.task_id)))

    @calls.unary
    async def GetStats(
        self, request: pb.GetStatsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.GetStatsResponse:
        report = await self._stats.report(
            start=convert.timestamp_us(request.start_time)
            if request.HasField("start_time")
            else None,
            end=convert.timestamp_us(request.end_time) if request.HasField("end_time") else None,
            bucket=request.bucket,
        )
        response = responses.stats(report)
        for (principal, method), count in sorted(self._security.gate.throttled.items()):
            response.throttled.add(principal=principal, method=method, count=count)
        return response

    @calls.unary
    async def CreateApiKey(
        self, request: pb.CreateApiKeyRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.CreateApiKeyResponse:
        ttl = convert.duration_us(request.ttl) if request.HasField("ttl") else None
        key, stored = await self._security.create_key(
            name=request.name, role=convert.role_name(request.role), ttl_us=ttl
        )
        return pb.CreateApiKeyResponse(api_key=convert.api_key(stored), key=key)

    @calls.unary
    async def ListApiKeys(
        self, request: pb.ListApiKeysRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ListApiKeysResponse:
        listed = await self._security.list_keys(show_inactive=request.show_inactive)
        return pb.ListApiKeysResponse(api_keys=[convert.api_key(k) for k in listed])

    @calls.unary
    async def RevokeApiKey(
        self, request: pb.RevokeApiKeyRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.RevokeApiKeyResponse:
        revoked = await self._security.revoke_key(request.key)
        return pb.RevokeApiKeyResponse(api_key=convert.api_key(revoked))

    @calls.unary
    async def ListAuditEvents(
        self, request: pb.ListAuditEventsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ListAuditEventsResponse:
        events, token = await self._security.audit_page(
            page_size=request.page_size,
            page_token=request.page_token,
            principal=request.principal,
            failures_only=request.failures_only,
        )
        return pb.ListAuditEventsResponse(
            events=[convert.audit_event(e) for e in events], next_page_token=token
        )

    @calls.unary
    async def ClaimTask(
        self, request: pb.ClaimTaskRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.ClaimTaskResponse:
        lease = await self._queue.claims.claim(
            worker_id=request.worker_id,
            work_directory=request.work_directory,
            lease_duration_us=requests.lease_duration(request),
            tags=request.tags,
        )
        if lease is None:
            return pb.ClaimTaskResponse()
        self._reporting.observe_wait(lease)
        return pb.ClaimTaskResponse(
            task=convert.task(lease.task),
            lease_token=lease.token,
            lease_expire_time=convert.timestamp(lease.expire_time),
        )

    @calls.streaming
    async def WatchNext(
        self, request: pb.WatchNextRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[pb.WatchNextResponse]:
        leases = await self._queue.streams.watch(
            worker_id=request.worker_id,
            work_directory=request.work_directory,
            max_in_flight=request.max_in_flight,
            lease_duration_us=requests.lease_duration(request),
            tags=request.tags,
        )
        async with contextlib.aclosing(leases):
            async for lease in leases:
                self._reporting.observe_wait(lease)
                yield responses.pushed(lease)

    @calls.unary
    async def Heartbeat(
        self, request: pb.HeartbeatRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.HeartbeatResponse:
        expire = await self._queue.reports.heartbeat(
            task_id=request.task_id, lease_token=request.lease_token
        )
        return pb.HeartbeatResponse(lease_expire_time=convert.timestamp(expire))

    @calls.unary
    async def CompleteTask(
        self, request: pb.CompleteTaskRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.CompleteTaskResponse:
        task = await self._queue.reports.complete(
            task_id=request.task_id,
            lease_token=request.lease_token,
            original_prompt=request.original_prompt,
            result=convert.struct_to_dict(request.result) if request.HasField("result") else None,
        )
        self._reporting.observe_run(task.start_time, task.complete_time)
        return pb.CompleteTaskResponse(task=convert.task(task))

    @calls.streaming
    async def Work(
        self,
        request_iterator: AsyncIterator[pb.WorkRequest],
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> AsyncIterator[pb.WorkResponse]:
        stream = work_stream.serve(self._queue, self._reporting, request_iterator)
        async with contextlib.aclosing(stream):
            async for message in stream:
                yield message

    @calls.unary
    async def CompleteTasks(
        self, request: pb.CompleteTasksRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.CompleteTasksResponse:
        outcomes = await self._reporting.complete_many(request.requests)
        return pb.CompleteTasksResponse(outcomes=outcomes)

    @calls.unary
    async def FailTask(
        self, request: pb.FailTaskRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.FailTaskResponse:
        return pb.FailTaskResponse(task=convert.task(await self._reporting.fail(request)))
