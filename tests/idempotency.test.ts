// Idempotency keys (API.md, "Safe retries"): a write repeated with its key is stored once and answered with what the
// first call wrote; the same key with other arguments is CONFLICT; a key belongs to its caller and its mutation.
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { VERSION_FIELDS, allVersions, assignOwner, createVersion, errorCode, gql, newRecord, newUser, ok, stack, type TestUser } from './support/api';

const onPostgres = stack.databaseUrl ? it : it.skip;

const CREATE = `mutation ($input: CreateVersionInput!, $key: String) {
  createVersion(input: $input, idempotencyKey: $key) { id ... on Version { versionNumber status decisions { id itemId } } }
}`;
const APPROVE = `mutation ($phase: PhaseName!, $versionId: ID!, $notes: String, $key: String) {
  approveVersion(phase: $phase, versionId: $versionId, notes: $notes, idempotencyKey: $key) { ${VERSION_FIELDS} }
}`;
const REJECT = `mutation ($phase: PhaseName!, $versionId: ID!, $notes: String!, $key: String) {
  rejectVersion(phase: $phase, versionId: $versionId, notes: $notes, idempotencyKey: $key) { id status reviewNotes }
}`;
const REVIEW = `mutation ($phase: PhaseName!, $versionId: ID!, $reviews: [DecisionReviewInput!]!, $key: String) {
  reviewDecisions(phase: $phase, versionId: $versionId, reviews: $reviews, idempotencyKey: $key) { id status notes }
}`;
const FROM_BASELINE = `mutation ($phase: PhaseName!, $baselineVersionId: ID!, $additionalItems: [DecisionInput!], $key: String) {
  createVersionFromBaseline(phase: $phase, baselineVersionId: $baselineVersionId, additionalItems: $additionalItems, idempotencyKey: $key) {
    id versionNumber decisions { itemId status carriedFromVersionId }
  }
}`;
const AUDIT_TRAIL = `query ($phase: PhaseName!, $cycleId: ID!, $reportId: ID!) {
  auditTrail(phase: $phase, cycleId: $cycleId, reportId: $reportId, first: 100) { edges { node { id } } }
}`;
const ASSIGN_OWNER = `mutation ($reportId: ID!, $userId: ID!, $key: String) { assignReportOwner(reportId: $reportId, userId: $userId, idempotencyKey: $key) { id } }`;
const CREATE_ATTRIBUTE = `mutation ($input: ReportAttributeInput!, $key: String) {
  createReportAttribute(input: $input, idempotencyKey: $key) { attributeId versionNumber attributeName }
}`;
const ATTRIBUTES = `query ($cycleId: ID!, $reportId: ID!) { reportAttributes(cycleId: $cycleId, reportId: $reportId) { attributeId versionNumber } }`;
const CREATE_SET = `mutation ($input: SampleSetInput!, $key: String) { createSampleSet(input: $input, idempotencyKey: $key) { setId versionNumber samples { sampleId } } }`;
const SETS = `query ($cycleId: ID!, $reportId: ID!) { sampleSets(cycleId: $cycleId, reportId: $reportId) { setId } }`;

/** createVersion's input for a new PLANNING version of `record` with one item. */
function planningInput(record: { cycleId: string; reportId: string }, note = 'keyed') {
  return { phase: 'PLANNING', ...record, data: { note }, items: [{ itemId: randomUUID(), itemData: { n: 1 } }] };
}

/** Asserts that `result` is the refusal of a key reused with other arguments. */
function expectKeyReused(result: Awaited<ReturnType<typeof gql>>): void {
  expect(result.data).toBeNull();
  expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'IDEMPOTENCY_KEY_REUSED' });
}

