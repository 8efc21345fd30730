// An error nobody planned for reaches no client as it is: the answer is INTERNAL_SERVER_ERROR with a reference and
// nothing internal, and the reference is the request's id, under which the details are logged (by the gateway and by
// the subgraph that failed), so that the reference a user quotes finds the log lines of their request.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import { createVersion, newRecord, newUser, stack } from './support/api';

const tester = newUser('TESTER');

/** Damaging the database behind the API's back needs a database the suite can reach: PostgreSQL, not the embedded one. */
const onPostgres = stack.databaseUrl ? it : it.skip;

/** Every JSON line of the stack's log that carries `reference`. */
function loggedWith(reference: string): Record<string, unknown>[] {
  return readFileSync(stack.logFile, 'utf8')
    .split('\n')
    .filter((line) => line.includes(reference))
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}

describe('an unexpected error', () => {
  onPostgres('is masked, with the request id as its reference, when a subgraph cannot represent what its database holds', async () => {
    const version = await createVersion('PLANNING', newRecord(), tester, { items: [{ itemId: randomUUID(), itemData: { n: 1 } }] });
    // Another tool wrote a status the schema has no value for: the planning subgraph fails to serialize the decision.
    // (The column is an enum, so that tool first added its value to the type.)
    const db = new Client({ connectionString: stack.databaseUrl });
    await db.connect();
    try {
      await db.query("ALTER TYPE planning.decision_status ADD VALUE IF NOT EXISTS 'ON_HOLD'");
      await db.query("UPDATE planning.attribute_decisions SET decision_status = 'ON_HOLD' WHERE version_id = $1", [version.id]);
    } finally {
      await db.end();
    }

    const response = await fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tester.token}` },
      body: JSON.stringify({ query: 'query ($id: ID!) { version(phase: PLANNING, id: $id) { id decisions { status } } }', variables: { id: version.id } }),
    });
    const body = (await response.json()) as { errors?: { message: string; extensions?: Record<string, unknown> }[] };
    const requestId = response.headers.get('x-request-id');
    expect(requestId).toEqual(expect.any(String));

    expect(body.errors).toHaveLength(1);
    const [error] = body.errors!;
    expect(error!.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', reference: requestId });
    expect(error!.message).toBe(`Internal server error (reference ${requestId}).`);
    expect(JSON.stringify(body)).not.toMatch(/ON_HOLD|DecisionStatus|stacktrace|\.ts:\d+/);

    // Logged before the answer was sent, so it is in the file now.
    const lines = loggedWith(requestId!);
    expect(lines).toContainEqual(expect.objectContaining({ level: 'error', message: expect.any(String), reference: requestId, requestId }));
    expect(lines.some((line) => /DecisionStatus/.test(`${line.message} ${line.stack}`))).toBe(true);
  });
});
