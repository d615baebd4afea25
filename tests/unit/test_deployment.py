"""The systemd unit and the Kubernetes manifest agree with the server they deploy: flags that
exist, the health service it registers, the port it listens on, a grace period that fits."""

from __future__ import annotations

import configparser
import shlex
from pathlib import Path

import yaml
from taskqueue_server import main

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def parse_flags(args: list[str]) -> dict[str, str]:
    """Parses the arguments with the server's own parser; fails on an unknown flag."""
    settings = main.load_startup(args).settings
    return {"listen": settings.listen, "db": settings.db, "grace": str(settings.grace_seconds)}


def test_systemd_unit_runs_the_server_with_real_flags() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.read(DEPLOY / "taskqueue.service")
    command = shlex.split(unit["Service"]["ExecStart"])
    assert command[0].endswith("/taskqueue-server")
    flags = parse_flags(command[1:])
    assert flags["db"].startswith("/var/lib/taskqueue/")
    assert unit["Service"]["ReadWritePaths"] == "/var/lib/taskqueue"
    assert unit["Service"]["KillSignal"] == "SIGTERM"
    assert float(unit["Service"]["TimeoutStopSec"]) > float(flags["grace"])


def test_kubernetes_manifest_probes_the_real_health_service() -> None:
    docs = list(yaml.safe_load_all((DEPLOY / "kubernetes.yaml").read_text()))
    kinds = {d["kind"]: d for d in docs}
    assert set(kinds) == {"PersistentVolumeClaim", "Deployment", "Service"}
    deployment = kinds["Deployment"]
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"]["type"] == "Recreate"
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert container["command"] == ["taskqueue-server"]
    flags = parse_flags(container["args"])
    port = int(flags["listen"].rsplit(":", 1)[1])
    assert container["ports"][0]["containerPort"] == port
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        grpc_probe = container[probe]["grpc"]
        assert grpc_probe["port"] == port
        assert grpc_probe.get("service", "") in ("", main.SERVICE_NAME)
    assert container["readinessProbe"]["grpc"]["service"] == "taskqueue.v1.TaskQueueService"
    mount = container["volumeMounts"][0]
    assert flags["db"].startswith(mount["mountPath"] + "/")
    claim = pod["volumes"][0]["persistentVolumeClaim"]["claimName"]
    assert claim == kinds["PersistentVolumeClaim"]["metadata"]["name"]
    assert pod["terminationGracePeriodSeconds"] > float(flags["grace"])
    assert kinds["Service"]["spec"]["ports"][0]["port"] == port
