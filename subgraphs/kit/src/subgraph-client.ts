// Calls from one phasegraph service to a subgraph's own operations, typed documents (subgraphs/kit/documents) or,
// for a one-off, operation text. Transport follows placement: a subgraph in this process is executed in process (each
// document validated once, each text parsed and validated once; no HTTP, no JSON) with the same per-request context
// and resolvers, hence the same authorization, as over the wire; a subgraph in another process is called over HTTP
// (pooled keep-alive connections) with the caller's signed identity.
import { randomUUID } from 'node:crypto';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { addStatements } from '@phasegraph/db';
import { GraphQLError, execute, parse, print, validate, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { PUBLIC_CODES, serviceUnavailable } from './platform/errors';
import { REQUEST_ID_HEADER, STATEMENTS_HEADER } from './platform/http';
import { subgraphRequestDuration } from './platform/metrics';
import { SpanKind, inSpan, injectTraceContext } from './platform/tracing';
import { IDENTITY_HEADER, encodeIdentity, signingFetch, type Identity } from './signed-identity';

/** What every subgraph resolver sees: the verified caller (null when anonymous) and the request's id. */
export interface SubgraphContext {
  identity: Identity | null;
  requestId: string;
  /** The request's W3C `traceparent`, for the calls it makes in turn (see RequestScope). */
  traceparent?: string;
}

/**
 * The request a call is made for. Calls made with the same scope object share one context per in-process subgraph,
 * so the DataLoaders a mutation primed serve the reads that follow it in the same request.
 */
export interface RequestScope {
  readonly requestId: string;
  /** The request's W3C `traceparent`, passed on to a subgraph called over HTTP (when tracing is off: see tracing.ts). */
  readonly traceparent?: string;
}

/**
 * Runs a call to subgraph `name` (`work`) in a span of its own, timed for `phasegraph_subgraph_request_duration_seconds`:
 * every way phasegraph calls a subgraph (the gateway's query plan, the workflow, compat) goes through here.
 */
export async function subgraphCall<T>(name: string, transport: 'in-process' | 'http', work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await inSpan(
      `subgraph ${name}`,
      transport === 'http' ? SpanKind.CLIENT : SpanKind.INTERNAL,
      { 'phasegraph.subgraph': name, 'phasegraph.transport': transport },
      work,
    );
  } finally {
    subgraphRequestDuration.observe({ subgraph: name }, (performance.now() - started) / 1_000);
  }
}

/** Where each subgraph is served (by name), for display and for callers in other processes. */
export type SubgraphUrls = ReadonlyMap<string, string>;

/** The most distinct operation texts a subgraph keeps parsed and validated; past it the cache starts over. */
const MAX_CACHED_DOCUMENTS = 1_000;

/** A call to a subgraph over HTTP. */
interface HttpCall {
  method: 'POST';
  headers: Record<string, string>;
  body: string;
  signal: AbortSignal;
}

/** Each typed document's text, printed once, for calls over HTTP. */
const printedDocuments = new WeakMap<DocumentNode, string>();

/** A subgraph built in this process: its executable schema, how it builds a request's context, and its readiness. */
export class LocalSubgraph<Context extends SubgraphContext = SubgraphContext> {
  private readonly documents = new Map<string, DocumentNode | readonly GraphQLError[]>();
  /** What validating each typed document against this schema found (nothing, for a document that fits). */
  private readonly validations = new WeakMap<DocumentNode, readonly GraphQLError[]>();
  private readonly contexts = new WeakMap<RequestScope, Context>();

  constructor(
    readonly name: string,
    readonly schema: GraphQLSchema,
    /** Builds a request's context from the caller's identity and request id (fresh DataLoaders each time). */
    readonly contextFor: (base: SubgraphContext) => Context,
    /** Whether the subgraph can serve (its database answers). */
    readonly ready: () => Promise<boolean>,
    /** Releases what the subgraph holds (after its server, if any, has stopped). */
    readonly close: () => Promise<void>,
  ) {}

