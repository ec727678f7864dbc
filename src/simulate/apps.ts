/** The applications the simulator speaks for, and the names `--apps` takes for them. */
import { ConfigurationError } from '../bus/index.js';
import type { AppName } from './story.js';

export interface SimulatedApp {
  /** The first word of its topics, and its name in progress reports. */
  readonly name: AppName;
  /** Its family of schemas in src/schemas/. */
  readonly family: string;
  readonly description: string;
  /** Other names `--apps` accepts. */
  readonly aliases: readonly string[];
}

export const SIMULATED_APPS: readonly SimulatedApp[] = [
  { name: 'buildsys', family: 'buildsys', description: 'the build system (Koji)', aliases: ['koji'] },
  { name: 'bodhi', family: 'updates', description: 'the update system (Bodhi)', aliases: ['updates'] },
  { name: 'git', family: 'git', description: 'source control (dist-git)', aliases: ['dist-git', 'distgit'] },
  { name: 'pkgdb', family: 'pkgdb', description: 'the package database', aliases: ['packages'] },
  { name: 'fas', family: 'accounts', description: 'the account system (FAS, Noggin)', aliases: ['accounts', 'noggin'] },
  { name: 'mirrormanager', family: 'mirrors', description: 'the mirror manager', aliases: ['mirrors'] },
];

export const APP_NAMES: readonly AppName[] = SIMULATED_APPS.map((app) => app.name);

function known(): string {
  return SIMULATED_APPS.map((app) => `${app.name} (${app.aliases.join(', ')})`).join(', ');
}

/**
 * The apps a comma-separated list names (`buildsys,bodhi`, `koji,updates`), in the table's order.
 * Throws ConfigurationError naming every app when a name is unknown or the list is empty.
 */
export function parseAppList(list: string | readonly string[]): AppName[] {
  const words = (typeof list === 'string' ? [list] : list).flatMap((item) => item.split(',')).map((word) => word.trim().toLowerCase()).filter((word) => word !== '');
  if (words.length === 0) throw new ConfigurationError(`--apps names no app: give some of ${known()}`);
  const chosen = new Set<AppName>();
  for (const word of words) {
    const app = SIMULATED_APPS.find((candidate) => candidate.name === word || candidate.aliases.includes(word));
    if (!app) throw new ConfigurationError(`unknown app "${word}": the apps are ${known()}`);
    chosen.add(app.name);
  }
  return APP_NAMES.filter((name) => chosen.has(name));
}

/** The app of a topic without its prefix: its first word. */
export function appOfTopic(topic: string): AppName {
  return topic.slice(0, topic.indexOf('.')) as AppName;
}
