// The legacy-shaped API old clients keep using: report attributes and sample sets, field for field.
import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { Client } from 'pg';
import fc from 'fast-check';
import { errorCode, gql, newRecord, newUser, ok, stack } from './support/api';
import { PROPERTY_RUNS, expectClearAnswer, hostileId, hostileInt, hostileJson, hostilePhase, hostileText, refused } from './support/hostile';
import { repositoryRoot } from './support/stack';

const tester = newUser('TESTER');
const ATTRIBUTE_FIELDS = 'attributeId cycleId reportId attributeName attributeType description versionNumber isLatestVersion createdBy { id name } createdAt';
const CREATE_ATTRIBUTE = `mutation ($input: ReportAttributeInput!) { createReportAttribute(input: $input) { ${ATTRIBUTE_FIELDS} } }`;
const ATTRIBUTES = `query ($cycleId: ID!, $reportId: ID!) { reportAttributes(cycleId: $cycleId, reportId: $reportId) { ${ATTRIBUTE_FIELDS} } }`;
const SET_FIELDS =
  'setId cycleId reportId selectionCriteria generationMethod versionNumber isLatestVersion samples { sampleId data status } createdBy { id } createdAt';
const CREATE_SET = `mutation ($input: SampleSetInput!) { createSampleSet(input: $input) { ${SET_FIELDS} } }`;
const SETS = `query ($cycleId: ID!, $reportId: ID!) { sampleSets(cycleId: $cycleId, reportId: $reportId) { ${SET_FIELDS} } }`;

describe('legacy report attributes', () => {
  it('writes and reads attributes in legacy shape', async () => {
    const record = newRecord();
    const { createReportAttribute } = await ok(
      CREATE_ATTRIBUTE,
      { input: { ...record, attributeName: 'Total assets', attributeType: 'decimal', description: 'Balance sheet total' } },
      tester,
    );
    expect(createReportAttribute).toMatchObject({
      attributeId: expect.any(String),
      ...record,
      attributeName: 'Total assets',
      attributeType: 'decimal',
      description: 'Balance sheet total',
      versionNumber: 1,
      isLatestVersion: true,
      createdBy: { id: tester.id, name: tester.name },
    });
    expect((await ok(ATTRIBUTES, record, tester)).reportAttributes).toEqual([createReportAttribute]);
  });

  it('writes the next version of an attribute given its id, and only that one is latest', async () => {
    const record = newRecord();
    const first = (await ok(CREATE_ATTRIBUTE, { input: { ...record, attributeName: 'LEI', attributeType: 'string' } }, tester)).createReportAttribute;
    const other = (await ok(CREATE_ATTRIBUTE, { input: { ...record, attributeName: 'Date', attributeType: 'date' } }, tester)).createReportAttribute;
    const second = (
      await ok(
        CREATE_ATTRIBUTE,
        { input: { ...record, attributeName: 'LEI', attributeType: 'string', description: 'now documented', attributeId: first.attributeId } },
        tester,
      )
    ).createReportAttribute;
    expect(second).toMatchObject({ attributeId: first.attributeId, versionNumber: 2, isLatestVersion: true });
    const rows = (await ok(ATTRIBUTES, record, tester)).reportAttributes;
    expect(rows.map((row: any) => [row.attributeId, row.versionNumber, row.isLatestVersion])).toEqual([
      [first.attributeId, 1, false],
      [other.attributeId, 1, true],
      [first.attributeId, 2, true],
    ]);
  });

  it('numbers concurrent writes of one attribute without repeat, leaving one latest', async () => {
    const record = newRecord();
    const attributeId = randomUUID();
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        gql(CREATE_ATTRIBUTE, { input: { ...record, attributeName: `v${i}`, attributeType: 'string', attributeId } }, tester),
      ),
    );
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

  it('refuses text PostgreSQL cannot store, and text over its length, with BAD_USER_INPUT naming the field; writes nothing', async () => {
    const record = newRecord();
    for (const [input, message] of [
      [{ attributeName: 'a\u0000b', attributeType: 'string' }, /attributeName contains a NUL character/],
      [{ attributeName: 'X', attributeType: 'string', description: 'lone \ud800' }, /description is not well-formed Unicode/],
      [{ attributeName: 'x'.repeat(256), attributeType: 'string' }, /attributeName is longer than 255 characters/],
      [{ attributeName: 'X', attributeType: 'x'.repeat(101) }, /attributeType is longer than 100 characters/],
    ] as const) {
      const result = await gql(CREATE_ATTRIBUTE, { input: { ...record, ...input } }, tester);
      expect(errorCode(result)).toBe('BAD_USER_INPUT');
      expect(result.errors![0]!.message).toMatch(message);
    }
    expect((await ok(ATTRIBUTES, record, tester)).reportAttributes).toEqual([]);
  });
});

