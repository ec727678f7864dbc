/**
 * The account system, as Noggin sends it (the event under `msg`): accounts created and edited, people
 * applying to groups and being sponsored (a newcomer becomes a packager), roles changing, groups
 * created and edited.
 */
import type { Body } from '../message/index.js';
import { makePeople } from './names.js';
import type { Draft, Simulation, Story } from './story.js';
import type { Group } from './world.js';

const PROFILE_FIELDS = ['timezone', 'ircnick', 'locale', 'gpgkeys', 'sshpubkeys', 'website', 'pronouns', 'github_username', 'rhbzemail', 'matrix_nick'];
const GROUP_FIELDS = ['display_name', 'description', 'url', 'mailing_list', 'irc_channel'];

/** Noggin's schema name where Noggin has one, else Tidings' name for the FAS event. */
function accounts(topic: string, msg: Body, noggin?: string): Draft {
  return { topic, schema: noggin ?? `${topic}.v1`, body: { msg } };
}

function sponsorOf(sim: Simulation, group: Group): string {
  return sim.random.pick([...group.sponsors]);
}

/** A newcomer signs up; some then apply to the packager group and are sponsored (or not). */
const signUp: Story = {
  apps: ['fas'],
  weight: 2,
  start(sim) {
    const { world, random } = sim;
    // Named around the accounts already there, however many there are.
    const person = makePeople(random, 1, (name) => world.hasPerson(name))[0]!;
    const added = world.addPerson(person.name, person.fullName);
    if (random.chance(0.3)) {
      const packagers = world.groups.get('packager')!;
      sim.later(random.int(20, 120), () => {
        sim.later(random.int(10, 80), () => {
          if (random.chance(0.85)) {
            world.addPackager(added);
            return accounts('fas.group.member.sponsor', { agent: sponsorOf(sim, packagers), user: added.name, group: 'packager' }, 'noggin.group.member.sponsor.v1');
          }
          return accounts('fas.group.member.remove', { agent: sponsorOf(sim, packagers), user: added.name, group: 'packager' });
        });
        return accounts('fas.group.member.apply', { agent: added.name, user: added.name, group: 'packager' });
      });
    }
    return accounts('fas.user.create', { agent: added.name, user: added.name }, 'noggin.user.create.v1');
  },
};

const profileEdit: Story = {
  apps: ['fas'],
  weight: 4,
  start(sim) {
    const { world, random } = sim;
    const user = world.person().name;
    const fields = random.sample(PROFILE_FIELDS, random.int(1, 3));
    return accounts('fas.user.update', { agent: user, user, fields }, 'noggin.user.update.v1');
  },
};

/** Someone joins a SIG, is promoted to sponsor, or leaves. */
const membership: Story = {
  apps: ['fas'],
  weight: 3,
  start(sim) {
    const { world, random } = sim;
    const group = random.pick([...world.groups.values()].filter((candidate) => candidate.sponsors.size > 0 && candidate.name !== 'packager'));
    const kind = random.weighted([['sponsor', 5], ['role', 1], ['remove', 2]] as const);
    if (kind === 'sponsor') {
      const user = world.packager().name;
      group.members.add(user);
      return accounts('fas.group.member.sponsor', { agent: sponsorOf(sim, group), user, group: group.name }, 'noggin.group.member.sponsor.v1');
    }
    const members = [...group.members].filter((member) => !group.sponsors.has(member));
    if (members.length === 0) return null;
    const user = random.pick(members);
    if (kind === 'role') {
      group.sponsors.add(user);
      return accounts('fas.role.update', { agent: sponsorOf(sim, group), user, group: group.name, status: 'sponsor' });
    }
    group.members.delete(user);
    return accounts('fas.group.member.remove', { agent: random.chance(0.5) ? user : sponsorOf(sim, group), user, group: group.name });
  },
};

/** A group's page is edited; now and then a new SIG is founded. */
const groupChange: Story = {
  apps: ['fas'],
  weight: 0.6,
  start(sim) {
    const { world, random } = sim;
    const name = `${random.pick(['ruby', 'java', 'haskell', 'ocaml', 'julia', 'lua', 'fonts', 'games', 'robotics', 'astronomy', 'neuro', 'sway'])}-sig`;
    if (random.chance(0.2) && !world.groups.has(name)) {
      const founder = world.packager().name;
      world.addGroup(name, [founder], [founder]);
      return accounts('fas.group.create', { agent: founder, group: name });
    }
    const group = random.pick([...world.groups.values()]);
    return accounts('fas.group.update', { agent: sponsorOf(sim, group), group: group.name, fields: random.sample(GROUP_FIELDS, random.int(1, 2)) });
  },
};

export const accountStories: readonly Story[] = [signUp, profileEdit, membership, groupChange];
