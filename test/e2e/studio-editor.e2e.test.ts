/**
 * The editor in Chromium against the web host, driven as a person would (mouse, keyboard, roles
 * and labels): a two-node model built from an empty canvas, a node condition and a nested
 * termination condition set in the conditions editor, inputs pasted as CSV, a run in Auto whose
 * numbers equal the CLI's for the saved file; multi-select (shift-click, box), delete and move of
 * several nodes as one undo step; copy/paste (and validation of pasted text); minimap, fit view
 * and error badges. Screenshots go to /tmp/shots-editor/.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { collectPageErrors, edgeCount, launchBrowser, modelOnScreen, nodeCount, poll, runAndWait, tableValues } from './browser.js';
import { ROOT, startWebHostProcess, type RunningHost } from './web-host-process.js';

const SHOTS = '/tmp/shots-editor';

let host: RunningHost;
let browser: Browser;
let context: BrowserContext;
let p: Page;
let workspace: string;
const pageErrors: string[] = [];

const shot = (name: string) => p.screenshot({ path: join(SHOTS, `${name}.png`) });
const inspector = () => p.getByRole('region', { name: 'Inspector' });
const node = (name: string) => p.locator(`.react-flow__node[data-id="${name}"]`);
const handle = (name: string, kind: 'source' | 'target') => node(name).locator(`.react-flow__handle.${kind}`);
const selectedNodes = () => p.locator('.react-flow__node.selected').evaluateAll((ns) => ns.map((n) => n.getAttribute('data-id')));
const statusBar = () => p.locator('.statusbar');
/** Clicks the empty canvas (clears the selection, takes focus off any field). */
const clickPane = (x = 30, y = 300) => p.locator('.react-flow__pane').click({ position: { x, y } });
const inspecting = () => inspector().locator('[data-inspecting]').getAttribute('data-inspecting');
/** Puts text on the system clipboard, as copying it in another program would. */
const setClipboard = (text: string) => p.evaluate((t) => navigator.clipboard.writeText(t), text);

async function addFromPalette(search: string, option: RegExp, at: { x: number; y: number }): Promise<void> {
  await p.locator('.react-flow__pane').dblclick({ position: at });
  const palette = p.getByRole('dialog', { name: 'Palette' });
  await palette.getByRole('searchbox', { name: 'Search components' }).fill(search);
  await palette.getByRole('option', { name: option }).click();
  await poll(() => palette.count()).toBe(0);
}

async function dragBetween(from: { x: number; y: number }, to: { x: number; y: number }): Promise<void> {
  await p.mouse.move(from.x, from.y);
  await p.mouse.down();
  await p.mouse.move(to.x, to.y, { steps: 12 });
  await p.mouse.up();
}

const centre = (b: { x: number; y: number; width: number; height: number }) => ({ x: b.x + b.width / 2, y: b.y + b.height / 2 });

async function commitField(label: string, value: string, scope = inspector()): Promise<void> {
  const field = scope.getByLabel(label, { exact: true });
  await field.fill(value);
  await field.press('Enter');
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  workspace = mkdtempSync(join(tmpdir(), 'cogstudio-editor-e2e-'));
  host = await startWebHostProcess(['--workspace', workspace]);
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1440, height: 900 }, permissions: ['clipboard-read', 'clipboard-write'] });
  p = await context.newPage();
  collectPageErrors(p, pageErrors, true);
  await p.goto(host.url);
  await p.getByRole('dialog', { name: 'Examples' }).getByRole('button', { name: 'Close' }).click();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await host?.stop();
  rmSync(workspace, { recursive: true, force: true });
});

