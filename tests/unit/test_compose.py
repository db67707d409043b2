"""docker-compose.yml stays valid and in step with the local scripts."""

import re
import shutil
import subprocess

import pytest
import yaml

from tests.conftest import ROOT
from worker.kafka import bootstrap_servers
from worker.settings import Settings

pytestmark = pytest.mark.unit
COMPOSE = ROOT / "docker-compose.yml"


def compose_command() -> list[str] | None:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    return None


@pytest.mark.skipif(compose_command() is None, reason="no docker compose client (.ci/run installs one)")
def test_compose_file_is_valid():
    result = subprocess.run([*compose_command(), "-f", str(COMPOSE), "config", "-q"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_compose_runs_the_same_kafka_version_as_the_local_script():
    script_version = re.search(r'KAFKA_VERSION="\$\{KAFKA_VERSION:-([\d.]+)\}"', (ROOT / "dev/kafka.sh").read_text())
    compose_version = re.search(r"image: apache/kafka:([\d.]+)", COMPOSE.read_text())
    assert script_version and compose_version
    assert script_version.group(1) == compose_version.group(1)


def _compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def _pinned(image: str) -> bool:
    name, _, tag = image.rpartition(":")
    return bool(name) and tag not in ("", "latest", "main") and any(c.isdigit() for c in tag)


def test_compose_tools_are_pinned_and_point_at_the_pipeline():
    services = _compose()["services"]
    assert {"kafka-ui", "prometheus"} <= services.keys()
    for name in ("kafka", "kafka-ui", "prometheus"):
        assert _pinned(services[name]["image"]), services[name]["image"]
    broker = services["worker"]["environment"]["NEWS_INGEST_BROKER"]
    assert services["kafka-ui"]["environment"]["KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS"] == bootstrap_servers(broker)


def test_prometheus_scrapes_the_worker_web_port():
    compose = _compose()
    worker = compose["services"]["worker"]
    web_port = int(worker["environment"].get("NEWS_INGEST_WEB_PORT", Settings.model_fields["web_port"].default))
    assert any(str(mapping).endswith(f":{web_port}") for mapping in worker["ports"]), worker["ports"]
    (mount,) = compose["services"]["prometheus"]["volumes"]
    source, target, _ = mount.split(":")
    assert target == "/etc/prometheus/prometheus.yml"
    config = yaml.safe_load((ROOT / source).read_text())
    (job,) = config["scrape_configs"]
    assert job["metrics_path"] == "/metrics"
    (lookup,) = job["dns_sd_configs"]
    assert lookup["names"] == ["worker"] and lookup["port"] == web_port


def test_the_worker_service_scales_to_as_many_containers_as_partitions():
    """``--scale worker=N``: each container needs a host port of its own and a data directory of its own
    (a shared named volume would hand every worker the same RocksDB stores, which lock)."""
    worker = _compose()["services"]["worker"]
    (mapping,) = worker["ports"]
    host, _, _ = str(mapping).rpartition(":")
    first, _, last = host.partition("-")
    assert int(last) - int(first) + 1 >= int(worker["environment"]["NEWS_INGEST_PARTITIONS"])
    data_dir = re.search(r"NEWS_INGEST_DATA_DIR=(\S+)", (ROOT / "Dockerfile").read_text())
    assert data_dir and worker["volumes"] == [data_dir.group(1)]  # anonymous: one volume per container
