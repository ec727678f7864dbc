/**
 * Rule and destination validation: what is refused, and that the refusal names the field and why.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DestinationValidationError, RULE_LIMITS, RuleValidationError, validateDestination, validateRule, type RuleContext } from '../../src/notify/index.js';

const context: RuleContext = {
  owner: 'alice',
  destinations: new Map([
    ['d-mine', { owner: 'alice', verifiedAt: 1 }],
    ['d-unconfirmed', { owner: 'alice', verifiedAt: null }],
    ['d-theirs', { owner: 'bob', verifiedAt: 1 }],
  ]),
};

const good = { name: 'My builds', tracking: { myPackages: true }, destinations: ['d-mine'] };

/** The issues validation reports for `input`, as `field: reason`. */
function refusal(input: unknown): string[] {
  try {
    validateRule(input, context);
  } catch (error) {
    assert.ok(error instanceof RuleValidationError, `expected a RuleValidationError, got ${String(error)}`);
    assert.equal(error.code, 'NOTIFY_RULE_INVALID');
    return error.issues.map((issue) => `${issue.field}: ${issue.reason}`);
  }
  assert.fail(`accepted ${JSON.stringify(input)}`);
}

describe('rule validation', () => {
  test('a good rule is completed with the default filters and cleaned', () => {
    const rule = validateRule({ ...good, name: '  My builds  ', tracking: { packages: ['kernel', 'kernel', 'libstdc++'] } }, context);
    assert.equal(rule.name, 'My builds');
    assert.equal(rule.enabled, true);
    assert.deepEqual(rule.tracking, { myEvents: false, myPackages: false, packages: ['kernel', 'libstdc++'], users: [], groups: [], apps: [], topics: [] });
    assert.equal(rule.filters.minSeverity, 20);
    assert.equal(rule.filters.excludeMyActions, true);
    assert.deepEqual(rule.destinations, ['d-mine']);
  });

  const refused: [string, unknown, RegExp][] = [
    ['not an object', 'rule', /^rule: must be an object/],
    ['empty tracking', { ...good, tracking: {} }, /^tracking: follows nothing/],
    ['tracking with only false flags and empty lists', { ...good, tracking: { myEvents: false, packages: [] } }, /^tracking: follows nothing/],
    ['tracking missing', { name: 'x', destinations: ['d-mine'] }, /^tracking: must be an object/],
    ['an unknown tracking field', { ...good, tracking: { myPackages: true, package: ['kernel'] } }, /^tracking\.package: is not a rule field/],
    ['an unknown rule field', { ...good, owner: 'bob' }, /^owner: is not a rule field/],
    ['a topic pattern with an empty word', { ...good, tracking: { topics: ['org..prod.#'] } }, /^tracking\.topics\[0\]: .* is not a topic pattern: .*empty word/],
    ['a wildcard glued to a word', { ...good, tracking: { topics: ['org.fedoraproject.prod.buildsys*'] } }, /^tracking\.topics\[0\]: .*mixing a wildcard/],
    ['a pattern that matches everything', { ...good, tracking: { topics: ['#'] } }, /^tracking\.topics\[0\]: .*matches every message/],
    ['an exclude topic that is not a pattern', { ...good, filters: { excludeTopics: ['a b'] } }, /^filters\.excludeTopics\[0\]: .*whitespace/],
    ['a severity that is not a level', { ...good, filters: { minSeverity: 25 } }, /^filters\.minSeverity: 25 is not a severity/],
    ['a severity given as text', { ...good, filters: { minSeverity: '30' } }, /^filters\.minSeverity: "30" is not a severity/],
    ['an unknown destination', { ...good, destinations: ['d-nowhere'] }, /^destinations: "d-nowhere" is not one of your destinations/],
    ["someone else's destination", { ...good, destinations: ['d-theirs'] }, /^destinations: "d-theirs" is not one of your destinations/],
    ['an unconfirmed destination', { ...good, destinations: ['d-unconfirmed'] }, /^destinations: "d-unconfirmed" is not confirmed yet/],
    ['no destination', { ...good, destinations: [] }, /^destinations: a rule needs at least one destination/],
    ['destinations missing', { name: 'x', tracking: { myEvents: true } }, /^destinations: a rule needs at least one destination/],
    ['too many packages', { ...good, tracking: { packages: Array.from({ length: RULE_LIMITS.names + 1 }, (_, i) => `p${i}`) } }, /^tracking\.packages: has 201 entries; at most 200/],
    ['too many topics', { ...good, tracking: { topics: Array.from({ length: RULE_LIMITS.topics + 1 }, (_, i) => `a.b${i}.#`) } }, /^tracking\.topics: has 51 entries; at most 50/],
    ['too many destinations', { ...good, destinations: Array.from({ length: RULE_LIMITS.destinations + 1 }, () => 'd-mine') }, /^destinations: has 11 entries/],
    ['a name too long', { ...good, name: 'x'.repeat(101) }, /^name: is 101 characters long; at most 100/],
    ['an empty name', { ...good, name: '   ' }, /^name: must not be empty/],
    ['a name with a control character', { ...good, name: 'builds\u0007' }, /^name: contains control/],
    ['a name with a right-to-left override', { ...good, name: 'evil\u202Etxt.exe' }, /^name: contains control, invisible or direction-changing/],
    ['a name with a zero-width space', { ...good, name: 'ad\u200Bmin' }, /^name: contains control, invisible/],
    ['a name with a lone surrogate', { ...good, name: 'bad\uD800' }, /^name: contains control/],
    ['a package name with a slash', { ...good, tracking: { packages: ['../etc/passwd'] } }, /^tracking\.packages\[0\]: "\.\.\/etc\/passwd" is not a package name/],
    ['a user name with markup', { ...good, tracking: { users: ['<script>'] } }, /^tracking\.users\[0\]: "<script>" is not an account name/],
    ['a group that is not text', { ...good, tracking: { groups: [42] } }, /^tracking\.groups\[0\]: must be text, not 42/],
    ['a flag that is not boolean', { ...good, tracking: { myEvents: 'yes' } }, /^tracking\.myEvents: must be true or false/],
    ['a list that is not a list', { ...good, tracking: { apps: 'bodhi' } }, /^tracking\.apps: must be a list/],
  ];
  for (const [what, input, expected] of refused) {
    test(`refuses ${what}, saying which field and why`, () => {
      const issues = refusal(input);
      assert.ok(issues.some((issue) => expected.test(issue)), `expected ${expected} among ${JSON.stringify(issues)}`);
    });
  }

  test('reports every problem at once, not only the first', () => {
    const issues = refusal({ name: '', tracking: { topics: ['a..b'] }, filters: { minSeverity: 99 }, destinations: ['d-theirs'] });
    assert.deepEqual(issues.map((issue) => issue.split(':')[0]), ['name', 'tracking.topics[0]', 'filters.minSeverity', 'destinations']);
  });

  test('accepts each of the severities 10, 20, 30, 40 and 50', () => {
    for (const minSeverity of [10, 20, 30, 40, 50]) assert.equal(validateRule({ ...good, filters: { minSeverity } }, context).filters.minSeverity, minSeverity);
  });

  test('accepts topic patterns with or without the environment prefix', () => {
    const rule = validateRule({ ...good, tracking: { topics: ['org.fedoraproject.prod.bodhi.update.comment', 'bodhi.update.#', '*.*.*.buildsys.#'] } }, context);
    assert.equal(rule.tracking.topics.length, 3);
  });

  test('a refused string is quoted short and without its hostile characters', () => {
    const [issue] = refusal({ ...good, tracking: { users: [`\u202E${'a'.repeat(500)}`] } });
    assert.ok(issue!.length < 200, issue);
    assert.ok(!issue!.includes('\u202E'));
  });
});

