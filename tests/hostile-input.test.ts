// Every mutation of the versioning API, driven through the real gateway with generated hostile input (NUL characters,
// lone surrogates, huge strings, deep JSON, malformed UUIDs, wrong enum values, too many items): the answer is always
// a success or a clear refusal with a stable code, never INTERNAL_SERVER_ERROR, and a refusal writes nothing.
// (The legacy writes and the migration operations get the same treatment in legacy.test.ts, which owns their state.)
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { allVersions, assignOwner, createVersion, gql, newUser, ok, stack } from './support/api';
import { PROPERTY_RUNS, expectClearAnswer, hostileId, hostileItems, hostileJson, hostilePhase, hostileText, refused } from './support/hostile';

const tester = newUser('TESTER');
const reviewer = newUser('TESTER');
const admin = newUser('ADMIN');
const FULL_PHASES = ['PLANNING', 'DATA_PROFILING', 'SCOPING', 'SAMPLE_SELECTION', 'OBSERVATION_MANAGEMENT'];
const AUDIT_PHASES = ['DATA_OWNER_ID', 'REQUEST_INFO', 'TEST_EXECUTION'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const CREATE = 'mutation ($input: CreateVersionInput!) { createVersion(input: $input) { id } }';
const STATE = 'query ($id: ID!) { version(phase: PLANNING, id: $id) { status reviewedBy { id } decisions { id status notes } } }';
const AUDIT_TRAIL = `query ($phase: PhaseName!, $cycleId: ID!, $reportId: ID!) {
  auditTrail(phase: $phase, cycleId: $cycleId, reportId: $reportId) { edges { node { id } } }
}`;

/** A fresh Planning draft by the tester, with two PENDING decisions. */
const draft = () =>
  createVersion('PLANNING', { cycleId: randomUUID(), reportId: randomUUID() }, tester, {
    items: [0, 1].map((n) => ({ itemId: randomUUID(), itemData: { n } })),
  });
const stateOf = async (id: string) => (await ok(STATE, { id }, tester)).version;

describe('hostile input to every versioning mutation', () => {
  beforeAll(async () => {
    for (const user of [tester, reviewer, admin]) await ok('{ me { id } }', {}, user);
  });

  it('createVersion on FULL and AUDIT_ONLY phases: a version or a clear refusal, and nothing written when refused', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constantFrom(...FULL_PHASES, ...AUDIT_PHASES), hostilePhase),
        hostileId,
        hostileId,
        hostileJson,
        fc.option(hostileId),
        hostileItems,
        async (phase, cycleId, reportId, data, parentVersionId, items) => {
          const result = await gql(CREATE, { input: { phase, cycleId, reportId, data, parentVersionId, items } }, tester);
          expectClearAnswer(result);
          if (!refused(result) || !UUID.test(cycleId) || !UUID.test(reportId)) return;
          if (FULL_PHASES.includes(phase)) expect(await allVersions(phase, { cycleId, reportId }, tester)).toEqual([]);
          if (AUDIT_PHASES.includes(phase)) expect((await ok(AUDIT_TRAIL, { phase, cycleId, reportId }, tester)).auditTrail.edges).toEqual([]);
        },
      ),
      PROPERTY_RUNS,
    );
  });

  it.each([
    [
      'approveVersion',
      'mutation ($phase: PhaseName!, $versionId: ID!, $notes: String) { approveVersion(phase: $phase, versionId: $versionId, notes: $notes) { id } }',
    ],
    [
      'rejectVersion',
      'mutation ($phase: PhaseName!, $versionId: ID!, $notes: String!) { rejectVersion(phase: $phase, versionId: $versionId, notes: $notes) { id } }',
    ],
  ])('%s: approved or rejected, or a clear refusal that leaves the draft as it was', async (_name, mutation) => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.constant('PLANNING'), hostilePhase), fc.option(hostileId), hostileText, async (phase, versionId, notes) => {
        const version = await draft();
        const result = await gql(mutation, { phase, versionId: versionId ?? version.id, notes }, reviewer);
        expectClearAnswer(result);
        if (refused(result)) expect(await stateOf(version.id)).toMatchObject({ status: 'DRAFT', reviewedBy: null });
      }),
      PROPERTY_RUNS,
    );
  });

  it('reviewDecisions: reviewed, or a clear refusal that leaves every decision PENDING', async () => {
    const review = fc.record({
      decisionId: fc.option(hostileId),
      status: fc.constantFrom('APPROVED', 'REJECTED', 'PENDING', 'MAYBE', ''),
      notes: fc.option(hostileText),
    });
    const reviews = fc.oneof({ weight: 4, arbitrary: fc.array(review, { maxLength: 3 }) }, fc.constant('many'));
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.constant('PLANNING'), hostilePhase), fc.option(hostileId), reviews, async (phase, versionId, chosen) => {
        const version = await draft();
        const [first, second] = version.decisions.map((decision: { id: string }) => decision.id);
        const sent =
          chosen === 'many'
            ? Array.from({ length: 5_001 }, () => ({ decisionId: first, status: 'APPROVED' }))
            : chosen.map((entry, i) => ({ ...entry, decisionId: entry.decisionId ?? (i % 2 ? second : first) }));
        const result = await gql(
          'mutation ($phase: PhaseName!, $versionId: ID!, $reviews: [DecisionReviewInput!]!) { reviewDecisions(phase: $phase, versionId: $versionId, reviews: $reviews) { id } }',
          { phase, versionId: versionId ?? version.id, reviews: sent },
          reviewer,
        );
        expectClearAnswer(result);
        if (refused(result))
          expect((await stateOf(version.id)).decisions.map((decision: { status: string }) => decision.status)).toEqual(['PENDING', 'PENDING']);
      }),
      PROPERTY_RUNS,
    );
  });

  it('createVersionFromBaseline: a new version, or a clear refusal that adds none', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constant('PLANNING'), hostilePhase),
        fc.option(hostileId),
        hostileItems,
        async (phase, baselineVersionId, additionalItems) => {
          const baseline = await draft();
          const result = await gql(
            'mutation ($phase: PhaseName!, $id: ID!, $items: [DecisionInput!]) { createVersionFromBaseline(phase: $phase, baselineVersionId: $id, additionalItems: $items) { id } }',
            { phase, id: baselineVersionId ?? baseline.id, items: additionalItems },
            tester,
          );
          expectClearAnswer(result);
          if (refused(result)) expect(await allVersions('PLANNING', baseline as { cycleId: string; reportId: string }, tester)).toHaveLength(1);
        },
      ),
      PROPERTY_RUNS,
    );
  });

  it('assignReportOwner: assigned, or a clear refusal that assigns no one', async () => {
    const owner = newUser('REPORT_OWNER');
    await ok('{ me { id } }', {}, owner);
    await fc.assert(
      fc.asyncProperty(hostileId, fc.oneof(fc.constant(owner.id), hostileId), async (reportId, userId) => {
        const result = await gql(
          'mutation ($reportId: ID!, $userId: ID!) { assignReportOwner(reportId: $reportId, userId: $userId) { id } }',
          { reportId, userId },
          admin,
        );
        expectClearAnswer(result);
        if (refused(result) && UUID.test(reportId)) {
          expect((await ok('query ($reportId: ID!) { reportOwners(reportId: $reportId) { id } }', { reportId }, admin)).reportOwners).toEqual([]);
        }
      }),
      PROPERTY_RUNS,
    );
  });
});

