import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNotifyStoreConformance } from './store-conformance.js';

runNotifyStoreConformance('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-notify-store-'));
  return { options: { dataDir: dir }, close: async () => rmSync(dir, { recursive: true, force: true }) };
});
