import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const ARTIFACTS = join(import.meta.dirname, '..', '..', '..', 'test-artifacts', 'web');
const ROOT = join(import.meta.dirname, '..', '..', '..');

/** Builds the dashboard if its sources changed (async: the server under test runs in this process). */
export async function buildDashboard(): Promise<void> {
  await promisify(execFile)(process.execPath, [join(ROOT, 'scripts', 'build-web.mjs')], {
    cwd: ROOT,
    timeout: 120_000,
  });
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Debian's Chromium, headless, with a fresh empty profile. */
export async function launchChromium(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'dockyard-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
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
    viewport: { width: 1360, height: 900 },
  });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Opens the dashboard in a new tab (its own sessionStorage) and signs in. */
export async function signIn(
  context: BrowserContext,
  endpoint: string,
  who: { adminKey: string } | { appId: string; secret: string },
): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${endpoint}/dashboard/`);
  if ('adminKey' in who) {
    await page.fill('input[name=secret]', who.adminKey);
  } else {
    await page.check('[data-testid=kind-sp]');
    await page.fill('input[name=appId]', who.appId);
    await page.fill('input[name=secret]', who.secret);
  }
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-testid=signed-in-as]');
  return page;
}

/** Polls an element's text until it matches (the browser's own state, read from the test process). */
export async function waitForText(page: Page, selector: string, re: RegExp, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    last =
      (await page
        .locator(selector)
        .first()
        .textContent({ timeout: Math.max(1, deadline - Date.now()) })
        .catch(() => null)) ?? '';
    if (re.test(last)) return last;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${selector} to match ${re}; it shows: ${last.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
