// The operations the comparison benchmarks send, the users who send them and the data they read, seeded through
// the gateway's public API as a client would.
import { createHmac, randomUUID } from 'node:crypto';
import { signIdentity, type Identity } from '@phasegraph/kit';
import type { PoolClient } from 'pg';
import { TEST_JWT_SECRET, TEST_SUBGRAPH_SECRET } from '../../tests/support/stack';

/** The secrets every process of a benchmark run shares (the test suites' own: nothing here is secret). */
export const JWT_SECRET = TEST_JWT_SECRET;
export const SUBGRAPH_SECRET = TEST_SUBGRAPH_SECRET;

/** The variable naming where a subgraph runs, e.g. PLANNING_SUBGRAPH_URL (as the kit's configuration reads it). */
export function subgraphUrlVariable(name: string): string {
  return `${name.toUpperCase().replaceAll('-', '_')}_SUBGRAPH_URL`;
}

export interface BenchUser extends Identity {
  token: string;
}

/** A new user and an HS256 token for them, minted as tests/support/api.ts does (not by the gateway's code). */
export function newUser(...roles: Identity['roles']): BenchUser {
  const id = randomUUID();
  const identity: Identity = { id, name: `User ${id.slice(0, 8)}`, email: `${id.slice(0, 8)}@bench.example`, roles };
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  // Long enough for the whole run, however slow the machine.
  const body = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({ iat: now, exp: now + 6 * 3600, sub: id, name: identity.name, email: identity.email, roles })}`;
  return { ...identity, token: `${body}.${createHmac('sha256', JWT_SECRET).update(body).digest('base64url')}` };
}

/** The headers a client sends the gateway as `user`. */
export function bearer(user: BenchUser): Record<string, string> {
  return { authorization: `Bearer ${user.token}` };
}

/**
 * The headers our gateway would send a subgraph for `user` and `body`, signed now: a direct call to a subgraph
 * carries them. The signature covers the body and holds for a minute: one set serves one run of one request body.
 */
export function signedAs(user: BenchUser, body: string): Record<string, string> {
  const { token: _token, ...identity } = user;
  return signIdentity(identity, body, SUBGRAPH_SECRET);
}

/** A (cycle, report): a type, not an interface, so that it passes as GraphQL variables. */
export type RecordKey = { cycleId: string; reportId: string };

export function newRecord(): RecordKey {
  return { cycleId: randomUUID(), reportId: randomUUID() };
}

/** Sends one GraphQL request and returns its data; any error fails the benchmark. */
export async function must(
  url: string,
  headers: Record<string, string> | ((body: string) => Record<string, string>),
  query: string,
  variables: Record<string, unknown> = {},
): Promise<any> {
  const body = JSON.stringify({ query, variables });
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(typeof headers === 'function' ? headers(body) : headers) },
    body,
  });
  const result = (await response.json().catch(() => null)) as { data?: any; errors?: unknown[] } | null;
  if (!response.ok || !result?.data || result.errors?.length) {
    throw new Error(`${url} answered HTTP ${response.status}: ${JSON.stringify(result?.errors ?? result)}\n  to ${query.replace(/\s+/g, ' ').slice(0, 200)}`);
  }
  return result.data;
}

/** Five new PENDING items, as a createVersion input holds them. */
export function fiveItems(): { itemId: string; itemData: Record<string, unknown> }[] {
  return Array.from({ length: 5 }, (_, i) => ({ itemId: randomUUID(), itemData: { attribute: `attribute ${i}`, material: i % 2 === 0 } }));
}

export const VERSIONS_QUERY = `query ($cycleId: ID!, $reportId: ID!) {
  versions(phase: PLANNING, cycleId: $cycleId, reportId: $reportId, first: 20) {
    edges { node { id versionNumber status createdBy { name } ... on Version { decisions { itemId status } } } }
  }
}`;
/** The planning subgraph's own list of the same versions and fields; users live in identity, so only their id. */
export const PLANNING_VERSIONS_QUERY = `query ($cycleId: ID!, $reportId: ID!) {
  planningVersions(cycleId: $cycleId, reportId: $reportId, first: 20) { id versionNumber status createdBy { id } decisions { itemId status } }
}`;

const ATTRIBUTE_FIELDS = 'attributeId attributeName attributeType description versionNumber isLatestVersion createdAt';
export const REPORT_ATTRIBUTES_QUERY = `query ($cycleId: ID!, $reportId: ID!) {
  reportAttributes(cycleId: $cycleId, reportId: $reportId) { ${ATTRIBUTE_FIELDS} createdBy { name } }
}`;
/** The compat subgraph's answer to the same read, without the identity subgraph's user names. */
export const COMPAT_REPORT_ATTRIBUTES_QUERY = `query ($cycleId: ID!, $reportId: ID!) {
  reportAttributes(cycleId: $cycleId, reportId: $reportId) { ${ATTRIBUTE_FIELDS} createdBy { id } }
}`;

export const CREATE_VERSION_MUTATION = `mutation ($input: CreateVersionInput!) {
  createVersion(input: $input) { id ... on Version { versionNumber status } }
}`;
export const CREATE_REPORT_ATTRIBUTE_MUTATION = `mutation ($input: ReportAttributeInput!) { createReportAttribute(input: $input) { attributeId } }`;

/** A createVersion request of a Planning version with five items, on `record` or on a new record each time. */
export function createVersionRequest(record?: RecordKey) {
  return {
    query: CREATE_VERSION_MUTATION,
    variables: { input: { phase: 'PLANNING', ...(record ?? newRecord()), data: { objective: 'bench' }, items: fiveItems() } },
  };
}

/** Seeds `record` with `versions` Planning versions of five decisions each, one after another (numbers 1…n). */
export async function seedVersions(gatewayUrl: string, user: BenchUser, record: RecordKey, versions: number): Promise<void> {
  for (let i = 0; i < versions; i++) await must(gatewayUrl, bearer(user), CREATE_VERSION_MUTATION, createVersionRequest(record).variables);
}

/**
 * Writes `count` legacy report attributes spread over `records`: the first alone, then ten at a time. (On a fresh
 * database concurrent first legacy writes race to create the phase's migration settings row with a Prisma upsert,
 * which is not atomic: the losers fail with a unique violation. The first write alone creates it.)
 */
export async function seedLegacyAttributes(gatewayUrl: string, user: BenchUser, records: RecordKey[], count: number): Promise<void> {
  const write = (i: number) =>
    must(gatewayUrl, bearer(user), CREATE_REPORT_ATTRIBUTE_MUTATION, {
      input: { ...records[i % records.length]!, attributeName: `attribute ${i}`, attributeType: 'string', description: 'seeded by the benchmark' },
    });
  if (count > 0) await write(0);
  for (let i = 1; i < count; i += 10) await Promise.all(Array.from({ length: Math.min(10, count - i) }, (_, j) => write(i + j)));
}

/**
 * createVersion's rows in raw SQL, on one connection inside BEGIN … COMMIT (the caller's): the record lock, the
 * latest number, the version, its five decisions, the CREATED event and the wake-up, as the version store writes
 * them. (The store also takes the event log's global lock before the event; left out here, as asked of this baseline.)
 */
export async function createVersionInSql(client: PoolClient, record: RecordKey, actorId: string): Promise<void> {
  const { cycleId, reportId } = record;
  await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`PLANNING:${cycleId}:${reportId}`]);
  const latest = await client.query<{ version_id: string; version_number: number; master_record_id: string }>(
    `SELECT version_id, version_number, master_record_id FROM planning.planning_phase_versions
     WHERE cycle_id = $1 AND report_id = $2 ORDER BY version_number DESC LIMIT 1`,
    [cycleId, reportId],
  );
  const parent = latest.rows[0];
  const versionId = randomUUID();
  const versionNumber = (parent?.version_number ?? 0) + 1;
  await client.query(
    `INSERT INTO planning.planning_phase_versions
       (version_id, cycle_id, report_id, version_number, version_status, parent_version_id, master_record_id, data, created_by)
     VALUES ($1, $2, $3, $4, 'DRAFT', $5, $6, $7, $8)`,
    [versionId, cycleId, reportId, versionNumber, parent?.version_id ?? null, parent?.master_record_id ?? versionId, { objective: 'bench' }, actorId],
  );
  const items = fiveItems();
  await client.query(
    `INSERT INTO planning.attribute_decisions (decision_id, version_id, item_id, item_data, decision_status, position)
     SELECT gen_random_uuid(), $1, item.id, item.data, 'PENDING', item.position - 1
     FROM unnest($2::uuid[], $3::jsonb[]) WITH ORDINALITY AS item(id, data, position)`,
    [versionId, items.map((item) => item.itemId), items.map((item) => JSON.stringify(item.itemData))],
  );
  await client.query(
    `INSERT INTO events.version_events (type, phase, version_id, version_number, cycle_id, report_id, actor_id)
     VALUES ('CREATED', 'PLANNING', $1, $2, $3, $4, $5)`,
    [versionId, versionNumber, cycleId, reportId, actorId],
  );
  await client.query(`SELECT pg_notify('phasegraph_version_events', '')`);
}
