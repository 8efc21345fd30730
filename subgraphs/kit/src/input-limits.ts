// What phasegraph accepts as input, in one place: how many items a version holds, how large and deep a JSON value
// may be, how long each text is, and that no input holds what PostgreSQL cannot store (the NUL character) or what is
// not Unicode (a lone surrogate, which text columns would silently replace and jsonb refuses). Every phase subgraph,
// the gateway's workflow and the compat subgraph check their inputs with these, and only these.
import type { Prisma } from '@phasegraph/db';
import { GraphQLScalarType } from 'graphql';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import { badUserInput, requireUuid } from './platform/errors';

/** The limits, for the README and for the messages that name them. */
export const INPUT_LIMITS = {
  /** Items (decisions) one version holds; also reviews per call and samples per legacy sample set. */
  itemsPerVersion: 5_000,
  /** Any JSON input (`data`, `itemData`, …), serialized as JSON, in bytes. */
  jsonBytes: 256 * 1024,
  /** Nesting of any JSON input (objects and arrays). */
  jsonDepth: 64,
  /**
   * Legacy JSON (`selectionCriteria`, a sample's `data`): smaller and shallower, so that the version mirroring a legacy
   * record (which wraps it) always fits the limits above.
   */
  legacyJsonBytes: 64 * 1024,
  legacyJsonDepth: 32,
  /** Free text: notes, reasons, descriptions, in characters. */
  notes: 4_000,
  /** A legacy attribute's name. */
  attributeName: 255,
  /** A legacy attribute's type, a sample set's generation method. */
  shortText: 100,
} as const;

/** In Unicode mode a surrogate pair is one code point, so this matches only a surrogate without its other half. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** What is wrong with `text` as stored text at most `max` characters long, or null when nothing is. */
export function textProblem(text: string, max: number): string | null {
  if (text.includes('\u0000')) return 'contains a NUL character (\\u0000), which cannot be stored';
  if (LONE_SURROGATE.test(text)) return 'is not well-formed Unicode (it holds a lone surrogate)';
  if (text.length > max) return `is longer than ${max.toLocaleString('en-US')} characters`;
  return null;
}

/** `text` if it is storable text of at most `max` characters; BAD_USER_INPUT naming `argument` otherwise. */
export function requireText(text: string, argument: string, max: number): string {
  const problem = textProblem(text, max);
  if (problem) throw badUserInput(`${argument} ${problem}.`, { argument });
  return text;
}

/** Like requireText, for an optional argument: null stays null. */
export function optionalText(text: string | null | undefined, argument: string, max: number): string | null {
  return text == null ? null : requireText(text, argument, max);
}

/** Like requireText, and not blank; trimmed. */
export function requireNonBlankText(text: string, argument: string, max: number): string {
  if (!text.trim()) throw badUserInput(`${argument} must not be blank.`, { argument });
  return requireText(text.trim(), argument, max);
}

/** `list` if it holds at most `max` entries; BAD_USER_INPUT naming `argument` otherwise. */
export function requireAtMost<Item>(list: readonly Item[], argument: string, max: number, what = 'entries'): readonly Item[] {
  if (list.length > max)
    throw badUserInput(`${argument} may hold at most ${max.toLocaleString('en-US')} ${what}; got ${list.length.toLocaleString('en-US')}.`, { argument });
  return list;
}

/** What is wrong with `value` as storable JSON nested at most `maxDepth` deep, or null when nothing is. */
function jsonProblem(value: unknown, maxDepth: number): string | null {
  // Iterative, so that a hostile nesting depth costs no stack.
  const pending: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (pending.length > 0) {
    const { value: next, depth } = pending.pop()!;
    if (typeof next === 'string') {
      const problem = textProblem(next, Number.POSITIVE_INFINITY);
      if (problem) return `holds a string that ${problem}`;
    } else if (typeof next === 'number') {
      if (!Number.isFinite(next)) return 'holds a number JSON cannot represent (too large, or not a number)';
    } else if (typeof next === 'object' && next !== null) {
      if (depth >= maxDepth) return `is nested deeper than ${maxDepth} levels`;
      const entries = Array.isArray(next) ? next : Object.entries(next).flat();
      for (const entry of entries) pending.push({ value: entry, depth: depth + 1 });
    } else if (typeof next !== 'boolean' && next !== null) {
      return `holds a ${typeof next}, which is not JSON`;
    }
  }
  return null;
}

