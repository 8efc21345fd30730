// Trusted documents: with PERSISTED_DOCUMENTS set, the gateway runs only the operations of a persisted query manifest
// in Apollo's format (as `npx generate-persisted-query-manifest` writes it from a frontend's sources). A client sends an
// operation by its manifest id (`extensions.persistedQuery.sha256Hash`, as Apollo Client's persisted query link does)
// or in full, matching an entry up to the order of its definitions and ignored characters (Apollo Router's rule).
// Anything else is refused with Router's codes before Apollo parses it, and nothing is registered at run time.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { HTTPGraphQLRequest } from '@apollo/server';
import { ConfigError, ErrorCode, untrustedOperation } from '@phasegraph/kit';
import {
  GraphQLError,
  Kind,
  parse,
  print,
  type DefinitionNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { SubscribePayload } from 'graphql-ws';
import { z } from 'zod';

/** A persisted query manifest, as Apollo's tools write it and Apollo Router reads it. */
const MANIFEST = z.object({
  format: z.literal('apollo-persisted-query-manifest'),
  version: z.literal(1),
  operations: z.array(
    z.object({
      id: z.string().min(1),
      body: z.string().min(1),
      name: z.string().optional(),
      type: z.enum(['query', 'mutation', 'subscription']).optional(),
      clientName: z.string().optional(),
    }),
  ),
});
export type PersistedQueryManifest = z.infer<typeof MANIFEST>;

/** What the gateway's trusted documents follow of its other settings. */
export interface TrustedDocumentsOptions {
  /** INTROSPECTION: when on, introspection-only operations run without being listed (Sandbox and GraphiQL read the schema). */
  introspection: boolean;
  /** GRAPHQL_MAX_TOKENS: an unlisted text is parsed no further than an operation may be long. */
  maxTokens: number;
}

/** An operation as a client sent it, over HTTP (a body or a GET's parameters) or a WebSocket. */
interface SentOperation {
  query?: unknown;
  extensions?: unknown;
}

/** The operation to run: its text (or what the client sent instead, for Apollo to refuse), its other extensions. */
interface AdmittedOperation {
  query: unknown;
  extensions: Record<string, unknown> | undefined;
}

export class TrustedDocuments {
  /** Texts whose verdict is known, by their SHA-256 (a text may be megabytes); past MAX_VERDICTS it starts over. */
  private static readonly MAX_VERDICTS = 1_000;
  private readonly bodies = new Map<string, string>();
  /** Each entry's text as sent, and as normalized (definitions sorted, printed): what a full-text request may match. */
  private readonly allowed = new Set<string>();
  private readonly verdicts = new Map<string, boolean>();

  /** Reads and checks the manifest at `file`; a missing or malformed one stops the gateway with a ConfigError. */
  static async load(file: string, options: TrustedDocumentsOptions): Promise<TrustedDocuments> {
    const where = `PERSISTED_DOCUMENTS: ${path.resolve(file)}`;
    let json: unknown;
    try {
      json = JSON.parse(await readFile(file, 'utf8'));
    } catch (error) {
      throw new ConfigError([`${where}: cannot read a JSON manifest (${error instanceof Error ? error.message : String(error)})`]);
    }
    const parsed = MANIFEST.safeParse(json);
    if (!parsed.success) {
      throw new ConfigError(parsed.error.issues.map((issue) => `${where}: ${issue.path.join('.') || 'the manifest'}: ${issue.message}`));
    }
    return new TrustedDocuments(parsed.data, options, where);
  }

  constructor(
    manifest: PersistedQueryManifest,
    private readonly options: TrustedDocumentsOptions,
    where = 'the persisted query manifest',
  ) {
    for (const { id, body } of manifest.operations) {
      const known = this.bodies.get(id);
      if (known !== undefined && known !== body) throw new ConfigError([`${where}: id ${id} names two different operations`]);
      this.bodies.set(id, body);
      this.allowed.add(body);
      // An entry is trusted as it is, whatever its length: the token limit guards against what clients send.
      const document = parseDocument(body, undefined);
      const normalized = document && normalizedText(document);
      if (normalized === undefined) throw new ConfigError([`${where}: operation ${id} is not a GraphQL operation`]);
      this.allowed.add(normalized);
    }
  }

  /** How many operations the manifest lists. */
  get size(): number {
    return this.bodies.size;
  }

  /** An HTTP request as it may run (a persisted query id replaced by its text), or why it may not. */
  admitHttpRequest(request: HTTPGraphQLRequest): HTTPGraphQLRequest | GraphQLError {
    if (request.method === 'GET') {
      const parameters = new URLSearchParams(request.search);
      const extensions = jsonParameter(parameters.get('extensions'));
      const admitted = this.admit({ query: parameters.get('query') ?? undefined, extensions: extensions === UNREADABLE ? undefined : extensions });
      if (admitted instanceof GraphQLError) return admitted;
      if (typeof admitted.query === 'string') parameters.set('query', admitted.query);
      // Extensions that do not parse stay as they came: Apollo refuses the request for them, listed or not.
      if (extensions !== UNREADABLE) {
        if (admitted.extensions) parameters.set('extensions', JSON.stringify(admitted.extensions));
        else parameters.delete('extensions');
      }
      return { ...request, search: `?${parameters}` };
    }
    // Anything but one JSON object (a batch, no body) Apollo refuses itself, before it parses any operation.
    if (typeof request.body !== 'object' || request.body === null || Array.isArray(request.body)) return request;
    const body = request.body as Record<string, unknown>;
    const admitted = this.admit(body);
    if (admitted instanceof GraphQLError) return admitted;
    const { extensions: _sent, ...rest } = body;
    return { ...request, body: { ...rest, query: admitted.query, ...(admitted.extensions ? { extensions: admitted.extensions } : {}) } };
  }

  /** A WebSocket `subscribe` message's payload as it may run, or why it may not (then graphql-ws answers an error). */
  admitSocketOperation(payload: SubscribePayload): SubscribePayload | GraphQLError[] {
    const admitted = this.admit(payload, { http: false });
    if (admitted instanceof GraphQLError) return [admitted];
    return { ...payload, query: typeof admitted.query === 'string' ? admitted.query : payload.query, extensions: admitted.extensions };
  }

  /**
   * What a client sent, as it may run: a listed id becomes its text, a text must match an entry (or be introspection
   * while INTROSPECTION is on), and sending both is refused, as Router refuses it when automatic persisted queries are
   * off. A request with neither passes, for Apollo to refuse with its own error.
   */
  private admit(sent: SentOperation, { http = true } = {}): AdmittedOperation | GraphQLError {
    const extensions = isRecord(sent.extensions) ? sent.extensions : undefined;
    const { persistedQuery, ...others } = extensions ?? {};
    const rest = Object.keys(others).length > 0 ? others : undefined;
    const id = isRecord(persistedQuery) && typeof persistedQuery.sha256Hash === 'string' ? persistedQuery.sha256Hash : undefined;
    const text = typeof sent.query === 'string' && sent.query !== '' ? sent.query : undefined;
    if (id !== undefined) {
      if (text !== undefined) {
        const message = 'Send a persisted query id or an operation, not both: this gateway runs only listed operations and registers none.';
        return untrustedOperation(ErrorCode.CANNOT_SEND_PQ_ID_AND_BODY, message, { http });
      }
      const body = this.bodies.get(id);
      if (body === undefined) {
        const message = `Persisted query ${JSON.stringify(id.slice(0, 100))} is not in the persisted query list.`;
        return untrustedOperation(ErrorCode.PERSISTED_QUERY_NOT_IN_LIST, message, { http });
      }
      return { query: body, extensions: rest };
    }
    if (text === undefined || this.allows(text)) return { query: sent.query, extensions: rest };
    const message = 'The operation is not in the persisted query list: this gateway runs only the operations its clients registered.';
    return untrustedOperation(ErrorCode.QUERY_NOT_IN_SAFELIST, message, { http });
  }

  /** Whether a text matches an entry, or is introspection the gateway answers anyway. */
  private allows(text: string): boolean {
    if (this.allowed.has(text)) return true;
    const key = createHash('sha256').update(text).digest('base64');
    let verdict = this.verdicts.get(key);
    if (verdict === undefined) {
      // A text that does not parse within the token limit matches no entry.
      const document = parseDocument(text, this.options.maxTokens);
      const normalized = document && normalizedText(document);
      verdict =
        (normalized !== undefined && this.allowed.has(normalized)) || (this.options.introspection && document !== undefined && isIntrospectionOnly(document));
      if (this.verdicts.size >= TrustedDocuments.MAX_VERDICTS) this.verdicts.clear();
      this.verdicts.set(key, verdict);
    }
    return verdict;
  }
}

/** The document of a text, or undefined when it is no GraphQL (a syntax error, or more than `maxTokens` tokens). */
function parseDocument(text: string, maxTokens: number | undefined): DocumentNode | undefined {
  try {
    return parse(text, { noLocation: true, maxTokens });
  } catch (error) {
    if (error instanceof GraphQLError) return undefined;
    throw error;
  }
}

/**
 * A document printed with its operations, then its fragments, each sorted by name: texts that differ only in the order
 * of their definitions or in ignored characters (spaces, commas, comments) print the same. Apollo Router normalizes
 * the same way, because a client may assemble a document's fragments in another order than its build tool saw.
 */
function normalizedText(document: DocumentNode): string | undefined {
  const named = (definition: OperationDefinitionNode | FragmentDefinitionNode) => definition.name?.value ?? '';
  const byName = <T extends OperationDefinitionNode | FragmentDefinitionNode>(a: T, b: T) => (named(a) < named(b) ? -1 : named(a) > named(b) ? 1 : 0);
  const operations = document.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION).sort(byName);
  const fragments = document.definitions.filter((definition) => definition.kind === Kind.FRAGMENT_DEFINITION).sort(byName);
  const definitions: DefinitionNode[] = [...operations, ...fragments];
  // A document with anything else (type definitions) is no operation of any list.
  if (definitions.length !== document.definitions.length) return undefined;
  return print({ kind: Kind.DOCUMENT, definitions });
}

