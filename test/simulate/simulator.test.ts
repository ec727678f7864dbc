/**
 * The simulator as a library: the same seed makes the same traffic; every message is valid under
 * the schema its real publisher would name, registered for its topic, and derives the facts that
 * schema derives; apps can be filtered; builds, tasks and updates go through their states in order;
 * a package's commit, build, tags and update are one story.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigurationError } from '../../src/bus/index.js';
import { baseSchema, createMessage, Header, summarizeBody, type Message } from '../../src/message/index.js';
import { appSchemas, createSchemaCatalog } from '../../src/schemas/index.js';
import { APP_NAMES, parseAppList, Simulator, type SimulatedMessage } from '../../src/simulate/index.js';

const catalog = createSchemaCatalog();
const PREFIX = 'org.fedoraproject.prod.';

function asMessage(simulated: SimulatedMessage): Message {
  return createMessage({ id: simulated.id, topic: PREFIX + simulated.topic, body: simulated.body, schema: simulated.schema, sentAt: simulated.sentAt }, catalog.registry);
}

/** The facts each schema derives from its own example: a simulated message must derive them too. */
const exampleFacts = new Map(
  appSchemas.map((app) => [app.schema, catalog.facts({ id: 'example', topic: PREFIX + app.example.topic, headers: { [Header.schema]: app.schema.name }, body: app.example.body })]),
);

const run = new Simulator({ seed: 20240601 }).take(5000);
const body = (message: SimulatedMessage): Record<string, any> => message.body as Record<string, any>;

