// History you can question, through the gateway: what changed between two versions (versionDiff), and which version
// was approved at a given moment (currentVersion with asOf).
import { randomUUID } from 'node:crypto';
import { APPROVE_VERSION, createVersion, errorCode, gql, newRecord, newUser, ok } from './support/api';

const DIFF = `query ($phase: PhaseName!, $from: ID!, $to: ID!) {
  versionDiff(phase: $phase, fromVersionId: $from, toVersionId: $to) {
    from { id versionNumber } to { id versionNumber }
    data { op path from value }
    decisions { itemId change before { id versionId status itemData } after { id versionId status itemData } }
  }
}`;
const REVIEW = `mutation ($phase: PhaseName!, $versionId: ID!, $reviews: [DecisionReviewInput!]!) {
  reviewDecisions(phase: $phase, versionId: $versionId, reviews: $reviews) { id itemId status }
}`;
const FROM_BASELINE = `mutation ($phase: PhaseName!, $baseline: ID!, $items: [DecisionInput!]) {
  createVersionFromBaseline(phase: $phase, baselineVersionId: $baseline, additionalItems: $items) { id }
}`;
const CURRENT = `query ($phase: PhaseName!, $cycleId: ID!, $reportId: ID!, $asOf: DateTime) {
  currentVersion(phase: $phase, cycleId: $cycleId, reportId: $reportId, asOf: $asOf) { id versionNumber status }
}`;

const author = newUser('TESTER');
const reviewer = newUser('TESTER');
const item = () => randomUUID();

/** The decision of `version` on `itemId`. */
const decisionOn = (version: Record<string, any>, itemId: string) => version.decisions.find((decision: { itemId: string }) => decision.itemId === itemId);

