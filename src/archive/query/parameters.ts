/**
 * datagrepper's query parameters (shared/WIRE.md), parsed and checked: every problem is a 400 that
 * names the argument and says why. Filters repeat: OR within one name, AND across names.
 */
import { TidingsError } from '../../message/index.js';

export class QueryParameterError extends TidingsError {
  readonly code = 'QUERY_INVALID';
  constructor(
    readonly argument: string,
    message: string,
  ) {
    super(message);
  }
}

export const MAX_ROWS_PER_PAGE = 100;
const MAX_CONTAINS_LENGTH = 200;
const MAX_VALUES_PER_FILTER = 50;

/** Filter parameters and the key each is echoed under in `arguments` (datagrepper's plural names). */
const FILTERS = {
  topic: 'topics',
  category: 'categories',
  user: 'users',
  package: 'packages',
  agent: 'agents',
  contains: 'contains',
  not_topic: 'not_topics',
  not_category: 'not_categories',
  not_user: 'not_users',
  not_package: 'not_packages',
  not_agent: 'not_agents',
} as const;
export type FilterName = keyof typeof FILTERS;

const META = new Set(['summary', 'subtitle', 'url', 'link', 'usernames', 'packages', 'groups', 'agent', 'app', 'severity', 'date']);
const OTHER = new Set(['start', 'end', 'delta', 'page', 'rows_per_page', 'order', 'meta', 'id']);

export interface QueryRequest {
  readonly filters: { readonly [K in FilterName]: readonly string[] };
  /** Epoch milliseconds, start inclusive, end exclusive. */
  readonly start: number;
  readonly end: number;
  readonly page: number;
  readonly rowsPerPage: number;
  readonly order: 'asc' | 'desc';
  readonly meta: readonly string[];
  /** What was asked, as datagrepper echoes it. */
  readonly arguments: Record<string, unknown>;
}

/** Epoch seconds (integer or fractional) or an ISO 8601 date/date-time. */
function parseTime(name: string, value: string): number {
  const trimmed = value.trim();
  if (/^-?\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(trimmed)) {
    const iso = trimmed.length === 10 ? `${trimmed}T00:00:00Z` : /(Z|[+-]\d{2}:?\d{2})$/.test(trimmed) ? trimmed : `${trimmed}Z`;
    const time = Date.parse(iso.replace(' ', 'T'));
    if (Number.isFinite(time)) return time;
  }
  throw new QueryParameterError(name, `${name} must be epoch seconds or an ISO 8601 date such as 2024-07-30 or 2024-07-30T19:12:22Z, got ${JSON.stringify(value.slice(0, 60))}`);
}

function positiveInteger(name: string, value: string, max?: number): number {
  if (!/^\d+$/.test(value.trim())) throw new QueryParameterError(name, `${name} must be a whole number, got ${JSON.stringify(value.slice(0, 30))}`);
  const number = Number(value);
  if (number < 1) throw new QueryParameterError(name, `${name} must be at least 1, got ${number}`);
  if (max !== undefined && number > max) throw new QueryParameterError(name, `${name} must be at most ${max}, got ${number}`);
  return number;
}

function single(params: URLSearchParams, name: string): string | undefined {
  const values = params.getAll(name);
  if (values.length > 1) throw new QueryParameterError(name, `${name} may be given once, got it ${values.length} times`);
  return values[0];
}

export function parseQuery(params: URLSearchParams, options: { now: number; defaultWindowMs: number }): QueryRequest {
  for (const name of new Set(params.keys())) {
    if (!(name in FILTERS) && !OTHER.has(name)) {
      throw new QueryParameterError(name, `unknown argument ${JSON.stringify(name.slice(0, 40))}: the arguments are ${[...Object.keys(FILTERS), ...OTHER].join(', ')}`);
    }
  }
  const filters = {} as Record<FilterName, string[]>;
  const echoed: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(FILTERS) as Array<[FilterName, string]>) {
    const values = params.getAll(name).filter((value) => value !== '');
    if (values.length > MAX_VALUES_PER_FILTER) throw new QueryParameterError(name, `${name} may be given at most ${MAX_VALUES_PER_FILTER} times`);
    if (name === 'contains') {
      for (const value of values) {
        if (value.length > MAX_CONTAINS_LENGTH) {
          throw new QueryParameterError(name, `contains may be at most ${MAX_CONTAINS_LENGTH} characters, got ${value.length}: search for a shorter, distinctive part`);
        }
      }
    }
    filters[name] = values;
    echoed[key] = values;
  }

  const endParam = single(params, 'end');
  const startParam = single(params, 'start');
  const deltaParam = single(params, 'delta');
  const end = endParam !== undefined ? parseTime('end', endParam) : options.now;
  let start: number;
  let delta: number | null = null;
  if (deltaParam !== undefined) {
    if (!/^\d+(\.\d+)?$/.test(deltaParam.trim())) {
      throw new QueryParameterError('delta', `delta must be a positive number of seconds, got ${JSON.stringify(deltaParam.slice(0, 30))}`);
    }
    delta = Number(deltaParam);
    if (delta <= 0) throw new QueryParameterError('delta', `delta must be a positive number of seconds, got ${delta}`);
  }
  if (startParam !== undefined) start = parseTime('start', startParam);
  else if (delta !== null) start = end - delta * 1000;
  else start = end - options.defaultWindowMs; // no start, no delta: the recent window, said in `arguments`
  if (startParam !== undefined && delta !== null && endParam === undefined) {
    // datagrepper: start and delta (no end) mean the window from start forward.
    return parseQuery(withEnd(params, start + delta * 1000), options);
  }
  if (start > end) throw new QueryParameterError('start', `start (${new Date(start).toISOString()}) is after end (${new Date(end).toISOString()})`);

  const page = positiveInteger('page', single(params, 'page') ?? '1');
  const rowsPerPage = positiveInteger('rows_per_page', single(params, 'rows_per_page') ?? '25', MAX_ROWS_PER_PAGE);
  const orderParam = single(params, 'order') ?? 'desc';
  if (orderParam !== 'asc' && orderParam !== 'desc') throw new QueryParameterError('order', `order must be asc or desc, got ${JSON.stringify(orderParam.slice(0, 20))}`);
  const meta = params.getAll('meta');
  for (const name of meta) {
    if (!META.has(name)) throw new QueryParameterError('meta', `meta ${JSON.stringify(name.slice(0, 30))} is unknown: use ${[...META].join(', ')}`);
  }
  return {
    filters,
    start,
    end,
    page,
    rowsPerPage,
    order: orderParam,
    meta,
    arguments: {
      start: start / 1000,
      end: end / 1000,
      delta: delta ?? (end - start) / 1000,
      default_window: startParam === undefined && deltaParam === undefined,
      page,
      rows_per_page: rowsPerPage,
      order: orderParam,
      meta,
      ...echoed,
    },
  };
}

function withEnd(params: URLSearchParams, end: number): URLSearchParams {
  const copy = new URLSearchParams(params);
  copy.delete('delta');
  copy.set('end', String(end / 1000));
  return copy;
}
