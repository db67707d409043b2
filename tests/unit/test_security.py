"""Kafka TLS and SASL settings: parsed from the environment, checked for consistency, carried into the Faust
app and into the CLI's own clients, and never printed."""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import faust
import orjson
import pytest
from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth
from pydantic import ValidationError

from bench.deployment import CLI, ROOT
from worker import kafka
from worker.cli import settings_error
from worker.security import aiokafka_options, faust_credentials, ssl_context
from worker.settings import Settings, get_settings

pytestmark = pytest.mark.unit

PASSWORD = "pw-7c1e9f-never-print-me"
KEY_PASSWORD = "kp-41d2-never-print-me"
CLIENT = ["-subj", "/CN=news-ingest-client"]


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A CA certificate, and a client certificate whose key is encrypted with ``KEY_PASSWORD``."""
    folder = tmp_path_factory.mktemp("pki")
    paths = {name: folder / f"{name}.pem" for name in ("ca", "ca_key", "cert", "key")}
    openssl = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-days", "1"]
    subprocess.run(
        [*openssl, "-nodes", "-keyout", paths["ca_key"], "-out", paths["ca"], "-subj", "/CN=news-ingest-test-ca"],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [*openssl, "-passout", f"pass:{KEY_PASSWORD}", "-keyout", paths["key"], "-out", paths["cert"], *CLIENT],
        check=True,
        capture_output=True,
    )
    return paths


@pytest.fixture
def secure_env(monkeypatch: pytest.MonkeyPatch, pki: dict[str, Path]) -> Iterator[dict[str, str]]:
    env = {
        "NEWS_INGEST_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "NEWS_INGEST_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "NEWS_INGEST_KAFKA_SASL_USERNAME": "ingest",
        "NEWS_INGEST_KAFKA_SASL_PASSWORD": PASSWORD,
        "NEWS_INGEST_KAFKA_SSL_CAFILE": str(pki["ca"]),
        "NEWS_INGEST_KAFKA_SSL_CERTFILE": str(pki["cert"]),
        "NEWS_INGEST_KAFKA_SSL_KEYFILE": str(pki["key"]),
        "NEWS_INGEST_KAFKA_SSL_KEY_PASSWORD": KEY_PASSWORD,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield env
    get_settings.cache_clear()


def test_environment_is_parsed_and_secrets_stay_hidden(secure_env: dict[str, str]) -> None:
    settings = Settings()
    assert settings.kafka_security_protocol == "SASL_SSL" and settings.kafka_sasl_mechanism == "SCRAM-SHA-512"
    assert settings.kafka_sasl_password.get_secret_value() == PASSWORD
    assert settings.kafka_ssl_key_password.get_secret_value() == KEY_PASSWORD
    assert PASSWORD not in repr(settings) and KEY_PASSWORD not in str(settings.model_dump(mode="json"))


def test_faust_gets_sasl_over_a_verifying_tls_context(secure_env: dict[str, str]) -> None:
    credentials = faust_credentials(Settings())
    assert isinstance(credentials, faust.SASLCredentials)
    assert (credentials.protocol.value, credentials.mechanism.value) == ("SASL_SSL", "SCRAM-SHA-512")
    assert (credentials.username, credentials.password) == ("ingest", PASSWORD)
    context = credentials.ssl_context
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    issuers = [dict(pair[0] for pair in cert["subject"]) for cert in context.get_ca_certs()]
    assert issuers == [{"commonName": "news-ingest-test-ca"}]
    assert PASSWORD not in repr(credentials)


def test_the_client_key_is_loaded_with_its_password(secure_env: dict[str, str], monkeypatch) -> None:
    monkeypatch.setenv("NEWS_INGEST_KAFKA_SSL_KEY_PASSWORD", "wrong")
    with pytest.raises(ssl.SSLError):
        ssl_context(Settings())


@pytest.mark.parametrize("protocol", ["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"])
def test_cli_options_say_what_faust_makes_of_its_credentials(secure_env, monkeypatch, protocol: str) -> None:
    monkeypatch.setenv("NEWS_INGEST_KAFKA_SECURITY_PROTOCOL", protocol)
    if not protocol.endswith("SSL"):
        for name in ("CAFILE", "CERTFILE", "KEYFILE"):
            monkeypatch.delenv(f"NEWS_INGEST_KAFKA_SSL_{name}")
    settings = Settings()
    ours, fausts = aiokafka_options(settings), dict(credentials_to_aiokafka_auth(faust_credentials(settings)))
    contexts = ours.pop("ssl_context", None), fausts.pop("ssl_context", None)
    assert ours == fausts
    assert [type(context) for context in contexts] == [ssl.SSLContext if protocol.endswith("SSL") else type(None)] * 2


def test_tls_without_sasl(pki: dict[str, Path]) -> None:
    settings = Settings(kafka_security_protocol="SSL", kafka_ssl_cafile=pki["ca"], kafka_ssl_check_hostname=False)
    options = aiokafka_options(settings)
    assert options["security_protocol"] == "SSL" and "sasl_plain_password" not in options
    assert options["ssl_context"].verify_mode == ssl.CERT_REQUIRED and not options["ssl_context"].check_hostname
    assert faust_credentials(Settings()) is None and aiokafka_options(Settings()) == {"security_protocol": "PLAINTEXT"}


def test_the_cli_clients_carry_the_same_credentials(secure_env: dict[str, str]) -> None:
    async def clients() -> list:
        return [
            kafka.producer("kafka://broker:9093").client,
            kafka.consumer("kafka://broker:9093", "news.raw", from_beginning=True)._client,
            kafka.admin("kafka://broker:9093")._client,
        ]

    for client in asyncio.run(clients()):
        assert (client._security_protocol, client._sasl_mechanism) == ("SASL_SSL", "SCRAM-SHA-512")
        assert (client._sasl_plain_username, client._sasl_plain_password) == ("ingest", PASSWORD)
        assert client._ssl_context.verify_mode == ssl.CERT_REQUIRED


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT", "KAFKA_SASL_PASSWORD": PASSWORD},
            "needs NEWS_INGEST_KAFKA_SASL_USERNAME",
        ),
        (
            {"KAFKA_SSL_CAFILE": "/etc/ca.pem"},
            "NEWS_INGEST_KAFKA_SSL_CAFILE set, but NEWS_INGEST_KAFKA_SECURITY_PROTOCOL=PLAINTEXT is not TLS",
        ),
        (
            {"KAFKA_SECURITY_PROTOCOL": "SSL", "KAFKA_SSL_CERTFILE": "/c.pem"},
            "CERTFILE and NEWS_INGEST_KAFKA_SSL_KEYFILE go together",
        ),
        (
            {"KAFKA_SASL_MECHANISM": "GSSAPI", "KAFKA_SASL_PASSWORD": PASSWORD},
            "NEWS_INGEST_KAFKA_SASL_MECHANISM='GSSAPI'",
        ),
    ],
)
def test_inconsistent_security_settings_fail_without_showing_secrets(monkeypatch, env: dict, message: str) -> None:
    for name, value in env.items():
        monkeypatch.setenv(f"NEWS_INGEST_{name}", value)
    with pytest.raises(ValidationError) as raised:
        Settings()
    error = settings_error(raised.value)
    assert message in error and PASSWORD not in error


def test_config_command_masks_the_passwords(secure_env: dict[str, str]) -> None:
    result = subprocess.run(
        [*CLI, "config"], env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, check=True
    )
    shown = orjson.loads(result.stdout)
    assert shown["kafka_security_protocol"] == "SASL_SSL"
    assert shown["kafka_sasl_password"] == shown["kafka_ssl_key_password"] == "***"
    assert PASSWORD not in result.stdout + result.stderr and KEY_PASSWORD not in result.stdout + result.stderr


def test_the_worker_app_is_built_with_the_credentials(secure_env: dict[str, str]) -> None:
    probe = (
        "from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth\n"
        "from worker.app import app\n"
        "options = credentials_to_aiokafka_auth(app.conf.broker_credentials)\n"
        "print(options['security_protocol'], options['sasl_mechanism'], options['sasl_plain_username'],"
        f" options['sasl_plain_password'] == {PASSWORD!r}, options['ssl_context'].verify_mode.name)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True
    )
    assert result.stdout.split() == ["SASL_SSL", "SCRAM-SHA-512", "ingest", "True", "CERT_REQUIRED"], result.stderr[
        -2000:
    ]


def test_the_example_consumer_takes_tls_and_sasl_with_the_password_from_the_environment(monkeypatch):
    spec = importlib.util.spec_from_file_location("example_consumer", ROOT / "examples" / "consumer.py")
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", PASSWORD)
    secured = argparse.Namespace(
        security_protocol="SASL_SSL", cafile=None, sasl_mechanism="SCRAM-SHA-512", sasl_username="reader"
    )
    options = example.security(secured)
    assert isinstance(options.pop("ssl_context"), ssl.SSLContext)
    assert options == {
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "reader",
        "sasl_plain_password": PASSWORD,
    }
    plain = argparse.Namespace(security_protocol="PLAINTEXT", cafile=None, sasl_mechanism="PLAIN", sasl_username=None)
    assert example.security(plain) == {"security_protocol": "PLAINTEXT"}