describe('legacy sample sets', () => {
  it('writes sets with their samples in order, each new set the latest of its cycle and report', async () => {
    const record = newRecord();
    const sampleId = randomUUID();
    const first = (
      await ok(
        CREATE_SET,
        {
          input: { ...record, selectionCriteria: { stratum: 'high' }, generationMethod: 'random', samples: [{ sampleId, data: { a: 1 } }, { data: { a: 2 } }] },
        },
        tester,
      )
    ).createSampleSet;
    expect(first).toMatchObject({
      ...record,
      selectionCriteria: { stratum: 'high' },
      generationMethod: 'random',
      versionNumber: 1,
      isLatestVersion: true,
      createdBy: { id: tester.id },
    });
    expect(first.samples).toEqual([
      { sampleId, data: { a: 1 }, status: 'PENDING' },
      { sampleId: expect.any(String), data: { a: 2 }, status: 'PENDING' },
    ]);
    const second = (await ok(CREATE_SET, { input: { ...record, selectionCriteria: {}, samples: [] } }, tester)).createSampleSet;
    const sets = (await ok(SETS, record, tester)).sampleSets;
    expect(sets.map((set: any) => [set.setId, set.versionNumber, set.isLatestVersion])).toEqual([
      [first.setId, 1, false],
      [second.setId, 2, true],
    ]);
  });

  it('refuses a NUL character in its JSON, too many samples, and criteria over 64 KB, with BAD_USER_INPUT; writes nothing', async () => {
    const record = newRecord();
    for (const input of [
      { selectionCriteria: { stratum: 'a\u0000b' }, samples: [] },
      { selectionCriteria: {}, samples: [{ data: { 'key\u0000': 1 } }] },
      { selectionCriteria: {}, samples: Array.from({ length: 5_001 }, () => ({ data: {} })) },
      { selectionCriteria: { text: 'x'.repeat(64 * 1024) }, samples: [] },
    ]) {
      expect(errorCode(await gql(CREATE_SET, { input: { ...record, ...input } }, tester))).toBe('BAD_USER_INPUT');
    }
    expect((await ok(SETS, record, tester)).sampleSets).toEqual([]);
  });

  it('refuses a sample listed twice, and writes nothing', async () => {
    const record = newRecord();
    const sampleId = randomUUID();
    const result = await gql(
      CREATE_SET,
      {
        input: {
          ...record,
          selectionCriteria: {},
          samples: [
            { sampleId, data: {} },
            { sampleId, data: {} },
          ],
        },
      },
      tester,
    );
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect((await ok(SETS, record, tester)).sampleSets).toEqual([]);
  });
});

// The migration. Its settings are global per phase, so these tests live in this file (run serially, and the only
// one using the legacy API) and put the settings back after each test.
const admin = newUser('ADMIN');
const STATUS = `{ migrationStatus { phase dualWriteEnabled readPercentage active legacyWrites mirroredWrites dualWriteConsistency alert pendingReconciliation mirrored legacyRecords backfillProgress backfilledAt lastVerifiedAt } }`;
const SET_DUAL_WRITE = `mutation ($phase: PhaseName!, $enabled: Boolean!) { setDualWrite(phase: $phase, enabled: $enabled) { phase dualWriteEnabled } }`;
const SET_READS = `mutation ($phase: PhaseName!, $percentage: Int!) { setReadPercentage(phase: $phase, percentage: $percentage) { phase readPercentage } }`;
const BACKFILL = `mutation ($phase: PhaseName!, $limit: Int) { backfillPhase(phase: $phase, limit: $limit) { phase copied replayedFailures failed remaining durationMs errors } }`;
const VERIFY = `query ($phase: PhaseName!) { verifyDataIntegrity(phase: $phase) { phase checked discrepancies { type legacyId newId fields } } }`;
const ROLLBACK = `mutation ($phase: PhaseName!) { rollbackPhase(phase: $phase) { phase durationMs steps { step durationMs detail } } }`;
const ACTIVITY = `query ($cycleId: ID!, $reportId: ID!) {
  activity(cycleId: $cycleId, reportId: $reportId) { edges { node { type phase cycleId reportId versionId versionNumber itemId actor { id } details } } }
}`;
const MIGRATION_ACTIVITY = `query ($phase: PhaseName, $first: Int, $after: String) {
  migrationActivity(phase: $phase, first: $first, after: $after) {
    edges { cursor node { type phase cycleId reportId versionId actor { id } at details } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}`;
