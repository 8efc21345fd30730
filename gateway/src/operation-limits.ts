// The bounds an operation must keep before the gateway plans it: aliases, depth, tokens and cost, and number
// literals the planner can represent. A refused operation costs a parse and a validation pass, nothing more: no
// planning, no subgraph call, no SQL. The same checks guard operations sent over the WebSocket.
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import {
  GraphQLError,
  Kind,
  NoSchemaIntrospectionCustomRule,
  getNamedType,
  getNullableType,
  isCompositeType,
  isLeafType,
  isListType,
  isObjectType,
  isInterfaceType,
  parse,
  specifiedRules,
  validate,
  type ASTVisitor,
  type DocumentNode,
  type ExecutionArgs,
  type FieldNode,
  type GraphQLCompositeType,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

/** The limits, from the configuration (GRAPHQL_MAX_*). */
export interface OperationLimits {
  maxAliases: number;
  maxDepth: number;
  maxTokens: number;
  maxCost: number;
}

/** How the gateway answers what it does not serve: introspection, and hints at field names in errors. */
export interface SchemaExposure {
  introspection: boolean;
  /** Drop "Did you mean …?" from validation errors (production: they spell out the schema to a prober). */
  hideSuggestions: boolean;
}

/** What the cost of a list depends on: page sizes, and the lengths known in advance. */
export interface ListSizes {
  /** The page a connection returns when `first` is absent. */
  defaultPage: number;
  /** The largest page (assumed when `first` is a variable, unknown while validating). */
  maxPage: number;
  /** Lists whose length is known, by `Type.field` (e.g. `Query.phases`). */
  known: Readonly<Record<string, number>>;
  /** A list's length when neither `first` nor a known length bounds it (e.g. a version's decisions). */
  assumed: number;
}

const VALIDATION_FAILED = 'GRAPHQL_VALIDATION_FAILED';

/** graphql-js's message when parsing stops at `maxTokens` (its wording, typo included, as of 16.x). */
const TOKEN_LIMIT_MESSAGE = /Document contains more th(?:at|an) (\d+) tokens/;

/** The validation rules that bound an operation, with messages that name the limit. */
export function operationLimitRules(limits: OperationLimits, sizes: ListSizes): ValidationRule[] {
  // graphql-armor's rules throw unless told to report; they word their errors as syntax errors, which these are not.
  const report = (context: ValidationContext | null, error: GraphQLError) =>
    context?.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, ''), { extensions: { code: VALIDATION_FAILED } }));
  return [
    maxAliasesRule({ n: limits.maxAliases, propagateOnRejection: false, onReject: [report] }),
    // Depth counts fields within fields; a fragment is not a level of its own.
    maxDepthRule({ n: limits.maxDepth, flattenFragments: true, propagateOnRejection: false, onReject: [report] }),
    costLimitRule(limits.maxCost, sizes),
    finiteNumbersRule,
  ];
}

/**
 * Apollo Server options of the gateway: the limits (tokens while parsing, the rest as validation rules) and the
 * schema's exposure. Errors are masked by the kit's `formatError`, which `formatError` here wraps.
 */
export function operationLimitOptions(limits: OperationLimits, sizes: ListSizes, exposure: SchemaExposure) {
  return {
    parseOptions: { maxTokens: limits.maxTokens },
    validationRules: operationLimitRules(limits, sizes),
    introspection: exposure.introspection,
    hideSchemaDetailsFromClientErrors: exposure.hideSuggestions,
  };
}

/**
 * graphql-js stops parsing at the token limit with a syntax error; clients are told what the contract says of every
 * limit: GRAPHQL_VALIDATION_FAILED, naming the limit.
 */
export function tokenLimitAsValidationError(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const match = TOKEN_LIMIT_MESSAGE.exec(formatted.message);
  if (!match) return formatted;
  return { message: tokenLimitMessage(Number(match[1])), extensions: { ...formatted.extensions, code: VALIDATION_FAILED } };
}

function tokenLimitMessage(maxTokens: number): string {
  return `Token limit of ${maxTokens} exceeded.`;
}

/**
 * What graphql-ws runs for each `subscribe` message, in place of its own parse and validation: the same limits and
 * exposure as over HTTP, so that a subscription (whose events are later delivered through Apollo) is refused when it
 * subscribes, not at its first event.
 */
