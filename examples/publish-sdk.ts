/**
 * Publish one self-signed message over HTTP from TypeScript. The message is signed with the
 * identity's own Ed25519 key (registered with `tidings identity create … --public-key`), so a
 * consumer can check who wrote it without taking the gateway's word for it.
 *
 *   node --import tsx examples/publish-sdk.ts --url http://127.0.0.1:8780 --token tdg.… \
 *     --identity koji --key koji.key.pem --topic org.example.prod.buildsys.build.done --body '{"name": "kernel"}'
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createMessage, SchemaRegistry, SignatureHeader, signMessage } from 'tidings';

const { values: args } = parseArgs({
  options: {
    url: { type: 'string', default: process.env['TIDINGS_URL'] ?? 'http://127.0.0.1:8780' },
    token: { type: 'string', default: process.env['TIDINGS_TOKEN'] },
    identity: { type: 'string' },
    key: { type: 'string' },
    topic: { type: 'string' },
    body: { type: 'string' },
  },
});
if (!args.token || !args.identity || !args.key || !args.topic || !args.body) {
  console.error('usage: publish-sdk.ts --url URL --token TOKEN --identity NAME --key PRIVATE.pem --topic TOPIC --body JSON');
  process.exit(2);
}

// Sign exactly what the gateway will publish: createMessage fills in the headers it would (schema,
// severity, sent-at, priority), and the identity header, which the gateway sets, is signed too.
const message = createMessage(
  { topic: args.topic, body: JSON.parse(args.body), headers: { [SignatureHeader.identity]: args.identity } },
  new SchemaRegistry(),
);
const headers = signMessage(message, createPrivateKey(readFileSync(args.key)));

const response = await fetch(`${args.url.replace(/\/+$/, '')}/api/v1/messages`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${args.token}` },
  body: JSON.stringify({ id: message.id, topic: message.topic, body: message.body, headers }),
});
const answer = (await response.json()) as { id?: string; error?: string };
if (response.status !== 202) {
  console.error(`publish refused: HTTP ${response.status}: ${answer.error}`);
  process.exit(1);
}
console.log(answer.id);
