/** The pages' pure parts: escaping, the rule form's fields, app links, the destination form, where a login goes. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { html, escapeHtml } from '../../src/web/html.js';
import { draftFromForm, draftFromLink, inputOfDraft, splitList } from '../../src/web/rule-draft.js';
import { destinationDraftOf, destinationInputOf, safeNext } from '../../src/web/forms.js';

describe('web forms', () => {
  test('every interpolated value is escaped; only html values pass as markup', () => {
    const name = `<script>alert("x")</script>'&`;
    assert.equal(html`<td>${name}</td>`.value, '<td>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&amp;</td>');
    assert.equal(html`<p>${html`<b>${name}</b>`}</p>`.value, `<p><b>${escapeHtml(name)}</b></p>`);
    assert.equal(html`${[1, null, false, undefined, 'a']}`.value, '1a');
  });

  test('the rule form: lists split on commas, spaces and lines; boxes; an edited rule sends its on/off box', () => {
    assert.deepEqual(splitList(' kernel, glibc\n bash,,'), ['kernel', 'glibc', 'bash']);
    const draft = draftFromForm({ name: 'Mine', myPackages: '1', includeApps: 'buildsys', minSeverity: '30', destinations: ['d-1', 'd-2'] });
    assert.equal(draft.enabled, true);
    assert.equal(draft.myPackages, true);
    assert.equal(draft.myEvents, false);
    assert.deepEqual(draft.includeApps, ['buildsys']);
    assert.deepEqual(draft.destinations, ['d-1', 'd-2']);
    const input = inputOfDraft(draft);
    assert.equal(input.filters?.excludeMyActions, true, 'own actions are left out unless the box is ticked');
    assert.equal(input.filters?.minSeverity, 30);
    assert.equal(draftFromForm({ name: 'x', enabledShown: '1' }).enabled, false);
    assert.equal(draftFromForm({ name: 'x', enabledShown: '1', enabled: '1' }).enabled, true);
  });

  test("apps' links pre-fill a rule sending to the inbox; other values are ignored", () => {
    assert.deepEqual(draftFromLink({ package: 'kernel' }, 'd-inbox').packages, ['kernel']);
    assert.deepEqual(draftFromLink({ package: 'kernel' }, 'd-inbox').destinations, ['d-inbox']);
    const commits = draftFromLink({ repo: 'rpms/kernel' }, undefined);
    assert.deepEqual([commits.packages, commits.includeTopics, commits.myActions], [['kernel'], ['#.git.receive'], true]);
    assert.deepEqual(draftFromLink({ user: 'jsmith' }, undefined).users, ['jsmith']);
    assert.deepEqual(draftFromLink({ package: ['a', 'b'] }, undefined).packages, []);
  });

  test('the destination form: an hourly digest, quiet hours as minutes, empty boxes as none', () => {
    const draft = destinationDraftOf({ kind: 'email', address: ' me@example.org ', mode: 'digest', everyMinutes: '60', afterCount: '', quietStart: '22:30', quietEnd: '07:00', timeZone: 'Europe/Prague', maxPerHour: '' });
    assert.deepEqual(destinationInputOf(draft, true), {
      kind: 'email', address: 'me@example.org',
      delivery: { kind: 'digest', everyMinutes: 60, afterCount: null },
      quietHours: { start: 1350, end: 420, timeZone: 'Europe/Prague' },
      maxPerHour: null,
    });
    const changed = destinationInputOf(destinationDraftOf({ mode: 'immediate', quietStart: '25', quietEnd: '' }), false);
    assert.deepEqual(changed['delivery'], { kind: 'immediate' });
    assert.ok(Number.isNaN((changed['quietHours'] as { start: number }).start), 'a malformed time goes to validation, which names the field');
    assert.equal('kind' in changed, false);
  });

  test('a login goes on to a path of this server only', () => {
    assert.equal(safeNext('/settings/rules/new?package=kernel'), '/settings/rules/new?package=kernel');
    for (const next of ['//evil.example', '/\\evil.example', 'https://evil.example', 'settings', '/a\nb', undefined, 42, '/' + 'x'.repeat(2_001)]) {
      assert.equal(safeNext(next), '/settings', String(next));
    }
  });
});
