/**
 * A strict parser for the Prometheus text exposition format 0.0.4, for tests. npm's
 * parse-prometheus-text-format is unmaintained and lenient; this one fails (with node:assert) on
 * anything the format does not allow: bad names, bad escapes, repeated TYPE/HELP, split families,
 * duplicate series.
 */
import assert from 'node:assert/strict';

export interface PrometheusSample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}
export interface PrometheusFamily {
  help: string | null;
  type: string | null;
  readonly samples: PrometheusSample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export function parsePrometheusText(text: string): Map<string, PrometheusFamily> {
  const families = new Map<string, PrometheusFamily>();
  const finished = new Set<string>();
  let current: string | null = null;
  const family = (name: string): PrometheusFamily => {
    if (current !== name) {
      assert.ok(!finished.has(name), `metric family ${name} is split`);
      if (current !== null) finished.add(current);
      current = name;
    }
    let found = families.get(name);
    if (!found) families.set(name, (found = { help: null, type: null, samples: [] }));
    return found;
  };
  assert.ok(text.endsWith('\n'), 'the exposition ends with a newline');
  for (const [index, line] of text.slice(0, -1).split('\n').entries()) {
    const where = `line ${index + 1}: ${JSON.stringify(line)}`;
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) ([^ ]+) ?(.*)$/.exec(line);
    if (meta) {
      const [, keyword, name = '', rest = ''] = meta;
      assert.match(name, new RegExp(`${METRIC_NAME.source}$`), where);
      const f = family(name);
      if (keyword === 'HELP') {
        assert.equal(f.help, null, `second HELP, ${where}`);
        assert.ok(!/\\[^\\n]/.test(rest.replace(/\\\\/g, '')), `bad escape in HELP, ${where}`);
        f.help = rest.replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
      } else {
        assert.equal(f.type, null, `second TYPE, ${where}`);
        assert.equal(f.samples.length, 0, `TYPE after samples, ${where}`);
        assert.ok(TYPES.has(rest), `unknown type, ${where}`);
        f.type = rest;
      }
      continue;
    }
    if (line.startsWith('#')) continue;
    const name = METRIC_NAME.exec(line)?.[0];
    assert.ok(name, `no metric name, ${where}`);
    let rest = line.slice(name.length);
    const labels: Record<string, string> = {};
    if (rest.startsWith('{')) {
      rest = rest.slice(1);
      while (!rest.startsWith('}')) {
        const label = LABEL_NAME.exec(rest)?.[0];
        assert.ok(label, `bad label name, ${where}`);
        assert.ok(!(label in labels), `repeated label, ${where}`);
        rest = rest.slice(label.length);
        assert.ok(rest.startsWith('="'), `expected =", ${where}`);
        rest = rest.slice(2);
        let value = '';
        for (;;) {
          const c = rest[0];
          assert.ok(c !== undefined, `unterminated label value, ${where}`);
          rest = rest.slice(1);
          if (c === '"') break;
          if (c === '\\') {
            const escaped = rest[0];
            assert.ok(escaped === '\\' || escaped === '"' || escaped === 'n', `bad escape \\${escaped}, ${where}`);
            value += escaped === 'n' ? '\n' : escaped;
            rest = rest.slice(1);
          } else value += c;
        }
        labels[label] = value;
        if (rest.startsWith(',')) rest = rest.slice(1);
      }
      rest = rest.slice(1);
    }
    const valueMatch = /^ (NaN|[+-]Inf|[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(?: -?\d+)?$/.exec(rest);
    assert.ok(valueMatch, `bad sample value, ${where}`);
    const raw = valueMatch[1] ?? '';
    const value = raw === 'NaN' ? NaN : raw.endsWith('Inf') ? (raw.startsWith('-') ? -Infinity : Infinity) : Number(raw);
    const f = family(name);
    const key = JSON.stringify(Object.entries(labels).sort());
    assert.ok(!f.samples.some((s) => JSON.stringify(Object.entries(s.labels).sort()) === key), `duplicate series, ${where}`);
    f.samples.push({ labels, value });
  }
  return families;
}