describe('destination validation', () => {
  test('accepts each kind with a good address, immediate delivery by default', () => {
    const cases = [
      ['email', 'jsmith@example.org'],
      ['irc', 'ircs://irc.libera.chat/jsmith'],
      ['matrix', '@jsmith:fedora.im'],
      ['webhook', 'https://hooks.example.org/tidings?x=1'],
    ] as const;
    for (const [kind, address] of cases) {
      const destination = validateDestination({ kind, address });
      assert.equal(destination.address, address);
      assert.deepEqual(destination.delivery, { kind: 'immediate' });
      assert.equal(destination.label, address);
    }
  });

  test('accepts digests, quiet hours and a rate limit', () => {
    const destination = validateDestination({
      kind: 'email',
      address: 'jsmith@example.org',
      label: 'Work',
      delivery: { kind: 'digest', everyMinutes: 60 },
      quietHours: { start: 1320, end: 420, timeZone: 'Europe/Prague' },
      maxPerHour: 20,
    });
    assert.deepEqual(destination.delivery, { kind: 'digest', everyMinutes: 60, afterCount: null });
    assert.deepEqual(destination.quietHours, { start: 1320, end: 420, timeZone: 'Europe/Prague' });
    assert.equal(destination.maxPerHour, 20);
  });

  const refused: [string, unknown, string][] = [
    ['an inbox (made by the store only)', { kind: 'inbox', address: '' }, 'kind'],
    ['an unknown kind', { kind: 'fax', address: '123' }, 'kind'],
    ['an email without a domain', { kind: 'email', address: 'jsmith' }, 'address'],
    ['an email with a header injection', { kind: 'email', address: 'a@example.org\r\nBcc: x@evil.org' }, 'address'],
    ['an IRC address without a nick', { kind: 'irc', address: 'irc://irc.libera.chat/' }, 'address'],
    ['a webhook that is not http(s)', { kind: 'webhook', address: 'file:///etc/passwd' }, 'address'],
    ['a digest with no schedule', { kind: 'email', address: 'a@example.org', delivery: { kind: 'digest' } }, 'delivery'],
    ['a digest every minute', { kind: 'email', address: 'a@example.org', delivery: { kind: 'digest', everyMinutes: 1 } }, 'delivery.everyMinutes'],
    ['quiet hours in an unknown zone', { kind: 'email', address: 'a@example.org', quietHours: { start: 0, end: 60, timeZone: 'Mars/Olympus' } }, 'quietHours.timeZone'],
    ['quiet hours past midnight', { kind: 'email', address: 'a@example.org', quietHours: { start: 1440, end: 60, timeZone: 'UTC' } }, 'quietHours.start'],
    ['a zero rate limit', { kind: 'email', address: 'a@example.org', maxPerHour: 0 }, 'maxPerHour'],
    ['a label with a control character', { kind: 'email', address: 'a@example.org', label: 'x\u0000' }, 'label'],
  ];
  for (const [what, input, field] of refused) {
    test(`refuses ${what} (field ${field})`, () => {
      assert.throws(() => validateDestination(input), (error: unknown) => error instanceof DestinationValidationError && error.field === field && error.code === 'NOTIFY_DESTINATION_INVALID');
    });
  }
});
