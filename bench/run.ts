/**
 * `npm run bench -- <name>`: runs bench/<name>.ts. Each benchmark prints a table and, as its last
 * line, one JSON object with its headline figures (see shared/DESIGN.md).
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((file) => file.endsWith('.ts') && !['run.ts'].includes(file) && !file.startsWith('_'))
  .map((file) => file.replace(/\.ts$/, ''));

const name = process.argv[2];
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <name>   (one of: ${available.join(', ')})`);
  process.exit(2);
}
const bench = (await import(pathToFileURL(join(here, `${name}.ts`)).href)) as { run(args: string[]): Promise<void> };
await bench.run(process.argv.slice(3));