/** Whether every operation of a document is a query of `__schema`, `__type` and `__typename` only, as Sandbox sends. */
function isIntrospectionOnly(document: DocumentNode): boolean {
  const fragments = new Map(
    document.definitions
      .filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION)
      .map((fragment) => [fragment.name.value, fragment]),
  );
  const onlyMeta = (selectionSet: SelectionSetNode, seen: Set<string>): boolean =>
    selectionSet.selections.every((selection) => {
      if (selection.kind === Kind.FIELD) return selection.name.value.startsWith('__');
      if (selection.kind === Kind.INLINE_FRAGMENT) return onlyMeta(selection.selectionSet, seen);
      const fragment = fragments.get(selection.name.value);
      if (!fragment || seen.has(fragment.name.value)) return false;
      return onlyMeta(fragment.selectionSet, new Set([...seen, fragment.name.value]));
    });
  const operations = document.definitions.filter((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION);
  return operations.length > 0 && operations.every((operation) => operation.operation === 'query' && onlyMeta(operation.selectionSet, new Set()));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A GET parameter that does not hold JSON. */
const UNREADABLE = Symbol('unreadable');

/** A GET parameter holding JSON (`extensions`): its value, undefined when absent, UNREADABLE when it is not JSON. */
function jsonParameter(value: string | null): unknown {
  if (value === null) return undefined;
  try {
    return JSON.parse(value);
  } catch (error) {
    if (error instanceof SyntaxError) return UNREADABLE;
    throw error;
  }
}
