"""A downstream consumer: read ``news.enriched`` and validate every record against the published JSON Schema.

Needs only aiokafka and jsonschema (``pip install aiokafka 'jsonschema>=4'``), not this package:

    python examples/consumer.py --broker localhost:9092 --max 10 --timeout 10

For a secured cluster: ``--security-protocol SASL_SSL --sasl-mechanism SCRAM-SHA-512 --sasl-username U``
with the password in ``KAFKA_SASL_PASSWORD`` (kept off the command line), and ``--cafile`` for a private CA.
Prints one line per record and exits with status 1 if any record did not match the schema.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path

from aiokafka import AIOKafkaConsumer
from aiokafka.helpers import create_ssl_context
from jsonschema import Draft202012Validator

SCHEMA = Path(__file__).resolve().parents[1] / "schemas" / "enriched_article.schema.json"


def security(args: argparse.Namespace) -> dict[str, object]:
    """aiokafka's TLS and SASL options from the command line (the password from ``KAFKA_SASL_PASSWORD``)."""
    options: dict[str, object] = {"security_protocol": args.security_protocol}
    if args.security_protocol in ("SSL", "SASL_SSL"):
        options["ssl_context"] = create_ssl_context(cafile=args.cafile)
    if args.security_protocol.startswith("SASL_"):
        options |= {
            "sasl_mechanism": args.sasl_mechanism,
            "sasl_plain_username": args.sasl_username,
            "sasl_plain_password": os.environ.get("KAFKA_SASL_PASSWORD"),
        }
    return options


async def consume(broker: str, topic: str, limit: int | None, timeout: float, **security: object) -> int:
    """Print one line per record; returns how many records failed validation."""
    validator = Draft202012Validator(json.loads(SCHEMA.read_text()))
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=broker.removeprefix("kafka://"),
        group_id=None,  # a real consumer would use its own group id and commit
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        **security,
    )
    await consumer.start()
    seen = invalid = 0
    try:
        while limit is None or seen < limit:
            try:
                message = await asyncio.wait_for(consumer.getone(), timeout)
            except TimeoutError:
                break
            seen += 1
            record = json.loads(message.value)
            errors = sorted(validator.iter_errors(record), key=lambda e: list(e.path))
            where = f"{message.partition}@{message.offset}"
            if errors:
                invalid += 1
                first = errors[0]
                path = "/".join(str(p) for p in first.path) or "(record)"
                print(f"INVALID {where} {record.get('id')}: {path}: {first.message}")
            else:
                names = ", ".join(e["canonical"] for e in record["entities"][:5])
                print(f"ok {where} {record['id']} v{record['version']} {record.get('title') or '(no title)'} [{names}]")
    finally:
        await consumer.stop()
    print(f"{seen} records, {invalid} invalid", file=sys.stderr)
    return invalid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--broker", default="localhost:9092", help="bootstrap servers (host:port)")
    parser.add_argument("--topic", default="news.enriched")
    parser.add_argument("--max", type=int, default=None, help="stop after N records")
    parser.add_argument("--timeout", type=float, default=10.0, help="stop after this many idle seconds")
    parser.add_argument(
        "--security-protocol", default="PLAINTEXT", choices=["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
    )
    parser.add_argument("--cafile", help="CA bundle (PEM) to verify the brokers; default: the system's")
    parser.add_argument("--sasl-mechanism", default="PLAIN", choices=["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"])
    parser.add_argument("--sasl-username")
    args = parser.parse_args()
    invalid = asyncio.run(consume(args.broker, args.topic, args.max, args.timeout, **security(args)))
    sys.exit(1 if invalid else 0)


if __name__ == "__main__":
    main()
