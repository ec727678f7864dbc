/**
 * Publish one self-signed message straight onto the bus (RabbitMQ, or a `tidings serve`), not through
 * the gateway. Nobody checks the identity header on this path; the signature, made with the key
 * registered for the identity, is what lets verifying consumers trust it.
 *
 *   node --import tsx examples/publish-direct.ts amqp://koji@rabbit.example.org/%2Fpubsub koji koji.key.pem \
 *     org.example.prod.buildsys.build.done '{"name": "kernel"}'
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect, SignatureHeader, signMessage } from 'tidings';

const [url, identity, keyFile, topic, body] = process.argv.slice(2);
if (!url || !identity || !keyFile || !topic || !body) {
  console.error('usage: publish-direct.ts BUS_URL IDENTITY PRIVATE_KEY.pem TOPIC BODY_JSON');
  process.exit(2);
}
const privateKey = createPrivateKey(readFileSync(keyFile));

const bus = await connect(url);
try {
  // prepare() makes the message as it will travel (topic prefix, headers); sign that, then send it.
  const message = bus.prepare({ topic, body: JSON.parse(body), headers: { [SignatureHeader.identity]: identity } });
  await bus.send({ ...message, headers: signMessage(message, privateKey) });
  console.log(message.id);
} finally {
  await bus.close();
}
