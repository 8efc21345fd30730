// The line every recorded result starts with: the machine, the software and the commit it was measured on.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { Client } from 'pg';

/** Cores, memory, Node, the PostgreSQL version at `serverUrl`, and the commit (saying so when the tree differs from it). */
export async function machineLine(serverUrl: string): Promise<string> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
  await client.end();
  const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8' }).trim();
  const dirty = git('status', '--porcelain', '--untracked-files=no') ? ' with uncommitted changes' : '';
  return (
    `Machine: ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version.slice(1)}, PostgreSQL ${rows[0]!.server_version} ` +
    `on the same machine. Commit ${git('rev-parse', '--short', 'HEAD')} (${git('rev-parse', '--abbrev-ref', 'HEAD')})${dirty}.`
  );
}
