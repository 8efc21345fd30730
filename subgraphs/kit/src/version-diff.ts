// What changed between two versions of a record: their data as an RFC 6902 JSON Patch, and their decisions by item.
// The patch comes from fast-json-patch's `compare`, which is linear in the size of the data. rfc6902's `createPatch`
// finds shorter patches for arrays, but by an edit-distance table over every pair of elements: measured here, two
// arrays of 1,000 numbers took 26 s, and 3,000 overflowed the stack — a request could stall the gateway with 256 KB of
// data. `compare` reads its two documents as objects or arrays: at the top, where it cannot tell `[1]` from `{"0": 1}`
// nor diff a string, a change of type is one replacement of the whole document.
import jsonPatch from 'fast-json-patch';

/** One RFC 6902 operation: `from` only for move and copy, `value` for add, replace and test. */
export interface JsonPatchOperation {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
}

/** What a diff reads of a decision; the caller's own decision type passes through to the changes. */
export interface ComparedDecision {
  itemId: string;
  itemData: unknown;
  status: string;
}

/** How one item's decision differs between the two versions. */
export type DecisionChangeKind = 'ADDED' | 'REMOVED' | 'STATUS_CHANGED' | 'DATA_CHANGED';

/** One change of an item: its decision before (absent when ADDED) and after (absent when REMOVED). */
export interface DecisionChange<Decision extends ComparedDecision> {
  itemId: string;
  change: DecisionChangeKind;
  before: Decision | null;
  after: Decision | null;
}

/** The two sides of a diff: a version's data and its decisions, in the version's order. */
export interface ComparedVersion<Decision extends ComparedDecision> {
  data: unknown;
  decisions: readonly Decision[];
}

/**
 * What changed from `from` to `to`: the patch that turns `from.data` into `to.data`, and each item whose decision was
 * added, removed, or changed its status or its item data (an item whose status and data both changed is listed once
 * for each). Items in `to`'s order, then the removed ones in `from`'s; unchanged items are not listed.
 */
export function diffVersions<Decision extends ComparedDecision>(
  from: ComparedVersion<Decision>,
  to: ComparedVersion<Decision>,
): { data: JsonPatchOperation[]; decisions: DecisionChange<Decision>[] } {
  return { data: jsonPatchBetween(from.data, to.data), decisions: decisionChanges(from.decisions, to.decisions) };
}

/** The RFC 6902 operations that turn `from` into `to` (none when they are equal). */
export function jsonPatchBetween(from: unknown, to: unknown): JsonPatchOperation[] {
  if (sameJson(from, to)) return [];
  if (!isContainer(from) || !isContainer(to) || Array.isArray(from) !== Array.isArray(to)) return [{ op: 'replace', path: '', value: to }];
  return jsonPatch.compare(from, to);
}

function decisionChanges<Decision extends ComparedDecision>(before: readonly Decision[], after: readonly Decision[]): DecisionChange<Decision>[] {
  const beforeByItem = new Map(before.map((decision) => [decision.itemId, decision]));
  const afterItems = new Set(after.map((decision) => decision.itemId));
  const changes: DecisionChange<Decision>[] = [];
  for (const decision of after) {
    const previous = beforeByItem.get(decision.itemId);
    if (!previous) {
      changes.push({ itemId: decision.itemId, change: 'ADDED', before: null, after: decision });
      continue;
    }
    if (previous.status !== decision.status) changes.push({ itemId: decision.itemId, change: 'STATUS_CHANGED', before: previous, after: decision });
    if (!sameJson(previous.itemData, decision.itemData)) changes.push({ itemId: decision.itemId, change: 'DATA_CHANGED', before: previous, after: decision });
  }
  for (const decision of before) {
    if (!afterItems.has(decision.itemId)) changes.push({ itemId: decision.itemId, change: 'REMOVED', before: decision, after: null });
  }
  return changes;
}

/** Whether two JSON values are equal as JSON: the same types, members in any order, array elements in order. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (!isContainer(a) || !isContainer(b) || Array.isArray(a) !== Array.isArray(b)) return false;
  const aKeys = Object.keys(a);
  if (aKeys.length !== Object.keys(b).length) return false;
  return aKeys.every((key) => Object.hasOwn(b, key) && sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

function isContainer(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}
