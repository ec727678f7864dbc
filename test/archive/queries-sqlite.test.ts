import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runQueryConformance } from './queries-conformance.js';

runQueryConformance('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-queries-'));
  return { options: { dataDir: dir }, close: async () => rmSync(dir, { recursive: true, force: true }) };
});
