// The subscriber side of `npm run bench -- subscriptions`, run as its own process so that the gateway's measured
// work is not shared with its clients' thread: opens N graphql-ws clients (one socket each), all subscribed to
// `versionApproved` of one report, and tells its parent, line by line on stdout, when each approval has reached all.
//   node --import tsx bench/subscribers.ts <gateway url> <token> <count> <reportId> [idle report ids, comma-separated]
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [url, token, countText, reportId, idleReports = ''] = process.argv.slice(2);
const count = Number(countText);
const idle = idleReports ? idleReports.split(',') : [];
const APPROVALS = 'subscription ($reportId: ID, $after: String) { versionApproved(reportId: $reportId, after: $after) { cursor versionId at actor { name } } }';
/** The cursor before the first event: every subscriber hears every approval of its (new) report. */
const FROM_THE_START = Buffer.from('e:0').toString('base64url');

/** Receipt times (epoch ms) of each approval, per version id. */
const receipts = new Map<string, number[]>();
const report = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);

/** Connections are opened in waves: a burst of thousands overflows the server's listen backlog (connection resets). */
const WAVE = 250;
const started = performance.now();
const clients: ReturnType<typeof createClient>[] = [];
for (let first = 0; first < count + idle.length; first += WAVE) {
  const wave = Array.from({ length: Math.min(WAVE, count + idle.length - first) }, (_, j) => first + j);
  await Promise.all(
    wave.map(
      (i) =>
        new Promise<void>((connected) => {
          const client = createClient({
            url: url!.replace(/^http/, 'ws'),
            webSocketImpl: WebSocket,
            connectionParams: { authorization: `Bearer ${token}` },
            lazy: false,
            retryAttempts: 0,
            onNonLazyError: (error) => report({ type: 'error', error: String((error as Error)?.message ?? error) }),
            on: { connected: () => connected() },
          });
          clients.push(client);
          const watched = i < count ? reportId! : idle[i - count]!;
          client.subscribe(
            { query: APPROVALS, variables: { reportId: watched, after: FROM_THE_START } },
            {
              next: ({ data }) => {
                const at = performance.timeOrigin + performance.now();
                const versionId = (data as { versionApproved: { versionId: string } }).versionApproved.versionId;
                const times = receipts.get(versionId) ?? [];
                times.push(at);
                receipts.set(versionId, times);
                if (times.length === count) report({ type: 'delivered', versionId, times });
              },
              error: (error) => report({ type: 'error', error: String((error as Error)?.message ?? JSON.stringify(error)) }),
              complete: () => undefined,
            },
          );
        }),
    ),
  );
}
report({ type: 'connected', ms: performance.now() - started });

process.on('SIGTERM', () => {
  void Promise.all(clients.map((client) => client.dispose())).finally(() => process.exit(0));
});
