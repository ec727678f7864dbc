/**
 * Consume only the messages Tidings can vouch for: signed by the gateway on behalf of an identity, or
 * by an identity's own key, on a topic that identity may publish. Anything else (unsigned, forged,
 * signed by a stranger, from a revoked identity, off its topics) is dead-lettered with the reason.
 *
 *   node --import tsx examples/consume-verified.ts http://127.0.0.1:8780 'org.example.prod.#'
 */
import { connect, loadTrust } from 'tidings';

const [serveUrl = 'http://127.0.0.1:8780', ...patterns] = process.argv.slice(2);

// GET /api/v1/trust: the gateway's public keys, the identities, their topic patterns and keys.
// Fetched again every 30 s, so identities created or revoked meanwhile are taken into account.
const trust = await loadTrust(serveUrl);
const bus = await connect(serveUrl); // or the amqp:// URL of the RabbitMQ the bus runs on
const consumer = await bus.consume(
  { queue: '', bindings: patterns.length > 0 ? patterns : ['#'], verify: trust.check },
  (message) => {
    console.log(`${message.headers['x-tidings-identity']} ${message.topic} ${JSON.stringify(message.body)}`);
  },
);
console.error('consuming verified messages; Ctrl-C stops');
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void consumer.stop());
const end = await consumer.ended;
trust.close();
await bus.close();
process.exitCode = end.exitCode;
