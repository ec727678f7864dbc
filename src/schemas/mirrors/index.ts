/**
 * The mirror network's manager (MirrorManager): its crawler checking mirrors, and the netblock
 * lists it fetches to send users to a nearby mirror; and the triggered-mirroring protocol's
 * messages (protocol.ts), which src/mirror/ publishes and acts on.
 */
import type { Message } from '../../message/index.js';
import { schemaFamily, type AppSchema } from '../app-schema.js';
import { at, list, need, text } from '../body.js';
import { arrayOf, body, boolean, integer, object, string } from '../json-schema.js';
import { mirrorProtocolSchemas } from './protocol.js';

const define = schemaFamily('mirrors', {
  app: () => 'MirrorManager',
  url: () => 'https://mirrors.fedoraproject.org',
  agent: () => null,
  usernames: () => [],
  packages: () => [],
});

const host = object({ id: integer, name: string, country: string, site: object({ id: integer, name: string }) }, ['name']);

const crawlerStart = define({
  name: 'mirrormanager.crawler.start.v1',
  description: 'The crawler started checking a set of mirrors.',
  topics: ['mirrormanager.crawler.start'],
  bodySchema: body('A crawl of some mirrors started.', { hosts: arrayOf(host) }, ['hosts']),
  example: { hosts: [{ id: 1432, name: 'mirror.example.net', country: 'VN', site: { id: 1043, name: 'Example' } }] },
  summary: (m) => `mirrormanager's crawler started a crawl of ${list(m.body, 'hosts').length} mirrors`,
});

const crawlerComplete = define({
  name: 'mirrormanager.crawler.complete.v1',
  description: 'The crawler finished checking a set of mirrors; rc 0 is a mirror crawled successfully.',
  topics: ['mirrormanager.crawler.complete'],
  bodySchema: body('A crawl of some mirrors finished.', { results: arrayOf(object({ host, rc: integer }, ['host', 'rc'])) }, ['results']),
  example: { results: [{ host: { id: 1432, name: 'mirror.example.net' }, rc: 0 }] },
  summary: (m: Message) => {
    const results = list(m.body, 'results');
    const succeeded = results.filter((result) => at(result, 'rc') === 0).length;
    return `mirrormanager's crawler finished a crawl of ${results.length} mirrors (${succeeded} succeeded, ${results.length - succeeded} failed)`;
  },
});

const netblocks = define({
  name: 'mirrormanager.netblocks.get.v1',
  description: 'The backend fetched a netblocks list (global or Internet2), successfully or not.',
  topics: ['mirrormanager.netblocks.get'],
  bodySchema: body('A netblocks file was fetched.', { type: string, success: boolean }, ['type', 'success']),
  example: { type: 'global', success: true },
  summary: (m) =>
    `mirrormanager's backend ${at(m.body, 'success') === true ? 'successfully updated' : 'failed to update'} its ${need(text(m.body, 'type'), 'type')} netblocks file`,
});

/** Every mirror-manager schema, and the triggered-mirroring protocol's. */
export const mirrorsSchemas: readonly AppSchema[] = [crawlerStart, crawlerComplete, netblocks, ...mirrorProtocolSchemas];
