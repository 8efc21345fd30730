// `npm run watch-approvals -- [PHASE] [--url ws://…/graphql] [--after CURSOR]`: prints approvals as they happen,
// over a graphql-ws subscription. Needs PHASEGRAPH_TOKEN (a bearer token, e.g. a demo user's from `npm start`).
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const args = process.argv.slice(2);
const option = (name: string) => {
  const index = args.indexOf(name);
  return index >= 0 ? args.splice(index, 2)[1] : undefined;
};
const url = option('--url') ?? `ws://127.0.0.1:${process.env.PORT ?? 4000}/graphql`;
const after = option('--after');
const phase = args[0]?.toUpperCase() ?? null;
const token = process.env.PHASEGRAPH_TOKEN?.replace(/^(Authorization:\s*)?Bearer\s+/i, '');
if (!token) {
  console.error("Set PHASEGRAPH_TOKEN to a bearer token (npm start prints demo users' tokens).");
  process.exit(2);
}

const client = createClient({
  url,
  webSocketImpl: WebSocket,
  connectionParams: { authorization: `Bearer ${token}` },
  retryAttempts: Infinity,
  shouldRetry: (event) => !(typeof event === 'object' && event !== null && 'code' in event && event.code === 4401),
  on: { connected: () => console.error(`watching approvals${phase ? ` of ${phase}` : ''} at ${url} (Ctrl-C to stop)`) },
});

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
const query = `subscription ($phase: PhaseName, $after: String) {
  versionEvents(phase: $phase, after: $after) {
    cursor type phase versionNumber cycleId reportId at actor { name email }
    record { ... on Version { status reviewNotes } }
  }
}`;

function watch(): void {
  client.subscribe<{ versionEvents: WatchedEvent }>(
    { query, variables: { phase, after: cursor ?? null } },
    {
      next: ({ data, errors }) => {
        if (errors) return console.error(errors.map((error) => error.message).join('\n'));
        const event = data!.versionEvents;
        cursor = event.cursor;
        if (event.type !== 'APPROVED') return;
        const notes = event.record?.reviewNotes ? ` — "${event.record.reviewNotes}"` : '';
        console.log(
          `${event.at}  ${event.phase} v${event.versionNumber} approved by ${event.actor.name} <${event.actor.email}>  cycle ${event.cycleId} report ${event.reportId}${notes}  (cursor ${event.cursor})`,
        );
      },
      error: (error) => {
        console.error('subscription ended:', error instanceof Error ? error.message : ((error as { reason?: string }).reason ?? error));
        process.exit(1);
      },
      complete: () => process.exit(0),
    },
  );
}
watch();