/**
 * `value` if it is JSON that PostgreSQL can store, nested at most `maxDepth` deep and at most `maxBytes` long as JSON;
 * BAD_USER_INPUT naming `argument` otherwise.
 */
export function requireJson(
  value: unknown,
  argument: string,
  { maxBytes = INPUT_LIMITS.jsonBytes, maxDepth = INPUT_LIMITS.jsonDepth }: { maxBytes?: number; maxDepth?: number } = {},
): Prisma.InputJsonValue {
  const problem = jsonProblem(value, maxDepth);
  if (problem) throw badUserInput(`${argument} ${problem}.`, { argument });
  const bytes = Buffer.byteLength(JSON.stringify(value) ?? '');
  if (bytes > maxBytes) {
    throw badUserInput(`${argument} may be at most ${maxBytes / 1024} KB as JSON; it is ${Math.ceil(bytes / 1024).toLocaleString('en-US')} KB.`, {
      argument,
    });
  }
  return value as Prisma.InputJsonValue;
}

/** A version's `data`: a JSON object or array (a bare scalar or null is almost always a client mistake), storable. */
export function requireData(data: unknown, argument = 'data'): Prisma.InputJsonValue {
  if (data === null || typeof data !== 'object') throw badUserInput(`${argument} must be a JSON object or array.`, { argument });
  return requireJson(data, argument);
}

/** An item to decide on, as clients send it. */
export interface ItemInput {
  itemId: string;
  itemData: unknown;
  reason?: string | null;
}

/** A version's items: at most `itemsPerVersion`, each with a UUID, storable data and a bounded reason. */
export function requireItems(items: readonly ItemInput[] | null | undefined, argument: string) {
  return requireAtMost(items ?? [], argument, INPUT_LIMITS.itemsPerVersion, 'items').map((item) => ({
    itemId: requireUuid(item.itemId, `${argument}.itemId`),
    itemData: requireJson(item.itemData, `${argument}.itemData`),
    reason: optionalText(item.reason, `${argument}.reason`, INPUT_LIMITS.notes),
  }));
}

/**
 * The JSON scalar every phasegraph schema uses: graphql-scalars' JSON, refusing at the schema's door what no JSON
 * column can take (NUL characters, lone surrogates, numbers beyond JSON, hostile nesting). Checking here covers every
 * JSON argument of every operation, before any resolver runs and before a value is passed on to another service
 * (whose serialization a hostile nesting depth would otherwise break). Sizes are checked per argument, by its resolver.
 */
export const JSONScalar = new GraphQLScalarType({
  ...JSONResolver.toConfig(),
  parseValue: (value) => storableJson(JSONResolver.parseValue(value)),
  parseLiteral: (ast, variables) => storableJson(JSONResolver.parseLiteral(ast, variables)),
});

/**
 * The DateTime scalar every phasegraph schema uses: graphql-scalars' DateTime, whose refusal of a value that is not an
 * ISO-8601 date and time is BAD_USER_INPUT (the library's own error carries no code, and would reach a client as an
 * internal error), and which refuses an instant outside the years 0001 to 9999 (UTC) as well: PostgreSQL has no year
 * 0, and JavaScript writes a year past 9999 as `+010000`, which it cannot read.
 */
export const DateTimeScalar = new GraphQLScalarType({
  ...DateTimeResolver.toConfig(),
  parseValue: (value) => asUserInput(() => DateTimeResolver.parseValue(value)),
  parseLiteral: (ast, variables) => asUserInput(() => DateTimeResolver.parseLiteral(ast, variables)),
});

function asUserInput(parse: () => Date): Date {
  let date: Date;
  try {
    date = parse();
  } catch (error) {
    throw badUserInput(`A DateTime is an ISO-8601 date and time, e.g. 2026-12-02T09:30:00Z: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!isStorableInstant(date)) throw badUserInput(`A DateTime must fall between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z.`);
  return date;
}

/** Whether `date` is an instant PostgreSQL's timestamptz takes as phasegraph writes it (ISO-8601, years 0001 to 9999 UTC). */
export function isStorableInstant(date: Date): boolean {
  const year = date.getUTCFullYear();
  return !Number.isNaN(date.getTime()) && year >= 1 && year <= 9999;
}

function storableJson(value: unknown): unknown {
  const problem = jsonProblem(value, INPUT_LIMITS.jsonDepth);
  if (problem) throw badUserInput(`The JSON value ${problem}.`);
  return value;
}