describe('versionDiff', () => {
  it('gives the data as a JSON Patch and the decisions by item: added, removed, status and data changes', async () => {
    const record = newRecord();
    const [a, b, c, d] = [item(), item(), item(), item()];
    const v1 = await createVersion('PLANNING', record, author, {
      data: { objective: 'Q3 report', scope: ['assets', 'liabilities'] },
      items: [
        { itemId: a, itemData: { attribute: 'Total assets' } },
        { itemId: b, itemData: { attribute: 'Net income' } },
        { itemId: c, itemData: { attribute: 'LEI' } },
      ],
    });
    const v2 = await createVersion('PLANNING', record, author, {
      data: { objective: 'Q4 report', scope: ['assets'], owner: 'risk' },
      items: [
        { itemId: a, itemData: { attribute: 'Total assets' } },
        { itemId: b, itemData: { attribute: 'Net income (restated)' } },
        { itemId: d, itemData: { attribute: 'Equity' } },
      ],
    });
    await ok(
      REVIEW,
      { phase: 'PLANNING', versionId: v2.id, reviews: [{ decisionId: decisionOn(v2, a).id, status: 'REJECTED', notes: 'immaterial' }] },
      reviewer,
    );

    const { versionDiff } = await ok(DIFF, { phase: 'PLANNING', from: v1.id, to: v2.id }, author);
    expect(versionDiff.from).toEqual({ id: v1.id, versionNumber: 1 });
    expect(versionDiff.to).toEqual({ id: v2.id, versionNumber: 2 });
    expect(versionDiff.data).toHaveLength(3);
    expect(versionDiff.data).toEqual(
      expect.arrayContaining([
        { op: 'replace', path: '/objective', from: null, value: 'Q4 report' },
        { op: 'remove', path: '/scope/1', from: null, value: null },
        { op: 'add', path: '/owner', from: null, value: 'risk' },
      ]),
    );
    const side = (version: Record<string, any>, itemId: string, status: string, itemData: unknown) => ({
      id: decisionOn(version, itemId).id,
      versionId: version.id,
      status,
      itemData,
    });
    expect(versionDiff.decisions).toEqual([
      {
        itemId: a,
        change: 'STATUS_CHANGED',
        before: side(v1, a, 'PENDING', { attribute: 'Total assets' }),
        after: side(v2, a, 'REJECTED', { attribute: 'Total assets' }),
      },
      {
        itemId: b,
        change: 'DATA_CHANGED',
        before: side(v1, b, 'PENDING', { attribute: 'Net income' }),
        after: side(v2, b, 'PENDING', { attribute: 'Net income (restated)' }),
      },
      { itemId: d, change: 'ADDED', before: null, after: side(v2, d, 'PENDING', { attribute: 'Equity' }) },
      { itemId: c, change: 'REMOVED', before: side(v1, c, 'PENDING', { attribute: 'LEI' }), after: null },
    ]);
  });

  it('leaves out what a version carried forward unchanged from its baseline', async () => {
    const record = newRecord();
    const [kept, dropped, added] = [item(), item(), item()];
    const baseline = await createVersion('PLANNING', record, author, {
      items: [
        { itemId: kept, itemData: { attribute: 'Total assets' } },
        { itemId: dropped, itemData: { attribute: 'LEI' } },
      ],
    });
    await ok(REVIEW, { phase: 'PLANNING', versionId: baseline.id, reviews: [{ decisionId: decisionOn(baseline, kept).id, status: 'APPROVED' }] }, reviewer);
    const next = (await ok(FROM_BASELINE, { phase: 'PLANNING', baseline: baseline.id, items: [{ itemId: added, itemData: { attribute: 'Equity' } }] }, author))
      .createVersionFromBaseline;
    const { versionDiff } = await ok(DIFF, { phase: 'PLANNING', from: baseline.id, to: next.id }, author);
    expect(versionDiff.data).toEqual([]);
    expect(versionDiff.decisions.map(({ itemId, change }: { itemId: string; change: string }) => ({ itemId, change }))).toEqual([
      { itemId: added, change: 'ADDED' },
      { itemId: dropped, change: 'REMOVED' },
    ]);
  });

  it('finds nothing between a version and itself', async () => {
    const version = await createVersion('SCOPING', newRecord(), author, { items: [{ itemId: item(), itemData: { n: 1 } }] });
    const { versionDiff } = await ok(DIFF, { phase: 'SCOPING', from: version.id, to: version.id }, author);
    expect(versionDiff).toMatchObject({ data: [], decisions: [] });
  });

  it('refuses versions of another cycle or report: BAD_USER_INPUT, and nothing is compared', async () => {
    const one = await createVersion('PLANNING', newRecord(), author);
    const other = await createVersion('PLANNING', newRecord(), author);
    const result = await gql(DIFF, { phase: 'PLANNING', from: one.id, to: other.id }, author);
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect(result.errors![0]!.extensions!.argument).toBe('toVersionId');
    expect(result.data).toBeNull();
  });

  it('refuses a version of another phase, naming what it is, even of the same cycle and report', async () => {
    const record = newRecord();
    const planning = await createVersion('PLANNING', record, author);
    const scoping = await createVersion('SCOPING', record, author);
    const toScoping = await gql(DIFF, { phase: 'PLANNING', from: planning.id, to: scoping.id }, author);
    expect(errorCode(toScoping)).toBe('BAD_USER_INPUT');
    expect(toScoping.errors![0]!.message).toContain('is a Scoping version, not a Planning version');
    const fromScoping = await gql(DIFF, { phase: 'PLANNING', from: scoping.id, to: planning.id }, author);
    expect(fromScoping.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'fromVersionId' });
    const record2 = await ok(
      `mutation ($input: CreateVersionInput!) { createVersion(input: $input) { id } }`,
      { input: { phase: 'DATA_OWNER_ID', ...record, data: { owner: 'x' } } },
      author,
    );
    const toRecord = await gql(DIFF, { phase: 'PLANNING', from: planning.id, to: record2.createVersion.id }, author);
    expect(toRecord.errors![0]!.message).toContain('is a Data Owner ID audit record');
  });

  it('has nothing to diff in an AUDIT_ONLY phase: BAD_USER_INPUT', async () => {
    expect(errorCode(await gql(DIFF, { phase: 'TEST_EXECUTION', from: randomUUID(), to: randomUUID() }, author))).toBe('BAD_USER_INPUT');
  });

  it('answers NOT_FOUND for a version that does not exist, and BAD_USER_INPUT for an id that is not a UUID', async () => {
    const version = await createVersion('PLANNING', newRecord(), author);
    const missing = await gql(DIFF, { phase: 'PLANNING', from: version.id, to: randomUUID() }, author);
    expect(errorCode(missing)).toBe('NOT_FOUND');
    const malformed = await gql(DIFF, { phase: 'PLANNING', from: 'v1', to: version.id }, author);
    expect(malformed.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'fromVersionId' });
  });

  it('needs a signed-in user', async () => {
    expect(errorCode(await gql(DIFF, { phase: 'PLANNING', from: randomUUID(), to: randomUUID() }))).toBe('UNAUTHENTICATED');
  });
});

