// What the GraphQL-over-HTTP specification asks of the gateway beyond Apollo Server's defaults: a client that accepts
// only the legacy `application/json` is answered 200 when GraphQL refuses its well-formed request (parse, validation
// or variable errors), as that media type's rules say. Clients that accept `application/graphql-response+json`
// (Apollo Client 4 asks for it first) and those that state no preference (`*/*`, as curl and fetch send) keep 400.
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';

/** The codes of a well-formed request that GraphQL refused before running it: the specification's request errors. */
const REQUEST_ERROR_CODES: ReadonlySet<unknown> = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT']);

const LEGACY_MEDIA_TYPE = 'application/json';
const GRAPHQL_RESPONSE_MEDIA_TYPE = 'application/graphql-response+json';

/** Answers 200 instead of 400 to a request error when the client accepts `application/json` and not the newer type. */
export const legacyJsonStatusPlugin: ApolloServerPlugin<BaseContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ request, response }) {
        if (response.http.status !== 400 || response.body.kind !== 'single') return;
        if (!acceptsOnlyLegacyJson(request.http?.headers.get('accept'))) return;
        const errors = response.body.singleResult.errors ?? [];
        if (errors.length > 0 && errors.every((error) => REQUEST_ERROR_CODES.has(error.extensions?.code))) response.http.status = 200;
      },
    };
  },
};

/** Whether an Accept header names `application/json` but not `application/graphql-response+json`. */
function acceptsOnlyLegacyJson(accept: string | undefined): boolean {
  const mediaTypes = (accept ?? '').split(',').map((range) => range.split(';')[0]!.trim().toLowerCase());
  return mediaTypes.includes(LEGACY_MEDIA_TYPE) && !mediaTypes.includes(GRAPHQL_RESPONSE_MEDIA_TYPE);
}
