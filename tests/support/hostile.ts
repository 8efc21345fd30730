// Hostile input for property tests: strings, ids, JSON, numbers and enum values that clients should never send and
// attackers will. Every arbitrary mixes valid values in, so that the properties also see inputs that are accepted.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { GraphQLResponse } from './api';

/** Fixed, so that a run is repeatable; FC_SEED explores other inputs (fast-check prints the seed of a failure). */
export const PROPERTY_RUNS = { numRuns: 25, seed: Number(process.env.FC_SEED ?? 20_261_202) };

/** The codes a refusal may carry: anything but INTERNAL_SERVER_ERROR, and always one. */
const CLEAR_CODES = [
  'BAD_USER_INPUT',
  'GRAPHQL_VALIDATION_FAILED',
  'GRAPHQL_PARSE_FAILED',
  'BAD_REQUEST',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'UNAUTHENTICATED',
];

/** Fails unless the response succeeded, or was refused with a clear error (a stable code, no internal error). */
export function expectClearAnswer(result: GraphQLResponse): void {
  const unclear = (result.errors ?? []).filter((error) => !CLEAR_CODES.includes(error.extensions?.code));
  if (result.status >= 500 || unclear.length > 0) {
    throw new Error(`not a clear answer (HTTP ${result.status}): ${JSON.stringify(unclear.length ? unclear : result.errors).slice(0, 1_000)}`);
  }
}

/** Whether the response was refused. */
export const refused = (result: GraphQLResponse) => Boolean(result.errors?.length);

const big = (length: number) => 'x'.repeat(length);

/** A JSON array nested `depth` deep (shown by fast-check as `nested(depth)`: printing it would overflow its stack). */
export function nested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = [value];
  return Object.assign(value as unknown[], { [fc.toStringMethod]: () => `nested(${depth})` });
}

/** Text: ordinary, odd but valid Unicode, and what no text column can hold. */
export const hostileText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    '',
    '   ',
    'a\u0000b',
    '\u0000',
    'lone \ud800 surrogate',
    '\udfff',
    '\u202Eevil\u202C', // right-to-left override
    'e\u0301\u0301\u0301', // combining marks
    '👩‍👩‍👧‍👦 family',
    '\uFEFFbom',
    'zero\u200Bwidth',
    "'; DROP TABLE users; --",
    big(5_000),
    big(300_000),
  ),
);

/** An id: usually a fresh UUID (resolved at run time: ids must not repeat across runs), sometimes anything but. */
export const hostileId = fc.oneof(
  { weight: 3, arbitrary: fc.constant('fresh').map(() => randomUUID()) },
  fc.constantFrom(
    '',
    'not-a-uuid',
    '123',
    randomUUID().toUpperCase(),
    `${randomUUID()}\u0000`,
    `${randomUUID()}x`,
    big(10_000),
    '00000000-0000-0000-0000-00000000000g',
  ),
  fc.string({ maxLength: 40 }),
);

/** JSON: ordinary values, and values PostgreSQL cannot store or should not be asked to. */
export const hostileJson = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  fc.constantFrom<unknown>(
    {},
    [],
    null,
    42,
    'text',
    { name: 'a\u0000b' },
    { 'key\u0000': 1 },
    { s: 'lone \ud800' },
    JSON.parse('{"__proto__": {"polluted": true}}'),
    { big: big(300_000) },
    nested(65),
    nested(2_000),
    { deep: nested(60) },
  ),
);

/** Enum values: the valid ones, and near misses. */
export const hostilePhase = fc.oneof(
  fc.constantFrom('PLANNING', 'DATA_PROFILING', 'SCOPING', 'SAMPLE_SELECTION', 'DATA_OWNER_ID', 'REQUEST_INFO', 'TEST_EXECUTION', 'OBSERVATION_MANAGEMENT'),
  fc.constantFrom('planning', 'AUDITING', '', 'PLANNING\u0000', 'PLANNING '),
);

export const hostileInt = fc.oneof(
  fc.integer({ min: -1_000, max: 1_000 }),
  fc.constantFrom(0, -1, 2 ** 31 - 1, 2 ** 31, -(2 ** 31) - 1, 1.5, Number.MAX_SAFE_INTEGER),
);

/** Items of a new version: a few hostile ones, none, or more than any version may hold. */
export const hostileItems = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.record({ itemId: hostileId, itemData: hostileJson, reason: fc.option(hostileText) }), { maxLength: 4 }) },
  fc.constant(null),
  fc.constant('many').map(() => Array.from({ length: 5_001 }, () => ({ itemId: randomUUID(), itemData: {} }))),
);
