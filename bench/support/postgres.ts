// A PostgreSQL server of the benchmark's own: initdb into a temporary folder, started on a free port, restarted when
// asked, and stopped and deleted at teardown. The machine's shared server is never touched, so faults can be injected.
import { execFile } from 'node:child_process';
import { chownSync, copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, logDir, onTeardown } from './processes';

const run = promisify(execFile);

/** How long any one pg_ctl step may take before the benchmark gives up on the server. */
const PG_CTL_WAIT_SECONDS = 60;

export interface ThrowawayPostgres {
  /** The `postgres` database of the server, as the superuser: for creating databases and for administration. */
  serverUrl: string;
  /** Restarts the server as an operator would (`pg_ctl restart -m fast`): every connection is cut. Resolves once it accepts connections again. */
  restart(): Promise<void>;
}

/**
 * Creates and starts a server of its own (binaries from PG_BIN, else `pg_config --bindir`, else the newest
 * /usr/lib/postgresql/<version>/bin); stopped, and its folder deleted, at teardown. Its log is kept in the benchmark's
 * log folder.
 */
export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const bin = await postgresBinaries();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'phasegraph-postgres-'));
  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, 'postgres.log');
  // initdb and postgres refuse to run as root; as root (a container, CI) they run as the `postgres` account instead,
  // which must own the folder.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]).catch((error: unknown) => {
      throw new Error('running as root, the benchmark runs PostgreSQL as the `postgres` account, and there is none: run it as another user', {
        cause: error,
      });
    });
    chownSync(dir, Number(uid.stdout), Number(gid.stdout));
  }
  const pg = async (program: string, args: string[]) => {
    const [command, commandArgs] = asRoot ? ['runuser', ['-u', 'postgres', '--', path.join(bin, program), ...args]] : [path.join(bin, program), args];
    try {
      await run(command, commandArgs, { cwd: dir });
    } catch (error) {
      const { stderr, stdout } = error as { stderr?: string; stdout?: string };
      throw new Error(`${program} ${args.join(' ')} failed: ${(stderr || stdout || String(error)).trim()}`, { cause: error });
    }
  };
  onTeardown(async () => {
    try {
      // Ctrl-C in a terminal reaches the server too, which may be stopping already.
      if (existsSync(path.join(dataDir, 'postmaster.pid'))) await pg('pg_ctl', ['stop', '-D', dataDir, '-m', 'immediate', '-w']);
    } finally {
      if (existsSync(logFile)) copyFileSync(logFile, path.join(logDir, 'postgres.log'));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  await pg('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync']);
  const port = await freePort();
  // Loopback only, its socket in its own folder (nothing of the machine's server is shared), and room for the split
  // deployment's pools (ten subgraphs of five connections, the gateway's, the benchmark's own).
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c max_connections=200`;
  await pg('pg_ctl', ['start', '-D', dataDir, '-l', logFile, '-o', options, '-w', '-t', String(PG_CTL_WAIT_SECONDS)]);
  return {
    serverUrl: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    // The log file again: without it the new server would write to pg_ctl's output, which would then never close.
    restart: () => pg('pg_ctl', ['restart', '-D', dataDir, '-l', logFile, '-m', 'fast', '-w', '-t', String(PG_CTL_WAIT_SECONDS)]),
  };
}

/** The folder holding initdb, pg_ctl and postgres. */
async function postgresBinaries(): Promise<string> {
  const candidates: string[] = [];
  if (process.env.PG_BIN) candidates.push(process.env.PG_BIN);
  else {
    const configured = await run('pg_config', ['--bindir']).then(
      ({ stdout }) => stdout.trim(),
      () => undefined,
    );
    if (configured) candidates.push(configured);
    const installed = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql') : [];
    candidates.push(...installed.sort((a, b) => Number(b) - Number(a)).map((version) => `/usr/lib/postgresql/${version}/bin`));
  }
  const found = candidates.find((dir) => ['initdb', 'pg_ctl', 'postgres'].every((program) => existsSync(path.join(dir, program))));
  if (!found) throw new Error(`no PostgreSQL binaries (initdb, pg_ctl, postgres) in ${candidates.join(', ') || 'PG_BIN'}: set PG_BIN to their folder`);
  return found;
}
