/** What the e2e tests share: Debian's Chromium driven by playwright-core, and reading the studio's results on the page. */
import { expect } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** Records the page's uncaught errors (and, with `consoleErrors`, its console errors) into `into`. */
export function collectPageErrors(page: Page, into: string[], consoleErrors = false): void {
  page.on('pageerror', (e) => into.push(e.message));
  if (consoleErrors) page.on('console', (m) => m.type() === 'error' && into.push(m.text()));
}

/** Waits for a value (generously: under CI the browser shares two cores with LLVM compiles). */
export const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 30_000, interval: 100 });

export const nodeCount = (p: Page) => p.locator('.react-flow__node').count();
export const edgeCount = (p: Page) => p.locator('.react-flow__edge').count();

/** The numbers of the Results table: rows[trial] = every cell's full-precision value, in column order. */
export async function tableValues(p: Page): Promise<number[][]> {
  return p.getByRole('table', { name: 'Results table' }).locator('tbody tr').evaluateAll((rows) =>
    rows.map((r) => Array.from(r.querySelectorAll('td'), (td) => Number(td.getAttribute('data-value')))),
  );
}

/** Waits until the run on screen is done with `trials` trials. */
export async function runAndWait(p: Page, trials: number): Promise<void> {
  const results = p.getByRole('region', { name: 'Results' });
  await poll(() => results.getAttribute('data-status')).toBe('done');
  await poll(() => results.getAttribute('data-trials')).toBe(String(trials));
}

/** The model document on screen. */
export function modelOnScreen(p: Page): Promise<Record<string, unknown>> {
  return p.evaluate(() => (window as unknown as { cogstudioModel: () => Record<string, unknown> }).cogstudioModel());
}

/** Opens a model file of the web host's workspace through the Open dialog (a path typed in). */
export async function openInWorkspace(p: Page, path: string): Promise<void> {
  await p.getByRole('button', { name: 'Open…' }).click();
  const dialog = p.getByRole('dialog', { name: 'Open a model' });
  await dialog.getByRole('textbox', { name: 'Path' }).fill(path);
  await dialog.getByRole('button', { name: 'Open', exact: true }).click();
}
