import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseListen } from '../../src/config/index.js';
import { configError } from './helpers.js';

test('parses HOST:PORT, with IPv6 hosts in brackets', () => {
  const cases: Array<[string, { host: string; port: number }]> = [
    ['127.0.0.1:8780', { host: '127.0.0.1', port: 8780 }],
    ['0.0.0.0:80', { host: '0.0.0.0', port: 80 }],
    ['[::1]:0', { host: '::1', port: 0 }],
    ['[::]:65535', { host: '::', port: 65535 }],
    ['localhost:8780', { host: 'localhost', port: 8780 }],
    ['hub.example.org:443', { host: 'hub.example.org', port: 443 }],
  ];
  for (const [value, expected] of cases) assert.deepEqual(parseListen(value), expected, value);
});

test('refuses addresses without a host or port, or with a port out of range', () => {
  const bad = [
    '127.0.0.1',
    '127.0.0.1:',
    ':8780',
    '127.0.0.1:65536',
    '127.0.0.1:-1',
    '127.0.0.1:http',
    '::1:8780',
    '[::1]',
    '[not-ipv6]:80',
    '[]:80',
    'two words:80',
    '',
  ];
  for (const value of bad) {
    const error = configError(() => parseListen(value));
    assert.equal(error.key, 'serve.listen', value);
    assert.ok(error.message.includes(JSON.stringify(value)), error.message);
  }
});
