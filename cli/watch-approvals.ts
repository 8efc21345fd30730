// `npm run watch-approvals -- [PHASE] [--report REPORT_ID] [--url ws://…/graphql] [--after CURSOR]`: prints approvals
// (of one phase, one report, or all) as they happen,
// over a graphql-ws subscription. Needs PHASEGRAPH_TOKEN (a bearer token, e.g. a demo user's from `npm start`).
// When the connection is lost (the gateway restarting, the network, a 4008 for falling behind) it subscribes again
// after the last event it received, backing off from 1 s to 30 s: nothing is missed or printed twice. Before its first
// event there is no cursor yet, and it resumes from now; `--after` gives it one from the start.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const args = process.argv.slice(2);
const option = (name: string) => {
  const index = args.indexOf(name);
  return index >= 0 ? args.splice(index, 2)[1] : undefined;
};
const url = option('--url') ?? `ws://127.0.0.1:${process.env.PORT ?? 4000}/graphql`;
const after = option('--after');
const reportId = option('--report') ?? null;
const phase = args[0]?.toUpperCase() ?? null;
const token = process.env.PHASEGRAPH_TOKEN?.replace(/^(Authorization:\s*)?Bearer\s+/i, '');
if (!token) {
  console.error("Set PHASEGRAPH_TOKEN to a bearer token (npm start prints demo users' tokens).");
  process.exit(2);
}

// graphql-ws would reconnect by itself, but it would send the subscription again as first sent: with the first `after`,
// repeating what was printed, or with none, missing what happened meanwhile. So a lost connection ends the
// subscription, and watch() subscribes again after the last event it received.
const client = createClient({
  url,
  webSocketImpl: WebSocket,
  connectionParams: { authorization: `Bearer ${token}` },
  retryAttempts: 0,
  on: {
    connected: () => console.error(`watching approvals${phase ? ` of ${phase}` : ''}${reportId ? ` of report ${reportId}` : ''} at ${url} (Ctrl-C to stop)`),
  },
});

/** Close codes that subscribing again would only meet again: a bad request, a bad token, a refusal. */
const FINAL_CLOSE_CODES = new Set([4400, 4401, 4403, 4406, 4409, 4429]);
const FIRST_RETRY_MS = 1_000;
const LAST_RETRY_MS = 30_000;
let retryInMs = FIRST_RETRY_MS;

let cursor = after;

/** What the subscription below selects. */
interface WatchedEvent {
  cursor: string;
  type: string;
  phase: string;
  versionNumber: number | null;
  cycleId: string;
  reportId: string;
  at: string;
  actor: { name: string; email: string };
  record: { status?: string; reviewNotes?: string | null } | null;
}
const query = `subscription ($phase: PhaseName, $reportId: ID, $after: String) {
  versionEvents(phase: $phase, reportId: $reportId, after: $after) {
    cursor type phase versionNumber cycleId reportId at actor { name email }
    record { ... on Version { status reviewNotes } }
  }
}`;

function watch(): void {
  client.subscribe<{ versionEvents: WatchedEvent }>(
    { query, variables: { phase, reportId, after: cursor ?? null } },
    {
      next: ({ data, errors }) => {
        if (errors) return console.error(errors.map((error) => error.message).join('\n'));
        const event = data!.versionEvents;
        cursor = event.cursor;
        retryInMs = FIRST_RETRY_MS;
        if (event.type !== 'APPROVED') return;
        const notes = event.record?.reviewNotes ? ` — "${event.record.reviewNotes}"` : '';
        console.log(
          `${event.at}  ${event.phase} v${event.versionNumber} approved by ${event.actor.name} <${event.actor.email}>  cycle ${event.cycleId} report ${event.reportId}${notes}  (cursor ${event.cursor})`,
        );
      },
      error: (error) => {
        const code = typeof error === 'object' && error !== null && 'code' in error ? (error as { code: unknown }).code : undefined;
        const reason = error instanceof Error ? error.message : ((error as { reason?: string }).reason ?? '');
        // GraphQL errors (a malformed cursor, say) come as an array; a final close code ends the watch too.
        if (Array.isArray(error) || (typeof code === 'number' && FINAL_CLOSE_CODES.has(code))) {
          const messages = Array.isArray(error) ? error.map((each: { message?: string }) => each.message).join('\n') : `${code} ${reason}`;
          console.error('subscription refused:', messages);
          process.exit(1);
        }
        console.error(
          `connection lost${code === undefined ? '' : ` (${String(code)}${reason ? ` ${reason}` : ''})`}: subscribing again ${cursor ? `after ${cursor}` : 'from now'} in ${retryInMs / 1_000} s`,
        );
        setTimeout(watch, retryInMs);
        retryInMs = Math.min(retryInMs * 2, LAST_RETRY_MS);
      },
      complete: () => process.exit(0),
    },
  );
}
watch();