const READ_SOURCE = `query ($phase: PhaseName!, $cycleId: ID!, $reportId: ID!) { readSource(phase: $phase, cycleId: $cycleId, reportId: $reportId) { bucket source } }`;

/** Tests that change the database behind the API's back run only on PostgreSQL, which the suite can reach. */
const onPostgres = stack.databaseUrl ? it : it.skip;

async function settle(settings: { dualWrite?: boolean; reads?: number }) {
  for (const phase of ['PLANNING', 'SAMPLE_SELECTION']) {
    if (settings.dualWrite !== undefined) await ok(SET_DUAL_WRITE, { phase, enabled: settings.dualWrite }, admin);
    if (settings.reads !== undefined) await ok(SET_READS, { phase, percentage: settings.reads }, admin);
  }
}
const statusOf = async (phase: string) => (await ok(STATUS, {}, admin)).migrationStatus.find((row: any) => row.phase === phase);

describe('the migration', () => {
  afterEach(() => settle({ dualWrite: false, reads: 0 }));

  it('lets only admins see or change it, and only for the migrated phases', async () => {
    for (const user of [tester, newUser('TEST_MANAGER')]) {
      expect(errorCode(await gql(STATUS, {}, user))).toBe('FORBIDDEN');
      expect(errorCode(await gql(SET_DUAL_WRITE, { phase: 'PLANNING', enabled: true }, user))).toBe('FORBIDDEN');
      expect(errorCode(await gql(SET_READS, { phase: 'PLANNING', percentage: 10 }, user))).toBe('FORBIDDEN');
    }
    expect(errorCode(await gql(SET_DUAL_WRITE, { phase: 'SCOPING', enabled: true }, admin))).toBe('BAD_USER_INPUT');
    expect(errorCode(await gql(SET_READS, { phase: 'PLANNING', percentage: 101 }, admin))).toBe('BAD_USER_INPUT');
    expect((await ok(STATUS, {}, admin)).migrationStatus.map((row: any) => row.phase)).toEqual(['PLANNING', 'SAMPLE_SELECTION']);
  });

  it('mirrors legacy writes into the new phase tables while dual write is on', async () => {
    await settle({ dualWrite: true });
    const before = await statusOf('PLANNING');
    const record = newRecord();
    const attribute = (await ok(CREATE_ATTRIBUTE, { input: { ...record, attributeName: 'Total assets', attributeType: 'decimal' } }, tester))
      .createReportAttribute;
    const { versions } = await ok(
      `query ($cycleId: ID!, $reportId: ID!) {
      versions(phase: PLANNING, cycleId: $cycleId, reportId: $reportId) { edges { node { createdBy { id } decisions { itemId itemData status } } } }
    }`,
      record,
      tester,
    );
    expect(versions.edges).toHaveLength(1);
    expect(versions.edges[0].node).toMatchObject({
      createdBy: { id: tester.id },
      decisions: [{ itemId: attribute.attributeId, itemData: { attributeName: 'Total assets', versionNumber: 1 }, status: 'PENDING' }],
    });
    const after = await statusOf('PLANNING');
    expect([after.legacyWrites - before.legacyWrites, after.mirroredWrites - before.mirroredWrites, after.mirrored - before.mirrored]).toEqual([1, 1, 1]);
  });

  it('answers legacy-shaped reads identically from the legacy tables (0 %) and the new ones (100 %)', async () => {
    await settle({ dualWrite: true });
    const record = newRecord();
    const first = (await ok(CREATE_ATTRIBUTE, { input: { ...record, attributeName: 'LEI', attributeType: 'string', description: 'id' } }, tester))
      .createReportAttribute;
    await ok(CREATE_ATTRIBUTE, { input: { ...record, attributeName: 'Date', attributeType: 'date' } }, newUser('TEST_LEAD'));
    await ok(
      CREATE_ATTRIBUTE,
      { input: { ...record, attributeName: 'LEI', attributeType: 'string', description: 'legal entity id', attributeId: first.attributeId } },
      tester,
    );
    await ok(
      CREATE_SET,
      { input: { ...record, selectionCriteria: { stratum: 'a' }, generationMethod: 'random', samples: [{ data: { n: 1 } }, { data: { n: 2 } }] } },
      tester,
    );
    await ok(CREATE_SET, { input: { ...record, selectionCriteria: { stratum: 'b' }, samples: [{ data: { n: 3 } }] } }, tester);
    const READ_BOTH = `query ($cycleId: ID!, $reportId: ID!) { reportAttributes(cycleId: $cycleId, reportId: $reportId) { ${ATTRIBUTE_FIELDS} } sampleSets(cycleId: $cycleId, reportId: $reportId) { ${SET_FIELDS} } }`;
    const fromLegacy = await ok(READ_BOTH, record, tester);
    await settle({ reads: 100 });
    expect((await ok(READ_SOURCE, { phase: 'PLANNING', ...record }, admin)).readSource.source).toBe('NEW');
    const fromNew = await ok(READ_BOTH, record, tester);
    expect(fromLegacy.reportAttributes).toHaveLength(3);
    expect(fromLegacy.sampleSets).toHaveLength(2);
    expect(fromNew).toEqual(fromLegacy);
  });

  it('routes each (cycle, report) deterministically: the same key always reads from the same source', async () => {
    await settle({ reads: 50 });
    const keys = Array.from({ length: 40 }, () => newRecord());
    const routes = [];
    for (const key of keys) routes.push((await ok(READ_SOURCE, { phase: 'SAMPLE_SELECTION', ...key }, admin)).readSource);
    for (const [i, key] of keys.entries()) {
      expect((await ok(READ_SOURCE, { phase: 'SAMPLE_SELECTION', ...key }, admin)).readSource).toEqual(routes[i]);
      expect(routes[i].source).toBe(routes[i].bucket < 50 ? 'NEW' : 'LEGACY');
    }
    expect(new Set(routes.map((route) => route.source))).toEqual(new Set(['NEW', 'LEGACY']));
  });

  onPostgres('keeps the legacy write and records it for reconciliation when the new tables refuse the mirror', async () => {
    await settle({ dualWrite: true });
    const record = newRecord();
    const constraint = `test_refuse_${record.cycleId.replaceAll('-', '')}`;
    const db = new Client({ connectionString: stack.databaseUrl });
    await db.connect();
    try {
      await db.query(`ALTER TABLE planning.planning_phase_versions ADD CONSTRAINT ${constraint} CHECK (cycle_id <> '${record.cycleId}') NOT VALID`);
      const before = await statusOf('PLANNING');
      const { createReportAttribute } = await ok(CREATE_ATTRIBUTE, { input: { ...record, attributeName: 'Kept', attributeType: 'string' } }, tester);
      expect(createReportAttribute).toMatchObject({ attributeName: 'Kept', versionNumber: 1, isLatestVersion: true });
      expect((await ok(ATTRIBUTES, record, tester)).reportAttributes).toEqual([createReportAttribute]);
      const after = await statusOf('PLANNING');
      expect([
        after.legacyWrites - before.legacyWrites,
        after.mirroredWrites - before.mirroredWrites,
        after.pendingReconciliation - before.pendingReconciliation,
      ]).toEqual([1, 0, 1]);
      const { rows } = await db.query(
        'SELECT payload, error FROM compat.dual_write_failures WHERE legacy_id = (SELECT id FROM compat.report_attributes WHERE attribute_id = $1)',
        [createReportAttribute.attributeId],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0].payload).toMatchObject({
        cycleId: record.cycleId,
        items: [{ itemId: createReportAttribute.attributeId, itemData: { attributeName: 'Kept' } }],
      });
      expect(after.dualWriteConsistency).toBeLessThan(1);

      // Repair: the new tables accept writes again; backfill replays the recorded failure.
      await db.query(`ALTER TABLE planning.planning_phase_versions DROP CONSTRAINT ${constraint}`);
      const { backfillPhase } = await ok(BACKFILL, { phase: 'PLANNING' }, admin);
      expect(backfillPhase).toMatchObject({ failed: 0, remaining: 0 });
      expect(backfillPhase.replayedFailures).toBeGreaterThanOrEqual(1);
      const repaired = await statusOf('PLANNING');
      expect(repaired.pendingReconciliation).toBe(0);
      expect(repaired.mirroredWrites - after.mirroredWrites).toBeGreaterThanOrEqual(1);
      await settle({ reads: 100 });
      expect((await ok(ATTRIBUTES, record, tester)).reportAttributes).toEqual([createReportAttribute]);
    } finally {
      await db.query(`ALTER TABLE planning.planning_phase_versions DROP CONSTRAINT IF EXISTS ${constraint}`);
      await db.end();
    }
  });

  it('backfills legacy records written before dual write, in batches, idempotently', async () => {
    const record = newRecord();
    for (const name of ['A', 'B', 'C']) await ok(CREATE_ATTRIBUTE, { input: { ...record, attributeName: name, attributeType: 'string' } }, tester);
    await ok(CREATE_SET, { input: { ...record, selectionCriteria: { s: 1 }, generationMethod: 'manual', samples: [{ data: { n: 1 } }] } }, tester);
    const unmirrored = (await ok(VERIFY, { phase: 'PLANNING' }, admin)).verifyDataIntegrity.discrepancies.filter((d: any) => d.type === 'MISSING_IN_NEW');
    expect(unmirrored.length).toBeGreaterThanOrEqual(3);

    const first = (await ok(BACKFILL, { phase: 'PLANNING', limit: 2 }, admin)).backfillPhase;
    expect(first).toMatchObject({ copied: 2, failed: 0 });
    expect(first.remaining).toBe(unmirrored.length - 2);
    const rest = (await ok(BACKFILL, { phase: 'PLANNING' }, admin)).backfillPhase;
    expect(rest).toMatchObject({ copied: unmirrored.length - 2, remaining: 0, failed: 0 });
    expect((await ok(BACKFILL, { phase: 'PLANNING' }, admin)).backfillPhase).toMatchObject({ copied: 0, remaining: 0 });
    await ok(BACKFILL, { phase: 'SAMPLE_SELECTION' }, admin);

    for (const phase of ['PLANNING', 'SAMPLE_SELECTION']) {
      expect((await ok(VERIFY, { phase }, admin)).verifyDataIntegrity.discrepancies).toEqual([]);
      expect(await statusOf(phase)).toMatchObject({ backfillProgress: 1 });
    }
    const READ_BOTH = `query ($cycleId: ID!, $reportId: ID!) { reportAttributes(cycleId: $cycleId, reportId: $reportId) { ${ATTRIBUTE_FIELDS} } sampleSets(cycleId: $cycleId, reportId: $reportId) { ${SET_FIELDS} } }`;
    const fromLegacy = await ok(READ_BOTH, record, tester);
    await settle({ reads: 100 });
    expect(await ok(READ_BOTH, record, tester)).toEqual(fromLegacy);
  });

  onPostgres('finds each kind of discrepancy on purpose-made data, and none once repaired', async () => {
    await ok(BACKFILL, { phase: 'PLANNING' }, admin);
    const record = newRecord();
    await settle({ dualWrite: true });
    const changed = (await ok(CREATE_ATTRIBUTE, { input: { ...record, attributeName: 'Original', attributeType: 'string' } }, tester)).createReportAttribute;
    await settle({ dualWrite: false });
    await ok(CREATE_ATTRIBUTE, { input: { ...record, attributeName: 'Never mirrored', attributeType: 'string' } }, tester);
    const db = new Client({ connectionString: stack.databaseUrl });
    await db.connect();
    const ghost = randomUUID();
    try {
      const {
        rows: [changedRow],
      } = await db.query('SELECT id FROM compat.report_attributes WHERE attribute_id = $1', [changed.attributeId]);
      const {
        rows: [someVersion],
      } = await db.query("SELECT new_version_id FROM compat.migration_mappings WHERE phase = 'PLANNING' LIMIT 1");
      await db.query("UPDATE compat.report_attributes SET attribute_name = 'Edited behind our back' WHERE id = $1", [changedRow.id]);
      await db.query(
        "INSERT INTO compat.migration_mappings (id, phase, legacy_id, new_version_id, cycle_id, report_id) VALUES ($1, 'PLANNING', $2, $3, $4, $5)",
        [randomUUID(), ghost, someVersion.new_version_id, record.cycleId, record.reportId],
      );

      const { discrepancies } = (await ok(VERIFY, { phase: 'PLANNING' }, admin)).verifyDataIntegrity;
      expect(discrepancies).toEqual(
        expect.arrayContaining([
          { type: 'DATA_MISMATCH', legacyId: changedRow.id, newId: expect.any(String), fields: ['attributeName'] },
          { type: 'MISSING_IN_OLD', legacyId: ghost, newId: someVersion.new_version_id, fields: null },
          expect.objectContaining({ type: 'MISSING_IN_NEW', newId: null, fields: null }),
        ]),
      );
      expect(discrepancies).toHaveLength(3);

      await db.query("UPDATE compat.report_attributes SET attribute_name = 'Original' WHERE id = $1", [changedRow.id]);
      await db.query('DELETE FROM compat.migration_mappings WHERE legacy_id = $1', [ghost]);
      await ok(BACKFILL, { phase: 'PLANNING' }, admin);
      expect((await ok(VERIFY, { phase: 'PLANNING' }, admin)).verifyDataIntegrity.discrepancies).toEqual([]);
    } finally {
      await db.query('DELETE FROM compat.migration_mappings WHERE legacy_id = $1', [ghost]);
      await db.end();
    }
  });

  it('rolls back under a running stream of legacy reads and writes, losing none, then rolls forward', async () => {
    await ok(BACKFILL, { phase: 'PLANNING' }, admin);
    await settle({ dualWrite: true, reads: 100 });
    const record = newRecord();
    const written: string[] = [];
    const errors: unknown[] = [];
    let running = true;
    // Resolves once `count` more writes have been acknowledged (or the traffic failed): the test's clock is writes.
    const progress: (() => void)[] = [];
    const moreWrites = (count: number) => {
      const target = written.length + count;
      return new Promise<void>((resolve) => {
        const check = () => (written.length >= target || errors.length > 0 ? resolve() : progress.push(check));
        check();
      });
    };
    const writer = async (lane: number) => {
      for (let i = 0; running; i++) {
        const result = await gql(CREATE_ATTRIBUTE, { input: { ...record, attributeName: `w${lane}-${i}`, attributeType: 'string' } }, tester);
        if (result.errors) errors.push(result.errors);
        else written.push(result.data!.createReportAttribute.attributeId);
        progress.splice(0).forEach((check) => check());
      }
    };
    const reader = async () => {
      while (running) {
        const result = await gql(ATTRIBUTES, record, tester);
        if (result.errors) errors.push(result.errors);
      }
    };
    const traffic = Promise.all([writer(1), writer(2), reader(), reader()]);
    await moreWrites(6);
    const { rollbackPhase } = await ok(ROLLBACK, { phase: 'PLANNING' }, admin);
    await moreWrites(6);
    running = false;
    await traffic;

    expect(errors).toEqual([]);
    expect(written.length).toBeGreaterThan(4);
    expect(rollbackPhase.steps.map((step: any) => step.step)).toEqual([
      'reads back to the legacy tables',
      'stop dual writes',
      'mark the new data inactive',
      'clear caches',
      'record the event',
    ]);
    expect(rollbackPhase.steps.every((step: any) => Number.isInteger(step.durationMs) && step.detail)).toBe(true);
    const stored = (await ok(ATTRIBUTES, record, tester)).reportAttributes.map((row: any) => row.attributeId);
    expect(new Set(stored)).toEqual(new Set(written));
    expect(await statusOf('PLANNING')).toMatchObject({ dualWriteEnabled: false, readPercentage: 0, active: false, mirrored: 0 });
    expect(errorCode(await gql(SET_READS, { phase: 'PLANNING', percentage: 10 }, admin))).toBe('BAD_USER_INPUT');

    // Roll forward: the kept mirrors come back, the writes made after the rollback are copied, and all agree.
    const { backfillPhase } = await ok(BACKFILL, { phase: 'PLANNING' }, admin);
    expect(backfillPhase).toMatchObject({ remaining: 0, failed: 0 });
    expect(await statusOf('PLANNING')).toMatchObject({ active: true, backfillProgress: 1 });
    expect((await ok(VERIFY, { phase: 'PLANNING' }, admin)).verifyDataIntegrity.discrepancies).toEqual([]);
  });

  it("records each legacy-shaped write in the report's activity, and with dual write on its mirror's creation after it", async () => {
    await settle({ dualWrite: true });
    const record = newRecord();
    const attribute = (await ok(CREATE_ATTRIBUTE, { input: { ...record, attributeName: 'Total assets', attributeType: 'decimal' } }, tester))
      .createReportAttribute;
    await ok(CREATE_SET, { input: { ...record, selectionCriteria: { stratum: 'a' }, generationMethod: 'random', samples: [{ data: { n: 1 } }] } }, tester);
    const { activity } = await ok(ACTIVITY, record, tester);
    const nodes = activity.edges.map((edge: any) => edge.node);
    expect(nodes.map((node: any) => [node.type, node.phase, node.actor.id])).toEqual([
      ['CREATED', 'SAMPLE_SELECTION', tester.id],
      ['LEGACY_WRITE', 'SAMPLE_SELECTION', tester.id],
      ['CREATED', 'PLANNING', tester.id],
      ['LEGACY_WRITE', 'PLANNING', tester.id],
    ]);
    expect(nodes[3]).toMatchObject({
      ...record,
      itemId: attribute.attributeId,
      versionId: null,
      versionNumber: null,
      details: {
        record: 'ReportAttribute',
        legacyId: expect.any(String),
        legacyVersionNumber: 1,
        attributeName: 'Total assets',
        attributeType: 'decimal',
        description: null,
      },
    });
    expect(nodes[1].details).toEqual({ record: 'SampleSet', legacyId: expect.any(String), legacyVersionNumber: 1, generationMethod: 'random', samples: 1 });
  });

  it('lists every migration operation to admins, newest first, under the names the contract gives, with what it set or found', async () => {
    const operator = newUser('ADMIN');
    await ok(SET_DUAL_WRITE, { phase: 'PLANNING', enabled: true }, operator);
    await ok(SET_READS, { phase: 'PLANNING', percentage: 5 }, operator);
    const checked = (await ok(VERIFY, { phase: 'SAMPLE_SELECTION' }, operator)).verifyDataIntegrity.checked;
    await ok(ROLLBACK, { phase: 'SAMPLE_SELECTION' }, operator);
    const { backfillPhase } = await ok(BACKFILL, { phase: 'SAMPLE_SELECTION' }, operator);
    const operations = async (variables: Record<string, unknown>) =>
      (await ok(MIGRATION_ACTIVITY, { first: 100, ...variables }, operator)).migrationActivity.edges
        .map((edge: any) => edge.node)
        .filter((node: any) => node.actor.id === operator.id);

    const mine = await operations({});
    expect(mine.map((node: any) => [node.type, node.phase])).toEqual([
      ['BACKFILL', 'SAMPLE_SELECTION'],
      ['ROLLBACK', 'SAMPLE_SELECTION'],
      ['VERIFY', 'SAMPLE_SELECTION'],
      ['READ_PERCENTAGE', 'PLANNING'],
      ['DUAL_WRITE', 'PLANNING'],
    ]);
    expect(mine.every((node: any) => node.cycleId === null && node.reportId === null && node.versionId === null)).toBe(true);
    expect(mine.map((node: any) => node.details)).toEqual([
      expect.objectContaining({ copied: backfillPhase.copied, remaining: 0 }),
      { steps: expect.arrayContaining([expect.objectContaining({ step: 'mark the new data inactive' })]) },
      { checked, discrepancies: 0 },
      { percentage: 5 },
      { enabled: true },
    ]);
    expect((await operations({ phase: 'PLANNING' })).map((node: any) => node.type)).toEqual(['READ_PERCENTAGE', 'DUAL_WRITE']);

    // Paging: the pages, put together, are the list.
    const all = (await ok(MIGRATION_ACTIVITY, { first: 8 }, operator)).migrationActivity.edges.map((edge: any) => edge.node);
    const first = (await ok(MIGRATION_ACTIVITY, { first: 3 }, operator)).migrationActivity;
    const second = (await ok(MIGRATION_ACTIVITY, { first: 5, after: first.pageInfo.endCursor }, operator)).migrationActivity;
    expect([...first.edges, ...second.edges].map((edge: any) => edge.node)).toEqual(all);
    expect([first.pageInfo.hasNextPage, second.pageInfo.hasPreviousPage]).toEqual([true, true]);

    for (const user of [tester, newUser('TEST_MANAGER')]) expect(errorCode(await gql(MIGRATION_ACTIVITY, {}, user))).toBe('FORBIDDEN');
    expect(errorCode(await gql(MIGRATION_ACTIVITY, {}))).toBe('UNAUTHENTICATED');
    expect(errorCode(await gql(MIGRATION_ACTIVITY, { phase: 'SCOPING' }, operator))).toBe('BAD_USER_INPUT');
    const versionsCursor = Buffer.from('v:3').toString('base64url');
    expect((await gql(MIGRATION_ACTIVITY, { after: versionsCursor }, operator)).errors![0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      argument: 'after',
    });
  });
});

