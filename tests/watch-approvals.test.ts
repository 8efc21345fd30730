// `npm run watch-approvals`, the command-line subscriber, as a user runs it: a real process on a real WebSocket to the
// gateway, through a TCP relay this test can cut and restore, as a network or a restart would. Approvals made while it
// is cut off are printed once it is back, and nothing is printed twice.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { APPROVE_VERSION, createVersion, newRecord, newUser, ok, stack } from './support/api';
import { repositoryRoot } from './support/stack';
import { EVENT_FIELDS, FROM_THE_START, subscribe } from './support/subscriptions';

const tester = newUser('TESTER');
// Four eyes: versions are approved by someone other than their author.
const reviewer = newUser('TESTER');
const EVENTS = `subscription ($reportId: ID, $after: String) { versionEvents(reportId: $reportId, after: $after) { ${EVENT_FIELDS} } }`;

/**
 * A TCP relay to the gateway that can be cut (every connection dropped, and each new one dropped at once) and
 * restored. It keeps listening while cut, so that its port stays its own.
 */
interface Relay {
  port: number;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

async function startRelay(target: URL): Promise<Relay> {
  const sockets = new Set<net.Socket>();
  let cut = false;
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  const dropAll = () => {
    for (const socket of sockets) socket.destroy();
  };
  const server = net.createServer((client) => {
    if (cut) return void client.destroy();
    const upstream = net.connect(Number(target.port), target.hostname);
    track(client);
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    cut() {
      cut = true;
      dropAll();
    },
    restore() {
      cut = false;
    },
    async close() {
      dropAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The command running, and its output as it comes. */
interface Watcher {
  child: ChildProcess;
  /** Resolves with the output once `done` accepts it (asked again at every chunk); fails if the process exits first. */
  until(stream: 'stdout' | 'stderr', done: (text: string) => boolean): Promise<string>;
  exited: Promise<number | null>;
  /** What it has printed so far, for a test that fails while waiting on it. */
  output: { stdout: string; stderr: string };
  stop(): Promise<void>;
}

function watchApprovals(args: string[], token: string): Watcher {
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/watch-approvals.ts', ...args], {
    cwd: repositoryRoot,
    env: { ...process.env, PHASEGRAPH_TOKEN: token },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  const waiters = new Set<() => void>();
  const wakeAll = () => [...waiters].forEach((wake) => wake());
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      exitCode = code;
      wakeAll();
      resolve(code);
    }),
  );
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream]!.setEncoding('utf8').on('data', (chunk: string) => {
      output[stream] += chunk;
      wakeAll();
    });
  }
  return {
    child,
    exited,
    output,
    until(stream, done) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (done(output[stream])) {
            waiters.delete(check);
            resolve(output[stream]);
          } else if (exitCode !== undefined) {
            waiters.delete(check);
            reject(new Error(`watch-approvals exited (${exitCode}) first.\nstdout:\n${output.stdout}\nstderr:\n${output.stderr}`));
          }
        };
        waiters.add(check);
        check();
      });
    },
    async stop() {
      if (exitCode === undefined) child.kill();
      await exited;
    },
  };
}

/** The approvals of `reportId` the command printed, as version numbers, in order. */
function approvalsOf(stdout: string, reportId: string): number[] {
  return stdout
    .split('\n')
    .filter((line) => line.includes(`report ${reportId}`))
    .map((line) => Number(/ v(\d+) approved by /.exec(line)?.[1]));
}

/** Where the running test is, and the command it runs: told when a test fails while waiting (at Jest's timeout, say). */
let step = '';
let running: Watcher | undefined;

afterEach(async () => {
  if (step) console.error(`watch-approvals test stopped at: ${step}\nstdout:\n${running?.output.stdout}\nstderr:\n${running?.output.stderr}`);
  // A test stopped by Jest's timeout never reaches its own `finally`: the command must not outlive it.
  await running?.stop();
  step = '';
  running = undefined;
});

describe('npm run watch-approvals', () => {
  it('prints the approvals made while its connection was cut once it is back, and none twice', async () => {
    const record = newRecord();
    // A cursor to start from (the version's creation), so that its approval is printed however soon it follows.
    const events = subscribe(tester, EVENTS, { reportId: record.reportId, after: FROM_THE_START });
    const v1 = await createVersion('PLANNING', record, tester);
    const [created] = await events.until(1);
    await events.close();

    const relay = await startRelay(new URL(stack.gatewayUrl));
    // Its own report only: the other suites' approvals, running meanwhile, are none of its business.
    const watcher = watchApprovals(
      ['PLANNING', '--report', record.reportId, '--url', `ws://127.0.0.1:${relay.port}/graphql`, '--after', created!.data.versionEvents.cursor],
      tester.token,
    );
    running = watcher;
    try {
      step = 'approving v1';
      await ok(APPROVE_VERSION, { phase: 'PLANNING', versionId: v1.id }, reviewer);
      step = 'waiting for v1 to be printed';
      await watcher.until('stdout', (text) => approvalsOf(text, record.reportId).length === 1);

      step = 'cutting the relay';
      relay.cut();
      step = 'waiting for "connection lost"';
      await watcher.until('stderr', (text) => text.includes('connection lost'));
      step = 'approving v2 while cut off';
      const v2 = await createVersion('PLANNING', record, tester);
      await ok(APPROVE_VERSION, { phase: 'PLANNING', versionId: v2.id }, reviewer);
      step = 'restoring the relay';
      relay.restore();
      step = 'waiting for v2 to be printed';
      await watcher.until('stdout', (text) => approvalsOf(text, record.reportId).length >= 2);

      step = 'approving v3';
      const v3 = await createVersion('PLANNING', record, tester);
      await ok(APPROVE_VERSION, { phase: 'PLANNING', versionId: v3.id }, reviewer);
      step = 'waiting for v3 to be printed';
      const stdout = await watcher.until('stdout', (text) => approvalsOf(text, record.reportId).includes(3));
      step = '';
      expect(approvalsOf(stdout, record.reportId)).toEqual([1, 2, 3]);
      const stderr = await watcher.until('stderr', () => true);
      expect(stderr).toMatch(/connection lost.*: subscribing again after \S+ in 1 s/);
      expect(stderr.match(/watching approvals of PLANNING of report/g)!.length).toBeGreaterThanOrEqual(2);
    } finally {
      await watcher.stop();
      await relay.close();
    }
  });

  it('ends with exit code 1 when the gateway refuses its token, instead of trying again', async () => {
    const watcher = watchApprovals(['--url', stack.gatewayUrl.replace(/^http/, 'ws')], 'not-a-token');
    try {
      expect(await watcher.exited).toBe(1);
      const stderr = await watcher.until('stderr', () => true);
      expect(stderr).toMatch(/subscription refused: 44\d\d/);
      expect(stderr).not.toMatch(/connection lost/);
    } finally {
      await watcher.stop();
    }
  });
});
