// Many clients at once: version numbers never repeat or skip, and at most one version is APPROVED.
import { APPROVE_VERSION, CREATE_VERSION, allVersions, createVersion, errorCode, gql, newRecord, newUser } from './support/api';

const tester = newUser('TESTER');
// Four eyes: versions are approved by someone other than their author.
const reviewer = newUser('TESTER');

describe('under concurrency', () => {
  it('numbers 50 simultaneous creates 1..50 with no gap, no repeat and no error', async () => {
    const record = newRecord();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => gql(CREATE_VERSION, { input: { phase: 'SAMPLE_SELECTION', ...record, data: { client: i } } }, tester)),
    );
    expect(results.flatMap((result) => result.errors ?? [])).toEqual([]);
    const numbers = results.map((result) => result.data!.createVersion.versionNumber).sort((a: number, b: number) => a - b);
    expect(numbers).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect((await allVersions('SAMPLE_SELECTION', record, tester)).map((version) => version.versionNumber)).toEqual(
      Array.from({ length: 50 }, (_, i) => 50 - i),
    );
  });

  it('leaves exactly one APPROVED version when ten drafts are approved at once', async () => {
    const record = newRecord();
    const drafts = [];
    for (let i = 0; i < 10; i++) drafts.push(await createVersion('PLANNING', record, tester));
    const results = await Promise.all(drafts.map((draft) => gql(APPROVE_VERSION, { phase: 'PLANNING', versionId: draft.id }, reviewer)));
    expect(results.flatMap((result) => result.errors ?? [])).toEqual([]);
    const statuses = (await allVersions('PLANNING', record, tester)).map((version) => version.status);
    expect(statuses.filter((status) => status === 'APPROVED')).toHaveLength(1);
    expect(statuses.filter((status) => status === 'SUPERSEDED')).toHaveLength(9);
  });

  it('approves one draft once when ten reviewers approve it at the same moment; the rest get CONFLICT', async () => {
    const record = newRecord();
    const draft = await createVersion('PLANNING', record, tester);
    const results = await Promise.all(Array.from({ length: 10 }, () => gql(APPROVE_VERSION, { phase: 'PLANNING', versionId: draft.id }, newUser('TEST_LEAD'))));
    expect(results.filter((result) => !result.errors)).toHaveLength(1);
    expect(results.filter((result) => errorCode(result) === 'CONFLICT')).toHaveLength(9);
  });

  it('keeps numbering and approval consistent when creates and approvals interleave', async () => {
    const record = newRecord();
    const seed = await createVersion('SCOPING', record, tester);
    const owner = newUser('REPORT_OWNER');
    await (await import('./support/api')).assignOwner(record.reportId, owner);
    const work = await Promise.all([
      ...Array.from({ length: 20 }, () => gql(CREATE_VERSION, { input: { phase: 'SCOPING', ...record, data: {} } }, tester)),
      gql(APPROVE_VERSION, { phase: 'SCOPING', versionId: seed.id }, owner),
    ]);
    expect(work.flatMap((result) => result.errors ?? [])).toEqual([]);
    const versions = await allVersions('SCOPING', record, tester);
    expect(versions.map((version) => version.versionNumber)).toEqual(Array.from({ length: 21 }, (_, i) => 21 - i));
    expect(versions.filter((version) => version.status === 'APPROVED').map((version) => version.id)).toEqual([seed.id]);
  });
});
