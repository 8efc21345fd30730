// Stops the stack the global setup started and drops its database.
import type { startTestStack } from './stack';

export default async function globalTeardown(): Promise<void> {
  const stack = (globalThis as { phasegraphStack?: Awaited<ReturnType<typeof startTestStack>> }).phasegraphStack;
  await stack?.cleanup();
}
