// A subscription operation, read once: the events it asks for (its filter and where it starts) and its selection
// rewritten as the query that delivers one event, `versionEvent(cursor)`, which the gateway runs like any query.
import { badUserInput, requireUuid, type PhaseName, type VersionEventType } from '@phasegraph/kit';
import {
  Kind,
  OperationTypeNode,
  getOperationAST,
  print,
  visit,
  type ASTNode,
  type DocumentNode,
  type ExecutionArgs,
  type FieldNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
} from 'graphql';
import { getArgumentValues, getVariableValues } from 'graphql/execution/values';
import type { EventFilter } from './events/version-event-log';
import { decodeCursor } from './workflow/cursors';

/** The variable carrying the event's cursor into the query a delivery runs. */
export const CURSOR_VARIABLE = 'phasegraphEventCursor';

/** What a subscription operation asks for: its filters, its start, and the query that delivers one event. */
export interface SubscriptionPlan {
  filter: EventFilter;
  after: bigint | null;
  /** The query that delivers one event, as text (what the gateway takes). */
  query: string;
  variables: Record<string, unknown>;
}

/** Reads the subscription's root field and arguments, and rewrites it as the query that delivers one event. */
export function planSubscription(args: ExecutionArgs): SubscriptionPlan {
  const operation = getOperationAST(args.document, args.operationName);
  if (!operation || operation.operation !== OperationTypeNode.SUBSCRIPTION) throw badUserInput('Expected a subscription operation.');
  const [root, ...others] = operation.selectionSet.selections;
  if (!root || others.length > 0 || root.kind !== Kind.FIELD) throw badUserInput('Select exactly one of versionApproved or versionEvents, directly.');
  const field = args.schema.getSubscriptionType()?.getFields()[root.name.value];
  if (!field) throw badUserInput(`Unknown subscription ${root.name.value}.`);
  // Checked against their declarations first, as a query's are: a variable of the wrong type, a missing required one
  // or an enum value that is none is BAD_USER_INPUT, not a filter that fails later or matches nothing (or everything).
  const checked = getVariableValues(args.schema, operation.variableDefinitions ?? [], (args.variableValues ?? {}) as Record<string, unknown>);
  if (checked.errors) throw badUserInput(checked.errors.map((error) => error.message).join(' '));
  const values = getArgumentValues(field, root, checked.coerced) as {
    phase?: PhaseName | null;
    cycleId?: string | null;
    reportId?: string | null;
    after?: string | null;
  };
  const types: VersionEventType[] | undefined = root.name.value === 'versionApproved' ? ['APPROVED'] : undefined;
  const filter: EventFilter = {
    phase: values.phase ?? null,
    cycleId: values.cycleId ? requireUuid(values.cycleId, 'cycleId') : null,
    reportId: values.reportId ? requireUuid(values.reportId, 'reportId') : null,
    types,
  };
  const after = values.after ? decodeCursor(values.after, 'event').id : null;
  const { query, used } = eventQueryOf(args.document, operation, root);
  const variables = Object.fromEntries(Object.entries(args.variableValues ?? {}).filter(([name]) => used.has(name)));
  return { filter, after, query, variables };
}

/** Event queries by subscription operation: subscriptions sent as the same text share one parsed document. */
const eventQueries = new WeakMap<OperationDefinitionNode, { query: string; used: Set<string> }>();

function eventQueryOf(document: DocumentNode, operation: OperationDefinitionNode, root: FieldNode): { query: string; used: Set<string> } {
  let known = eventQueries.get(operation);
  if (!known) {
    const query = eventQuery(document, operation, root);
    known = { query: print(query), used: variablesUsedIn(query) };
    eventQueries.set(operation, known);
  }
  return known;
}

/** `subscription { alias: versionApproved(…) { … } }` as `query ($cursor: String!) { alias: versionEvent(cursor: $cursor) { … } }`. */
function eventQuery(document: DocumentNode, operation: OperationDefinitionNode, root: FieldNode): DocumentNode {
  const name = (value: string) => ({ kind: Kind.NAME, value }) as const;
  const field: FieldNode = {
    ...root,
    alias: root.alias ?? name(root.name.value),
    name: name('versionEvent'),
    arguments: [{ kind: Kind.ARGUMENT, name: name('cursor'), value: { kind: Kind.VARIABLE, name: name(CURSOR_VARIABLE) } }],
  };
  const draft: OperationDefinitionNode = { ...operation, operation: OperationTypeNode.QUERY, selectionSet: { kind: Kind.SELECTION_SET, selections: [field] } };
  const fragments = fragmentsUsedBy(document, field);
  const used = variablesUsedIn({ kind: Kind.DOCUMENT, definitions: [{ ...draft, variableDefinitions: [] }, ...fragments] });
  const cursorDefinition = {
    kind: Kind.VARIABLE_DEFINITION,
    variable: { kind: Kind.VARIABLE, name: name(CURSOR_VARIABLE) },
    type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: name('String') } },
  } as const;
  const variableDefinitions = [...(operation.variableDefinitions ?? []).filter((definition) => used.has(definition.variable.name.value)), cursorDefinition];
  return { kind: Kind.DOCUMENT, definitions: [{ ...draft, variableDefinitions }, ...fragments] };
}

/**
 * The fragments of `document` that `node` spreads, directly or through other fragments: only those go into the event
 * query (the document may hold other operations, and a fragment no operation uses fails validation).
 */
function fragmentsUsedBy(document: DocumentNode, node: FieldNode): FragmentDefinitionNode[] {
  const byName = new Map(
    document.definitions.filter((definition) => definition.kind === Kind.FRAGMENT_DEFINITION).map((fragment) => [fragment.name.value, fragment]),
  );
  const used = new Map<string, FragmentDefinitionNode>();
  const follow = (from: ASTNode) =>
    visit(from, {
      FragmentSpread: (spread) => {
        const fragment = byName.get(spread.name.value);
        if (!fragment || used.has(fragment.name.value)) return;
        used.set(fragment.name.value, fragment);
        follow(fragment);
      },
    });
  follow(node);
  return [...used.values()];
}

function variablesUsedIn(document: DocumentNode): Set<string> {
  const used = new Set<string>();
  visit(document, {
    VariableDefinition: () => false,
    Variable: (node) => {
      used.add(node.name.value);
    },
  });
  return used;
}
