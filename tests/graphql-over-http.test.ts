// The gateway speaks GraphQL over HTTP as the specification says, as graphql-http's audit suite checks it (the one
// graphql-http.com runs). What it does differently on purpose is listed in the README ("GraphQL over HTTP"), and here.
import { serverAudits } from 'graphql-http';
import { stack } from './support/api';

/**
 * The audits answered with a notice (a MAY the gateway does not do), each for the reason the README gives: Apollo
 * Server's CSRF prevention refuses a GET without a preflight header (`apollo-require-preflight`, or any
 * `x-apollo-operation-name`), and these audits send none.
 */
const GET_WITHOUT_PREFLIGHT_HEADER = [
  'MAY accept application/x-www-form-urlencoded formatted GET requests',
  'MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/graphql-response+json',
  'MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/json',
];

const VALIDATION_ERROR = JSON.stringify({ query: '{ noSuchField }' });

/** What the gateway answers to an operation that fails validation, for an Accept header (fetch sends one always). */
async function statusFor(accept: string): Promise<{ status: number; code: unknown }> {
  const response = await fetch(stack.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept },
    body: VALIDATION_ERROR,
  });
  const body = (await response.json()) as { errors?: { extensions?: { code?: unknown } }[] };
  return { status: response.status, code: body.errors?.[0]?.extensions?.code };
}

describe('GraphQL over HTTP', () => {
  it("passes graphql-http's audit: no error, no warning, and notices only for GETs without a preflight header", async () => {
    const results = await Promise.all(
      serverAudits({ url: stack.gatewayUrl, fetchFn: fetch }).map(async (audit) => {
        const result = await audit.fn();
        return { name: audit.name, status: result.status, reason: result.status === 'ok' ? undefined : result.reason };
      }),
    );
    expect(results.length).toBeGreaterThan(40);
    expect(results.filter((result) => result.status === 'error' || result.status === 'warn')).toEqual([]);
    expect(
      results
        .filter((result) => result.status === 'notice')
        .map((result) => result.name)
        .sort(),
    ).toEqual([...GET_WITHOUT_PREFLIGHT_HEADER].sort());
  });

  it('answers a refused operation 200 to a client that accepts only application/json, else 400', async () => {
    expect(await statusFor('application/json')).toEqual({ status: 200, code: 'GRAPHQL_VALIDATION_FAILED' });
    expect(await statusFor('application/graphql-response+json')).toEqual({ status: 400, code: 'GRAPHQL_VALIDATION_FAILED' });
    expect(await statusFor('application/graphql-response+json, application/json;q=0.9')).toEqual({ status: 400, code: 'GRAPHQL_VALIDATION_FAILED' });
    expect(await statusFor('*/*')).toEqual({ status: 400, code: 'GRAPHQL_VALIDATION_FAILED' });
  });
});
