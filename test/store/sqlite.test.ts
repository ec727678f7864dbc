import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStoreConformance } from './conformance.js';

runStoreConformance('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-store-'));
  return { options: { dataDir: dir }, close: async () => rmSync(dir, { recursive: true, force: true }) };
});
