// The life of a FULL phase's versions through the gateway: create, list, approve (superseding), reject.
import { randomUUID } from 'node:crypto';
import {
  APPROVE_VERSION,
  REJECT_VERSION,
  VERSIONS,
  VERSION_FIELDS,
  allVersions,
  assignOwner,
  createVersion,
  errorCode,
  gql,
  newRecord,
  newUser,
  ok,
} from './support/api';

const tester = newUser('TESTER');
// Four eyes: a version is approved or rejected by someone other than its author.
const reviewer = newUser('TESTER');

describe('createVersion on a FULL phase', () => {
  it('creates version 1 as a DRAFT, its own master record, with a PENDING decision per item', async () => {
    const record = newRecord();
    const itemId = randomUUID();
    const version = await createVersion('PLANNING', record, tester, {
      data: { attributes: ['a', 'b'] },
      items: [{ itemId, itemData: { attribute: 'a' }, reason: 'in scope' }],
    });
    expect(version).toMatchObject({
      phase: 'PLANNING',
      ...record,
      data: { attributes: ['a', 'b'] },
      versionNumber: 1,
      status: 'DRAFT',
      parentVersionId: null,
      masterRecordId: version.id,
      reviewedBy: null,
      reviewedAt: null,
      createdBy: { id: tester.id, name: tester.name },
    });
    expect(new Date(version.createdAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(version.decisions).toEqual([
      {
        id: expect.any(String),
        versionId: version.id,
        itemId,
        itemData: { attribute: 'a' },
        status: 'PENDING',
        reason: 'in scope',
        decidedBy: null,
        carriedFromVersionId: null,
      },
    ]);
  });

  it('numbers the next version after the latest, with the latest as parent and the same master record', async () => {
    const record = newRecord();
    const first = await createVersion('SCOPING', record, tester);
    const second = await createVersion('SCOPING', record, tester);
    const third = await createVersion('SCOPING', record, tester, { parentVersionId: first.id });
    expect([second.versionNumber, second.parentVersionId, second.masterRecordId]).toEqual([2, first.id, first.id]);
    expect([third.versionNumber, third.parentVersionId, third.masterRecordId]).toEqual([3, first.id, first.id]);
  });

  it('keeps each phase, cycle and report numbered on its own', async () => {
    const record = newRecord();
    await createVersion('PLANNING', record, tester);
    const otherPhase = await createVersion('SCOPING', record, tester);
    const otherReport = await createVersion('PLANNING', { ...record, reportId: randomUUID() }, tester);
    expect([otherPhase.versionNumber, otherReport.versionNumber]).toEqual([1, 1]);
  });

  it('refuses a parent from another report, and writes nothing', async () => {
    const record = newRecord();
    const foreign = await createVersion('PLANNING', newRecord(), tester);
    const result = await gql(
      `mutation ($input: CreateVersionInput!) { createVersion(input: $input) { id } }`,
      {
        input: { phase: 'PLANNING', ...record, data: {}, parentVersionId: foreign.id },
      },
      tester,
    );
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect(await allVersions('PLANNING', record, tester)).toEqual([]);
  });

  it('refuses the same item twice in one version, and writes nothing', async () => {
    const record = newRecord();
    const itemId = randomUUID();
    const result = await gql(
      `mutation ($input: CreateVersionInput!) { createVersion(input: $input) { id } }`,
      {
        input: {
          phase: 'PLANNING',
          ...record,
          data: {},
          items: [
            { itemId, itemData: {} },
            { itemId, itemData: {} },
          ],
        },
      },
      tester,
    );
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect(await allVersions('PLANNING', record, tester)).toEqual([]);
  });
});

describe('approveVersion', () => {
  it('approves a DRAFT with reviewer, time and notes, and makes it the current version', async () => {
    const record = newRecord();
    const draft = await createVersion('PLANNING', record, tester);
    const { approveVersion } = await ok(APPROVE_VERSION, { phase: 'PLANNING', versionId: draft.id, notes: 'looks right' }, reviewer);
    expect(approveVersion).toMatchObject({ id: draft.id, status: 'APPROVED', reviewNotes: 'looks right', reviewedBy: { id: reviewer.id } });
    expect(new Date(approveVersion.reviewedAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
    const { currentVersion } = await ok(
      `query ($cycleId: ID!, $reportId: ID!) { currentVersion(phase: PLANNING, cycleId: $cycleId, reportId: $reportId) { id status } }`,
      record,
      tester,
    );
    expect(currentVersion).toEqual({ id: draft.id, status: 'APPROVED' });
  });

  it('supersedes the previously approved version', async () => {
    const record = newRecord();
    const first = await createVersion('PLANNING', record, tester);
    await ok(APPROVE_VERSION, { phase: 'PLANNING', versionId: first.id }, reviewer);
    const second = await createVersion('PLANNING', record, tester);
    await ok(APPROVE_VERSION, { phase: 'PLANNING', versionId: second.id }, reviewer);
    expect(await allVersions('PLANNING', record, tester)).toEqual([
      { id: second.id, versionNumber: 2, status: 'APPROVED' },
      { id: first.id, versionNumber: 1, status: 'SUPERSEDED' },
    ]);
  });

  it.each(['APPROVED', 'REJECTED', 'SUPERSEDED'])('refuses a %s version with CONFLICT and changes nothing', async (status) => {
    const record = newRecord();
    const version = await createVersion('PLANNING', record, tester);
    if (status === 'REJECTED') await ok(REJECT_VERSION, { phase: 'PLANNING', versionId: version.id, notes: 'no' }, reviewer);
    else await ok(APPROVE_VERSION, { phase: 'PLANNING', versionId: version.id }, reviewer);
    if (status === 'SUPERSEDED') await ok(APPROVE_VERSION, { phase: 'PLANNING', versionId: (await createVersion('PLANNING', record, tester)).id }, reviewer);
    const result = await gql(APPROVE_VERSION, { phase: 'PLANNING', versionId: version.id }, reviewer);
    expect(errorCode(result)).toBe('CONFLICT');
    expect((await allVersions('PLANNING', record, tester)).find((row) => row.id === version.id)!.status).toBe(status);
  });

  it('answers NOT_FOUND for an unknown version', async () => {
    const result = await gql(APPROVE_VERSION, { phase: 'PLANNING', versionId: randomUUID() }, reviewer);
    expect(errorCode(result)).toBe('NOT_FOUND');
  });
});

describe('rejectVersion', () => {
  it('rejects a DRAFT with the reviewer notes; it never becomes current', async () => {
    const record = newRecord();
    const draft = await createVersion('PLANNING', record, tester);
    const { rejectVersion } = await ok(REJECT_VERSION, { phase: 'PLANNING', versionId: draft.id, notes: 'missing attribute X' }, reviewer);
    expect(rejectVersion).toMatchObject({ status: 'REJECTED', reviewNotes: 'missing attribute X', reviewedBy: { id: reviewer.id } });
    const current = await gql(
      `query ($cycleId: ID!, $reportId: ID!) { currentVersion(phase: PLANNING, cycleId: $cycleId, reportId: $reportId) { id } }`,
      record,
      tester,
    );
    expect(errorCode(current)).toBe('NOT_FOUND');
  });

  it('requires notes that say something', async () => {
    const draft = await createVersion('PLANNING', newRecord(), tester);
    const result = await gql(REJECT_VERSION, { phase: 'PLANNING', versionId: draft.id, notes: '  ' }, reviewer);
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    const { version } = await ok(`query ($id: ID!) { version(phase: PLANNING, id: $id) { status } }`, { id: draft.id }, tester);
    expect(version.status).toBe('DRAFT');
  });
});

describe('reading versions', () => {
  it('returns null for a version that does not exist', async () => {
    const { version } = await ok(`query ($id: ID!) { version(phase: SCOPING, id: $id) { id } }`, { id: randomUUID() }, tester);
    expect(version).toBeNull();
  });

  it('pages newest first with cursors, and filters by status', async () => {
    const record = newRecord();
    const created = [];
    for (let i = 0; i < 5; i++) created.push(await createVersion('PLANNING', record, tester));
    await ok(APPROVE_VERSION, { phase: 'PLANNING', versionId: created[1]!.id }, reviewer);

    const page1 = (await ok(VERSIONS, { phase: 'PLANNING', ...record, first: 2 }, tester)).versions;
    expect(page1.edges.map((edge: any) => edge.node.versionNumber)).toEqual([5, 4]);
    expect(page1.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false, endCursor: page1.edges[1].cursor });
    const page2 = (await ok(VERSIONS, { phase: 'PLANNING', ...record, first: 2, after: page1.pageInfo.endCursor }, tester)).versions;
    expect(page2.edges.map((edge: any) => edge.node.versionNumber)).toEqual([3, 2]);
    const page3 = (await ok(VERSIONS, { phase: 'PLANNING', ...record, first: 2, after: page2.pageInfo.endCursor }, tester)).versions;
    expect(page3.edges.map((edge: any) => edge.node.versionNumber)).toEqual([1]);
    expect(page3.pageInfo.hasNextPage).toBe(false);

    const approved = (await ok(VERSIONS, { phase: 'PLANNING', ...record, status: 'APPROVED' }, tester)).versions;
    expect(approved.edges.map((edge: any) => edge.node.versionNumber)).toEqual([2]);
  });

  it("lists a FULL phase's versions as its audit trail", async () => {
    const record = newRecord();
    const first = await createVersion('PLANNING', record, tester);
    const second = await createVersion('PLANNING', record, tester);
    const { auditTrail } = await ok(
      `query ($cycleId: ID!, $reportId: ID!) {
      auditTrail(phase: PLANNING, cycleId: $cycleId, reportId: $reportId) { edges { node { __typename id ... on Version { versionNumber } } } }
    }`,
      record,
      tester,
    );
    expect(auditTrail.edges.map((edge: any) => edge.node)).toEqual([
      { __typename: 'PlanningVersion', id: second.id, versionNumber: 2 },
      { __typename: 'PlanningVersion', id: first.id, versionNumber: 1 },
    ]);
  });
});

describe('every FULL phase', () => {
  const phases = [
    ['PLANNING', 'PlanningVersion', 'AttributeDecision'],
    ['DATA_PROFILING', 'DataProfilingVersion', 'RuleDecision'],
    ['SCOPING', 'ScopingVersion', 'ScopingDecision'],
    ['SAMPLE_SELECTION', 'SampleSelectionVersion', 'SampleDecision'],
    ['OBSERVATION_MANAGEMENT', 'ObservationVersion', 'ObservationDecision'],
  ];

  it.each(phases)('%s: creates, approves and reads back its own %s with %s decisions', async (phase, versionType, decisionType) => {
    const record = newRecord();
    const owner = newUser('REPORT_OWNER');
    await assignOwner(record.reportId, owner);
    const approver = phase === 'PLANNING' ? reviewer : owner;
    const draft = await createVersion(phase!, record, tester, { items: [{ itemId: randomUUID(), itemData: { n: 1 } }] });
    await ok(APPROVE_VERSION, { phase, versionId: draft.id }, approver);
    const { currentVersion } = await ok(
      `query ($phase: PhaseName!, $cycleId: ID!, $reportId: ID!) {
      currentVersion(phase: $phase, cycleId: $cycleId, reportId: $reportId) { __typename ${VERSION_FIELDS} decisions { __typename } }
    }`,
      { phase, ...record },
      tester,
    );
    expect(currentVersion).toMatchObject({ __typename: versionType, id: draft.id, phase, status: 'APPROVED', reviewedBy: { id: approver.id } });
    expect(currentVersion.decisions).toEqual([expect.objectContaining({ __typename: decisionType, status: 'PENDING' })]);
  });
});