describe('building and running a model with the conditions and inputs editors', () => {
  it('builds two connected nodes of size 2 from the palette', async () => {
    await addFromPalette('process', /^ProcessingMechanism/, { x: 80, y: 220 });
    await addFromPalette('transfer', /^TransferMechanism/, { x: 420, y: 220 });
    await poll(() => nodeCount(p)).toBe(2);
    for (const name of ['Processing-0', 'Transfer-0']) {
      await node(name).click();
      await poll(inspecting).toBe(name);
      await commitField('size', '2');
    }
    await inspector().getByRole('combobox', { name: 'function' }).selectOption('Logistic');
    await inspector().getByRole('checkbox', { name: 'integrator_mode' }).check();
    await dragBetween(centre((await handle('Processing-0', 'source').boundingBox())!), centre((await handle('Transfer-0', 'target').boundingBox())!));
    await poll(() => edgeCount(p)).toBe(1);
  });

  it('sets a node condition (EveryNCalls), checking n inline, and undoes/redoes the edit', async () => {
    await node('Transfer-0').click();
    await poll(inspecting).toBe('Transfer-0');
    const cond = inspector().getByRole('group', { name: 'Scheduling condition' });
    await cond.getByRole('combobox', { name: 'condition', exact: true }).selectOption('EveryNCalls');
    expect(await cond.getByRole('combobox', { name: 'dependency' }).inputValue()).toBe('Processing-0');
    // the dependency is a select of the model's nodes
    expect(await cond.getByRole('combobox', { name: 'dependency' }).locator('option').allTextContents()).toEqual(['Processing-0', 'Transfer-0']);
    await commitField('n', '0', cond);
    await poll(() => cond.getByRole('alert').textContent()).toBe('must be at least 1');
    await shot('condition-invalid-n');
    await commitField('n', '2', cond);
    await poll(() => cond.getByRole('alert').count()).toBe(0);
    expect((await modelOnScreen(p)).conditions).toEqual({ 'Transfer-0': { type: 'EveryNCalls', dependency: 'Processing-0', n: 2 } });
    expect(await cond.locator('.condition-summary').textContent()).toBe('EveryNCalls(Processing-0, 2)');
    await inspector().getByRole('heading', { name: 'Inspector' }).click();
    await p.keyboard.press('Control+z');
    await poll(async () => (await modelOnScreen(p)).conditions).toEqual({ 'Transfer-0': { type: 'EveryNCalls', dependency: 'Processing-0', n: 1 } });
    await poll(() => cond.getByRole('textbox', { name: 'n', exact: true }).inputValue()).toBe('1');
    await p.keyboard.press('Control+Shift+z');
    await poll(() => cond.getByRole('textbox', { name: 'n', exact: true }).inputValue()).toBe('2');
    await shot('condition-node');
  });

  it('sets a nested trial termination, Any(AfterNCalls(Transfer-0, 2), AfterNPasses(20)), and a run termination, with nothing selected', async () => {
    await clickPane();
    await poll(inspecting).toBe('model');
    const term = inspector().getByRole('group', { name: 'Termination', exact: true });
    await term.getByRole('combobox', { name: 'trial termination', exact: true }).selectOption('Any');
    const add = term.getByRole('button', { name: 'Add a condition to trial termination' });
    await add.click();
    await add.click();
    await term.getByRole('combobox', { name: 'part 1 type' }).selectOption('AfterNCalls');
    await term.getByRole('combobox', { name: 'part 1 dependency' }).selectOption('Transfer-0');
    await commitField('part 1 n', '2', term);
    // Not, nested one level deeper, then replaced: every depth is editable
    await term.getByRole('combobox', { name: 'part 2 type' }).selectOption('Not');
    await term.getByRole('combobox', { name: 'part 2.inner type' }).selectOption('AtPass');
    await commitField('part 2.inner n', '-1', term);
    await poll(() => term.getByRole('alert').textContent()).toBe('must be at least 0');
    await term.getByRole('combobox', { name: 'part 2 type' }).selectOption('AfterNPasses');
    await commitField('part 2 n', '20', term);
    await poll(() => term.getByRole('alert').count()).toBe(0);
    // the run's own termination: after 2 trials, whatever the toolbar's Trials
    await term.getByRole('combobox', { name: 'run termination', exact: true }).selectOption('AfterNTrials');
    await commitField('n', '2', term.getByRole('group', { name: 'run termination' }));
    expect((await modelOnScreen(p)).termination).toEqual({
      trial: { type: 'Any', conditions: [{ type: 'AfterNCalls', dependency: 'Transfer-0', n: 2 }, { type: 'AfterNPasses', n: 20 }] },
      run: { type: 'AfterNTrials', n: 2 },
    });
    // a part can be removed again (one undo step), and comes back with undo
    await term.getByRole('button', { name: 'Remove part 2' }).click();
    await poll(async () => ((await modelOnScreen(p)).termination as { trial: { conditions: unknown[] } }).trial.conditions.length).toBe(1);
    await inspector().getByRole('heading', { name: 'Inspector' }).click();
    await p.keyboard.press('Control+z');
    await poll(async () => ((await modelOnScreen(p)).termination as { trial: { conditions: unknown[] } }).trial.conditions.length).toBe(2);
    await term.scrollIntoViewIfNeeded();
    await shot('termination');
  });

  it('fills the input node’s table by pasting CSV, with clear errors for a wrong column count or a non-number', async () => {
    await node('Processing-0').click();
    await poll(inspecting).toBe('Processing-0');
    const inputs = inspector().getByRole('group', { name: 'Inputs of Processing-0' });
    await inputs.getByRole('button', { name: 'Paste CSV' }).click();
    const csv = inputs.getByRole('textbox', { name: 'CSV for Processing-0' });
    await csv.fill('1, -1\n0.5, 2, 3\n');
    await inputs.getByRole('button', { name: 'Apply CSV' }).click();
    await poll(() => inputs.getByRole('alert').textContent()).toBe('line 2 has 3 value(s), but Processing-0 takes 2 per trial (its input size)');
    expect(await csv.getAttribute('aria-describedby')).toBe(await inputs.getByRole('alert').getAttribute('id'));
    await csv.fill('x0, x1\n1, -1\n0.5, two\n');
    await inputs.getByRole('button', { name: 'Apply CSV' }).click();
    await poll(() => inputs.getByRole('alert').textContent()).toBe('line 3, column 2: "two" is not a number');
    await shot('inputs-csv-error');
    await csv.fill('x0, x1\n1, -1\n0.5, 2\n-0.25, 0.75\n');
    await inputs.getByRole('button', { name: 'Apply CSV' }).click();
    await poll(() => inputs.getByRole('alert').count()).toBe(0);
    const table = inputs.getByRole('table', { name: 'Input table of Processing-0' });
    await poll(() => table.locator('tbody tr').count()).toBe(3);
    expect(await inputs.getByRole('textbox', { name: 'Processing-0 trial 3 x1' }).inputValue()).toBe('0.75');
    // a block copied from a spreadsheet, pasted into a cell, fills the table from there
    await setClipboard('4\t5\n6\t7');
    await inputs.getByRole('textbox', { name: 'Processing-0 trial 3 x0' }).click();
    await p.keyboard.press('Control+v');
    await poll(() => table.locator('tbody tr').count()).toBe(4);
    expect((await modelOnScreen(p)).run).toEqual({ inputs: { 'Processing-0': [[1, -1], [0.5, 2], [4, 5], [6, 7]] } });
    await shot('inputs-table');
    // one cell typed (Enter moves to the cell below, as in a spreadsheet); each change is one undo step
    await commitField('Processing-0 trial 3 x1', 'abc', inputs);
    await poll(() => inputs.getByRole('alert').textContent()).toBe('trial 3, x1: "abc" is not a number');
    await commitField('Processing-0 trial 3 x1', '-7', inputs);
    await poll(async () => (await modelOnScreen(p)).run).toEqual({ inputs: { 'Processing-0': [[1, -1], [0.5, 2], [4, -7], [6, 7]] } });
    expect(await p.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Processing-0 trial 4 x1');
    await inspector().getByRole('heading', { name: 'Inspector' }).click();
    await p.keyboard.press('Control+z');
    await poll(async () => (await modelOnScreen(p)).run).toEqual({ inputs: { 'Processing-0': [[1, -1], [0.5, 2], [4, 5], [6, 7]] } });
    await p.keyboard.press('Control+z');
    await poll(async () => (await modelOnScreen(p)).run).toEqual({ inputs: { 'Processing-0': [[1, -1], [0.5, 2], [-0.25, 0.75]] } });
    await poll(() => table.locator('tbody tr').count()).toBe(3);
  });

  it('runs in Auto (the run termination stops it after 2 trials); the saved file run by the CLI (Interpreted) gives the same numbers', async () => {
    await p.getByRole('spinbutton', { name: 'Trials' }).fill('3');
    await p.getByRole('combobox', { name: 'Mode' }).selectOption('Auto');
    await p.getByRole('button', { name: 'Run', exact: true }).click();
    // the run termination ends the run after 2 of the 3 trials
    await runAndWait(p, 2);
    const values = await tableValues(p);
    await p.getByRole('button', { name: 'Save' }).click();
    await poll(() => readdirSync(workspace).filter((f) => f.endsWith('.json')).length).toBe(1);
    const file = join(workspace, readdirSync(workspace).find((f) => f.endsWith('.json'))!);
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    expect(saved.conditions).toEqual({ 'Transfer-0': { type: 'EveryNCalls', dependency: 'Processing-0', n: 2 } });
    expect(saved.termination.trial.type).toBe('Any');
    const out = join(workspace, 'cli-out.results');
    execFileSync('npx', ['cogstudio', 'run', file, '--mode', 'Interpreted', '--trials', '3', '--out', out], { cwd: ROOT, stdio: 'pipe' });
    const cli = JSON.parse(readFileSync(out, 'utf8')) as { results: number[][][] };
    expect(values).toEqual(cli.results.map((trial) => trial.flat()));
    expect(values).toHaveLength(2);
    expect(new Set(values.map((r) => r.join())).size).toBe(2);
    await shot('run');
  });
});

describe('multi-select, delete, move, copy and paste', () => {
  it('selects several nodes by shift-click and by a shift-drag box; deletes them (and their projection) as one undo step', async () => {
    await clickPane();
    await node('Processing-0').click();
    await node('Transfer-0').click({ modifiers: ['Shift'] });
    await poll(selectedNodes).toEqual(['Processing-0', 'Transfer-0']);
    await poll(inspecting).toBe('selection');
    await shot('multi-selected');
    await p.keyboard.press('Delete');
    await poll(() => nodeCount(p)).toBe(0);
    expect(await edgeCount(p)).toBe(0);
    expect(await p.getByRole('button', { name: 'Undo' }).getAttribute('title')).toBe('Undo Delete Processing-0, Transfer-0 (Ctrl+Z)');
    await p.keyboard.press('Control+z');
    await poll(() => nodeCount(p)).toBe(2);
    await poll(() => edgeCount(p)).toBe(1);
    const saved = JSON.parse(readFileSync(join(workspace, readdirSync(workspace).find((f) => f.endsWith('.cogmodel.json'))!), 'utf8'));
    expect(await modelOnScreen(p)).toEqual(saved);

    await clickPane();
    const a = (await node('Processing-0').boundingBox())!;
    const b = (await node('Transfer-0').boundingBox())!;
    await p.keyboard.down('Shift');
    await dragBetween({ x: a.x - 30, y: Math.min(a.y, b.y) - 30 }, { x: b.x + b.width + 30, y: Math.max(a.y + a.height, b.y + b.height) + 30 });
    await p.keyboard.up('Shift');
    await poll(selectedNodes).toEqual(['Processing-0', 'Transfer-0']);
    // Ctrl-click takes a node out of the selection and puts it back
    await node('Processing-0').click({ modifiers: ['Control'] });
    await poll(selectedNodes).toEqual(['Transfer-0']);
    await node('Processing-0').click({ modifiers: ['Control'] });
    await poll(selectedNodes).toEqual(['Processing-0', 'Transfer-0']);
  });

  it('moves the selected nodes together as one undo step', async () => {
    const before = { a: (await node('Processing-0').boundingBox())!, b: (await node('Transfer-0').boundingBox())! };
    await dragBetween(centre(before.a), { x: centre(before.a).x + 60, y: centre(before.a).y + 120 });
    const moved = async (n: string, was: { x: number; y: number }) => {
      const box = (await node(n).boundingBox())!;
      return [Math.round(box.x - was.x), Math.round(box.y - was.y)];
    };
    // both moved by the same amount (the screen distance, at the view's zoom)
    await poll(async () => (await moved('Transfer-0', before.b))[1]).toBeGreaterThan(80);
    expect(await moved('Transfer-0', before.b)).toEqual(await moved('Processing-0', before.a));
    expect(await p.getByRole('button', { name: 'Undo' }).getAttribute('title')).toBe('Undo Move 2 nodes (Ctrl+Z)');
    await shot('moved-together');
    await p.keyboard.press('Control+z');
    await poll(async () => Math.round((await node('Transfer-0').boundingBox())!.y)).toBe(Math.round(before.b.y));
    expect(Math.round((await node('Processing-0').boundingBox())!.y)).toBe(Math.round(before.a.y));
  });

  it('copies and pastes nodes (Ctrl+C, Ctrl+V) under fresh names, with their projection and condition, offset, as one undo step', async () => {
    await clickPane();
    await p.keyboard.press('Control+a');
    await poll(selectedNodes).toEqual(['Processing-0', 'Transfer-0']);
    await p.keyboard.press('Control+c');
    await p.keyboard.press('Control+v');
    await poll(() => nodeCount(p)).toBe(4);
    await poll(() => edgeCount(p)).toBe(2);
    await poll(selectedNodes).toEqual(['Processing-1', 'Transfer-1']);
    const model = await modelOnScreen(p);
    const nodes = model.nodes as Record<string, { studio: { position: { x: number; y: number } } }>;
    expect(Object.keys(nodes)).toEqual(['Processing-0', 'Transfer-0', 'Processing-1', 'Transfer-1']);
    expect(nodes['Processing-1']!.studio.position).toEqual({ x: nodes['Processing-0']!.studio.position.x + 40, y: nodes['Processing-0']!.studio.position.y + 40 });
    expect((model.projections as { sender: string; receiver: string }[])[1]).toMatchObject({ sender: 'Processing-1', receiver: 'Transfer-1' });
    expect((model.conditions as Record<string, unknown>)['Transfer-1']).toEqual({ type: 'EveryNCalls', dependency: 'Processing-1', n: 2 });
    await shot('pasted');
    await p.keyboard.press('Control+z');
    await poll(() => nodeCount(p)).toBe(2);
    await p.keyboard.press('Control+Shift+z');
    await poll(() => nodeCount(p)).toBe(4);
    await p.keyboard.press('Control+z');
    await poll(() => nodeCount(p)).toBe(2);
    // Ctrl+D duplicates the selection in one step; the node shows its condition
    await node('Transfer-0').click();
    await p.keyboard.press('Control+d');
    await poll(selectedNodes).toEqual(['Transfer-1']);
    expect(await node('Transfer-1').locator('.mechanism-condition').textContent()).toBe('EveryNCalls(Processing-0, 2)');
    await p.keyboard.press('Control+z');
    await poll(() => nodeCount(p)).toBe(2);
    // Ctrl+X cuts (the projection goes with the node); pasting brings the node back under its own name
    await node('Transfer-0').click();
    await p.keyboard.press('Control+x');
    await poll(() => nodeCount(p)).toBe(1);
    await p.keyboard.press('Control+v');
    await poll(selectedNodes).toEqual(['Transfer-0']);
    expect(await edgeCount(p)).toBe(0);
    await p.keyboard.press('Control+z');
    await p.keyboard.press('Control+z');
    await poll(() => nodeCount(p)).toBe(2);
    await poll(() => edgeCount(p)).toBe(1);
  });

  it('validates model JSON pasted from outside: refuses a bad fragment with a clear message, pastes a good one', async () => {
    await clickPane();
    await setClipboard('{"nodes": {"Blend": {"type": "Blender"}}}');
    await p.keyboard.press('Control+v');
    await poll(() => statusBar().textContent()).toContain('cannot paste: node Blend: type: unknown mechanism type "Blender"');
    expect(await nodeCount(p)).toBe(2);
    await shot('paste-refused');
    await setClipboard(JSON.stringify({ nodes: { Extra: { type: 'TransferMechanism', size: 2, studio: { position: { x: 100, y: 400 } } } } }));
    await p.getByRole('toolbar', { name: 'Edit' }).getByRole('button', { name: 'Paste' }).click();
    await poll(() => nodeCount(p)).toBe(3);
    await poll(selectedNodes).toEqual(['Extra']);
    await p.keyboard.press('Control+z');
    await poll(() => nodeCount(p)).toBe(2);
  });
});

describe('minimap, fit view and error badges', () => {
  it('shows a minimap, and F fits the view after panning the model out of sight', async () => {
    expect(await p.locator('.react-flow__minimap').isVisible()).toBe(true);
    expect(await p.locator('.react-flow__minimap-node').count()).toBe(2);
    expect(await p.getByRole('button', { name: 'Fit View' }).count()).toBe(1);
    const canvas = (await p.locator('.react-flow__pane').boundingBox())!;
    await dragBetween({ x: canvas.x + canvas.width - 200, y: canvas.y + canvas.height - 100 }, { x: canvas.x + canvas.width - 40, y: canvas.y + canvas.height + 600 });
    const inView = async () => {
      const box = await node('Transfer-0').boundingBox();
      return !!box && box.y > canvas.y && box.y + box.height < canvas.y + canvas.height && box.x > canvas.x && box.x + box.width < canvas.x + canvas.width;
    };
    await poll(inView).toBe(false);
    await p.keyboard.press('f');
    await poll(inView).toBe(true);
  });

  it('lists the keyboard shortcuts (? or the ? button)', async () => {
    await clickPane();
    await p.keyboard.press('?');
    const help = p.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await poll(() => help.getByRole('rowheader').count()).toBeGreaterThan(10);
    expect(await help.getByRole('row', { name: /Duplicate the selection/ }).textContent()).toContain('Ctrl+D');
    await shot('shortcuts');
    await p.keyboard.press('Escape');
    await poll(() => help.count()).toBe(0);
    await p.getByRole('toolbar', { name: 'Edit' }).getByRole('button', { name: 'Keyboard shortcuts' }).click();
    await poll(() => help.count()).toBe(1);
    await help.getByRole('button', { name: 'Close' }).click();
    await poll(() => help.count()).toBe(0);
  });

  it('puts an error badge on a node the validation finds a problem with', async () => {
    await node('Transfer-0').click();
    await commitField('integration_rate', '"fast"');
    const badge = node('Transfer-0').getByRole('img', { name: /problem/ });
    await poll(() => badge.count()).toBe(1);
    expect(await badge.textContent()).toBe('1');
    expect(await badge.getAttribute('title')).toMatch(/integration_rate/);
    await shot('badge');
    await inspector().getByRole('button', { name: 'Reset integration_rate' }).click();
    await poll(() => badge.count()).toBe(0);
  });

  it('gives a node with two input ports one column per element, and keeps its trial inputs one array per port', async () => {
    const q = await context.newPage();
    try {
      collectPageErrors(q, pageErrors);
      await q.goto(`${host.url}&example=udf`);
      const inputs = q.getByRole('region', { name: 'Inspector' }).getByRole('group', { name: 'Inputs of LOTTERY' });
      const table = inputs.getByRole('table', { name: 'Input table of LOTTERY' });
      await poll(() => table.locator('thead th').allTextContents()).toEqual(['trial', 'payoffs[0]', 'payoffs[1]', 'payoffs[2]', 'probabilities[0]', 'probabilities[1]', 'probabilities[2]', 'remove']);
      const cell = inputs.getByRole('textbox', { name: 'LOTTERY trial 1 probabilities[2]' });
      await cell.fill('0.5');
      await cell.press('Enter');
      await poll(async () => ((await modelOnScreen(q)).run as { inputs: Record<string, unknown[]> }).inputs.LOTTERY![0]).toEqual([
        [5, 0, 0],
        [1, 0, 0.5],
      ]);
    } finally {
      await q.close();
    }
  });

  it('logged no page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
