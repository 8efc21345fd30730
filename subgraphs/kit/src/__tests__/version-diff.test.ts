// The diff of two versions: a JSON Patch that really turns one version's data into the other's, and the decisions'
// changes by item.
import fc from 'fast-check';
import jsonPatch, { type Operation } from 'fast-json-patch';
import { diffVersions, jsonPatchBetween, sameJson, type ComparedDecision } from '../version-diff';

interface Decision extends ComparedDecision {
  id: string;
}

const decision = (itemId: string, status: string, itemData: unknown, id = `${itemId}-${status}`): Decision => ({ id, itemId, status, itemData });

/** `operations` applied to a copy of `from`. */
function applied(from: unknown, operations: ReturnType<typeof jsonPatchBetween>): unknown {
  return jsonPatch.applyPatch(jsonPatch.deepClone(from), operations as Operation[], true).newDocument;
}

describe('the data patch', () => {
  it('is empty for equal data, whatever the order of members', () => {
    expect(jsonPatchBetween({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).toEqual([]);
  });

  it('names each changed member by its JSON Pointer, escaping ~ and /', () => {
    const operations = jsonPatchBetween({ objective: 'Q3', 'a/b': { '~k': 1 }, gone: true }, { objective: 'Q4', 'a/b': { '~k': 2 }, added: null });
    expect(operations).toEqual(
      expect.arrayContaining([
        { op: 'replace', path: '/objective', value: 'Q4' },
        { op: 'replace', path: '/a~1b/~0k', value: 2 },
        { op: 'remove', path: '/gone' },
        { op: 'add', path: '/added', value: null },
      ]),
    );
    expect(operations).toHaveLength(4);
  });

  it('replaces the whole document when it turns from an array into an object with the same keys', () => {
    expect(jsonPatch.compare([1, 2], { 0: 1, 1: 2 })).toEqual([]); // what the library alone makes of it
    expect(jsonPatchBetween([1, 2], { 0: 1, 1: 2 })).toEqual([{ op: 'replace', path: '', value: { 0: 1, 1: 2 } }]);
    expect(jsonPatchBetween({ a: 1 }, [1])).toEqual([{ op: 'replace', path: '', value: [1] }]);
  });

  it('replaces a nested array by an object with the same keys', () => {
    const from = { list: [1, 2] };
    const to = { list: { 0: 1, 1: 2 } };
    expect(sameJson(applied(from, jsonPatchBetween(from, to)), to)).toBe(true);
  });

  it('reads a member named __proto__ as data', () => {
    const from = JSON.parse('{"__proto__": {"x": 1}, "y": 1}') as unknown;
    const to = JSON.parse('{"__proto__": {"x": 2}, "y": 1}') as unknown;
    expect(jsonPatchBetween(from, to)).toEqual([{ op: 'replace', path: '/__proto__/x', value: 2 }]);
  });

  it('diffs arrays of 50,000 elements', () => {
    const from = { values: Array.from({ length: 50_000 }, (_, i) => i) };
    const to = { values: Array.from({ length: 50_000 }, (_, i) => i + 1) };
    expect(sameJson(applied(from, jsonPatchBetween(from, to)), to)).toBe(true);
  });

  it('always turns one document into the other', () => {
    // A member named __proto__ is left out: applying a patch to one is what fast-json-patch refuses (tested above).
    const document = fc
      .oneof(fc.dictionary(fc.string(), fc.jsonValue()), fc.array(fc.jsonValue()))
      .filter((value) => !JSON.stringify(value).includes('"__proto__"'));
    fc.assert(
      fc.property(document, document, (from, to) => {
        expect(sameJson(applied(from, jsonPatchBetween(from, to)), to)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('the decision changes', () => {
  const a = '00000000-0000-4000-8000-00000000000a';
  const b = '00000000-0000-4000-8000-00000000000b';
  const c = '00000000-0000-4000-8000-00000000000c';

  it('lists added, removed, status and data changes by item, and leaves unchanged items out', () => {
    const from = { data: {}, decisions: [decision(a, 'PENDING', { n: 1 }), decision(b, 'APPROVED', { n: 2 }), decision(c, 'PENDING', { n: 3 })] };
    const to = { data: {}, decisions: [decision(a, 'APPROVED', { n: 1 }), decision(b, 'APPROVED', { n: 2 }, 'b-again'), decision('d', 'PENDING', {})] };
    const changes = diffVersions(from, to).decisions.map(({ itemId, change, before, after }) => ({ itemId, change, before: before?.id, after: after?.id }));
    expect(changes).toEqual([
      { itemId: a, change: 'STATUS_CHANGED', before: `${a}-PENDING`, after: `${a}-APPROVED` },
      { itemId: 'd', change: 'ADDED', before: undefined, after: 'd-PENDING' },
      { itemId: c, change: 'REMOVED', before: `${c}-PENDING`, after: undefined },
    ]);
  });

  it('lists an item whose status and data both changed once for each', () => {
    const changes = diffVersions({ data: {}, decisions: [decision(a, 'PENDING', { n: 1 })] }, { data: {}, decisions: [decision(a, 'REJECTED', { n: 2 })] });
    expect(changes.decisions.map((change) => change.change)).toEqual(['STATUS_CHANGED', 'DATA_CHANGED']);
  });

  it('compares item data as JSON, not by the order of its members', () => {
    const changes = diffVersions(
      { data: {}, decisions: [decision(a, 'PENDING', { x: 1, y: [1, 2] })] },
      { data: {}, decisions: [decision(a, 'PENDING', { y: [1, 2], x: 1 })] },
    );
    expect(changes.decisions).toEqual([]);
  });

  it('finds nothing between a version and itself', () => {
    const version = { data: { a: [1, { b: 2 }] }, decisions: [decision(a, 'APPROVED', { n: 1 })] };
    expect(diffVersions(version, version)).toEqual({ data: [], decisions: [] });
  });
});
