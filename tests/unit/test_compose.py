"""docker-compose.yml stays valid and in step with the local scripts."""

import re
import shutil
import subprocess

import pytest

from tests.conftest import ROOT

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