  /** Executes `query` with `contextValue` (from `requestContext`, or the caller's own for a schema built on it). */
  async execute(
    query: string | DocumentNode,
    variables: Record<string, unknown> | undefined,
    operationName: string | undefined,
    contextValue: unknown,
  ): Promise<ExecutionResult> {
    const document = this.document(query);
    if (!('kind' in document)) return { errors: document };
    return execute({ schema: this.schema, document, variableValues: variables, operationName, contextValue });
  }

  /** The context of a call as `identity`: with a `scope`, the one every call of that request shares. */
  requestContext(identity: Identity | null, scope?: RequestScope): Context {
    if (!scope) return this.contextFor({ identity, requestId: randomUUID() });
    const known = this.contexts.get(scope);
    if (known && known.identity === identity) return known;
    const context = this.contextFor({ identity, requestId: scope.requestId, traceparent: scope.traceparent });
    this.contexts.set(scope, context);
    return context;
  }

  /** The parsed, validated operation, or why it is not one. */
  private document(query: string | DocumentNode): DocumentNode | readonly GraphQLError[] {
    if (typeof query !== 'string') return this.validated(query);
    const cached = this.documents.get(query);
    if (cached) return cached;
    let result: DocumentNode | readonly GraphQLError[];
    try {
      const document = parse(query);
      const errors = validate(this.schema, document);
      result = errors.length > 0 ? errors : document;
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      result = [error];
    }
    if (this.documents.size >= MAX_CACHED_DOCUMENTS) this.documents.clear();
    this.documents.set(query, result);
    return result;
  }

  /** A document built ahead of time (it is parsed already), validated against this schema the first time it comes. */
  private validated(document: DocumentNode): DocumentNode | readonly GraphQLError[] {
    let errors = this.validations.get(document);
    if (!errors) {
      errors = validate(this.schema, document);
      this.validations.set(document, errors);
    }
    return errors.length > 0 ? errors : document;
  }
}

/** Every subgraph a process can call: those built in it, and the URLs of those served elsewhere. */
export class SubgraphDirectory {
  private readonly locals = new Map<string, LocalSubgraph>();
  private readonly served = new Map<string, string>();
  /** Node's fetch (pooled keep-alive connections), each request signed with the caller's identity. */
  readonly fetch: (url: string, call: HttpCall) => Promise<Response>;

  constructor(
    /** Subgraphs served by other processes. */
    remote: Readonly<Record<string, string | undefined>>,
    /** The secret identities are signed with over HTTP. */
    readonly secret: string,
  ) {
    for (const [name, url] of Object.entries(remote)) if (url) this.served.set(name, url);
    this.fetch = signingFetch(secret, (url, call: HttpCall) => fetch(url, call));
  }

  /** Registers a subgraph built in this process: calls to it run in process from now on. */
  addLocal(subgraph: LocalSubgraph): void {
    this.locals.set(subgraph.name, subgraph);
  }

  /** Records where a subgraph is served over HTTP (also for one in this process, for direct callers and display). */
  setUrl(name: string, url: string): void {
    this.served.set(name, url);
  }

  local(name: string): LocalSubgraph | undefined {
    return this.locals.get(name);
  }

  url(name: string): string | undefined {
    return this.served.get(name);
  }

  /** Where each subgraph is served. */
  get urls(): SubgraphUrls {
    return this.served;
  }

  /** Whether every subgraph can serve: in process by its own check, elsewhere by its /health. */
  async allReady(names: readonly string[]): Promise<boolean> {
    const answers = await Promise.all(
      names.map((name) => {
        const local = this.locals.get(name);
        if (local) return local.ready().catch(() => false);
        const url = this.served.get(name);
        if (!url) return false;
        return fetch(new URL('/health', url), { signal: AbortSignal.timeout(2_000) }).then(
          (response) => response.ok,
          () => false,
        );
      }),
    );
    return answers.every(Boolean);
  }

  /** A client for the named subgraph; it finds the subgraph at call time, wherever it is by then. */
  client(name: string): SubgraphClient {
    return new SubgraphClient(name, this);
  }
}