describe('an idempotency key on createVersion', () => {
  const tester = newUser('TESTER');

  it('answers a repeat with the first version and stores it once', async () => {
    const record = newRecord();
    const input = planningInput(record);
    const key = randomUUID();
    const first = (await ok(CREATE, { input, key }, tester)).createVersion;
    const repeat = (await ok(CREATE, { input, key }, tester)).createVersion;
    expect(repeat).toEqual(first);
    expect(await allVersions('PLANNING', record, tester)).toEqual([{ id: first.id, versionNumber: 1, status: 'DRAFT' }]);
    // Without a key, the same call is a new write, as it always was.
    await ok(CREATE, { input }, tester);
    expect(await allVersions('PLANNING', record, tester)).toHaveLength(2);
  });

  it('writes once for eight concurrent calls with one key, and answers each with that version', async () => {
    const record = newRecord();
    const input = planningInput(record);
    const key = randomUUID();
    const answers = await Promise.all(Array.from({ length: 8 }, () => gql(CREATE, { input, key }, tester)));
    for (const answer of answers) expect(answer.errors).toBeUndefined();
    const ids = new Set(answers.map((answer) => answer.data!.createVersion.id));
    expect(ids.size).toBe(1);
    expect(await allVersions('PLANNING', record, tester)).toEqual([{ id: [...ids][0], versionNumber: 1, status: 'DRAFT' }]);
  });

  it('treats a null field as an absent one, and the same arguments in another order as the same call', async () => {
    const record = newRecord();
    const key = randomUUID();
    const itemId = randomUUID();
    const first = (await ok(CREATE, { input: { phase: 'PLANNING', ...record, data: { a: 1, b: [1, 2] }, items: [{ itemId, itemData: {} }] }, key }, tester))
      .createVersion;
    const repeat = (
      await ok(
        CREATE,
        {
          input: {
            items: [{ itemData: {}, itemId, reason: null }],
            data: { b: [1, 2], a: 1 },
            reportId: record.reportId,
            cycleId: record.cycleId,
            phase: 'PLANNING',
            parentVersionId: null,
          },
          key,
        },
        tester,
      )
    ).createVersion;
    expect(repeat.id).toBe(first.id);
  });

  it('treats items: [] as items left out and an id in capitals as in lower case, but a null inside JSON data as data', async () => {
    const record = newRecord();
    const key = randomUUID();
    const input = { phase: 'PLANNING', ...record, data: { objective: 'Q3' } };
    const first = (await ok(CREATE, { input, key }, tester)).createVersion;
    const spelledOtherwise = { ...input, cycleId: record.cycleId.toUpperCase(), items: [] };
    expect((await ok(CREATE, { input: spelledOtherwise, key }, tester)).createVersion.id).toBe(first.id);
    // Another write, not another spelling: the stored data would lack the member the client meant to set to null.
    expectKeyReused(await gql(CREATE, { input: { ...input, data: { objective: 'Q3', budget: null } }, key }, tester));

    const itemId = randomUUID();
    const withItem = { ...input, ...newRecord(), items: [{ itemId, itemData: { flag: true } }] };
    const itemKey = randomUUID();
    await ok(CREATE, { input: withItem, key: itemKey }, tester);
    expectKeyReused(await gql(CREATE, { input: { ...withItem, items: [{ itemId, itemData: { flag: true, override: null } }] }, key: itemKey }, tester));
    expect(await allVersions('PLANNING', record, tester)).toHaveLength(1);
  });

  it('refuses the key with other arguments (CONFLICT, IDEMPOTENCY_KEY_REUSED) and writes nothing', async () => {
    const record = newRecord();
    const key = randomUUID();
    const first = (await ok(CREATE, { input: planningInput(record, 'first'), key }, tester)).createVersion;
    expectKeyReused(await gql(CREATE, { input: planningInput(record, 'second'), key }, tester));
    // Another phase is another argument too.
    expectKeyReused(await gql(CREATE, { input: { ...planningInput(record, 'first'), phase: 'SCOPING' }, key }, tester));
    expect(await allVersions('PLANNING', record, tester)).toEqual([{ id: first.id, versionNumber: 1, status: 'DRAFT' }]);
    expect(await allVersions('SCOPING', record, tester)).toEqual([]);
  });

  it('belongs to its caller: another user with the same key writes their own version', async () => {
    const record = newRecord();
    const input = planningInput(record);
    const key = randomUUID();
    const mine = (await ok(CREATE, { input, key }, tester)).createVersion;
    const theirs = (await ok(CREATE, { input, key }, newUser('TESTER'))).createVersion;
    expect(theirs.id).not.toBe(mine.id);
    expect(theirs.versionNumber).toBe(2);
  });

  it('belongs to its mutation: the key of a createVersion may name an approval too', async () => {
    const key = randomUUID();
    await ok(CREATE, { input: planningInput(newRecord()), key }, tester);
    const others = await createVersion('PLANNING', newRecord(), newUser('TESTER'));
    const approved = (await ok(APPROVE, { phase: 'PLANNING', versionId: others.id, key }, tester)).approveVersion;
    expect(approved).toMatchObject({ id: others.id, status: 'APPROVED' });
  });

  it('is refused when empty, longer than 255 characters or not printable, with nothing written', async () => {
    const record = newRecord();
    // A lone surrogate would be stored as U+FFFD (two such keys would be one); U+0085 is a C1 control.
    for (const key of ['', 'k'.repeat(256), 'line\nbreak', 'next\u0085line', 'retry-\ud800', 'retry-\udc01']) {
      const result = await gql(CREATE, { input: planningInput(record), key }, tester);
      expect(errorCode(result)).toBe('BAD_USER_INPUT');
      expect(result.errors![0]!.extensions).toMatchObject({ argument: 'idempotencyKey' });
    }
    expect((await ok(CREATE, { input: planningInput(record), key: 'k'.repeat(255) }, tester)).createVersion.versionNumber).toBe(1);
    expect(await allVersions('PLANNING', record, tester)).toHaveLength(1);
  });

  it('writes an AUDIT_ONLY record once', async () => {
    const record = newRecord();
    const input = { phase: 'REQUEST_INFO', ...record, data: { asked: 'evidence' } };
    const key = randomUUID();
    const first = (await ok(CREATE, { input, key }, tester)).createVersion;
    expect((await ok(CREATE, { input, key }, tester)).createVersion).toEqual(first);
    expect((await ok(AUDIT_TRAIL, { phase: 'REQUEST_INFO', ...record }, tester)).auditTrail.edges).toEqual([{ node: { id: first.id } }]);
  });
});