// Hostile input (see hostile-input.test.ts) to the legacy writes and the migration operations; here, because this
// file owns the migration's settings: every run puts them back.
describe('hostile input to the legacy writes and the migration', () => {
  afterEach(() => settle({ dualWrite: false, reads: 0 }));
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

  it('createReportAttribute: written, or a clear refusal that writes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        hostileId,
        hostileId,
        hostileText,
        hostileText,
        fc.option(hostileText),
        fc.option(hostileId),
        async (cycleId, reportId, attributeName, attributeType, description, attributeId) => {
          const result = await gql(CREATE_ATTRIBUTE, { input: { cycleId, reportId, attributeName, attributeType, description, attributeId } }, tester);
          expectClearAnswer(result);
          if (refused(result) && uuid.test(cycleId) && uuid.test(reportId))
            expect((await ok(ATTRIBUTES, { cycleId, reportId }, tester)).reportAttributes).toEqual([]);
        },
      ),
      PROPERTY_RUNS,
    );
  });

  it('createSampleSet, with dual write on: written and mirrored, or a clear refusal that writes nothing', async () => {
    await settle({ dualWrite: true });
    const samples = fc.oneof(
      { weight: 4, arbitrary: fc.array(fc.record({ sampleId: fc.option(hostileId), data: hostileJson }), { maxLength: 3 }) },
      fc.constant('many'),
    );
    await fc.assert(
      fc.asyncProperty(
        hostileId,
        hostileId,
        hostileJson,
        fc.option(hostileText),
        samples,
        async (cycleId, reportId, selectionCriteria, generationMethod, chosen) => {
          const sent = chosen === 'many' ? Array.from({ length: 5_001 }, () => ({ data: {} })) : chosen;
          const before = await statusOf('SAMPLE_SELECTION');
          const result = await gql(CREATE_SET, { input: { cycleId, reportId, selectionCriteria, generationMethod, samples: sent } }, tester);
          expectClearAnswer(result);
          const after = await statusOf('SAMPLE_SELECTION');
          // Whatever the legacy tables accept, the new ones take too: no mirror ever fails for the input's sake.
          expect(after.pendingReconciliation).toBe(before.pendingReconciliation);
          if (refused(result) && uuid.test(cycleId) && uuid.test(reportId)) {
            expect((await ok(SETS, { cycleId, reportId }, tester)).sampleSets).toEqual([]);
            expect(after.legacyWrites).toBe(before.legacyWrites);
          }
        },
      ),
      PROPERTY_RUNS,
    );
  });

  it('setDualWrite, setReadPercentage, backfillPhase and rollbackPhase: done, or a clear refusal that changes nothing', async () => {
    const operation = fc.oneof(
      fc.record({
        query: fc.constant(SET_DUAL_WRITE),
        variables: fc.record({ phase: hostilePhase, enabled: fc.oneof(fc.boolean(), fc.constantFrom<unknown>('yes', 1, null)) }),
      }),
      fc.record({ query: fc.constant(SET_READS), variables: fc.record({ phase: hostilePhase, percentage: hostileInt }) }),
      fc.record({ query: fc.constant(BACKFILL), variables: fc.record({ phase: hostilePhase, limit: fc.option(hostileInt) }) }),
      fc.record({ query: fc.constant(ROLLBACK), variables: fc.record({ phase: hostilePhase }) }),
    );
    await fc.assert(
      fc.asyncProperty(operation, fc.constantFrom(admin, tester), async ({ query, variables }, user) => {
        const before = (await ok(STATUS, {}, admin)).migrationStatus;
        const result = await gql(query, variables, user);
        expectClearAnswer(result);
        if (refused(result)) expect((await ok(STATUS, {}, admin)).migrationStatus).toEqual(before);
        // Put back what an accepted operation changed: reads and dual write off, rolled-back phases rolled forward.
        for (const phase of ['PLANNING', 'SAMPLE_SELECTION']) if (!(await statusOf(phase)).active) await ok(BACKFILL, { phase }, admin);
        await settle({ dualWrite: false, reads: 0 });
      }),
      { ...PROPERTY_RUNS, numRuns: 40 },
    );
  });
});

