// Talking to the running stack as a client would: GraphQL over HTTP with a bearer token, plus small factories
// for users (tokens signed here, independently of the gateway's code) and fresh cycle/report ids.
import { createHmac, randomUUID } from 'node:crypto';
import { TEST_JWT_SECRET, type StackInfo } from './stack';

export const stack: StackInfo = JSON.parse(process.env.PHASEGRAPH_TEST_STACK ?? 'null') ?? fail('the global setup did not start the stack');

function fail(message: string): never {
  throw new Error(message);
}

export type Role = 'TESTER' | 'TEST_LEAD' | 'TEST_MANAGER' | 'REPORT_OWNER' | 'DATA_OWNER' | 'ADMIN';

export interface TestUser {
  id: string;
  name: string;
  email: string;
  roles: Role[];
  token: string;
}

/** A new user with `roles`, and an HS256 token for them. */
export function newUser(...roles: Role[]): TestUser {
  const id = randomUUID();
  const user = { id, name: `User ${id.slice(0, 8)}`, email: `${id.slice(0, 8)}@test.example`, roles };
  return { ...user, token: signJwt({ sub: id, name: user.name, email: user.email, roles }) };
}

/** An HS256 JWT over `claims`, expiring in an hour unless `exp` is given. */
export function signJwt(claims: Record<string, unknown>, secret = TEST_JWT_SECRET): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const body = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({ iat: now, exp: now + 3600, ...claims })}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

export interface GraphQLResponse<Data = Record<string, any>> {
  status: number;
  data?: Data | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[];
}

/** Sends one operation to the gateway, as `user` (anonymous when null). */
export async function gql<Data = Record<string, any>>(
  query: string,
  variables: Record<string, unknown> = {},
  user: TestUser | string | null = null,
): Promise<GraphQLResponse<Data>> {
  const token = typeof user === 'string' ? user : user?.token;
  const response = await fetch(stack.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, ...((await response.json()) as object) };
}

/** Like gql, but fails the test on any error and returns the data. */
export async function ok<Data = Record<string, any>>(query: string, variables: Record<string, unknown>, user: TestUser | null): Promise<Data> {
  const result = await gql<Data>(query, variables, user);
  if (result.errors?.length || !result.data) throw new Error(`unexpected errors: ${JSON.stringify(result.errors)}`);
  return result.data;
}

/** The `extensions.code` of the response's first error (undefined when it has none). */
export function errorCode(result: GraphQLResponse): string | undefined {
  return result.errors?.[0]?.extensions?.code;
}

/** Fresh ids for a cycle and report that no other test touches. */
export function newRecord(): { cycleId: string; reportId: string } {
  return { cycleId: randomUUID(), reportId: randomUUID() };
}

/** Makes `owner` an owner of `reportId` (recording them first, as their first request would). */
export async function assignOwner(reportId: string, owner: TestUser, admin = newUser('ADMIN')): Promise<void> {
  await ok('{ me { id } }', {}, owner);
  await ok('mutation ($reportId: ID!, $userId: ID!) { assignReportOwner(reportId: $reportId, userId: $userId) { id } }', { reportId, userId: owner.id }, admin);
}

export const VERSION_FIELDS = `
  id phase cycleId reportId data versionNumber status parentVersionId masterRecordId createdAt reviewedAt reviewNotes
  createdBy { id name } reviewedBy { id name }
  decisions { id versionId itemId itemData status reason decidedBy { id } carriedFromVersionId }
`;

export const CREATE_VERSION = `mutation ($input: CreateVersionInput!) {
  createVersion(input: $input) { id phase cycleId reportId data createdAt createdBy { id name } ... on Version { ${VERSION_FIELDS} } }
}`;
export const APPROVE_VERSION = `mutation ($phase: PhaseName!, $versionId: ID!, $notes: String) { approveVersion(phase: $phase, versionId: $versionId, notes: $notes) { ${VERSION_FIELDS} } }`;
export const REJECT_VERSION = `mutation ($phase: PhaseName!, $versionId: ID!, $notes: String!) { rejectVersion(phase: $phase, versionId: $versionId, notes: $notes) { ${VERSION_FIELDS} } }`;
export const VERSIONS = `query ($phase: PhaseName!, $cycleId: ID!, $reportId: ID!, $status: VersionStatus, $first: Int, $after: String) {
  versions(phase: $phase, cycleId: $cycleId, reportId: $reportId, status: $status, first: $first, after: $after) {
    edges { cursor node { id versionNumber status } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

/** Creates a version of a FULL phase as `user` and returns it. */
export async function createVersion(
  phase: string,
  record: { cycleId: string; reportId: string },
  user: TestUser,
  extra: Record<string, unknown> = {},
): Promise<Record<string, any>> {
  const data = await ok<{ createVersion: Record<string, any> }>(CREATE_VERSION, { input: { phase, ...record, data: { note: 'test' }, ...extra } }, user);
  return data.createVersion;
}

/** Every version of a record, newest first (one page of up to 100). */
export async function allVersions(
  phase: string,
  record: { cycleId: string; reportId: string },
  user: TestUser,
): Promise<{ id: string; versionNumber: number; status: string }[]> {
  const data = await ok<{ versions: { edges: { node: { id: string; versionNumber: number; status: string } }[] } }>(
    VERSIONS,
    { phase, ...record, first: 100 },
    user,
  );
  return data.versions.edges.map((edge) => edge.node);
}
