import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedBroker, EmbeddedConnection } from '../../src/transports/embedded/index.js';
import { runTransportConformance } from './conformance.js';

runTransportConformance('embedded (in-process)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-embedded-'));
  const broker = new EmbeddedBroker({ dataDir: dir });
  return {
    connect: async () => new EmbeddedConnection(broker),
    deadLetterQueue: (queue) => `${queue}.dlq`,
    close: async () => {
      broker.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
