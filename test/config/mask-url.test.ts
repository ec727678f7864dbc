import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskUrl } from '../../src/config/index.js';

test('hides the password and keeps the rest of the URL as written', () => {
  const cases: Array<[string, string]> = [
    ['amqp://user:secret@host/', 'amqp://user:***@host/'],
    ['amqps://fedora:s3cr3t@rabbitmq.example.org:5671/%2Fpubsub?heartbeat=60', 'amqps://fedora:***@rabbitmq.example.org:5671/%2Fpubsub?heartbeat=60'],
    ['amqp://user:p@ss@host', 'amqp://user:***@host'],
    ['http://admin:x@127.0.0.1:8780', 'http://admin:***@127.0.0.1:8780'],
  ];
  for (const [url, masked] of cases) assert.equal(maskUrl(url), masked);
});

test('leaves URLs without a password alone', () => {
  for (const url of ['amqp://', 'amqp://guest@host/', 'http://127.0.0.1:8780', 'amqp://host/vhost?user=a:b@c', 'not a url']) {
    assert.equal(maskUrl(url), url);
  }
});
