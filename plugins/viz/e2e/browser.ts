// Headless Chromium for the e2e tests and the benchmark: Debian's /usr/bin/chromium driven by
// playwright-core (which cannot download a browser here), with the flags that work on this machine.
// Every page is opened with its console errors, page errors and requests recorded, and any request
// that is not the page's own file aborted, so a test can assert that the page fetched nothing.

import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.DAGRUN_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Launches Chromium; playwright gives it a fresh --user-data-dir and removes it at close. */
export const launch = async (): Promise<Browser> => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `Chromium: expected ${CHROMIUM}, but got no such file. ` +
        'Install it with: apt-get install -y chromium (or set DAGRUN_CHROMIUM).',
    );
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
};

export interface OpenedPage {
  readonly page: Page;
  readonly url: string;
  /** console.error / console.warning messages and uncaught page errors. */
  readonly errors: string[];
  /** Every request the page made, its own file included. */
  readonly requests: string[];
  /** Requests to anything but the page's file (aborted). */
  readonly blocked: string[];
  /** Milliseconds from navigation to `body[data-ready]` (the page drawn and its listeners attached). */
  readonly readyMs: number;
}

export const openPage = async (
  browser: Browser,
  file: string,
  viewport = { width: 1400, height: 820 },
): Promise<OpenedPage> => {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const url = pathToFileURL(file).href;
  const errors: string[] = [];
  const requests: string[] = [];
  const blocked: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') errors.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('request', (r) => requests.push(r.url()));
  await context.route('**/*', (route) => {
    const u = route.request().url();
    if (u === url) return route.continue();
    blocked.push(u);
    return route.abort();
  });
  const t0 = performance.now();
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  return { page, url, errors, requests, blocked, readyMs: performance.now() - t0 };
};

/** Rendered items of one kind (`node`, `dataset`, `parameter`, `namespace`). */
export const countKind = (page: Page, kind: string): Promise<number> =>
  page.locator(`#viewport .item[data-kind="${kind}"]`).count();
export const countEdges = (page: Page): Promise<number> => page.locator('#viewport path.edge').count();
export const shownIds = (page: Page, kind: string): Promise<string[]> =>
  page.$$eval(`#viewport .item[data-kind="${kind}"]`, (els) => els.map((e) => (e as SVGGElement).dataset.id!).sort());
