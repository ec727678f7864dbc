#!/usr/bin/env bash
# Publish one message to Tidings over HTTP with curl.
#
#   TIDINGS_URL=http://127.0.0.1:8780 TIDINGS_TOKEN=tdg.… \
#     bash examples/publish.sh org.example.prod.buildsys.build.done '{"name": "kernel"}'
#
# Prints {"id": …} once the bus has stored the message. curl retries a 429 after the Retry-After the
# gateway sends, and a 503 or 504 (also 408, 500, 502) after 1, 2, 4… s. Every try sends the same id,
# so a message that did get through before is recognised as a repeat (the archive keeps it once).
# Any other answer is final: the gateway's reason goes to stderr and the exit code is 1.
# (An unreachable gateway: curl's own message and exit code.)
set -euo pipefail
url=${TIDINGS_URL:-http://127.0.0.1:8780}
token=${TIDINGS_TOKEN:?set TIDINGS_TOKEN to the token tidings identity create printed}
topic=${1:?usage: publish.sh TOPIC BODY_JSON}
body=${2:?usage: publish.sh TOPIC BODY_JSON}
id=$(cat /proc/sys/kernel/random/uuid)
answer=$(mktemp)
trap 'rm -f "$answer"' EXIT

status=$(curl --no-progress-meter --retry 5 --output "$answer" --write-out '%{http_code}' \
  --header "Authorization: Bearer $token" \
  --header 'Content-Type: application/json' \
  --data-binary "{\"id\": \"$id\", \"topic\": \"$topic\", \"body\": $body}" \
  "$url/api/v1/messages")
if [ "$status" != 202 ]; then
  echo "publish failed: HTTP $status: $(cat "$answer")" >&2
  exit 1
fi
cat "$answer"
echo