describe('input limits', () => {
  const record = () => ({ cycleId: randomUUID(), reportId: randomUUID() });

  it.each([
    ['5,001 items', { items: Array.from({ length: 5_001 }, () => ({ itemId: randomUUID(), itemData: {} })) }, /items may hold at most 5,000 items/],
    ['data over 256 KB', { data: { text: 'x'.repeat(256 * 1024) } }, /data may be at most 256 KB as JSON/],
    ['a NUL character in data', { data: { text: 'a\u0000b' } }, /NUL character/],
    ['JSON nested deeper than 64 levels', { data: { deep: JSON.parse(`${'['.repeat(70)}${']'.repeat(70)}`) } }, /nested deeper than 64 levels/],
    [
      'a reason over 4,000 characters',
      { items: [{ itemId: randomUUID(), itemData: {}, reason: 'x'.repeat(4_001) }] },
      /items.reason is longer than 4,000 characters/,
    ],
  ])('refuses a version with %s: BAD_USER_INPUT naming the limit, nothing written', async (_case, input, message) => {
    const where = record();
    const result = await gql(CREATE, { input: { phase: 'PLANNING', ...where, data: {}, ...input } }, tester);
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.message).toMatch(message);
    expect(await allVersions('PLANNING', where, tester)).toEqual([]);
  });

  it('refuses JSON nested 100,000 deep (more than a stack can serialize) with BAD_USER_INPUT, and writes nothing', async () => {
    const where = record();
    // Built as text: the client's own JSON.stringify could not serialize it either.
    const data = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const response = await fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tester.token}` },
      body: `{"query":${JSON.stringify(CREATE)},"variables":{"input":{"phase":"PLANNING","cycleId":"${where.cycleId}","reportId":"${where.reportId}","data":${data}}}}`,
    });
    const body = (await response.json()) as { errors?: { message: string; extensions?: { code?: string } }[] };
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(body.errors?.[0]?.message).toMatch(/nested deeper than 64 levels/);
    expect(await allVersions('PLANNING', where, tester)).toEqual([]);
  });

  it('accepts a version at the limits: 5,000 items and data of 256 KB', async () => {
    const items = Array.from({ length: 5_000 }, () => ({ itemId: randomUUID(), itemData: {} }));
    const data = { text: 'x'.repeat(256 * 1024 - 20) };
    const version = await createVersion('SCOPING', record(), tester, { items, data });
    expect(version.decisions).toHaveLength(5_000);
  });

  it('refuses more additional items than a version may hold with what the baseline carries', async () => {
    const where = record();
    const owner = newUser('REPORT_OWNER');
    await assignOwner(where.reportId, owner);
    const baseline = await createVersion('SCOPING', where, tester, { items: [{ itemId: randomUUID(), itemData: {} }] });
    await ok(
      'mutation ($id: ID!, $d: ID!) { reviewDecisions(phase: SCOPING, versionId: $id, reviews: [{ decisionId: $d, status: APPROVED }]) { id } }',
      { id: baseline.id, d: baseline.decisions[0].id },
      owner,
    );
    const result = await gql(
      'mutation ($id: ID!, $items: [DecisionInput!]) { createVersionFromBaseline(phase: SCOPING, baselineVersionId: $id, additionalItems: $items) { id } }',
      { id: baseline.id, items: Array.from({ length: 5_000 }, () => ({ itemId: randomUUID(), itemData: {} })) },
      tester,
    );
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.message).toMatch(/at most 5,000 items: the baseline carries 1 forward/);
    expect(await allVersions('SCOPING', where, tester)).toHaveLength(1);
  });
});