describe('the operator CLI', () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'cli/migration.ts', ...args], {
      cwd: repositoryRoot,
      encoding: 'utf8',
      env: { ...process.env, PHASEGRAPH_URL: stack.gatewayUrl, PHASEGRAPH_TOKEN: admin.token },
    });
  afterEach(() => settle({ dualWrite: false, reads: 0 }));

  it('shows status, backfills with progress, verifies, rolls back and forward, through the API', async () => {
    await ok(CREATE_SET, { input: { ...newRecord(), selectionCriteria: {}, samples: [{ data: { n: 1 } }] } }, tester);
    const backfill = run('backfill', 'sample-selection');
    expect(backfill.status).toBe(0);
    expect(backfill.stdout).toMatch(/SAMPLE_SELECTION \[#+\] 100\.0%/);
    expect(run('verify', 'SAMPLE_SELECTION').stdout).toMatch(/checked \d+ legacy record\(s\), 0 discrepancy/);
    expect(run('read-percentage', 'SAMPLE_SELECTION', '25').stdout).toMatch(/reads from new tables 25%/);
    const rollback = run('rollback', 'SAMPLE_SELECTION');
    expect(rollback.stdout).toMatch(/mark the new data inactive\s+\d+ ms/);
    expect(run('status').stdout).toMatch(/SAMPLE_SELECTION {2}\(ROLLED BACK\)/);
    expect(run('backfill', 'SAMPLE_SELECTION').status).toBe(0);
    expect(run('status').stdout).not.toMatch(/ROLLED BACK/);
  });

  it("refuses a non-admin with the API's code", async () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'cli/migration.ts', 'status'], {
      cwd: repositoryRoot,
      encoding: 'utf8',
      env: { ...process.env, PHASEGRAPH_URL: stack.gatewayUrl, PHASEGRAPH_TOKEN: tester.token },
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/FORBIDDEN/);
  });
});
