// The legacy-shaped API old clients keep using: report attributes and sample sets, field for field.
import { randomUUID } from 'node:crypto';
import { errorCode, gql, newRecord, newUser, ok } from './support/api';

const tester = newUser('TESTER');
const ATTRIBUTE_FIELDS = 'attributeId cycleId reportId attributeName attributeType description versionNumber isLatestVersion createdBy { id name } createdAt';
const CREATE_ATTRIBUTE = `mutation ($input: ReportAttributeInput!) { createReportAttribute(input: $input) { ${ATTRIBUTE_FIELDS} } }`;
const ATTRIBUTES = `query ($cycleId: ID!, $reportId: ID!) { reportAttributes(cycleId: $cycleId, reportId: $reportId) { ${ATTRIBUTE_FIELDS} } }`;
const SET_FIELDS = 'setId cycleId reportId selectionCriteria generationMethod versionNumber isLatestVersion samples { sampleId data status } createdBy { id } createdAt';
const CREATE_SET = `mutation ($input: SampleSetInput!) { createSampleSet(input: $input) { ${SET_FIELDS} } }`;
const SETS = `query ($cycleId: ID!, $reportId: ID!) { sampleSets(cycleId: $cycleId, reportId: $reportId) { ${SET_FIELDS} } }`;

describe('legacy report attributes', () => {
  it('writes and reads attributes in legacy shape', async () => {
    const record = newRecord();
    const { createReportAttribute } = await ok(CREATE_ATTRIBUTE, { input: { ...record, attributeName: 'Total assets', attributeType: 'decimal', description: 'Balance sheet total' } }, tester);
    expect(createReportAttribute).toMatchObject({
      attributeId: expect.any(String), ...record, attributeName: 'Total assets', attributeType: 'decimal', description: 'Balance sheet total',
      versionNumber: 1, isLatestVersion: true, createdBy: { id: tester.id, name: tester.name },
    });
    expect((await ok(ATTRIBUTES, record, tester)).reportAttributes).toEqual([createReportAttribute]);
  });

  it('writes the next version of an attribute given its id, and only that one is latest', async () => {
    const record = newRecord();
    const first = (await ok(CREATE_ATTRIBUTE, { input: { ...record, attributeName: 'LEI', attributeType: 'string' } }, tester)).createReportAttribute;
    const other = (await ok(CREATE_ATTRIBUTE, { input: { ...record, attributeName: 'Date', attributeType: 'date' } }, tester)).createReportAttribute;
    const second = (await ok(CREATE_ATTRIBUTE, { input: { ...record, attributeName: 'LEI', attributeType: 'string', description: 'now documented', attributeId: first.attributeId } }, tester)).createReportAttribute;
    expect(second).toMatchObject({ attributeId: first.attributeId, versionNumber: 2, isLatestVersion: true });
    const rows = (await ok(ATTRIBUTES, record, tester)).reportAttributes;
    expect(rows.map((row: any) => [row.attributeId, row.versionNumber, row.isLatestVersion])).toEqual([
      [first.attributeId, 1, false], [other.attributeId, 1, true], [first.attributeId, 2, true],
    ]);
  });

  it('numbers concurrent writes of one attribute without repeat, leaving one latest', async () => {
    const record = newRecord();
    const attributeId = randomUUID();
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => gql(CREATE_ATTRIBUTE, { input: { ...record, attributeName: `v${i}`, attributeType: 'string', attributeId } }, tester)));
    expect(results.flatMap((result) => result.errors ?? [])).toEqual([]);
    const rows = (await ok(ATTRIBUTES, record, tester)).reportAttributes;
    expect(rows.map((row: any) => row.versionNumber).sort((a: number, b: number) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(rows.filter((row: any) => row.isLatestVersion).map((row: any) => row.versionNumber)).toEqual([10]);
  });

  it('refuses an attribute id of another report, blank names and malformed ids, and writes nothing', async () => {
    const record = newRecord();
    const foreign = (await ok(CREATE_ATTRIBUTE, { input: { ...newRecord(), attributeName: 'X', attributeType: 'string' } }, tester)).createReportAttribute;
    for (const input of [
      { attributeName: 'X', attributeType: 'string', attributeId: foreign.attributeId },
      { attributeName: '  ', attributeType: 'string' },
      { attributeName: 'X', attributeType: 'string', attributeId: 'nope' },
    ]) {
      expect(errorCode(await gql(CREATE_ATTRIBUTE, { input: { ...record, ...input } }, tester))).toBe('BAD_USER_INPUT');
    }
    expect((await ok(ATTRIBUTES, record, tester)).reportAttributes).toEqual([]);
  });

  it('needs a signed-in user', async () => {
    expect(errorCode(await gql(ATTRIBUTES, newRecord()))).toBe('UNAUTHENTICATED');
  });
});

describe('legacy sample sets', () => {
  it('writes sets with their samples in order, each new set the latest of its cycle and report', async () => {
    const record = newRecord();
    const sampleId = randomUUID();
    const first = (await ok(CREATE_SET, { input: { ...record, selectionCriteria: { stratum: 'high' }, generationMethod: 'random', samples: [{ sampleId, data: { a: 1 } }, { data: { a: 2 } }] } }, tester)).createSampleSet;
    expect(first).toMatchObject({ ...record, selectionCriteria: { stratum: 'high' }, generationMethod: 'random', versionNumber: 1, isLatestVersion: true, createdBy: { id: tester.id } });
    expect(first.samples).toEqual([{ sampleId, data: { a: 1 }, status: 'PENDING' }, { sampleId: expect.any(String), data: { a: 2 }, status: 'PENDING' }]);
    const second = (await ok(CREATE_SET, { input: { ...record, selectionCriteria: {}, samples: [] } }, tester)).createSampleSet;
    const sets = (await ok(SETS, record, tester)).sampleSets;
    expect(sets.map((set: any) => [set.setId, set.versionNumber, set.isLatestVersion])).toEqual([[first.setId, 1, false], [second.setId, 2, true]]);
  });

  it('refuses a sample listed twice, and writes nothing', async () => {
    const record = newRecord();
    const sampleId = randomUUID();
    const result = await gql(CREATE_SET, { input: { ...record, selectionCriteria: {}, samples: [{ sampleId, data: {} }, { sampleId, data: {} }] } }, tester);
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect((await ok(SETS, record, tester)).sampleSets).toEqual([]);
  });
});