describe('currentVersion as of a moment', () => {
  const at = (iso: string, deltaMs: number) => new Date(Date.parse(iso) + deltaMs).toISOString();

  it('is the version APPROVED then, though SUPERSEDED now; NOT_FOUND before the first approval', async () => {
    const record = newRecord();
    const v1 = await createVersion('PLANNING', record, author);
    const approved1 = (await ok(APPROVE_VERSION, { phase: 'PLANNING', versionId: v1.id, notes: 'first' }, reviewer)).approveVersion;
    const v2 = await createVersion('PLANNING', record, author);
    const approved2 = (await ok(APPROVE_VERSION, { phase: 'PLANNING', versionId: v2.id }, reviewer)).approveVersion;
    const asOf = async (moment: string) => gql(CURRENT, { phase: 'PLANNING', ...record, asOf: moment }, author);

    const before = await asOf(at(approved1.reviewedAt, -1));
    expect(errorCode(before)).toBe('NOT_FOUND');
    expect((await asOf(approved1.reviewedAt)).data!.currentVersion).toEqual({ id: v1.id, versionNumber: 1, status: 'SUPERSEDED' });
    expect((await asOf(at(approved2.reviewedAt, -1))).data!.currentVersion).toEqual({ id: v1.id, versionNumber: 1, status: 'SUPERSEDED' });
    expect((await asOf(approved2.reviewedAt)).data!.currentVersion).toEqual({ id: v2.id, versionNumber: 2, status: 'APPROVED' });
    expect((await asOf(new Date().toISOString())).data!.currentVersion.id).toBe(v2.id);
    expect((await ok(CURRENT, { phase: 'PLANNING', ...record }, author)).currentVersion.id).toBe(v2.id);
  });

  it('is NOT_FOUND for a record never approved, and ignores rejections', async () => {
    const record = newRecord();
    const version = await createVersion('PLANNING', record, author);
    await ok(`mutation ($id: ID!) { rejectVersion(phase: PLANNING, versionId: $id, notes: "no") { id } }`, { id: version.id }, reviewer);
    expect(errorCode(await gql(CURRENT, { phase: 'PLANNING', ...record, asOf: new Date().toISOString() }, author))).toBe('NOT_FOUND');
  });

  it('refuses what is not a moment, an AUDIT_ONLY phase and malformed ids: BAD_USER_INPUT', async () => {
    const record = newRecord();
    expect(errorCode(await gql(CURRENT, { phase: 'PLANNING', ...record, asOf: 'last Tuesday' }, author))).toBe('BAD_USER_INPUT');
    // Outside the years 0001 to 9999 (UTC) no database timestamp can hold the moment: BAD_USER_INPUT, not an internal error.
    for (const outside of ['0000-01-01T00:00:00Z', '9999-12-31T23:59:59-01:00']) {
      expect(errorCode(await gql(CURRENT, { phase: 'PLANNING', ...record, asOf: outside }, author))).toBe('BAD_USER_INPUT');
    }
    expect(errorCode(await gql(CURRENT, { phase: 'PLANNING', ...record, asOf: '0001-01-01T00:00:00Z' }, author))).toBe('NOT_FOUND');
    expect(errorCode(await gql(CURRENT, { phase: 'REQUEST_INFO', ...record, asOf: new Date().toISOString() }, author))).toBe('BAD_USER_INPUT');
    expect(errorCode(await gql(CURRENT, { phase: 'PLANNING', ...record, cycleId: 'c1', asOf: new Date().toISOString() }, author))).toBe('BAD_USER_INPUT');
  });

  it('needs a signed-in user', async () => {
    expect(errorCode(await gql(CURRENT, { phase: 'PLANNING', ...newRecord(), asOf: new Date().toISOString() }))).toBe('UNAUTHENTICATED');
  });
});
