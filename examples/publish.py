#!/usr/bin/env python3
"""Publish one message to Tidings over HTTP, with nothing but Python's standard library.

    python3 examples/publish.py --url http://127.0.0.1:8780 --token tdg.… \\
        --topic org.example.prod.buildsys.build.done --body '{"name": "kernel", "owner": "alice"}'

Prints the message id once the bus has stored the message. A 429 is retried after the Retry-After
the gateway sends; a 5xx or an unreachable gateway is retried with growing pauses. Every try sends
the same id, so a message that did get through before is recognised as a repeat (the archive keeps
it once). Any other answer is final: the script prints the gateway's reason and exits 1 (3 when it
gives up retrying).
"""
import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid


def publish(url, token, message, retries):
    request = urllib.request.Request(
        url.rstrip("/") + "/api/v1/messages",
        data=json.dumps(message).encode("utf-8"),
        headers={"Content-Type": "application/json", "Authorization": "Bearer " + token},
        method="POST",
    )
    for attempt in range(1, retries + 2):
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.load(response)["id"]
        except urllib.error.HTTPError as error:
            try:
                reason = json.load(error).get("error", "")
            except ValueError:
                reason = error.reason
            if error.code != 429 and error.code < 500:
                sys.exit(f"publish refused: HTTP {error.code}: {reason}")
            problem = f"HTTP {error.code}: {reason}"
            wait = error.headers.get("Retry-After", "")
            pause = int(wait) if wait.isdigit() else min(2 ** (attempt - 1), 30)
        except (urllib.error.URLError, OSError) as error:
            problem = f"could not reach {url}: {getattr(error, 'reason', error)}"
            pause = min(2 ** (attempt - 1), 30)
        if attempt > retries:
            print(f"giving up after {attempt} tries: {problem}", file=sys.stderr)
            sys.exit(3)
        print(f"{problem}; retrying in {pause} s", file=sys.stderr)
        time.sleep(pause)


def main():
    parser = argparse.ArgumentParser(description="Publish one message to Tidings over HTTP.")
    parser.add_argument("--url", default=os.environ.get("TIDINGS_URL", "http://127.0.0.1:8780"))
    parser.add_argument("--token", default=os.environ.get("TIDINGS_TOKEN"), help="or TIDINGS_TOKEN")
    parser.add_argument("--topic", required=True)
    parser.add_argument("--body", required=True, help="a JSON object")
    parser.add_argument("--id", default=str(uuid.uuid4()), help="default: a new UUID")
    parser.add_argument("--retries", type=int, default=5)
    args = parser.parse_args()
    if not args.token:
        parser.error("--token (or TIDINGS_TOKEN) is required: tidings identity create prints one")
    try:
        body = json.loads(args.body)
    except ValueError as error:
        parser.error(f"--body is not JSON: {error}")
    message = {"id": args.id, "topic": args.topic, "body": body}
    print(publish(args.url, args.token, message, args.retries))


if __name__ == "__main__":
    main()
