// Calls from one phasegraph service to a subgraph's own operations, over HTTP, carrying the caller's signed
// identity. Errors the subgraph raised on purpose come back as the same GraphQL errors.
import { addStatements } from '@phasegraph/db';
import { GraphQLError } from 'graphql';
import { PUBLIC_CODES, serviceUnavailable } from './errors';
import { STATEMENTS_HEADER } from './http';
import { signIdentity, type Identity } from './signed-identity';

/** Where each subgraph is served; filled in as embedded subgraphs start. */
export type SubgraphUrls = ReadonlyMap<string, string>;

export class SubgraphClient {
  constructor(
    private readonly subgraph: string,
    private readonly urls: SubgraphUrls,
    private readonly secret: string,
  ) {}

  /** Runs `query` on the subgraph as `identity`; throws the subgraph's first error, if any. */
  async request<Data>(query: string, variables: Record<string, unknown>, identity: Identity | null): Promise<Data> {
    const url = this.urls.get(this.subgraph);
    if (!url) throw serviceUnavailable(`The ${this.subgraph} subgraph is not configured.`);
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...signIdentity(identity, this.secret) },
        body: JSON.stringify({ query, variables }),
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
