// Who may approve what: testers for Planning, the report's owners for the other FULL phases; who assigns owners.
import { randomUUID } from 'node:crypto';
import { APPROVE_VERSION, REJECT_VERSION, assignOwner, createVersion, errorCode, gql, newRecord, newUser, ok, type Role } from './support/api';

const author = newUser('TESTER');
const ASSIGN = 'mutation ($reportId: ID!, $userId: ID!) { assignReportOwner(reportId: $reportId, userId: $userId) { id name } }';
const STATUS = 'query ($phase: PhaseName!, $id: ID!) { version(phase: $phase, id: $id) { status } }';

describe('approving Planning', () => {
  it.each<Role>(['TESTER', 'TEST_LEAD', 'TEST_MANAGER'])('is allowed to a %s', async (role) => {
    const draft = await createVersion('PLANNING', newRecord(), author);
    const { approveVersion } = await ok(APPROVE_VERSION, { phase: 'PLANNING', versionId: draft.id }, newUser(role));
    expect(approveVersion.status).toBe('APPROVED');
  });

  it.each<Role>(['REPORT_OWNER', 'DATA_OWNER', 'ADMIN'])('is FORBIDDEN to a %s and changes nothing', async (role) => {
    const draft = await createVersion('PLANNING', newRecord(), author);
    for (const mutation of [APPROVE_VERSION, REJECT_VERSION]) {
      const result = await gql(mutation, { phase: 'PLANNING', versionId: draft.id, notes: 'n' }, newUser(role));
      expect(errorCode(result)).toBe('FORBIDDEN');
    }
    expect((await ok(STATUS, { phase: 'PLANNING', id: draft.id }, author)).version.status).toBe('DRAFT');
  });
});

describe.each(['DATA_PROFILING', 'SCOPING', 'SAMPLE_SELECTION', 'OBSERVATION_MANAGEMENT'])('approving %s', (phase) => {
  it('is allowed to an owner of the report', async () => {
    const record = newRecord();
    const owner = newUser('REPORT_OWNER');
    await assignOwner(record.reportId, owner);
    const draft = await createVersion(phase, record, author);
    expect((await ok(APPROVE_VERSION, { phase, versionId: draft.id }, owner)).approveVersion.status).toBe('APPROVED');
  });

  it('is FORBIDDEN to a tester, an admin and the owner of another report, and changes nothing', async () => {
    const record = newRecord();
    const otherOwner = newUser('REPORT_OWNER');
    await assignOwner(randomUUID(), otherOwner);
    const draft = await createVersion(phase, record, author);
    for (const user of [newUser('TESTER', 'TEST_MANAGER'), newUser('ADMIN'), otherOwner]) {
      expect(errorCode(await gql(APPROVE_VERSION, { phase, versionId: draft.id }, user))).toBe('FORBIDDEN');
      expect(errorCode(await gql(REJECT_VERSION, { phase, versionId: draft.id, notes: 'n' }, user))).toBe('FORBIDDEN');
    }
    expect((await ok(STATUS, { phase, id: draft.id }, author)).version.status).toBe('DRAFT');
  });
});

describe('assignReportOwner', () => {
  it.each<Role>(['ADMIN', 'TEST_MANAGER'])("lets a %s assign an owner, idempotently, and lists the report's owners", async (role) => {
    const reportId = randomUUID();
    const owner = newUser('REPORT_OWNER');
    await ok('{ me { id } }', {}, owner);
    const assigner = newUser(role);
    for (let i = 0; i < 2; i++) {
      const { assignReportOwner } = await ok(ASSIGN, { reportId, userId: owner.id }, assigner);
      expect(assignReportOwner).toEqual({ id: owner.id, name: owner.name });
    }
    const { reportOwners } = await ok('query ($reportId: ID!) { reportOwners(reportId: $reportId) { id email roles } }', { reportId }, assigner);
    expect(reportOwners).toEqual([{ id: owner.id, email: owner.email, roles: ['REPORT_OWNER'] }]);
  });

  it('is FORBIDDEN to a tester', async () => {
    const owner = newUser('REPORT_OWNER');
    await ok('{ me { id } }', {}, owner);
    expect(errorCode(await gql(ASSIGN, { reportId: randomUUID(), userId: owner.id }, newUser('TESTER')))).toBe('FORBIDDEN');
  });

  it('answers NOT_FOUND for a user phasegraph has never seen', async () => {
    expect(errorCode(await gql(ASSIGN, { reportId: randomUUID(), userId: randomUUID() }, newUser('ADMIN')))).toBe('NOT_FOUND');
  });

  it('records every user it sees, with their latest claims', async () => {
    const user = newUser('DATA_OWNER');
    const { me } = await ok('{ me { id name email roles } }', {}, user);
    expect(me).toEqual({ id: user.id, name: user.name, email: user.email, roles: ['DATA_OWNER'] });
  });
});
