// Headless Chromium (Debian's, via playwright-core) for the ui's e2e tests, as plugins/viz/e2e/browser.ts
// but for a served http:// page: same-origin requests go through, any other is aborted and recorded (the
// page must fetch nothing from elsewhere); console and page errors are recorded too.

import type { Browser, Page } from 'playwright-core';

// The browser and its flags are viz's, shared by relative import as the tests share core's helpers.
export { CHROMIUM, launch } from '../../viz/e2e/browser.js';

export interface OpenedPage {
  readonly page: Page;
  /** console.error / console.warning messages and uncaught page errors. */
  readonly errors: string[];
  /** Requests to another origin (aborted). */
  readonly blocked: string[];
}

/** Opens `url` (the ui's origin plus a hash route) in a fresh context and waits for the first render. */
export const openPage = async (
  browser: Browser,
  url: string,
  viewport = { width: 1400, height: 900 },
): Promise<OpenedPage> => {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const origin = new URL(url).origin;
  const errors: string[] = [];
  const blocked: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning')
      errors.push(`console.${m.type()}: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  await context.route('**/*', (route) => {
    const u = route.request().url();
    if (u.startsWith(`${origin}/`) || u === origin || u.startsWith('data:')) return route.continue();
    blocked.push(u);
    return route.abort();
  });
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  return { page, errors, blocked };
};

const renders = async (page: Page): Promise<number> => Number((await page.getAttribute('#view', 'data-renders')) ?? 0);

/** Runs `action` (a click, a key press) and waits until the page has rendered what it asked for. */
export const afterRender = async (page: Page, action: () => Promise<unknown>): Promise<void> => {
  const before = await renders(page);
  await action();
  await page.waitForFunction((n) => Number(document.getElementById('view')?.dataset.renders ?? 0) > n, before, {
    timeout: 15_000,
  });
};

/** The run ids of the runs table's rows, top to bottom. */
export const rowIds = (page: Page): Promise<string[]> =>
  page.$$eval('[data-testid=runs-table] tbody tr[data-run-id]', (rows) =>
    rows.map((r) => (r as HTMLElement).dataset.runId!),
  );
