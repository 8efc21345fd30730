// Per-item decisions: review, refusals, and carrying approved decisions forward from a baseline.
import { randomUUID } from 'node:crypto';
import {
  APPROVE_VERSION,
  CREATE_VERSION,
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
// Four eyes: decisions are reviewed, and versions approved, by someone other than the author.
const reviewer = newUser('TESTER');
const REVIEW = `mutation ($phase: PhaseName!, $versionId: ID!, $reviews: [DecisionReviewInput!]!) {
  reviewDecisions(phase: $phase, versionId: $versionId, reviews: $reviews) { __typename id versionId itemId status notes decidedAt decidedBy { id name } }
}`;
const FROM_BASELINE = `mutation ($phase: PhaseName!, $baselineVersionId: ID!, $additionalItems: [DecisionInput!]) {
  createVersionFromBaseline(phase: $phase, baselineVersionId: $baselineVersionId, additionalItems: $additionalItems) { ${VERSION_FIELDS} decisions { notes decidedAt } }
}`;
const DECISIONS = `query ($phase: PhaseName!, $id: ID!) { version(phase: $phase, id: $id) { status decisions { id itemId status notes decidedBy { id } } } }`;

async function versionWithItems(phase: string, record: { cycleId: string; reportId: string }, count: number, data: Record<string, unknown> = {}) {
  const items = Array.from({ length: count }, (_, i) => ({ itemId: randomUUID(), itemData: { n: i }, reason: `item ${i}` }));
  return createVersion(phase, record, tester, { items, data });
}

describe('reviewDecisions', () => {
  it('sets each named decision APPROVED or REJECTED with the reviewer, time and notes', async () => {
    const version = await versionWithItems('PLANNING', newRecord(), 3);
    const [a, b, c] = version.decisions;
    const { reviewDecisions } = await ok(
      REVIEW,
      {
        phase: 'PLANNING',
        versionId: version.id,
        reviews: [
          { decisionId: a.id, status: 'APPROVED', notes: 'keep' },
          { decisionId: b.id, status: 'REJECTED', notes: 'out of scope' },
        ],
      },
      reviewer,
    );
    expect(reviewDecisions).toEqual([
      expect.objectContaining({
        __typename: 'AttributeDecision',
        id: a.id,
        status: 'APPROVED',
        notes: 'keep',
        decidedBy: { id: reviewer.id, name: reviewer.name },
      }),
      expect.objectContaining({ id: b.id, status: 'REJECTED', notes: 'out of scope' }),
    ]);
    expect(new Date(reviewDecisions[0].decidedAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
    const { version: after } = await ok(DECISIONS, { phase: 'PLANNING', id: version.id }, tester);
    expect(after.decisions.map((d: any) => [d.id, d.status])).toEqual([
      [a.id, 'APPROVED'],
      [b.id, 'REJECTED'],
      [c.id, 'PENDING'],
    ]);
  });

  it('refuses the whole review when one decision belongs to another version, and changes nothing', async () => {
    const record = newRecord();
    const version = await versionWithItems('PLANNING', record, 1);
    const other = await versionWithItems('PLANNING', record, 1);
    const result = await gql(
      REVIEW,
      {
        phase: 'PLANNING',
        versionId: version.id,
        reviews: [
          { decisionId: version.decisions[0].id, status: 'APPROVED' },
          { decisionId: other.decisions[0].id, status: 'APPROVED' },
        ],
      },
      reviewer,
    );
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    for (const v of [version, other]) {
      expect((await ok(DECISIONS, { phase: 'PLANNING', id: v.id }, tester)).version.decisions.map((d: any) => d.status)).toEqual(['PENDING']);
    }
  });

  it('refuses to review a version that is no longer DRAFT: CONFLICT', async () => {
    const version = await versionWithItems('PLANNING', newRecord(), 1);
    await ok(APPROVE_VERSION, { phase: 'PLANNING', versionId: version.id }, reviewer);
    const result = await gql(
      REVIEW,
      { phase: 'PLANNING', versionId: version.id, reviews: [{ decisionId: version.decisions[0].id, status: 'REJECTED' }] },
      reviewer,
    );
    expect(errorCode(result)).toBe('CONFLICT');
    expect((await ok(DECISIONS, { phase: 'PLANNING', id: version.id }, tester)).version.decisions[0].status).toBe('PENDING');
  });

  it('refuses PENDING as a verdict, an empty review, and a reviewer without approval rights', async () => {
    const record = newRecord();
    const version = await versionWithItems('SCOPING', record, 1);
    const decisionId = version.decisions[0].id;
    expect(errorCode(await gql(REVIEW, { phase: 'SCOPING', versionId: version.id, reviews: [{ decisionId, status: 'PENDING' }] }, tester))).toBe(
      'BAD_USER_INPUT',
    );
    expect(errorCode(await gql(REVIEW, { phase: 'SCOPING', versionId: version.id, reviews: [] }, tester))).toBe('BAD_USER_INPUT');
    expect(errorCode(await gql(REVIEW, { phase: 'SCOPING', versionId: version.id, reviews: [{ decisionId, status: 'APPROVED' }] }, reviewer))).toBe(
      'FORBIDDEN',
    );
    const owner = newUser('REPORT_OWNER');
    await assignOwner(record.reportId, owner);
    expect(
      (await ok(REVIEW, { phase: 'SCOPING', versionId: version.id, reviews: [{ decisionId, status: 'APPROVED' }] }, owner)).reviewDecisions[0].status,
    ).toBe('APPROVED');
  });
});

describe('createVersionFromBaseline', () => {
  it("carries the baseline's APPROVED decisions forward and adds new items as PENDING", async () => {
    const record = newRecord();
    const baseline = await versionWithItems('PLANNING', record, 3, { objective: 'Q3' });
    const [keep, drop, undecided] = baseline.decisions;
    await ok(
      REVIEW,
      {
        phase: 'PLANNING',
        versionId: baseline.id,
        reviews: [
          { decisionId: keep.id, status: 'APPROVED', notes: 'yes' },
          { decisionId: drop.id, status: 'REJECTED' },
        ],
      },
      reviewer,
    );
    await ok(APPROVE_VERSION, { phase: 'PLANNING', versionId: baseline.id }, reviewer);
    const added = { itemId: randomUUID(), itemData: { n: 'new' }, reason: 'late addition' };
    const { createVersionFromBaseline: next } = await ok(
      FROM_BASELINE,
      { phase: 'PLANNING', baselineVersionId: baseline.id, additionalItems: [added] },
      tester,
    );
    expect(next).toMatchObject({
      versionNumber: 2,
      status: 'DRAFT',
      parentVersionId: baseline.id,
      masterRecordId: baseline.masterRecordId,
      data: { objective: 'Q3' },
    });
    expect(next.decisions).toEqual([
      expect.objectContaining({
        itemId: keep.itemId,
        itemData: keep.itemData,
        reason: keep.reason,
        status: 'APPROVED',
        notes: 'yes',
        decidedBy: { id: reviewer.id },
        carriedFromVersionId: baseline.id,
        versionId: next.id,
      }),
      expect.objectContaining({
        itemId: added.itemId,
        itemData: added.itemData,
        reason: 'late addition',
        status: 'PENDING',
        decidedBy: null,
        carriedFromVersionId: null,
      }),
    ]);
    expect(next.decisions.map((d: any) => d.itemId)).not.toContain(undecided.itemId);
    expect(next.decisions.map((d: any) => d.itemId)).not.toContain(drop.itemId);
  });

  it("keeps a sample set's selection criteria and generation methods, and its sizes in step with its samples", async () => {
    const record = newRecord();
    const owner = newUser('REPORT_OWNER');
    await assignOwner(record.reportId, owner);
    const data = { selectionCriteria: { stratum: 'high risk' }, generationMethods: ['random'], targetSampleSize: 3, actualSampleSize: 3 };
    const baseline = await versionWithItems('SAMPLE_SELECTION', record, 3, data);
    await ok(
      REVIEW,
      {
        phase: 'SAMPLE_SELECTION',
        versionId: baseline.id,
        reviews: baseline.decisions.slice(0, 2).map((d: any) => ({ decisionId: d.id, status: 'APPROVED' })),
      },
      owner,
    );
    const { createVersionFromBaseline: next } = await ok(
      FROM_BASELINE,
      {
        phase: 'SAMPLE_SELECTION',
        baselineVersionId: baseline.id,
        additionalItems: [
          { itemId: randomUUID(), itemData: { sample: 'S-9' } },
          { itemId: randomUUID(), itemData: { sample: 'S-10' } },
        ],
      },
      tester,
    );
    expect(next.data).toEqual({ selectionCriteria: { stratum: 'high risk' }, generationMethods: ['random'], targetSampleSize: 4, actualSampleSize: 4 });
    expect(next.decisions.map((d: any) => d.status)).toEqual(['APPROVED', 'APPROVED', 'PENDING', 'PENDING']);
  });

  it('refuses an added item that is already carried forward, an unknown baseline, and writes nothing', async () => {
    const record = newRecord();
    const baseline = await versionWithItems('PLANNING', record, 1);
    await ok(REVIEW, { phase: 'PLANNING', versionId: baseline.id, reviews: [{ decisionId: baseline.decisions[0].id, status: 'APPROVED' }] }, reviewer);
    const clash = await gql(
      FROM_BASELINE,
      { phase: 'PLANNING', baselineVersionId: baseline.id, additionalItems: [{ itemId: baseline.decisions[0].itemId, itemData: {} }] },
      tester,
    );
    expect(errorCode(clash)).toBe('BAD_USER_INPUT');
    expect(errorCode(await gql(FROM_BASELINE, { phase: 'PLANNING', baselineVersionId: randomUUID() }, tester))).toBe('NOT_FOUND');
    expect(errorCode(await gql(FROM_BASELINE, { phase: 'TEST_EXECUTION', baselineVersionId: baseline.id }, tester))).toBe('BAD_USER_INPUT');
    expect(await allVersions('PLANNING', record, tester)).toHaveLength(1);
  });
});

describe('data PostgreSQL cannot store', () => {
  it('answers BAD_USER_INPUT for a NUL character, and writes nothing', async () => {
    const record = newRecord();
    const result = await gql(
      CREATE_VERSION,
      { input: { phase: 'PLANNING', ...record, data: {}, items: [{ itemId: randomUUID(), itemData: { name: 'a\u0000b' } }] } },
      tester,
    );
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect(await allVersions('PLANNING', record, tester)).toEqual([]);
    expect((await createVersion('PLANNING', record, tester)).versionNumber).toBe(1);
  });
});
