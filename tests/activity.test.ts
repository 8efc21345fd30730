// A report's activity through the gateway: every version event, decision review and owner assignment, newest first,
// with who did it, when and the details, paged with cursors. (Legacy-shaped writes and the migration's operations are
// in legacy.test.ts, which alone uses the legacy API and changes the migration's settings.)
import { randomUUID } from 'node:crypto';
import { APPROVE_VERSION, REJECT_VERSION, assignOwner, createVersion, errorCode, gql, newRecord, newUser, ok } from './support/api';

const ACTIVITY = `query ($cycleId: ID!, $reportId: ID!, $phase: PhaseName, $first: Int, $after: String) {
  activity(cycleId: $cycleId, reportId: $reportId, phase: $phase, first: $first, after: $after) {
    edges { cursor node { type phase cycleId reportId versionId versionNumber itemId actor { id name } at details } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;
const REVIEW = `mutation ($phase: PhaseName!, $versionId: ID!, $reviews: [DecisionReviewInput!]!) {
  reviewDecisions(phase: $phase, versionId: $versionId, reviews: $reviews) { id }
}`;

const author = newUser('TESTER');
const reviewer = newUser('TESTER');

type Node = Record<string, any>;

/** The scope's whole activity (pages of 100), newest first. */
async function activityOf(variables: Record<string, unknown>, user = author): Promise<Node[]> {
  const nodes: Node[] = [];
  let after: string | null = null;
  do {
    const { activity }: { activity: any } = await ok(ACTIVITY, { ...variables, first: 100, after }, user);
    nodes.push(...activity.edges.map((edge: { node: Node }) => edge.node));
    after = activity.pageInfo.hasNextPage ? activity.pageInfo.endCursor : null;
  } while (after);
  return nodes;
}

describe("a report's activity", () => {
  it('lists every version event, decision review and owner assignment, newest first, with actor, time and details', async () => {
    const record = newRecord();
    const owner = newUser('REPORT_OWNER');
    const admin = newUser('ADMIN');
    await assignOwner(record.reportId, owner, admin);
    const itemId = randomUUID();
    const v1 = await createVersion('PLANNING', record, author, { items: [{ itemId, itemData: { attribute: 'Total assets' } }] });
    await ok(REVIEW, { phase: 'PLANNING', versionId: v1.id, reviews: [{ decisionId: v1.decisions[0].id, status: 'APPROVED', notes: 'material' }] }, reviewer);
    await ok(APPROVE_VERSION, { phase: 'PLANNING', versionId: v1.id, notes: 'plan agreed' }, reviewer);
    const v2 = await createVersion('PLANNING', record, author);
    await ok(APPROVE_VERSION, { phase: 'PLANNING', versionId: v2.id }, reviewer);
    const v3 = await createVersion('PLANNING', record, author);
    await ok(REJECT_VERSION, { phase: 'PLANNING', versionId: v3.id, notes: 'incomplete' }, reviewer);
    const audit = (
      await ok(
        `mutation ($input: CreateVersionInput!) { createVersion(input: $input) { id } }`,
        { input: { phase: 'TEST_EXECUTION', ...record, data: { run: 1 } } },
        author,
      )
    ).createVersion;

    const activity = await activityOf(record);
    const summary = activity.map((node) => [node.type, node.versionId, node.actor.id]);
    expect(summary).toEqual([
      ['CREATED', audit.id, author.id],
      ['REJECTED', v3.id, reviewer.id],
      ['CREATED', v3.id, author.id],
      ['APPROVED', v2.id, reviewer.id],
      ['SUPERSEDED', v1.id, reviewer.id],
      ['CREATED', v2.id, author.id],
      ['APPROVED', v1.id, reviewer.id],
      ['DECISION_REVIEWED', v1.id, reviewer.id],
      ['CREATED', v1.id, author.id],
      ['OWNER_ASSIGNED', null, admin.id],
    ]);
    const times = activity.map((node) => Date.parse(node.at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);

    const byType = (type: string, versionId?: string) => activity.find((node) => node.type === type && (!versionId || node.versionId === versionId))!;
    expect(byType('OWNER_ASSIGNED')).toMatchObject({
      phase: null,
      cycleId: null,
      reportId: record.reportId,
      versionNumber: null,
      actor: { id: admin.id, name: admin.name },
      details: { ownerId: owner.id, ownerName: owner.name },
    });
    expect(byType('CREATED', v1.id)).toMatchObject({
      phase: 'PLANNING',
      ...record,
      versionNumber: 1,
      details: { parentVersionId: null, items: 1, carriedForward: 0 },
    });
    expect(byType('CREATED', v2.id).details).toEqual({ parentVersionId: v1.id, items: 0, carriedForward: 0 });
    expect(byType('DECISION_REVIEWED')).toMatchObject({
      versionNumber: 1,
      itemId,
      details: { decisionId: v1.decisions[0].id, status: 'APPROVED', notes: 'material' },
    });
    expect(byType('APPROVED', v1.id).details).toEqual({ notes: 'plan agreed', superseded: [] });
    expect(byType('APPROVED', v2.id).details).toEqual({ notes: null, superseded: [v1.id] });
    expect(byType('SUPERSEDED').details).toEqual({ supersededBy: v2.id });
    expect(byType('REJECTED').details).toEqual({ notes: 'incomplete' });
    expect(byType('CREATED', audit.id)).toMatchObject({ phase: 'TEST_EXECUTION', versionNumber: null, details: null });
  });

  it('names the version or record each activity concerns, as it is now', async () => {
    const record = newRecord();
    const version = await createVersion('PLANNING', record, author);
    await ok(APPROVE_VERSION, { phase: 'PLANNING', versionId: version.id }, reviewer);
    const { activity } = await ok(
      `query ($cycleId: ID!, $reportId: ID!) { activity(cycleId: $cycleId, reportId: $reportId) { edges { node { type record { id ... on Version { status versionNumber } } } } } }`,
      record,
      author,
    );
    expect(activity.edges.map((edge: { node: Node }) => edge.node)).toEqual([
      { type: 'APPROVED', record: { id: version.id, status: 'APPROVED', versionNumber: 1 } },
      { type: 'CREATED', record: { id: version.id, status: 'APPROVED', versionNumber: 1 } },
    ]);
  });

  it("keeps to the cycle, and with a phase to that phase's activity, leaving out owner assignments", async () => {
    const record = newRecord();
    const otherCycle = { ...record, cycleId: randomUUID() };
    await assignOwner(record.reportId, newUser('REPORT_OWNER'));
    await createVersion('PLANNING', record, author);
    await createVersion('SCOPING', record, author);
    await createVersion('PLANNING', otherCycle, author);
    expect((await activityOf(record)).map((node) => [node.type, node.phase])).toEqual([
      ['CREATED', 'SCOPING'],
      ['CREATED', 'PLANNING'],
      ['OWNER_ASSIGNED', null],
    ]);
    expect((await activityOf({ ...record, phase: 'PLANNING' })).map((node) => [node.type, node.phase, node.cycleId])).toEqual([
      ['CREATED', 'PLANNING', record.cycleId],
    ]);
    expect((await activityOf(otherCycle)).map((node) => [node.type, node.cycleId])).toEqual([
      ['CREATED', otherCycle.cycleId],
      ['OWNER_ASSIGNED', null],
    ]);
  });

  it('pages with cursors: each activity once, in order, and the last page says no more follow', async () => {
    const record = newRecord();
    for (let i = 0; i < 5; i++) await createVersion('SCOPING', record, author);
    const all = await activityOf(record);
    expect(all).toHaveLength(5);
    const paged: Node[] = [];
    let after: string | null = null;
    const pages: { hasNextPage: boolean; hasPreviousPage: boolean }[] = [];
    do {
      const { activity }: { activity: any } = await ok(ACTIVITY, { ...record, first: 2, after }, author);
      paged.push(...activity.edges.map((edge: { node: Node }) => edge.node));
      pages.push({ hasNextPage: activity.pageInfo.hasNextPage, hasPreviousPage: activity.pageInfo.hasPreviousPage });
      expect(activity.pageInfo.startCursor).toBe(activity.edges[0].cursor);
      expect(activity.pageInfo.endCursor).toBe(activity.edges.at(-1).cursor);
      after = activity.pageInfo.endCursor;
    } while (pages.at(-1)!.hasNextPage);
    expect(paged).toEqual(all);
    expect(paged.map((node) => node.versionNumber)).toEqual([5, 4, 3, 2, 1]);
    expect(pages).toEqual([
      { hasNextPage: true, hasPreviousPage: false },
      { hasNextPage: true, hasPreviousPage: true },
      { hasNextPage: false, hasPreviousPage: true },
    ]);
  });

  it('refuses a cursor of another list, a made-up cursor and a page size out of range: BAD_USER_INPUT', async () => {
    const record = newRecord();
    await createVersion('PLANNING', record, author);
    const versionsCursor = (
      await ok(
        `query ($cycleId: ID!, $reportId: ID!) { versions(phase: PLANNING, cycleId: $cycleId, reportId: $reportId) { pageInfo { endCursor } } }`,
        record,
        author,
      )
    ).versions.pageInfo.endCursor;
    const forged = ['a:yesterday|v|1', 'a:0000-01-01T00:00:00.000Z|v|1'].map((text) => Buffer.from(text).toString('base64url'));
    for (const after of [versionsCursor, 'not-a-cursor', ...forged]) {
      const result = await gql(ACTIVITY, { ...record, after }, author);
      expect(result.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'after' });
    }
    for (const first of [0, 101])
      expect((await gql(ACTIVITY, { ...record, first }, author)).errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'first' });
    expect((await gql(ACTIVITY, { ...record, reportId: 'r1' }, author)).errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'reportId' });
  });

  it('is empty for a report where nothing happened, and needs a signed-in user', async () => {
    expect(await activityOf(newRecord())).toEqual([]);
    expect(errorCode(await gql(ACTIVITY, newRecord()))).toBe('UNAUTHENTICATED');
  });

  it('does not record an owner assignment that changed nothing', async () => {
    const record = newRecord();
    const owner = newUser('REPORT_OWNER');
    const admin = newUser('ADMIN');
    await assignOwner(record.reportId, owner, admin);
    await assignOwner(record.reportId, owner, admin);
    expect((await activityOf(record)).map((node) => node.type)).toEqual(['OWNER_ASSIGNED']);
  });
});