describe('an idempotency key on the reviews', () => {
  const author = newUser('TESTER');
  const owner = newUser('REPORT_OWNER');

  it('answers a repeated approval with the approved version instead of CONFLICT, and approves once', async () => {
    const record = newRecord();
    const version = await createVersion('PLANNING', record, author);
    const approver = newUser('TESTER');
    const key = randomUUID();
    const first = (await ok(APPROVE, { phase: 'PLANNING', versionId: version.id, notes: 'fine', key }, approver)).approveVersion;
    const repeat = (await ok(APPROVE, { phase: 'PLANNING', versionId: version.id, notes: 'fine', key }, approver)).approveVersion;
    expect(repeat).toEqual(first);
    expect(first).toMatchObject({ status: 'APPROVED', reviewNotes: 'fine' });
    // Without the key, approving again is the CONFLICT it always was; with other notes under the key, the key is reused.
    expect(errorCode(await gql(APPROVE, { phase: 'PLANNING', versionId: version.id, notes: 'fine' }, approver))).toBe('CONFLICT');
    expectKeyReused(await gql(APPROVE, { phase: 'PLANNING', versionId: version.id, notes: 'other', key }, approver));
  });

  it('answers a repeated rejection with the rejected version', async () => {
    const record = newRecord();
    const version = await createVersion('PLANNING', record, author);
    const reviewer = newUser('TESTER');
    const key = randomUUID();
    const variables = { phase: 'PLANNING', versionId: version.id, notes: 'incomplete', key };
    const first = (await ok(REJECT, variables, reviewer)).rejectVersion;
    expect(first).toMatchObject({ status: 'REJECTED', reviewNotes: 'incomplete' });
    expect((await ok(REJECT, variables, reviewer)).rejectVersion).toEqual(first);
  });

  it('answers a repeated decision review with the reviewed decisions', async () => {
    const record = newRecord();
    await assignOwner(record.reportId, owner);
    const version = await createVersion('SCOPING', record, author, {
      items: [
        { itemId: randomUUID(), itemData: {} },
        { itemId: randomUUID(), itemData: {} },
      ],
    });
    const reviews = version.decisions.map((decision: { id: string }) => ({ decisionId: decision.id, status: 'APPROVED', notes: 'ok' }));
    const key = randomUUID();
    const first = (await ok(REVIEW, { phase: 'SCOPING', versionId: version.id, reviews, key }, owner)).reviewDecisions;
    expect(first.map((decision: { status: string }) => decision.status)).toEqual(['APPROVED', 'APPROVED']);
    expect((await ok(REVIEW, { phase: 'SCOPING', versionId: version.id, reviews, key }, owner)).reviewDecisions).toEqual(first);
    // The same reviews in another order are the same call; fewer of them are another.
    expect((await ok(REVIEW, { phase: 'SCOPING', versionId: version.id, reviews: [...reviews].reverse(), key }, owner)).reviewDecisions).toEqual(first);
    expectKeyReused(await gql(REVIEW, { phase: 'SCOPING', versionId: version.id, reviews: reviews.slice(1), key }, owner));
  });

  it('creates a version from a baseline once', async () => {
    const record = newRecord();
    const baseline = await createVersion('PLANNING', record, author, { items: [{ itemId: randomUUID(), itemData: {} }] });
    const variables = {
      phase: 'PLANNING',
      baselineVersionId: baseline.id,
      additionalItems: [{ itemId: randomUUID(), itemData: { added: true } }],
      key: randomUUID(),
    };
    const first = (await ok(FROM_BASELINE, variables, author)).createVersionFromBaseline;
    expect((await ok(FROM_BASELINE, variables, author)).createVersionFromBaseline).toEqual(first);
    expect((await allVersions('PLANNING', record, author)).map((version) => version.versionNumber)).toEqual([2, 1]);
  });
});

