import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { accepts, catalog, factsOf, legacy, named, rejects } from './helpers.js';

describe('account system schemas', () => {
  test("Noggin's messages resolve by their names; usernames are the agent and the user, sorted (noggin-messages)", () => {
    const message = named('noggin.user.create.v1', 'fas.user.create', { msg: { agent: 'zed', user: 'amy' } });
    accepts(message, 'fas.user.create.v1');
    assert.deepEqual(factsOf(message), {
      schema: 'fas.user.create.v1',
      summary: "New FAS account:  'amy'  (created by 'zed')",
      url: 'https://accounts.fedoraproject.org/user/amy/',
      agent: 'zed',
      usernames: ['amy', 'zed'],
      groups: [],
      packages: [],
      containers: [],
    });
    assert.equal(catalog.find('noggin_messages:UserUpdateV1')?.schema.name, 'fas.user.update.v1');
  });

  test("a sponsor's message concerns the sponsor, the member and the group (MemberSponsorV1's groups)", () => {
    const facts = factsOf(named('noggin.group.member.sponsor.v1', 'fas.group.member.sponsor', { msg: { agent: 'alice', user: 'bob', group: 'packager' } }));
    assert.deepEqual([facts.usernames, facts.groups, facts.agent], [['alice', 'bob'], ['packager'], 'alice']);
    assert.equal(facts.summary, "alice sponsored bob's membership in the packager group");
    assert.equal(facts.url, 'https://accounts.fedoraproject.org/group/packager/');
  });

  test('FAS bodies name accounts as strings or objects; both read the same', () => {
    const strings = factsOf(legacy('fas.role.update', { agent: 'toshio', user: 'ralph', group: 'ambassadors', status: 'sponsor' }));
    const objects = factsOf(legacy('fas.role.update', { agent: { username: 'toshio' }, user: { username: 'ralph' }, group: { name: 'ambassadors' }, status: 'sponsor' }));
    assert.deepEqual(strings, objects);
    assert.equal(strings.summary, "toshio changed ralph's role in the ambassadors group to sponsor");
    assert.deepEqual(strings.groups, ['ambassadors']);
  });

  test('each event says what happened', () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['fas.user.update', { agent: 'a', user: 'b', fields: ['timezone', 'ircnick'] }, "a edited the following fields of b's FAS profile:  timezone, ircnick"],
      ['fas.group.create', { agent: 'a', group: 'g' }, 'a created new FAS group g'],
      ['fas.group.update', { agent: 'a', group: 'g', fields: ['display_name'] }, 'a edited the following fields of the g FAS group:  display_name'],
      ['fas.group.member.apply', { agent: 'b', user: 'b', group: 'g' }, "b applied for b's membership in the g group"],
      ['fas.group.member.remove', { agent: 'a', user: 'b', group: 'g' }, 'a removed b from the g group'],
    ];
    for (const [topic, body, summary] of cases) {
      const message = legacy(topic, body);
      accepts(message, `${topic}.v1`);
      assert.equal(factsOf(message).summary, summary);
    }
  });

  test('refuses events missing who did it or whom it concerns', () => {
    rejects(named('fas.user.create.v1', 'fas.user.create', { msg: { agent: 'a' } }), '/msg', 'required');
    rejects(named('fas.group.member.remove.v1', 'fas.group.member.remove', { agent: 'a', user: 'b' }), '', 'required');
    rejects(named('fas.user.update.v1', 'fas.user.update', { agent: 'a', user: 'b', fields: 'all' }), '/fields', 'type');
  });
});
