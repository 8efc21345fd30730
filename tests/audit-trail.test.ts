// AUDIT_ONLY phases through the gateway: an append-only trail, never approved.
import { randomUUID } from 'node:crypto';
import { APPROVE_VERSION, CREATE_VERSION, VERSIONS, errorCode, gql, newRecord, newUser, ok } from './support/api';

const dataOwner = newUser('DATA_OWNER');
const TRAIL = `query ($phase: PhaseName!, $cycleId: ID!, $reportId: ID!, $first: Int, $after: String) {
  auditTrail(phase: $phase, cycleId: $cycleId, reportId: $reportId, first: $first, after: $after) {
    edges { cursor node { __typename id phase data createdBy { id } } } pageInfo { hasNextPage endCursor }
  }
}`;

describe.each([
  ['DATA_OWNER_ID', 'DataOwnerAssignment'],
  ['REQUEST_INFO', 'DocumentSubmission'],
  ['TEST_EXECUTION', 'TestExecutionAudit'],
])('%s', (phase, recordType) => {
  it(`appends a ${recordType} with createVersion and lists the trail newest first`, async () => {
    const record = newRecord();
    const ids: string[] = [];
    for (const step of [1, 2, 3]) {
      const { createVersion } = await ok(
        CREATE_VERSION.replace('createdBy { id name }', 'createdBy { id name } __typename'),
        { input: { phase, ...record, data: { step } } },
        dataOwner,
      );
      expect(createVersion).toMatchObject({ __typename: recordType, phase, ...record, data: { step }, createdBy: { id: dataOwner.id, name: dataOwner.name } });
      ids.push(createVersion.id);
    }
    const first = (await ok(TRAIL, { phase, ...record, first: 2 }, dataOwner)).auditTrail;
    expect(first.edges.map((edge: any) => edge.node.data.step)).toEqual([3, 2]);
    expect(first.edges[0].node).toMatchObject({ __typename: recordType, id: ids[2], phase, createdBy: { id: dataOwner.id } });
    expect(first.pageInfo.hasNextPage).toBe(true);
    const rest = (await ok(TRAIL, { phase, ...record, first: 2, after: first.pageInfo.endCursor }, dataOwner)).auditTrail;
    expect(rest.edges.map((edge: any) => edge.node.data.step)).toEqual([1]);
    expect(rest.pageInfo.hasNextPage).toBe(false);
  });

  it('cannot be approved: BAD_USER_INPUT', async () => {
    const { createVersion } = await ok(CREATE_VERSION, { input: { phase, ...newRecord(), data: { step: 1 } } }, dataOwner);
    const result = await gql(APPROVE_VERSION, { phase, versionId: createVersion.id }, newUser('ADMIN', 'TESTER'));
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
  });

  it('has no versions to list: BAD_USER_INPUT', async () => {
    const result = await gql(VERSIONS, { phase, ...newRecord() }, dataOwner);
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
  });

  it('takes neither a parent nor items, and writes nothing when given them', async () => {
    const record = newRecord();
    const result = await gql(CREATE_VERSION, { input: { phase, ...record, data: {}, items: [{ itemId: randomUUID(), itemData: {} }] } }, dataOwner);
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect((await ok(TRAIL, { phase, ...record }, dataOwner)).auditTrail.edges).toEqual([]);
  });
});
