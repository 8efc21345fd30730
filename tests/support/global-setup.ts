// Starts the stack once for the whole test run and tells the suites where it is (through the environment,
// which Jest's workers inherit).
import { startTestStack } from './stack';

export default async function globalSetup(): Promise<void> {
  const stack = await startTestStack();
  process.env.PHASEGRAPH_TEST_STACK = JSON.stringify(stack.info);
  (globalThis as { phasegraphStack?: typeof stack }).phasegraphStack = stack;
}
