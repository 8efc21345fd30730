// GraphiQL at /graphiql in a real browser (Debian's Chromium, driven by playwright-core), with every request outside
// the gateway refused: the page loads whole from the gateway, runs a query with the Authorization header it was
// prefilled with, and a subscription of the page receives an approval over graphql-ws.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { APPROVE_VERSION, createVersion, newRecord, newUser, ok, stack } from './support/api';
import { FROM_THE_START } from './support/subscriptions';

/** Debian's Chromium (`apt-get install chromium`), or the one CHROMIUM_PATH names. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available && process.env.CI) throw new Error(`No Chromium at ${CHROMIUM}: CI must run the browser test (.ci/run installs Debian's chromium).`);
if (!available) console.warn(`Skipping the GraphiQL browser test: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH).`);
const inBrowser = available ? describe : describe.skip;

const tester = newUser('TESTER');
const reviewer = newUser('TESTER');
const origin = new URL(stack.gatewayUrl).origin;

let browser: Browser;
beforeAll(async () => {
  if (!available) return;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});
afterAll(async () => {
  await browser?.close();
});

/** A page on which any request that leaves the gateway fails, and is noted (the explorer must need none). */
async function offlinePage(): Promise<{ page: Page; outside: string[] }> {
  const page = await browser.newPage();
  const outside: string[] = [];
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(`${origin}/`) || url.startsWith('blob:') || url.startsWith('data:')) return route.continue();
    outside.push(url);
    return route.abort('internetdisconnected');
  });
  page.on('websocket', (socket) => {
    if (!socket.url().startsWith(origin.replace(/^http/, 'ws'))) outside.push(socket.url());
  });
  return { page, outside };
}

/** Opens /graphiql on `query`, runs it, and resolves with the page once the result pane shows `expected`. */
async function run(page: Page, query: string, expected: string): Promise<void> {
  await page.goto(`${origin}/graphiql?query=${encodeURIComponent(query)}`);
  await page.locator('.graphiql-execute-button').click();
  await page.locator('.graphiql-response').getByText(expected).first().waitFor();
}

inBrowser('GraphiQL at /graphiql', () => {
  it('runs { phases { name } } with nothing loaded from outside the gateway', async () => {
    const { page, outside } = await offlinePage();
    try {
      await run(page, '{ phases { name } }', 'DATA_PROFILING');
      expect(outside).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('opens with the demo tester’s Authorization header, which the user can edit, and sends it', async () => {
    const { page } = await offlinePage();
    try {
      await run(page, '{ me { name roles } }', 'Tess Tester');
      const headersTab = page.getByText('Headers', { exact: true }).first();
      await headersTab.click();
      await page.locator('.graphiql-editor-tool').getByText('Authorization').first().waitFor();
    } finally {
      await page.close();
    }
  });

  it('receives an approval on a subscription over graphql-ws', async () => {
    const { page, outside } = await offlinePage();
    const record = newRecord();
    const version = await createVersion('PLANNING', record, tester);
    try {
      const socketOpened = page.waitForEvent('websocket');
      await page.goto(
        `${origin}/graphiql?query=${encodeURIComponent(`subscription { versionApproved(reportId: "${record.reportId}", after: "${FROM_THE_START}") { type versionId actor { name } } }`)}`,
      );
      await page.locator('.graphiql-execute-button').click();
      expect((await socketOpened).url()).toBe(`${origin.replace(/^http/, 'ws')}/graphql`);
      await ok(APPROVE_VERSION, { phase: 'PLANNING', versionId: version.id }, reviewer);
      await page.locator('.graphiql-response').getByText(version.id).first().waitFor();
      await page.locator('.graphiql-response').getByText(reviewer.name).first().waitFor();
      expect(outside).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
