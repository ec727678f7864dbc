/**
 * The 129 real fedmsg messages of ../shared/corpus: each envelope becomes a message (as `tidings
 * schema facts` reads it), its schema is chosen by topic, and the facts derived must equal what each
 * example states — usernames, packages and link on at least 95 % of the examples stating them, per
 * field. Prints the pass counts per field and per application.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { DerivedFacts, Message } from '../../src/message/index.js';
import { createSchemaCatalog } from '../../src/schemas/index.js';
import { messageOfLine } from '../../src/cli/schema.js';

interface Example {
  readonly app: string;
  readonly topic: string;
  readonly message: Record<string, unknown>;
  readonly expected: { usernames?: string[]; packages?: string[]; link?: string; subtitle?: string };
  readonly config?: Record<string, string>;
}

/** A copy of the shared corpus (../shared/corpus), kept in the repository so a clone anywhere runs this. */
const CORPUS = new URL('../fixtures/corpus/fedmsg-legacy.jsonl', import.meta.url);
const TARGET = 0.95;
const FIELDS = ['usernames', 'packages', 'link', 'summary'] as const;
type Field = (typeof FIELDS)[number];

const catalog = createSchemaCatalog();
const examples: Example[] = readFileSync(CORPUS, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as Example);

const sameSet = (got: readonly string[], want: readonly string[]): boolean =>
  JSON.stringify([...new Set(got)].sort()) === JSON.stringify([...want].sort());

/** Whether the derived fact equals the example's, or undefined where the example states nothing. */
function verdict(field: Field, facts: DerivedFacts, expected: Example['expected']): boolean | undefined {
  switch (field) {
    case 'usernames':
      return expected.usernames && sameSet(facts.usernames, expected.usernames);
    case 'packages':
      return expected.packages && sameSet(facts.packages, expected.packages);
    case 'link':
      return expected.link === undefined ? undefined : facts.url === expected.link;
    case 'summary':
      return expected.subtitle === undefined ? undefined : facts.summary === expected.subtitle;
  }
}

interface Row {
  readonly example: Example;
  readonly index: number;
  readonly message: Message;
  readonly facts: DerivedFacts;
}

const tally = new Map<string, [passed: number, stated: number]>();
const misses: string[] = [];
let rows: Row[] = [];

function count(key: string, ok: boolean): void {
  const entry = tally.get(key) ?? [0, 0];
  entry[0] += ok ? 1 : 0;
  entry[1] += 1;
  tally.set(key, entry);
}

before(() => {
  rows = examples.map((example, index) => {
    const message = messageOfLine(example.message);
    return { example, index, message, facts: catalog.facts(message) };
  });
  for (const { example, index, facts } of rows) {
    for (const field of FIELDS) {
      const ok = verdict(field, facts, example.expected);
      if (ok === undefined) continue;
      count(field, ok);
      count(`${example.app} ${field}`, ok);
      if (!ok) {
        const got = field === 'link' ? facts.url : field === 'summary' ? facts.summary : facts[field];
        const want = field === 'link' ? example.expected.link : field === 'summary' ? example.expected.subtitle : example.expected[field];
        const note = example.config ? ` (the example assumes config ${JSON.stringify(example.config)})` : '';
        misses.push(`#${index} ${example.topic} ${field}: got ${JSON.stringify(got)}, stated ${JSON.stringify(want)}${note}`);
      }
    }
  }
  const rate = (key: string): string => {
    const [passed, stated] = tally.get(key) ?? [0, 0];
    return stated === 0 ? '     -   ' : `${String(passed).padStart(3)}/${String(stated).padEnd(3)}  `;
  };
  const apps = [...new Set(examples.map((example) => example.app))];
  const lines = [
    `corpus: ${examples.length} fedmsg envelopes; derived fact = stated fact, where stated`,
    `${'app'.padEnd(14)}${FIELDS.map((field) => field.padEnd(11)).join('')}`,
    ...apps.map((app) => `${app.padEnd(14)}${FIELDS.map((field) => rate(`${app} ${field}`).padEnd(11)).join('')}`),
    `${'all'.padEnd(14)}${FIELDS.map((field) => rate(field).padEnd(11)).join('')}`,
    ...misses.map((miss) => `  differs: ${miss}`),
  ];
  console.log(lines.join('\n'));
});

describe('the fedmsg corpus', () => {
  test('has the 129 examples the corpus README describes', () => {
    assert.equal(examples.length, 129);
  });

  for (const field of ['usernames', 'packages', 'link'] as const) {
    test(`derived ${field} equal the stated ones on at least 95 % of the examples stating them`, () => {
      const [passed, stated] = tally.get(field)!;
      assert.ok(stated >= 70, `only ${stated} examples state ${field}`);
      assert.ok(passed / stated >= TARGET, `${field}: ${passed}/${stated} (${misses.filter((m) => m.includes(` ${field}:`)).join('; ')})`);
    });
  }

  test('summaries tell what happened as the examples do: equal to the subtitle on at least 95 %', () => {
    const [passed, stated] = tally.get('summary')!;
    assert.ok(passed / stated >= TARGET, `summaries: ${passed}/${stated}`);
  });

  test("every example is read with its application's schema, chosen by topic, and its body satisfies it", () => {
    for (const { example, index, message, facts } of rows) {
      const chosen = catalog.choose(message);
      assert.equal(chosen.how, 'topic', `#${index} ${example.topic}`);
      assert.equal(facts.schema, chosen.schema.name);
      assert.doesNotThrow(() => catalog.validate(message), `#${index} ${example.topic}`);
    }
  });
});