export function prepareSocketOperation(
  schema: GraphQLSchema,
  payload: { query: string; operationName?: string | null; variables?: Record<string, unknown> | null },
  limits: OperationLimits,
  sizes: ListSizes,
  exposure: SchemaExposure,
): ExecutionArgs | GraphQLError[] {
  let document: DocumentNode;
  try {
    document = parse(payload.query, { maxTokens: limits.maxTokens });
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    if (TOKEN_LIMIT_MESSAGE.test(error.message)) return [new GraphQLError(tokenLimitMessage(limits.maxTokens), { extensions: { code: VALIDATION_FAILED } })];
    return [new GraphQLError(error.message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
  }
  const rules = [...specifiedRules, ...operationLimitRules(limits, sizes), ...(exposure.introspection ? [] : [NoSchemaIntrospectionCustomRule])];
  const errors = validate(schema, document, rules);
  if (errors.length > 0) {
    return errors.map(
      (error) =>
        new GraphQLError(exposure.hideSuggestions ? error.message.replace(/ ?Did you mean(.+?)\?$/, '') : error.message, {
          extensions: { code: VALIDATION_FAILED },
        }),
    );
  }
  return { schema, document, operationName: payload.operationName, variableValues: payload.variables };
}

/**
 * The cost of an operation: the objects it may return. A field of a scalar or enum costs nothing; a field of an object
 * costs 1 plus its selection; a list field costs its length times that, its length being the `first` argument of the
 * field or of the connection around it (the page size limit when `first` is a variable, the default page when it is
 * absent), a known length (`phases`), or else an assumed length. graphql-armor's cost rule weighs objects and depth
 * but knows no page sizes, hence this rule.
 */
export function costLimitRule(maxCost: number, sizes: ListSizes): ValidationRule {
  return (context): ASTVisitor => ({
    OperationDefinition(operation) {
      const root = context.getSchema().getRootType(operation.operation);
      if (!root) return;
      const cost = new CostCalculator(context, sizes).selectionCost(operation.selectionSet, root, undefined);
      if (cost > maxCost) {
        context.reportError(
          new GraphQLError(`Cost limit of ${maxCost} exceeded, found ${Math.round(cost)}: a list costs its \`first\` times its selection.`, {
            nodes: operation,
            extensions: { code: VALIDATION_FAILED },
          }),
        );
      }
    },
  });
}

class CostCalculator {
  /** Fragment costs by name and page size: a fragment spread many times is costed once. */
  private readonly fragments = new Map<string, number>();
  private readonly visiting = new Set<string>();

  constructor(
    private readonly context: ValidationContext,
    private readonly sizes: ListSizes,
  ) {}

  selectionCost(selectionSet: SelectionSetNode | undefined, parent: GraphQLCompositeType, page: number | undefined): number {
    let cost = 0;
    for (const selection of selectionSet?.selections ?? []) {
      if (selection.kind === Kind.FIELD) cost += this.fieldCost(selection, parent, page);
      else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? this.context.getSchema().getType(selection.typeCondition.name.value) : parent;
        if (isCompositeType(type)) cost += this.selectionCost(selection.selectionSet, type, page);
      } else cost += this.fragmentCost(selection.name.value, page);
    }
    return cost;
  }

  private fragmentCost(name: string, page: number | undefined): number {
    const key = `${name}:${page}`;
    const known = this.fragments.get(key);
    if (known !== undefined) return known;
    const fragment = this.context.getFragment(name);
    // An unknown or cyclic fragment is another rule's error; it costs nothing here.
    if (!fragment || this.visiting.has(name)) return 0;
    const type = this.context.getSchema().getType(fragment.typeCondition.name.value);
    this.visiting.add(name);
    const cost = isCompositeType(type) ? this.selectionCost(fragment.selectionSet, type, page) : 0;
    this.visiting.delete(name);
    this.fragments.set(key, cost);
    return cost;
  }

  private fieldCost(field: FieldNode, parent: GraphQLCompositeType, page: number | undefined): number {
    if (field.name.value.startsWith('__')) return 0;
    const definition = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[field.name.value] : undefined;
    if (!definition) return 0;
    const type = getNamedType(definition.type);
    if (isLeafType(type) || !isCompositeType(type)) return 0;
    const first = definition.args.some((arg) => arg.name === 'first') ? this.pageSize(field) : undefined;
    const list = isListType(getNullableType(definition.type));
    const length = list ? (first ?? page ?? this.sizes.known[`${parent.name}.${field.name.value}`] ?? this.sizes.assumed) : 1;
    // A connection's `first` is the length of the list inside it (its edges).
    return length * (1 + this.selectionCost(field.selectionSet, type, list ? undefined : first));
  }

  /** The `first` a field asks for: the literal, the largest page for a variable, the default page when absent. */
  private pageSize(field: FieldNode): number {
    const argument = field.arguments?.find((arg) => arg.name.value === 'first');
    if (!argument || argument.value.kind === Kind.NULL) return this.sizes.defaultPage;
    if (argument.value.kind === Kind.INT) return Math.max(1, Number(argument.value.value));
    return this.sizes.maxPage;
  }
}

/**
 * Number literals must be finite: `1e400` parses to Infinity, which no JSON can carry and the query planner fails to
 * print back into a subgraph's operation.
 */
const finiteNumbersRule: ValidationRule = (context) => {
  const check = (node: { value: string }) => {
    if (!Number.isFinite(Number(node.value))) {
      context.reportError(
        new GraphQLError(`The number ${node.value.slice(0, 40)} is beyond what JSON can represent.`, { extensions: { code: VALIDATION_FAILED } }),
      );
    }
  };
  return { IntValue: check, FloatValue: check };
};
