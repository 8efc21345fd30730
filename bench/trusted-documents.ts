// `npm run bench -- trusted-documents`: what admitting a request costs the gateway when PERSISTED_DOCUMENTS is set,
// per way of sending an operation, on a list of 500 operations (the test frontend's five and 495 more like them). In
// process, no server: the admission runs before Apollo sees the request, so its cost adds to every request's.
import { createHash } from 'node:crypto';
import { HeaderMap } from '@apollo/server';
import { print } from 'graphql';
import { TrustedDocuments, type PersistedQueryManifest } from '../gateway/src/trusted-documents';
import * as operations from '../tests/support/client-operations';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200_000);

const bodies = Object.values(operations)
  .map((document) => print(document))
  .filter((body) => !body.startsWith('fragment'));
for (let i = 0; bodies.length < 500; i++) bodies.push(`query Generated${i}($id: ID!) {\n  version(phase: PLANNING, id: $id) {\n    id\n    status\n  }\n}`);
const manifest: PersistedQueryManifest = {
  format: 'apollo-persisted-query-manifest',
  version: 1,
  operations: bodies.map((body) => ({ id: sha256(body), body })),
};
const trusted = new TrustedDocuments(manifest, { introspection: true, maxTokens: 5_000 });
const listed = bodies[1]!;
const listedId = sha256(listed);
const reformatted = listed.replace(/\n\s*/g, ' ');

const request = (body: Record<string, unknown>) => ({ method: 'POST', headers: new HeaderMap(), search: '', body });
const cases: [string, (round: number) => ReturnType<typeof request>][] = [
  ['by id (extensions.persistedQuery)', () => request({ extensions: { persistedQuery: { version: 1, sha256Hash: listedId } } })],
  ['in full, as listed', () => request({ query: listed })],
  ['in full, reformatted (verdict remembered)', () => request({ query: reformatted })],
  ['unlisted, the same text again (verdict remembered)', () => request({ query: '{ me { id } }' })],
  ['unlisted, a new text each time (parsed)', (round) => request({ query: `{ me { id } } # ${round}` })],
];

console.log(`Trusted documents: admitting one request, ${manifest.operations.length} operations listed, ${ROUNDS.toLocaleString('en-US')} rounds each\n`);
console.log('| request | µs per request | requests/s |');
console.log('| --- | --- | --- |');
for (const [name, make] of cases) {
  for (let round = 0; round < 1_000; round++) trusted.admitHttpRequest(make(round));
  const started = performance.now();
  for (let round = 0; round < ROUNDS; round++) trusted.admitHttpRequest(make(round));
  const micros = ((performance.now() - started) * 1_000) / ROUNDS;
  console.log(`| ${name} | ${micros.toFixed(2)} | ${Math.round(1e6 / micros).toLocaleString('en-US')} |`);
}
