/**
 * The query shapes of `npm run bench -- archive` and, for each, the parameters of every repetition:
 * drawn once (seeded) so both dialects answer the very same queries, and varied (users, packages,
 * topics, pages, clocks) so no repetition is a cache hit on the one before.
 */
import { ARCHIVE_NOW, ARCHIVE_START, DAY, seededRandom, Weighted, type SyntheticArchive } from './_archive-data.js';

const HOUR = 3_600_000;
export const DEFAULT_WINDOW_MS = 7 * DAY;

export interface QueryCase {
  readonly params: URLSearchParams;
  /** The clock `parseQuery` is given (the default window ends there). */
  readonly now: number;
}

export interface QueryShape {
  readonly name: string;
  /** What is asked and what varies, for the legend. */
  readonly description: string;
  readonly cases: readonly QueryCase[];
  /** One more, run once before measuring (not counted). */
  readonly warmUp: QueryCase;
}

/** `contains` needles from common to absent: an absent one makes the whole week be read. */
const NEEDLES = ['kernel', 'segfault', 'CVE-2024-', 'Traceback', 'rhbz#2345', 'no such text anywhere'];

const seconds = (ms: number): string => String(ms / 1000);
const wholeArchive = { start: seconds(ARCHIVE_START), end: seconds(ARCHIVE_NOW) };

export function queryShapes(archive: SyntheticArchive, repetitions: number, seed = 11): QueryShape[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const hotTopics = new Weighted(archive.topics, archive.topics.map((topic) => topic.share));
  const expected = (share: number): number => share * archive.messages;
  let rare = archive.topics.filter((topic) => expected(topic.share) >= 5 && expected(topic.share) <= 2_000);
  if (rare.length === 0) rare = [...archive.topics].sort((a, b) => a.share - b.share).slice(0, 10);
  const broadCategories = archive.apps.items.slice(0, 3).map((app) => app.app);
  const recent = (hours: number): number => ARCHIVE_NOW - Math.floor(random() * hours * HOUR);

  const shape = (name: string, description: string, make: (repetition: number) => { params: Record<string, string>; now?: number }): QueryShape => {
    const cases = Array.from({ length: repetitions + 1 }, (_, repetition) => {
      const { params, now } = make(repetition);
      return { params: new URLSearchParams({ rows_per_page: '25', ...params }), now: now ?? ARCHIVE_NOW };
    });
    return { name, description, cases: cases.slice(0, repetitions), warmUp: cases[repetitions]! };
  };

  return [
    shape('latest page', 'no filter, default 7-day window; clock moves back 0–6 h', () => ({ params: {}, now: recent(6) })),
    shape('by topic', 'topic= drawn by traffic, default window; clock 0–3 days back', () => ({ params: { topic: hotTopics.draw(random).topic }, now: recent(72) })),
    shape('by category', 'category= drawn by traffic, default window; clock 0–3 days back', () => ({ params: { category: archive.apps.draw(random).app }, now: recent(72) })),
    shape('by user', 'user= drawn by activity, whole 2 years', () => ({ params: { user: archive.users.draw(random), ...wholeArchive } })),
    shape('by package', 'package= drawn by popularity, whole 2 years', () => ({ params: { package: archive.packages.draw(random), ...wholeArchive } })),
    shape('user AND category', 'user= by activity AND category= by traffic, whole 2 years', () => ({
      params: { user: archive.users.draw(random), category: archive.apps.draw(random).app, ...wholeArchive },
    })),
    shape('rare topic', `one of ${rare.length} topics with 5–2,000 messages, whole 2 years`, () => ({ params: { topic: pick(rare).topic, ...wholeArchive } })),
    shape('a day, a year back', 'no filter, one day 365–425 days back', () => {
      const start = ARCHIVE_NOW - 365 * DAY - Math.floor(random() * 60 * DAY);
      return { params: { start: seconds(start), end: seconds(start + DAY) } };
    }),
    shape('page ~200, broad', `category= one of ${broadCategories.join('/')}, whole 2 years, rows_per_page=100, page 190–210`, () => ({
      params: { category: pick(broadCategories), ...wholeArchive, rows_per_page: '100', page: String(190 + Math.floor(random() * 21)) },
    })),
    shape('contains, a week', `contains= one of ${NEEDLES.length} needles (common to absent), default window; clock 0–30 days back`, (repetition) => ({
      params: { contains: NEEDLES[repetition % NEEDLES.length]! },
      now: recent(30 * 24),
    })),
  ];
}