/** Calls one subgraph, wherever it is served; the workflow, compat and the kit's own cross-subgraph checks share it. */
export class SubgraphClient {
  constructor(
    private readonly subgraph: string,
    private readonly directory: SubgraphDirectory,
  ) {}

  /**
   * Runs `operation` on the subgraph as `identity` and returns its data, typed by the document; throws the subgraph's
   * first error. Leaf values are as the subgraph's scalars serialize them: a DateTime is a Date in process and a
   * string over HTTP (the documents' types say `Date | string`).
   */
  request<Result, Variables extends Record<string, unknown>>(
    operation: TypedDocumentNode<Result, Variables>,
    variables: Variables,
    identity: Identity | null,
    scope?: RequestScope,
  ): Promise<Result>;
  /** Runs an operation given as text, for calls not among the typed documents; its data is what the caller says. */
  request<Data>(query: string, variables: Record<string, unknown>, identity: Identity | null, scope?: RequestScope): Promise<Data>;
  async request<Data>(operation: string | DocumentNode, variables: Record<string, unknown>, identity: Identity | null, scope?: RequestScope): Promise<Data> {
    const local = this.directory.local(this.subgraph);
    if (local) {
      return subgraphCall(this.subgraph, 'in-process', async () => {
        const { data, errors } = await local.execute(operation, variables, undefined, local.requestContext(identity, scope));
        const [first] = errors ?? [];
        if (first) throw publicOrOriginal(first);
        return data as Data;
      });
    }
    const query = typeof operation === 'string' ? operation : printed(operation);
    return subgraphCall(this.subgraph, 'http', () => this.overHttp<Data>(query, variables, identity, scope));
  }

  private async overHttp<Data>(query: string, variables: Record<string, unknown>, identity: Identity | null, scope?: RequestScope): Promise<Data> {
    const url = this.directory.url(this.subgraph);
    if (!url) throw serviceUnavailable(`The ${this.subgraph} subgraph is not configured.`);
    const requestBody = JSON.stringify({ query, variables });
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      [IDENTITY_HEADER]: encodeIdentity(identity),
      ...(scope ? { [REQUEST_ID_HEADER]: scope.requestId } : {}),
    };
    injectTraceContext(headers, scope?.traceparent);
    let response: Response;
    try {
      response = await this.directory.fetch(url, {
        method: 'POST',
        headers,
        body: requestBody,
        signal: AbortSignal.timeout(30_000),
      });
    } catch (cause) {
      throw serviceUnavailable(`The ${this.subgraph} subgraph is unavailable (${cause instanceof Error ? cause.message : String(cause)}).`);
    }
    addStatements(Number(response.headers.get(STATEMENTS_HEADER) ?? 0));
    const body = (await response.json().catch(() => null)) as {
      data?: Data | null;
      errors?: { message: string; extensions?: Record<string, unknown> }[];
    } | null;
    const [first] = body?.errors ?? [];
    if (first) {
      const code = first.extensions?.code;
      if (typeof code === 'string' && PUBLIC_CODES.has(code)) throw new GraphQLError(first.message, { extensions: first.extensions });
      throw new Error(`The ${this.subgraph} subgraph failed: ${first.message}`);
    }
    if (!response.ok || !body?.data) throw serviceUnavailable(`The ${this.subgraph} subgraph answered HTTP ${response.status}.`);
    return body.data;
  }
}

/** A typed document's text (printed once per document). */
function printed(document: DocumentNode): string {
  let text = printedDocuments.get(document);
  if (text === undefined) {
    text = print(document);
    printedDocuments.set(document, text);
  }
  return text;
}

/**
 * An error phasegraph raised on purpose passes on as the resolver threw it (without the inner operation's path, which
 * would point into the caller's response); anything else as the error underneath, for the caller's logs.
 */
function publicOrOriginal(error: GraphQLError): Error {
  const code = error.extensions?.code;
  const original = error.originalError;
  if (typeof code === 'string' && PUBLIC_CODES.has(code))
    return original instanceof GraphQLError ? original : new GraphQLError(error.message, { extensions: error.extensions });
  return original ?? error;
}
