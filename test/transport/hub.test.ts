import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HubTransport } from '../../src/transports/hub/index.js';
import { startTestServer } from '../helpers/server.js';
import { runTransportConformance } from './conformance.js';

runTransportConformance('embedded through the hub (WebSocket)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-hub-'));
  const server = await startTestServer(dir);
  return {
    connect: () => HubTransport.connect(server.url),
    deadLetterQueue: (queue) => `${queue}.dlq`,
    close: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
