// How a subscription operation becomes the query that delivers one event: the root field becomes
// `versionEvent(cursor:)` under the name the client reads, the selection, fragments and the variables they use stay,
// and the arguments become the filter of events. Checked on a small schema with the gateway's subscription fields.
import { buildSchema, parse, print, type GraphQLError } from 'graphql';
import { CURSOR_VARIABLE, planSubscription } from '../subscription-plan';
import { encodeCursor } from '../workflow/cursors';

const schema = buildSchema(`
  enum PhaseName { PLANNING SAMPLE_SELECTION }
  type User { name: String! email: String! }
  type VersionEvent { cursor: String! type: String! phase: PhaseName! actor: User! }
  type Query { versionEvent(cursor: String!): VersionEvent }
  type Subscription {
    versionApproved(phase: PhaseName, cycleId: ID, reportId: ID, after: String): VersionEvent!
    versionEvents(phase: PhaseName, cycleId: ID, reportId: ID, after: String): VersionEvent!
  }
`);

const CYCLE = '6f1d2c3b-4a59-4e8f-9b7a-1c2d3e4f5a6b';

function plan(text: string, variableValues: Record<string, unknown> = {}, operationName?: string) {
  return planSubscription({ schema, document: parse(text), variableValues, operationName });
}

/** The query text as the gateway prints it, for comparing with what a person writes. */
const printed = (text: string) => print(parse(text));

/** The GraphQL error `work` throws. */
function refusal(work: () => unknown): GraphQLError {
  try {
    work();
  } catch (error) {
    return error as GraphQLError;
  }
  throw new Error('expected the operation to be refused');
}

describe('planning a subscription', () => {
  it('rewrites versionApproved as the query for one event, under the name the client reads, for approvals only', () => {
    const { query, variables, filter, after } = plan('subscription { versionApproved(phase: PLANNING) { cursor type } }');
    expect(query).toBe(printed(`query ($${CURSOR_VARIABLE}: String!) { versionApproved: versionEvent(cursor: $${CURSOR_VARIABLE}) { cursor type } }`));
    expect(variables).toEqual({});
    expect(filter).toEqual({ phase: 'PLANNING', cycleId: null, reportId: null, types: ['APPROVED'] });
    expect(after).toBeNull();
  });

  it('keeps the alias and the operation name, and takes every event type for versionEvents', () => {
    const { query, filter } = plan('subscription Watch { events: versionEvents { cursor } }');
    expect(query).toBe(printed(`query Watch($${CURSOR_VARIABLE}: String!) { events: versionEvent(cursor: $${CURSOR_VARIABLE}) { cursor } }`));
    expect(filter).toEqual({ phase: null, cycleId: null, reportId: null, types: undefined });
  });

  it('keeps fragments and the variables the selection uses; the arguments’ variables become the filter only', () => {
    const { query, variables, filter } = plan(
      `subscription ($phase: PhaseName, $cycleId: ID, $withActor: Boolean!) {
        versionEvents(phase: $phase, cycleId: $cycleId) { ...Event }
      }
      fragment Event on VersionEvent { cursor actor @include(if: $withActor) { name } }`,
      { phase: 'SAMPLE_SELECTION', cycleId: CYCLE.toUpperCase(), withActor: true },
    );
    expect(query).toBe(
      printed(`query ($withActor: Boolean!, $${CURSOR_VARIABLE}: String!) { versionEvents: versionEvent(cursor: $${CURSOR_VARIABLE}) { ...Event } }
      fragment Event on VersionEvent { cursor actor @include(if: $withActor) { name } }`),
    );
    expect(variables).toEqual({ withActor: true });
    expect(filter).toEqual({ phase: 'SAMPLE_SELECTION', cycleId: CYCLE, reportId: null, types: undefined });
  });

  it('plans the operation named, of several in the document', () => {
    const text = 'subscription A { versionApproved { cursor } } subscription B { versionEvents { type } }';
    expect(plan(text, {}, 'B').query).toBe(
      printed(`query B($${CURSOR_VARIABLE}: String!) { versionEvents: versionEvent(cursor: $${CURSOR_VARIABLE}) { type } }`),
    );
  });

  it('shares one query among subscriptions of the same document, each with its own filter', () => {
    const document = parse('subscription ($phase: PhaseName) { versionApproved(phase: $phase) { cursor } }');
    const planning = planSubscription({ schema, document, variableValues: { phase: 'PLANNING' } });
    const sampling = planSubscription({ schema, document, variableValues: { phase: 'SAMPLE_SELECTION' } });
    expect(sampling.query).toBe(planning.query);
    expect([planning.filter.phase, sampling.filter.phase]).toEqual(['PLANNING', 'SAMPLE_SELECTION']);
  });

  it('starts after the event a cursor names', () => {
    expect(plan(`subscription { versionEvents(after: "${encodeCursor({ kind: 'event', id: 42n })}") { cursor } }`).after).toBe(42n);
  });

  it.each([
    ['a query', '{ versionEvent(cursor: "x") { cursor } }', /Expected a subscription operation/],
    ['two root fields', 'subscription { versionApproved { cursor } versionEvents { cursor } }', /Select exactly one of versionApproved or versionEvents/],
    ['a fragment at the root', 'subscription { ...Root } fragment Root on Subscription { versionEvents { cursor } }', /Select exactly one/],
    ['an unknown field', 'subscription { versionRejected { cursor } }', /Unknown subscription versionRejected/],
    ['a cycle that is not a UUID', 'subscription { versionEvents(cycleId: "cycle-1") { cursor } }', /cycleId must be a UUID/],
    ['a report that is not a UUID', 'subscription { versionEvents(reportId: "1") { cursor } }', /reportId must be a UUID/],
    [
      'a cursor of another list',
      `subscription { versionEvents(after: "${encodeCursor({ kind: 'version', versionNumber: 3 })}") { cursor } }`,
      /after is not a cursor/,
    ],
  ])('refuses %s as BAD_USER_INPUT', (_case, text, message) => {
    const error = refusal(() => plan(text));
    expect(error.extensions.code).toBe('BAD_USER_INPUT');
    expect(error.message).toMatch(message);
  });
});
