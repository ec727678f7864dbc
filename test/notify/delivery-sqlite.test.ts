import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDeliveryConformance } from './delivery-conformance.js';

runDeliveryConformance('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-delivery-'));
  return { options: { dataDir: dir }, close: async () => rmSync(dir, { recursive: true, force: true }) };
});
