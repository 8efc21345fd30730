// Demo users for a development start: an admin, a tester who writes, a second tester who approves Planning (four
// eyes: the author never approves their own version) and the owner of a demo report, recorded and assigned through
// the identity subgraph's API, with ready-to-paste Authorization headers.
import type { Identity, SubgraphClient, SubgraphDirectory } from '@phasegraph/kit';
import { SignJWT } from 'jose';

export const DEMO_CYCLE_ID = '00000000-0000-4000-8000-00000000c001';
export const DEMO_REPORT_ID = '00000000-0000-4000-8000-00000000f001';

const DEMO_USERS: Identity[] = [
  { id: '00000000-0000-4000-8000-000000000001', name: 'Ada Admin', email: 'admin@phasegraph.example', roles: ['ADMIN'] },
  { id: '00000000-0000-4000-8000-000000000002', name: 'Tess Tester', email: 'tester@phasegraph.example', roles: ['TESTER'] },
  { id: '00000000-0000-4000-8000-000000000003', name: 'Owen Owner', email: 'owner@phasegraph.example', roles: ['REPORT_OWNER'] },
  { id: '00000000-0000-4000-8000-000000000004', name: 'Rhea Reviewer', email: 'reviewer@phasegraph.example', roles: ['TESTER'] },
];

/** Signs a token for `user` with `secret`, valid for `days`. */
export function signToken(user: Identity, secret: string, days = 30): Promise<string> {
  return new SignJWT({ name: user.name, email: user.email, roles: user.roles })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(user.id)
    .setIssuedAt()
    .setExpirationTime(`${days}d`)
    .sign(new TextEncoder().encode(secret));
}

/** Records the demo users, makes the demo owner an owner of the demo report, and returns their headers. */
export async function seedDemo(subgraphs: SubgraphDirectory, jwtSecret: string): Promise<{ user: Identity; header: string }[]> {
  const identity = subgraphs.client('identity');
  for (const user of DEMO_USERS) await identity.request('mutation { recordUser { id } }', {}, user);
  const [admin, , owner] = DEMO_USERS;
  await identity.request(
    'mutation ($reportId: ID!, $userId: ID!) { assignReportOwner(reportId: $reportId, userId: $userId) { id } }',
    { reportId: DEMO_REPORT_ID, userId: owner!.id },
    admin!,
  );
  await seedLegacyData(subgraphs.client('compat'), DEMO_USERS[1]!);
  return Promise.all(DEMO_USERS.map(async (user) => ({ user, header: `Authorization: Bearer ${await signToken(user, jwtSecret)}` })));
}

/**
 * A little legacy data for the demo report, as the legacy system wrote it before the migration began (so a
 * backfill has something to do). Written once: a restart finds it there and leaves it.
 */
async function seedLegacyData(compat: SubgraphClient, tester: Identity): Promise<void> {
  const record = { cycleId: DEMO_CYCLE_ID, reportId: DEMO_REPORT_ID };
  const { reportAttributes } = await compat.request<{ reportAttributes: unknown[] }>(
    'query ($cycleId: ID!, $reportId: ID!) { reportAttributes(cycleId: $cycleId, reportId: $reportId) { attributeId } }',
    record,
    tester,
  );
  if (reportAttributes.length > 0) return;
  const write = 'mutation ($input: ReportAttributeInput!) { createReportAttribute(input: $input) { attributeId } }';
  const attributes = [
    { attributeName: 'Total assets', attributeType: 'decimal', description: 'Balance sheet total' },
    { attributeName: 'Counterparty LEI', attributeType: 'string', description: 'Legal entity identifier' },
    { attributeName: 'Reporting date', attributeType: 'date', description: null },
  ];
  const [first] = await Promise.all(
    attributes.map(
      async (attribute) =>
        (await compat.request<{ createReportAttribute: { attributeId: string } }>(write, { input: { ...record, ...attribute } }, tester)).createReportAttribute,
    ),
  );
  await compat.request(
    write,
    { input: { ...record, ...attributes[0], description: 'Balance sheet total, consolidated', attributeId: first!.attributeId } },
    tester,
  );
  await compat.request(
    'mutation ($input: SampleSetInput!) { createSampleSet(input: $input) { setId } }',
    {
      input: {
        ...record,
        selectionCriteria: { stratum: 'high value', minimum: 1000000 },
        generationMethod: 'random',
        samples: [{ data: { account: 'A-1001' } }, { data: { account: 'A-2042' } }],
      },
    },
    tester,
  );
}
