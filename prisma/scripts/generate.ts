// Runs `prisma generate` offline. The Prisma CLI wants its native schema engine at start and would try to
// download it; the generator itself does not need it, so any existing file satisfies the check.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? fileURLToPath(import.meta.url),
  CHECKPOINT_DISABLE: '1',
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
};
const result = spawnSync('npx', ['prisma', 'generate', '--schema', 'schema'], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
