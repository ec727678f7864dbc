#!/usr/bin/env node
// Runs every test/**/*.test.ts with node's test runner under tsx. Node 20 neither finds .ts tests in a
// directory nor expands globs, so the files are listed here. Extra arguments narrow the set:
//   npm test -- transport        runs only files whose path contains "transport"
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function findTests(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return findTests(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

const filters = process.argv.slice(2);
const files = findTests('test')
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(', ')}`);
  process.exit(1);
}
// One file at a time: the RabbitMQ fault and restart tests take the shared broker down for a moment,
// which must not land in the middle of another file's test.
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', '--test-timeout=240000', ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
