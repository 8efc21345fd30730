// `npm run bench [-- <benchmark>]`: runs one benchmark of bench/. `api` (the default) measures the versioning API
// through the gateway; `compare` sets the gateway against Hive Gateway, its own subgraphs and raw SQL; `profile [dir]`
// CPU-profiles the one-process stack under load; `subscriptions [counts]` times approvals delivered to many subscribers;
// `faults [windows]` injects faults under retrying writers on a PostgreSQL server of its own and checks what was stored.
// `activity-export [counts]` streams a report's activity as CSV and samples the gateway's memory.
// `trusted-documents` what admitting a request costs with PERSISTED_DOCUMENTS set.
const BENCHMARKS: Record<string, () => Promise<unknown>> = {
  api: () => import('./api'),
  'activity-export': () => import('./activity-export'),
  compare: () => import('./compare'),
  faults: () => import('./faults'),
  profile: () => import('./profile'),
  subscriptions: () => import('./subscriptions'),
  'trusted-documents': () => import('./trusted-documents'),
};

const chosen = process.argv[2] ?? 'api';
const benchmark = BENCHMARKS[chosen];
if (!benchmark) {
  console.error(`usage: npm run bench [-- ${Object.keys(BENCHMARKS).join(' | ')}]; got ${chosen}`);
  process.exit(2);
}
await benchmark();

export {};