describe('the simulator', () => {
  test('the same seed makes the same messages, ids and times included; another seed makes others', () => {
    const first = new Simulator({ seed: 7 }).take(500);
    const again = new Simulator({ seed: 7 }).take(500);
    const other = new Simulator({ seed: 8 }).take(500);
    assert.deepEqual(again, first);
    assert.notDeepEqual(other.map((message) => message.body), first.map((message) => message.body));
    assert.equal(new Set(first.map((message) => message.id)).size, 500, 'ids are unique');
    assert.equal(first[0]!.sentAt.toISOString(), '2024-06-01T00:00:00.000Z');
    assert.equal(first[10]!.sentAt.toISOString(), '2024-06-01T00:00:01.000Z', 'ten a second by default');
  });

  test('every message of a 5,000-message run is valid under the schema its header names, registered for its topic', () => {
    const failures: string[] = [];
    for (const simulated of run) {
      const { schema, known } = catalog.registry.resolve(simulated.schema);
      if (!known || schema === baseSchema) {
        failures.push(`${simulated.topic}: unknown schema ${simulated.schema}`);
        continue;
      }
      if (!catalog.forTopic(PREFIX + simulated.topic).some((app) => app.schema === schema)) failures.push(`${simulated.topic} is not a topic of ${schema.name}`);
      try {
        catalog.registry.validate(asMessage(simulated));
      } catch (error) {
        failures.push((error as Error).message);
      }
      assert.equal(simulated.app, simulated.topic.split('.')[0]);
    }
    assert.deepEqual(failures.slice(0, 5), []);
  });

  test('every message derives a summary and the facts its schema derives from its own example', () => {
    const failures: string[] = [];
    for (const simulated of run) {
      const message = asMessage(simulated);
      const facts = catalog.facts(message);
      const expected = exampleFacts.get(catalog.registry.resolve(simulated.schema).schema)!;
      if (facts.summary === summarizeBody(message.body)) failures.push(`${simulated.topic}: no summary of its own`);
      for (const fact of ['usernames', 'groups', 'packages'] as const) {
        if (expected[fact].length > 0 && facts[fact].length === 0) failures.push(`${simulated.topic}: no ${fact}`);
      }
      for (const fact of ['url', 'agent', 'app'] as const) if (expected[fact] && !facts[fact]) failures.push(`${simulated.topic}: no ${fact}`);
    }
    assert.deepEqual(failures.slice(0, 5), []);
  });

  test('the mix is a distribution bus: builds and updates dominate, and every app speaks', () => {
    const share = (app: string): number => run.filter((message) => message.app === app).length / run.length;
    for (const app of APP_NAMES) assert.ok(share(app) > 0.003, `${app} has ${share(app)}`);
    assert.ok(share('buildsys') > 0.4, `buildsys ${share('buildsys')}`);
    assert.ok(share('bodhi') > 0.15, `bodhi ${share('bodhi')}`);
    assert.ok(share('buildsys') + share('bodhi') > 0.7);
    assert.ok(share('git') > 0.05 && share('git') < share('bodhi'));
    const schemas = new Set(run.map((message) => catalog.registry.resolve(message.schema).schema.name));
    assert.ok(schemas.size >= 50, `${schemas.size} schemas used`);
  });

  test('a few accounts do most of the work', () => {
    const byAgent = new Map<string, number>();
    for (const simulated of run) {
      const agent = catalog.facts(asMessage(simulated)).agent;
      if (agent && agent !== 'bodhi' && agent !== 'kojira') byAgent.set(agent, (byAgent.get(agent) ?? 0) + 1);
    }
    const counts = [...byAgent.values()].sort((a, b) => b - a);
    const total = counts.reduce((sum, count) => sum + count, 0);
    const busiestTenth = counts.slice(0, Math.ceil(counts.length / 10)).reduce((sum, count) => sum + count, 0);
    assert.ok(busiestTenth / total > 0.3, `the busiest tenth of ${counts.length} accounts did ${busiestTenth} of ${total}`);
  });

  test('each build goes BUILDING, then COMPLETE, FAILED or CANCELED, once; its task opens before it closes; tags come after COMPLETE', () => {
    const builds = new Map<number, number[]>();
    const tasks = new Map<number, string[]>();
    const tagged = new Map<number, number>();
    run.forEach((message, index) => {
      const b = body(message);
      if (message.topic === 'buildsys.build.state.change') builds.set(b['build_id'], [...(builds.get(b['build_id']) ?? []), b['new']]);
      if (message.topic === 'buildsys.task.state.change') tasks.set(b['id'], [...(tasks.get(b['id']) ?? []), b['new']]);
      if (message.topic === 'buildsys.tag' && !tagged.has(b['build_id'])) tagged.set(b['build_id'], index);
    });
    let complete = 0;
    for (const [id, states] of builds) {
      const terminal = states.filter((state) => state !== 0);
      assert.ok(terminal.length <= 1 && states.filter((state) => state === 0).length <= 1, `build ${id}: ${states}`);
      if (states.includes(0)) assert.equal(states[0], 0, `build ${id} starts BUILDING: ${states}`);
      assert.ok(terminal.every((state) => [1, 3, 4].includes(state)));
      if (states.join() === '0,1') complete++;
    }
    assert.ok(complete >= 100, `${complete} builds seen from start to completion`);
    for (const [id, states] of tasks) {
      const order = ['FREE', 'OPEN', 'CLOSED'];
      const end = states[states.length - 1]!;
      assert.ok(states.length <= 2 && (states.length === 1 || (states[0] === 'OPEN' && ['CLOSED', 'FAILED', 'CANCELED'].includes(end))), `task ${id}: ${states} (${order})`);
    }
    for (const [id, index] of tagged) {
      const completion = run.findIndex((message) => message.topic === 'buildsys.build.state.change' && body(message)['build_id'] === id && body(message)['new'] === 1);
      if (builds.has(id)) assert.ok(completion >= 0 && completion < index, `build ${id} is tagged only once complete`);
    }
  });

  test("a package's commit is built, tagged, and shipped in an update, in that order and by its maintainer", () => {
    const positions = (predicate: (message: SimulatedMessage) => boolean): number => run.findIndex(predicate);
    let chains = 0;
    for (const [index, message] of run.entries()) {
      if (message.topic !== 'buildsys.build.state.change' || body(message)['new'] !== 0) continue;
      const build = body(message);
      const rev = String(build['request'][0]).split('#')[1];
      const nvr = `${build['name']}-${build['version']}-${build['release']}`;
      const commit = positions((m) => m.topic === 'git.receive' && body(m)['commit']['rev'] === rev);
      const complete = positions((m) => m.topic === 'buildsys.build.state.change' && body(m)['build_id'] === build['build_id'] && body(m)['new'] === 1);
      const candidate = positions((m) => m.topic === 'buildsys.tag' && body(m)['build_id'] === build['build_id'] && String(body(m)['tag']).endsWith('candidate'));
      const update = positions((m) => m.topic === 'bodhi.update.request.testing' && body(m)['update']['builds'].some((b: { nvr: string }) => b.nvr === nvr));
      if (commit < 0 || complete < 0 || candidate < 0 || update < 0) continue;
      assert.ok(commit < index && index < complete && complete < candidate && candidate < update, `${nvr}: ${[commit, index, complete, candidate, update]}`);
      const pusher = body(run[commit]!)['agent'];
      assert.equal(build['owner'], pusher);
      assert.equal(body(run[update]!)['update']['user']['name'], pusher);
      assert.equal(body(run[commit]!)['commit']['repo'], build['name']);
      chains++;
    }
    assert.ok(chains >= 20, `${chains} commits followed through to an update`);
  });

  test('an update is requested for testing, pushed to testing, requested for stable and pushed to stable, in that order', () => {
    const events = new Map<string, string[]>();
    for (const message of run) {
      const update = body(message)['update'] ?? body(message)['comment']?.['update'];
      if (!message.topic.startsWith('bodhi.update.') || !update) continue;
      events.set(update.alias, [...(events.get(update.alias) ?? []), message.topic.replace('bodhi.update.', '')]);
    }
    const lifecycle = ['request.testing', 'complete.testing', 'request.stable', 'complete.stable'];
    let stable = 0;
    for (const [alias, topics] of events) {
      const seen = topics.filter((topic) => lifecycle.includes(topic));
      const order = seen.map((topic) => lifecycle.indexOf(topic));
      assert.deepEqual(order, [...order].sort(), `${alias}: ${seen}`);
      if (seen.includes('request.testing') && seen.includes('complete.stable')) stable++;
      const after = topics.indexOf('complete.stable');
      if (after >= 0) assert.ok(topics.slice(after + 1).every((topic) => topic === 'comment'), `${alias}: nothing but comments after stable: ${topics}`);
    }
    assert.ok(stable >= 10, `${stable} updates followed from submission to stable`);
  });

  test('only the chosen apps speak; the others still move the world (updates still come from unseen builds)', () => {
    const bodhiOnly = new Simulator({ seed: 3, apps: ['bodhi'] }).take(1000);
    assert.ok(bodhiOnly.every((message) => message.app === 'bodhi'));
    assert.ok(bodhiOnly.some((message) => message.topic === 'bodhi.update.complete.stable'));
    const pair = new Simulator({ seed: 3, apps: parseAppList('koji,updates') }).take(1000);
    assert.deepEqual([...new Set(pair.map((message) => message.app))].sort(), ['bodhi', 'buildsys']);
    const mirrors = new Simulator({ seed: 3, apps: ['mirrormanager'] }).take(50);
    assert.ok(mirrors.every((message) => message.topic.startsWith('mirrormanager.')));
  });

  test('app names: topics\' first words and their aliases; an unknown name is refused with the list of known ones', () => {
    assert.deepEqual(parseAppList('bodhi, buildsys'), ['buildsys', 'bodhi']);
    assert.deepEqual(parseAppList(['noggin', 'dist-git,mirrors', 'packages']), ['git', 'pkgdb', 'fas', 'mirrormanager']);
    assert.throws(
      () => parseAppList('buildsys,frobnicator'),
      (error: unknown) =>
        error instanceof ConfigurationError &&
        error.code === 'CONFIG_INVALID' &&
        /unknown app "frobnicator": the apps are buildsys \(koji\), bodhi \(updates\), git .*, pkgdb .*, fas .*, mirrormanager \(mirrors\)/.test(error.message),
    );
    assert.throws(() => parseAppList(' , '), /names no app/);
  });

  test('the world is a distribution: thousands of accounts, packages with owners among them, groups', () => {
    const { world } = new Simulator({ seed: 1 });
    assert.ok(world.people.length >= 3000);
    assert.ok(world.packages.length >= 2000);
    const names = new Set(world.people.map((person) => person.name));
    assert.equal(names.size, world.people.length, 'account names are unique');
    // The warm-up has run: some packages may have been orphaned meanwhile.
    const owned = world.packages.filter((pkg) => pkg.owner !== 'orphan');
    assert.ok(owned.length > world.packages.length * 0.95);
    assert.ok(owned.every((pkg) => names.has(pkg.owner) && pkg.maintainers.includes(pkg.owner)));
    assert.ok(world.packages.every((pkg) => pkg.maintainers.length > 0 && pkg.maintainers.every((name) => names.has(name))));
    assert.ok(world.groups.get('packager')!.members.size > 500);
  });
});
