#!/usr/bin/python3
"""An independent fedora-messaging-format peer for interop tests, written with pika only.

It publishes exactly as fedora-messaging 3.x does (shared/WIRE.md) and reports what it reads with
the AMQP type of every header as it was on the wire. Run with Debian's /usr/bin/python3 (pika 1.2).

  publish --url URL [--exchange amq.topic] --file MESSAGES.jsonl
      One JSON object per line: {"topic", "body", "id"?, "schema"?, "schema_package"?,
      "severity"? (null omits the header), "priority"?, "usernames"?, "groups"?, "packages"?,
      "containers"?, "modules"?, "flatpaks"?, "headers"? (extra, override), "ensure_ascii"? (default
      true, as json.dumps), "raw_body"? (text sent as its UTF-8 bytes instead of the body),
      "raw_body_base64"? (exact bytes, e.g. invalid UTF-8)}. Prints each published id on its own line.
  consume --url URL --queue Q --count N [--timeout S]
      Reads N messages from an existing queue, acks each, prints one JSON object per message.
      Exits 3 when fewer than N arrived within the timeout (after printing those that did).
"""
import argparse
import base64
import datetime
import decimal
import json
import struct
import sys
import time
import uuid

import pika
import pika.data

FACT_PREFIXES = {
    "usernames": "fedora_messaging_user_",
    "groups": "fedora_messaging_group_",
    "packages": "fedora_messaging_rpm_",
    "containers": "fedora_messaging_container_",
    "modules": "fedora_messaging_module_",
    "flatpaks": "fedora_messaging_flatpak_",
}


class WireTable(dict):
    """A decoded field table that remembers the AMQP type octet of each of its values."""

    wire_types = None


_pika_decode_value = pika.data.decode_value


def _decode_table_with_types(encoded, offset):
    # pika.data.decode_table, keeping the type octet: pika's Python values alone cannot tell a
    # long string from a byte array, or a signed 32-bit int from the other integer types.
    result = WireTable()
    result.wire_types = {}
    size = struct.unpack_from(">I", encoded, offset)[0]
    offset += 4
    limit = offset + size
    while offset < limit:
        key, offset = pika.data.decode_short_string(encoded, offset)
        result.wire_types[key] = encoded[offset:offset + 1].decode("latin-1")
        value, offset = _pika_decode_value(encoded, offset)
        result[key] = value
    return result, offset


pika.data.decode_table = _decode_table_with_types


def sent_at():
    """fedora-messaging's sent-at: UTC, no microseconds, +00:00."""
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    return now.isoformat()


def build(line):
    """(properties, body bytes) for one JSONL line, as fedora-messaging's Message builds them."""
    headers = {"fedora_messaging_schema": line.get("schema", "base.message")}
    if line.get("schema_package") is not None:
        headers["fedora_messaging_schema_package"] = line["schema_package"]
    headers["sent-at"] = sent_at()
    severity = line.get("severity", 20)
    if severity is not None:
        headers["fedora_messaging_severity"] = int(severity)
    headers["priority"] = int(line.get("priority") or 0)
    for fact, prefix in FACT_PREFIXES.items():
        for name in line.get(fact, []):
            headers[prefix + name] = True
    headers.update(line.get("headers") or {})
    properties = pika.BasicProperties(
        content_type="application/json",
        content_encoding="utf-8",
        delivery_mode=2,
        headers=headers,
        message_id=line.get("id") or str(uuid.uuid4()),
        priority=line.get("priority"),
    )
    if "raw_body_base64" in line:
        body = base64.b64decode(line["raw_body_base64"])
    elif "raw_body" in line:
        body = line["raw_body"].encode("utf-8")
    else:
        body = json.dumps(line["body"], ensure_ascii=line.get("ensure_ascii", True)).encode("utf-8")
    return properties, body


def publish(args):
    with open(args.file, encoding="utf-8") as lines:
        messages = [json.loads(text) for text in lines if text.strip()]
    connection = pika.BlockingConnection(pika.URLParameters(args.url))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        for line in messages:
            properties, body = build(line)
            # With confirms on, basic_publish returns once the broker acked; a nack raises NackError.
            channel.basic_publish(args.exchange, line["topic"], body, properties)
            print(properties.message_id, flush=True)
    finally:
        connection.close()
    return 0


def wire_type_guess(value):
    """The type the brief's inference rule gives, for comparison with the real octet."""
    if isinstance(value, bool):
        return "t"
    if isinstance(value, int):
        return "I" if -2**31 <= value < 2**31 else "l"
    if isinstance(value, (str, bytes)):
        return "S"
    return None


def jsonable(value):
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: jsonable(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [jsonable(inner) for inner in value]
    return value


def report(method, properties, body):
    headers = properties.headers or {}
    types = getattr(headers, "wire_types", None) or {}
    record = {
        "routing_key": method.routing_key,
        "exchange": method.exchange,
        "redelivered": method.redelivered,
        "properties": {
            "content_type": properties.content_type,
            "content_encoding": properties.content_encoding,
            "delivery_mode": properties.delivery_mode,
            "message_id": properties.message_id,
            "priority": properties.priority,
        },
        # Properties fedora-messaging never sets: reported so a test can check they are absent.
        "other_properties": {
            name: jsonable(getattr(properties, name))
            for name in ("timestamp", "type", "app_id", "user_id", "expiration", "reply_to",
                         "correlation_id", "cluster_id")
            if getattr(properties, name) is not None
        },
        "headers": {
            name: {
                "value": jsonable(value),
                "type": types.get(name),
                "inferred_type": wire_type_guess(value),
                "python_type": type(value).__name__,
            }
            for name, value in headers.items()
        },
        "body_base64": base64.b64encode(body).decode("ascii"),
    }
    try:
        record["body_json"] = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        record["body_json"] = None
        record["body_error"] = str(error)
    return record


def consume(args):
    connection = pika.BlockingConnection(pika.URLParameters(args.url))
    received = 0
    try:
        channel = connection.channel()
        channel.basic_qos(prefetch_count=min(args.count, 100))
        deadline = time.monotonic() + args.timeout
        for method, properties, body in channel.consume(args.queue, inactivity_timeout=0.5):
            if method is not None:
                print(json.dumps(report(method, properties, body), ensure_ascii=False), flush=True)
                channel.basic_ack(method.delivery_tag)
                received += 1
            if received >= args.count or time.monotonic() > deadline:
                break
        # Anything prefetched beyond the count goes back to the queue.
        channel.cancel()
    finally:
        connection.close()
    if received < args.count:
        print(f"only {received} of {args.count} messages arrived within {args.timeout} s", file=sys.stderr)
        return 3
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    pub = commands.add_parser("publish", help="publish JSONL messages as fedora-messaging does")
    pub.add_argument("--url", required=True)
    pub.add_argument("--exchange", default="amq.topic")
    pub.add_argument("--file", required=True)
    con = commands.add_parser("consume", help="read, report and ack messages from a queue")
    con.add_argument("--url", required=True)
    con.add_argument("--queue", required=True)
    con.add_argument("--count", type=int, required=True)
    con.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()
    return publish(args) if args.command == "publish" else consume(args)


if __name__ == "__main__":
    sys.exit(main())