describe('an idempotency key on the identity and legacy writes', () => {
  const tester = newUser('TESTER');

  it('assigns a report owner once, and refuses the key for another user', async () => {
    const admin = newUser('ADMIN');
    const [first, second] = [newUser('REPORT_OWNER'), newUser('REPORT_OWNER')];
    await ok('{ me { id } }', {}, first);
    await ok('{ me { id } }', {}, second);
    const reportId = randomUUID();
    const key = randomUUID();
    expect((await ok(ASSIGN_OWNER, { reportId, userId: first.id, key }, admin)).assignReportOwner).toEqual({ id: first.id });
    expect((await ok(ASSIGN_OWNER, { reportId, userId: first.id, key }, admin)).assignReportOwner).toEqual({ id: first.id });
    expectKeyReused(await gql(ASSIGN_OWNER, { reportId, userId: second.id, key }, admin));
    const owners = await ok('query ($reportId: ID!) { reportOwners(reportId: $reportId) { id } }', { reportId }, admin);
    expect(owners.reportOwners).toEqual([{ id: first.id }]);
  });

  it('writes a report attribute once, even without an attributeId (the first call chose it)', async () => {
    const record = newRecord();
    const input = { ...record, attributeName: 'Total assets', attributeType: 'decimal' };
    const key = randomUUID();
    const first = (await ok(CREATE_ATTRIBUTE, { input, key }, tester)).createReportAttribute;
    expect((await ok(CREATE_ATTRIBUTE, { input, key }, tester)).createReportAttribute).toEqual(first);
    expectKeyReused(await gql(CREATE_ATTRIBUTE, { input: { ...input, attributeName: 'Other' }, key }, tester));
    expect((await ok(ATTRIBUTES, record, tester)).reportAttributes).toEqual([{ attributeId: first.attributeId, versionNumber: 1 }]);
  });

  it('writes a sample set once, with the samples the first call numbered', async () => {
    const record = newRecord();
    const input = { ...record, selectionCriteria: { risk: 'high' }, samples: [{ data: { row: 1 } }, { data: { row: 2 } }] };
    const key = randomUUID();
    const first = (await ok(CREATE_SET, { input, key }, tester)).createSampleSet;
    expect((await ok(CREATE_SET, { input, key }, tester)).createSampleSet).toEqual(first);
    expect((await ok(SETS, record, tester)).sampleSets).toEqual([{ setId: first.setId }]);
  });
});

/** Resolves once the key is gone from the table: a state of the database, looked at again and again, not a time. */
async function untilForgotten(db: Client, callerId: string, key: string): Promise<void> {
  for (;;) {
    const { rowCount } = await db.query('SELECT 1 FROM events.idempotency_keys WHERE caller_id = $1 AND key = $2', [callerId, key]);
    if (rowCount === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50)); // the interval between two looks, not a wait for an outcome
  }
}

describe('an expired idempotency key', () => {
  onPostgres('is a new call after 24 hours, and is forgotten by the sweep', async () => {
    const tester: TestUser = newUser('TESTER');
    const record = newRecord();
    const input = planningInput(record);
    const key = randomUUID();
    const db = new Client({ connectionString: stack.databaseUrl });
    await db.connect();
    try {
      const first = (await ok(CREATE, { input, key }, tester)).createVersion;
      const age = (hours: number) =>
        db.query(`UPDATE events.idempotency_keys SET created_at = now() - make_interval(hours => $1) WHERE caller_id = $2 AND key = $3`, [
          hours,
          tester.id,
          key,
        ]);
      // Just inside the retention, the key still answers the first version.
      await age(23);
      expect((await ok(CREATE, { input, key }, tester)).createVersion.id).toBe(first.id);
      // Past it, the same call writes again: the key was forgotten.
      await age(25);
      const second = (await ok(CREATE, { input, key }, tester)).createVersion;
      expect(second.id).not.toBe(first.id);
      expect(second.versionNumber).toBe(2);

      // The stack's processes sweep every 2 s (IDEMPOTENCY_KEY_SWEEP_MS, set by the test stack): one forgets the key.
      await age(25);
      await untilForgotten(db, tester.id, key);
    } finally {
      await db.end();
    }
  });
});
