// GET /graphiql: GraphiQL, every byte of it served by the gateway (the bundle @graphql-yoga/render-graphiql inlines,
// and graphql-ws's browser client), so it works where Apollo Sandbox, loaded from Apollo's CDN, cannot: offline. The
// Authorization header the user edits goes with every request, queries over HTTP and subscriptions over graphql-ws
// (as `connectionParams.authorization`, where the gateway reads it).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type http from 'node:http';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { css, editorWorkerService, favicon, graphqlWorker, js, jsonWorker } from '@graphql-yoga/render-graphiql/graphiql';

/** How the explorer opens. */
export interface ExplorerOptions {
  /** The Authorization header the header editor starts with (the demo tester's, in development); none: empty. */
  authorization?: string;
}

const DEFAULT_QUERY = `# phasegraph: the phases of an audit, their versions and approvals. Docs are in the schema (top left).
{
  phases {
    name
    displayName
    versioningType
    approverRole
  }
}
`;

/** The /graphiql route: the page, built once, gzipped once, answered from memory. */
export function explorerRoute(options: ExplorerOptions) {
  const page = explorerPage(options);
  const gzipped = gzipSync(page);
  return (request: http.IncomingMessage, response: http.ServerResponse) => {
    const headers = {
      'content-type': 'text/html; charset=utf-8',
      // The page holds a token when prefilled: no shared cache may keep it.
      'cache-control': 'no-store',
      vary: 'accept-encoding',
    };
    if (/\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))) {
      response.writeHead(200, { ...headers, 'content-encoding': 'gzip' }).end(gzipped);
    } else {
      response.writeHead(200, headers).end(page);
    }
  };
}

function explorerPage({ authorization }: ExplorerOptions): string {
  // The browser build graphql-ws ships beside its modules (its exports name only package.json of that folder).
  const graphqlWsFolder = path.dirname(createRequire(import.meta.url).resolve('graphql-ws/package.json'));
  const graphqlWs = readFileSync(path.join(graphqlWsFolder, 'umd', 'graphql-ws.min.js'), 'utf8');
  const options = {
    title: 'phasegraph · GraphiQL',
    endpoint: '/graphql',
    defaultQuery: DEFAULT_QUERY,
    headers: JSON.stringify(authorization ? { Authorization: authorization } : {}, null, 2),
    // A token is not kept in the browser's storage after the page closes.
    shouldPersistHeaders: false,
    defaultEditorToolsVisibility: 'headers',
  };
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${options.title}</title>
    <link rel="icon" href="${favicon}" />
    <style>${css}</style>
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>GraphiQL needs JavaScript.</noscript>
    <div id="root"></div>
    <script>${inlineScript(graphqlWs)}</script>
    <script>
      const workers = Object.fromEntries(
        Object.entries({ editorWorkerService: ${inlineJson(editorWorkerService)}, json: ${inlineJson(jsonWorker)}, graphql: ${inlineJson(graphqlWorker)} })
          .map(([label, code]) => [label, URL.createObjectURL(new Blob([code], { type: 'application/javascript' }))]),
      );
      self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: (_moduleId, label) => workers[label] };
    </script>
    <script>${inlineScript(js)}</script>
    <script>
      ${fetcherScript}
      const options = ${inlineJson(options)};
      // ?query= opens the page on an operation (a link someone shared).
      const query = new URLSearchParams(location.search).get('query');
      if (query) options.defaultQuery = query;
      YogaGraphiQL.renderYogaGraphiQL(document.querySelector('#root'), { ...options, fetcher: phasegraphFetcher(options.endpoint) });
    </script>
  </body>
</html>
`;
}

/**
 * The fetcher GraphiQL calls with each operation and the headers of its editor: subscriptions over graphql-ws (one
 * client per Authorization value, its token in connectionParams), everything else POSTed to the endpoint.
 */
const fetcherScript = `
      function phasegraphFetcher(endpoint) {
        const wsUrl = new URL(endpoint, location.href);
        wsUrl.protocol = wsUrl.protocol === 'https:' ? 'wss:' : 'ws:';
        let socket = { authorization: undefined, client: undefined };
        const authorizationOf = (headers) => {
          const name = Object.keys(headers || {}).find((key) => key.toLowerCase() === 'authorization');
          return name ? String(headers[name]) : undefined;
        };
        const isSubscription = (params, documentAST) =>
          (documentAST?.definitions || []).some(
            (definition) =>
              definition.kind === 'OperationDefinition' &&
              definition.operation === 'subscription' &&
              (!params.operationName || definition.name?.value === params.operationName),
          );
        return (params, options) => {
          const headers = (options && options.headers) || {};
          if (isSubscription(params, options && options.documentAST)) {
            const authorization = authorizationOf(headers);
            if (!socket.client || socket.authorization !== authorization) {
              socket.client?.dispose();
              socket = {
                authorization,
                client: graphqlWs.createClient({ url: wsUrl.href, connectionParams: authorization ? { authorization } : {}, lazy: true }),
              };
            }
            return socket.client.iterate({ query: params.query, variables: params.variables || undefined, operationName: params.operationName || undefined });
          }
          return fetch(endpoint, {
            method: 'POST',
            headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
            body: JSON.stringify(params),
          }).then((response) => response.json());
        };
      }`;

/** `code` safe inside a <script> element: nothing in it can close the element. */
function inlineScript(code: string): string {
  return code.replaceAll('</script', '<\\/script');
}

/** `value` as a JavaScript literal safe inside a <script> element. */
function inlineJson(value: unknown): string {
  return JSON.stringify(value).replaceAll('<', '\\u003c').replaceAll('\u2028', '\\u2028').replaceAll('\u2029', '\\u2029');
}
