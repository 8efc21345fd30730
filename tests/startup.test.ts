// Starting while the database cannot be reached: the server waits DATABASE_WAIT_MS, saying what it waits for, then
// exits 1 with one line that says why (no stack trace for a condition an operator causes).
import { spawn } from 'node:child_process';
import net from 'node:net';
import { repositoryRoot } from './support/stack';

/** A port nothing listens on: taken from the system, then let go. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

describe('starting with the database out of reach', () => {
  it.each([
    ['the gateway (npm start)', ['gateway/src/main.ts']],
    ['a subgraph on its own', ['subgraphs/kit/src/main.ts', 'planning']],
  ])('%s waits, says what for, then exits 1 with one clear line', async (_name, args) => {
    const port = await closedPort();
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
      cwd: repositoryRoot,
      env: { ...process.env, DATABASE_URL: `postgresql://postgres@127.0.0.1:${port}/phasegraph`, DATABASE_WAIT_MS: '1500', LOG_LEVEL: 'info', PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));

    expect(code).toBe(1);
    expect(output).toContain('"message":"waiting for the database"');
    expect(output).toContain(`Cannot reach PostgreSQL at 127.0.0.1:${port}, database phasegraph after 2 s (DATABASE_WAIT_MS)`);
    expect(output).not.toMatch(/^\s+at /m);
    expect(output).not.toMatch(/wasm|RuntimeError/i);
  });
});
