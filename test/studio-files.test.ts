/**
 * Files, results and no lost work, host side and renderer side: the recovery file, recent files,
 * atomic saves that fail (injected ENOSPC/EROFS) leaving the old file, exports, the Electron close
 * guard, autosave and the unsaved-changes question, run history and comparison, CSV/JSON/SVG.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { HostRequest, ModelDocument, RunEvent } from '../shared/ipc/protocol.js';
import { HostRequestSchema } from '../shared/ipc/protocol.js';
import { InProcessEngine } from '../src-main/web-host/engine.js';
import { RecentFiles, RECENT_LIMIT } from '../src-main/web-host/recent-files.js';
import { RECOVERY_FILE, RecoveryStore } from '../src-main/web-host/recovery-store.js';
import { userStateDir } from '../src-main/web-host/state-dir.js';
import { StudioService } from '../src-main/web-host/studio-service.js';
import { WorkspaceFiles } from '../src-main/web-host/workspace-files.js';
import { CloseGuard, type GuardedWindow } from '../src-main/electron/close-guard.js';
import { hostOver, type StudioHost } from '../src-renderer/host/host.js';
import { installAutosave } from '../src-renderer/files/autosave.js';
import { confirmLeave, recover } from '../src-renderer/files/file-actions.js';
import { niceTicks, plotSvg, resultsCsv, resultsJson } from '../src-renderer/files/exports.js';
import { isDirty } from '../src-renderer/store/model-store.js';
import { compareRuns, createRunHistory, modelHash, type RunRecord } from '../src-renderer/store/run-history.js';
import { moveNodes } from '../src-renderer/store/commands.js';
import { createStudio } from '../src-renderer/studio.js';

const EXAMPLES = join(import.meta.dirname, '..', 'examples');
const example = (name: string): ModelDocument => JSON.parse(readFileSync(join(EXAMPLES, `${name}.cogmodel.json`), 'utf8'));
const noEvents = () => undefined;
const temps: string[] = [];
const tempDir = (prefix: string) => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temps.push(d);
  return d;
};
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

function setup() {
  const workspace = tempDir('cogstudio-files-ws-');
  const state = tempDir('cogstudio-files-state-');
  const files = new WorkspaceFiles(workspace, join(state, 'recent-files.json'));
  const recovery = new RecoveryStore(state, (p) => files.resolve(p));
  const engine = new InProcessEngine();
  const service = new StudioService(engine, files, EXAMPLES, { recovery });
  return { workspace, state, files, recovery, service, engine };
}

describe('the recovery file', () => {
  it('keeps the autosaved model and its source, offers it back, and is removed on discard', async () => {
    const { service, state } = setup();
    const model = example('stroop');
    const saved = await service.handle({ method: 'recovery.save', model, source: { kind: 'example', name: 'stroop' } }, noEvents);
    expect(saved).toMatchObject({ ok: true });
    expect(existsSync(join(state, RECOVERY_FILE))).toBe(true);
    // written atomically: no temporary file is left beside it
    expect(readdirSync(state).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const check = await service.handle({ method: 'recovery.check' }, noEvents);
    expect(check).toMatchObject({ ok: true, result: { recovery: { model, source: { kind: 'example', name: 'stroop' } } } });
    expect(await service.handle({ method: 'recovery.discard' }, noEvents)).toEqual({ ok: true, result: { discarded: true } });
    expect(await service.handle({ method: 'recovery.check' }, noEvents)).toEqual({ ok: true, result: { recovery: null } });
    expect(await service.handle({ method: 'recovery.discard' }, noEvents)).toEqual({ ok: true, result: { discarded: false } });
  });

  it('is not offered when the file it belongs to was saved after it, nor when it is damaged', async () => {
    const { service, workspace, state, recovery } = setup();
    writeFileSync(join(workspace, 'm.cogmodel.json'), JSON.stringify(example('linear_chain')));
    await service.handle({ method: 'recovery.save', model: example('linear_chain'), source: { kind: 'file', path: 'm.cogmodel.json' } }, noEvents);
    expect(await recovery.check()).not.toBeNull();
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(workspace, 'm.cogmodel.json'), later, later);
    expect(await recovery.check()).toBeNull();
    writeFileSync(join(state, RECOVERY_FILE), '{"model": 3');
    expect(await recovery.check()).toBeNull();
    writeFileSync(join(state, RECOVERY_FILE), JSON.stringify({ model: { nodes: 1 }, source: { kind: 'new' }, savedAt: 1 }));
    expect(await recovery.check()).toBeNull();
  });

  it('lives in COGSTUDIO_STATE_DIR when set, else in the platform’s state folder', () => {
    expect(userStateDir({ COGSTUDIO_STATE_DIR: '/x/y' }, 'linux')).toBe('/x/y');
    expect(userStateDir({ XDG_STATE_HOME: '/s' }, 'linux')).toBe(join('/s', 'cogstudio'));
    expect(userStateDir({}, 'darwin')).toMatch(/Library[/\\]Application Support[/\\]CogStudio$/);
  });

  it('a host without one answers unavailable', async () => {
    const service = new StudioService(new InProcessEngine(), new WorkspaceFiles(tempDir('cogstudio-files-ws-')), EXAMPLES);
    expect(await service.handle({ method: 'recovery.check' }, noEvents)).toMatchObject({ ok: false, error: { kind: 'unavailable' } });
  });
});

describe('recent files', () => {
  it('are kept across host restarts, most recent first, at most ten', async () => {
    const dir = tempDir('cogstudio-recent-');
    const list = new RecentFiles(join(dir, 'recent.json'));
    for (let i = 0; i < RECENT_LIMIT + 3; i++) {
      writeFileSync(join(dir, `m${i}.json`), '{}');
      await list.remember(join(dir, `m${i}.json`));
    }
    await list.remember(join(dir, 'm5.json'));
    const again = new RecentFiles(join(dir, 'recent.json'));
    const paths = await again.load();
    expect(paths).toHaveLength(RECENT_LIMIT);
    expect(paths[0]).toBe(join(dir, 'm5.json'));
    expect(paths[1]).toBe(join(dir, `m${RECENT_LIMIT + 2}.json`));
  });

  it('mark a moved or deleted file missing; opening it fails clearly and drops it from the list', async () => {
    const { service, workspace, state } = setup();
    writeFileSync(join(workspace, 'a.cogmodel.json'), JSON.stringify(example('linear_chain')));
    writeFileSync(join(workspace, 'b.cogmodel.json'), JSON.stringify(example('stroop')));
    await service.handle({ method: 'file.open', path: 'a.cogmodel.json' }, noEvents);
    await service.handle({ method: 'file.open', path: 'b.cogmodel.json' }, noEvents);
    rmSync(join(workspace, 'a.cogmodel.json'));
    // a new host (same user state) still lists both; the deleted one as missing
    const files = new WorkspaceFiles(workspace, join(state, 'recent-files.json'));
    const service2 = new StudioService(new InProcessEngine(), files, EXAMPLES);
    expect(await service2.handle({ method: 'file.recent' }, noEvents)).toEqual({
      ok: true,
      result: { files: [{ path: 'b.cogmodel.json', exists: true }, { path: 'a.cogmodel.json', exists: false }] },
    });
    expect(await service2.handle({ method: 'file.open', path: 'a.cogmodel.json' }, noEvents)).toMatchObject({ ok: false, error: { kind: 'file', message: /no such file/ } });
    expect(await service2.handle({ method: 'file.recent' }, noEvents)).toEqual({ ok: true, result: { files: [{ path: 'b.cogmodel.json', exists: true }] } });
  });

  it('a damaged list file is an empty list', async () => {
    const dir = tempDir('cogstudio-recent-');
    writeFileSync(join(dir, 'recent.json'), 'not json');
    expect(await new RecentFiles(join(dir, 'recent.json')).load()).toEqual([]);
  });
});

describe('saves that fail', () => {
  const withFault = async <T>(code: string, fn: () => Promise<T>): Promise<T> => {
    process.env.COGSTUDIO_TEST_SAVE_FAULT = code;
    try {
      return await fn();
    } finally {
      delete process.env.COGSTUDIO_TEST_SAVE_FAULT;
    }
  };

  it.each([
    ['ENOSPC', /the disk is full/],
    ['EROFS', /the disk is read-only/],
    ['EACCES', /permission denied/],
  ])('%s: the old file is left intact, no temporary file stays, and the error names the path and the reason', async (code, reason) => {
    const { service, workspace } = setup();
    const original = JSON.stringify(example('linear_chain'), null, 2) + '\n';
    writeFileSync(join(workspace, 'keep.cogmodel.json'), original);
    const edited = { ...example('linear_chain'), name: 'edited' };
    const r = await withFault(code, () => service.handle({ method: 'file.save', model: edited, path: 'keep.cogmodel.json' }, noEvents));
    expect(r).toMatchObject({ ok: false, error: { kind: 'file' } });
    const message = (r as { error: { message: string } }).error.message;
    expect(message).toContain(join(workspace, 'keep.cogmodel.json').replace(/^\/tmp/, ''));
    expect(message).toMatch(reason);
    expect(readFileSync(join(workspace, 'keep.cogmodel.json'), 'utf8')).toBe(original);
    expect(readdirSync(workspace).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // without the fault the same save works
    expect(await service.handle({ method: 'file.save', model: edited, path: 'keep.cogmodel.json' }, noEvents)).toMatchObject({ ok: true });
    expect(JSON.parse(readFileSync(join(workspace, 'keep.cogmodel.json'), 'utf8')).name).toBe('edited');
  });

  it('a file of a newer format version is never overwritten', async () => {
    const { service, workspace } = setup();
    const newer = JSON.stringify({ ...example('linear_chain'), version: 99 });
    writeFileSync(join(workspace, 'newer.cogmodel.json'), newer);
    const r = await service.handle({ method: 'file.save', model: example('linear_chain'), path: 'newer.cogmodel.json' }, noEvents);
    expect(r).toMatchObject({ ok: false, error: { kind: 'file', message: /refusing to overwrite/ } });
    expect(readFileSync(join(workspace, 'newer.cogmodel.json'), 'utf8')).toBe(newer);
  });
});

describe('exports through the web host', () => {
  it('are written to the workspace’s exports/ folder under a free name, bytes intact', async () => {
    const { service, workspace } = setup();
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0x80]);
    const first = await service.handle({ method: 'file.export', name: 'plot.png', content: png.toString('base64'), encoding: 'base64' }, noEvents);
    const second = await service.handle({ method: 'file.export', name: 'plot.png', content: png.toString('base64'), encoding: 'base64' }, noEvents);
    expect(first).toEqual({ ok: true, result: { path: join('exports', 'plot.png') } });
    expect(second).toEqual({ ok: true, result: { path: join('exports', 'plot-1.png') } });
    expect(readFileSync(join(workspace, 'exports', 'plot.png')).equals(png)).toBe(true);
    const csv = await service.handle({ method: 'file.export', name: 'r.csv', content: 'trial,A.B[0]\n1,0.5\n', encoding: 'utf8' }, noEvents);
    expect(csv).toMatchObject({ ok: true });
    expect(readFileSync(join(workspace, 'exports', 'r.csv'), 'utf8')).toBe('trial,A.B[0]\n1,0.5\n');
  });

  it('refuse names with folders, hidden names and unknown types', () => {
    for (const name of ['../x.csv', 'a/b.csv', '.hidden.csv', 'x.exe', 'x']) {
      expect(HostRequestSchema.safeParse({ method: 'file.export', name, content: '', encoding: 'utf8' }).success, name).toBe(false);
    }
  });
});

describe('the Electron close guard', () => {
  class FakeWindow implements GuardedWindow {
    closed = false;
    title = '';
    edited = false;
    private listener: ((e: { preventDefault(): void }) => void) | null = null;
    on(_event: 'close', listener: (e: { preventDefault(): void }) => void) {
      this.listener = listener;
    }
    close() {
      let prevented = false;
      this.listener?.({ preventDefault: () => (prevented = true) });
      if (!prevented) this.closed = true;
    }
    setTitle(t: string) {
      this.title = t;
    }
    setDocumentEdited(e: boolean) {
      this.edited = e;
    }
  }

  function guarded(answers: number[]) {
    const asked: string[] = [];
    const sent: string[] = [];
    let discarded = 0;
    const win = new FakeWindow();
    const guard = new CloseGuard<FakeWindow>({
      ask: async (_w, options) => {
        asked.push(`${options.message} [${options.buttons.join('|')}]`);
        return { response: answers.shift() ?? 2 };
      },
      send: (_w, command) => sent.push(command),
      discarded: () => discarded++,
    });
    guard.attach(win);
    return { win, guard, asked, sent, discarded: () => discarded };
  }
  const settle = () => new Promise((r) => setTimeout(r, 0));

  it('a clean window closes without asking', () => {
    const { win, asked } = guarded([]);
    win.close();
    expect(win.closed).toBe(true);
    expect(asked).toEqual([]);
  });

  it('with unsaved changes: Cancel keeps the window; Don’t Save closes it and discards the recovery', async () => {
    const { win, guard, asked, discarded } = guarded([2, 1]);
    guard.setState(win, { dirty: true, title: 'stroop.cogmodel.json' });
    expect(win.title).toBe('• stroop.cogmodel.json — CogStudio');
    expect(win.edited).toBe(true);
    win.close();
    await settle();
    expect(win.closed).toBe(false);
    expect(asked).toEqual(['Save the changes to stroop.cogmodel.json before closing? [Save|Don’t Save|Cancel]']);
    win.close();
    await settle();
    expect(win.closed).toBe(true);
    expect(discarded()).toBe(1);
  });

  it('Save asks the page to save and closes once it reports itself clean; a failed save keeps the window', async () => {
    const { win, guard, sent } = guarded([0, 0]);
    guard.setState(win, { dirty: true, title: 'm' });
    win.close();
    await settle();
    expect(sent).toEqual(['save-and-close']);
    guard.setState(win, { dirty: true, title: 'm' }); // the save failed
    expect(win.closed).toBe(false);
    win.close();
    await settle();
    expect(sent).toEqual(['save-and-close', 'save-and-close']);
    guard.setState(win, { dirty: false, title: 'm' });
    expect(win.closed).toBe(true);
    expect(win.title).toBe('m — CogStudio');
  });
});

/** A host that answers from a table and records the requests. */
function fakeHost(answer: (req: HostRequest) => unknown): { host: StudioHost; calls: HostRequest[] } {
  const calls: HostRequest[] = [];
  const host = hostOver({
    kind: 'websocket',
    async send(request) {
      calls.push(request);
      return { ok: true, result: answer(request) };
    },
    subscribe: () => () => undefined,
  });
  return { host, calls };
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('autosave and unsaved changes (renderer)', () => {
  const answers = (req: HostRequest): unknown => {
    switch (req.method) {
      case 'recovery.save':
        return { savedAt: 1 };
      case 'recovery.discard':
        return { discarded: true };
      case 'file.save':
        return { path: 'saved.cogmodel.json' };
      case 'file.recent':
        return { files: [] };
      default:
        return {};
    }
  };
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

  it('writes the edited model (layout included) after the edits pause, and removes it once saved', async () => {
    const { host, calls } = fakeHost(answers);
    const studio = createStudio(host);
    studio.model.getState().load(example('linear_chain'), { kind: 'example', name: 'linear_chain' });
    stop = installAutosave(studio, 20);
    studio.model.getState().execute(moveNodes({ HIDDEN: { x: 500, y: 40 } }));
    studio.model.getState().execute(moveNodes({ HIDDEN: { x: 510, y: 40 } }));
    await wait(80);
    const saves = calls.filter((c) => c.method === 'recovery.save');
    expect(saves).toHaveLength(1); // debounced: one write for the two edits
    const written = saves[0] as Extract<HostRequest, { method: 'recovery.save' }>;
    expect((written.model.nodes.HIDDEN as { studio: { position: unknown } }).studio.position).toEqual({ x: 510, y: 40 });
    expect(written.source).toEqual({ kind: 'example', name: 'linear_chain' });
    studio.model.getState().markSaved({ kind: 'file', path: 'x.cogmodel.json' });
    await wait(40);
    expect(calls.at(-1)?.method).toBe('recovery.discard');
  });

  it('New/Open on a dirty model asks; Cancel keeps it, Don’t save discards the recovery, Save saves first', async () => {
    const { host, calls } = fakeHost(answers);
    const studio = createStudio(host);
    studio.model.getState().load(example('linear_chain'), { kind: 'file', path: 'chain.cogmodel.json' });
    expect(await confirmLeave(studio, 'open another model')).toBe(true); // clean: no question
    studio.model.getState().execute(moveNodes({ HIDDEN: { x: 1, y: 2 } }));
    const ask = async (choice: 'save' | 'discard' | 'cancel') => {
      const pending = confirmLeave(studio, 'start a new model');
      const prompt = studio.files.getState().prompt;
      expect(prompt).toMatchObject({ kind: 'unsaved', title: 'chain.cogmodel.json', action: 'start a new model' });
      if (prompt?.kind === 'unsaved') prompt.answer(choice);
      return pending;
    };
    expect(await ask('cancel')).toBe(false);
    expect(isDirty(studio.model.getState())).toBe(true);
    expect(await ask('discard')).toBe(true);
    expect(calls.at(-1)?.method).toBe('recovery.discard');
    expect(await ask('save')).toBe(true);
    expect(calls.some((c) => c.method === 'file.save' && c.path === 'chain.cogmodel.json')).toBe(true);
    expect(isDirty(studio.model.getState())).toBe(false);
  });

  it('a failed save is kept for the UI with the path and the reason, and the model stays dirty', async () => {
    const failing = hostOver({
      kind: 'websocket',
      send: async (req) =>
        req.method === 'file.save'
          ? { ok: false, error: { kind: 'file', message: 'could not save the model to /w/m.cogmodel.json: the disk is full (ENOSPC)' } }
          : { ok: true, result: answers(req) },
      subscribe: () => () => undefined,
    });
    const studio = createStudio(failing);
    studio.model.getState().load(example('linear_chain'), { kind: 'file', path: 'm.cogmodel.json' });
    studio.model.getState().execute(moveNodes({ HIDDEN: { x: 1, y: 2 } }));
    const pending = confirmLeave(studio, 'open another model');
    const prompt = studio.files.getState().prompt;
    if (prompt?.kind === 'unsaved') prompt.answer('save');
    expect(await pending).toBe(false);
    expect(studio.files.getState().saveError).toEqual({ path: 'm.cogmodel.json', message: expect.stringMatching(/m\.cogmodel\.json: the disk is full/) });
    expect(isDirty(studio.model.getState())).toBe(true);
  });

  it('a failed autosave is reported (and cleared by the next one that works); a host without a recovery file stops autosave', async () => {
    let failing = true;
    const calls: string[] = [];
    const host = hostOver({
      kind: 'websocket',
      send: async (req) => {
        calls.push(req.method);
        if (req.method === 'recovery.save' && failing) return { ok: false, error: { kind: 'file', message: 'could not save the model to /state/recovery: the disk is full' } };
        return { ok: true, result: answers(req) };
      },
      subscribe: () => () => undefined,
    });
    const studio = createStudio(host);
    studio.model.getState().load(example('linear_chain'), { kind: 'new' });
    stop = installAutosave(studio, 10);
    studio.model.getState().execute(moveNodes({ HIDDEN: { x: 1, y: 2 } }));
    await wait(50);
    expect(studio.files.getState().autosaveError).toMatch(/^Autosave failed: .*the disk is full/);
    failing = false;
    studio.model.getState().execute(moveNodes({ HIDDEN: { x: 3, y: 4 } }));
    await wait(50);
    expect(studio.files.getState().autosaveError).toBeNull();
    stop();

    let noneSaves = 0;
    const none = hostOver({
      kind: 'websocket',
      send: async (req) =>
        req.method === 'recovery.save' ? (noneSaves++, { ok: false, error: { kind: 'unavailable', message: 'this host keeps no recovery file' } }) : { ok: true, result: answers(req) },
      subscribe: () => () => undefined,
    });
    const other = createStudio(none);
    other.model.getState().load(example('linear_chain'), { kind: 'new' });
    stop = installAutosave(other, 10);
    other.model.getState().execute(moveNodes({ HIDDEN: { x: 1, y: 2 } }));
    await wait(50);
    other.model.getState().execute(moveNodes({ HIDDEN: { x: 5, y: 6 } }));
    await wait(50);
    expect(other.files.getState().autosaveError).toBeNull();
    expect(noneSaves).toBe(1);
    expect(calls.filter((c) => c === 'recovery.save')).toHaveLength(2);
  });

  it('a recovered model comes back with its source, marked unsaved', () => {
    const { host } = fakeHost(answers);
    const studio = createStudio(host);
    const model = example('stroop');
    recover(studio, { model, source: { kind: 'file', path: 'stroop.cogmodel.json' }, savedAt: 5 });
    const s = studio.model.getState();
    expect(s.model).toEqual(model);
    expect(s.source).toEqual({ kind: 'file', path: 'stroop.cogmodel.json' });
    expect(isDirty(s)).toBe(true);
  });
});

describe('run history', () => {
  const cols = [
    { node: 'A', port: 'RESULT', size: 2 },
    { node: 'B', port: 'RESULT', size: 1 },
  ];
  const record = (seq: number, results: RunRecord['results'], extra: Partial<RunRecord> = {}): RunRecord => ({
    seq,
    runId: `r${seq}`,
    modelName: 'm',
    modelHash: 'h',
    mode: 'Auto',
    executedMode: 'LLVMRun',
    trials: results.length,
    status: 'done',
    startedAt: 0,
    columns: cols,
    results,
    diagnostics: null,
    timings: null,
    ...extra,
  });

  it('compares two runs port by port (largest absolute difference)', () => {
    const a = record(1, [[[1, 2], [3]], [[4, 5], [6]]]);
    const b = record(2, [[[1, 2.5], [3]], [[4, 5], [6]]]);
    expect(compareRuns(a, b)).toEqual([
      { node: 'A', port: 'RESULT', maxAbsDiff: 0.5, trialsCompared: 2 },
      { node: 'B', port: 'RESULT', maxAbsDiff: 0, trialsCompared: 2 },
    ]);
    expect(compareRuns(a, a).map((d) => d.maxAbsDiff)).toEqual([0, 0]);
    const nonFinite = record(3, [[[null, 2], [3]], [[4, 5], [6]]]);
    expect(compareRuns(a, nonFinite)[0]!.maxAbsDiff).toBe(Infinity);
    expect(compareRuns(nonFinite, nonFinite)[0]!.maxAbsDiff).toBe(0);
  });

  it('is bounded in runs and in stored numbers; the newest run always stays', () => {
    const history = createRunHistory(3, 20); // a one-trial run of these ports is 6 cells (trial, 2 ports, 3 numbers)
    for (let i = 1; i <= 5; i++) history.getState().add(record(i, [[[i, i], [i]]]));
    expect(history.getState().runs.map((r) => r.seq)).toEqual([5, 4, 3]);
    history.getState().add(record(6, Array.from({ length: 4 }, () => [[0, 0], [0]])));
    expect(history.getState().runs.map((r) => r.seq)).toEqual([6]);
  });

  it('ticks at most two runs for comparison', () => {
    const history = createRunHistory();
    for (let i = 1; i <= 3; i++) history.getState().add(record(i, []));
    for (const s of [1, 2, 3]) history.getState().toggleCompare(s);
    expect(history.getState().compare).toEqual([2, 3]);
    history.getState().toggleCompare(2);
    expect(history.getState().compare).toEqual([3]);
  });

  it('records each finished run with the model it ran, mode requested and executed', async () => {
    const events: RunEvent[] = [];
    let emit: (e: RunEvent) => void = () => undefined;
    const host = hostOver({
      kind: 'websocket',
      send: async (req) => {
        if (req.method === 'run.start') events.push({ type: 'accepted', runId: req.params.runId, mode: req.params.mode, trials: 1, outputs: cols });
        return { ok: true, result: req.method === 'run.start' ? { runId: req.params.runId } : {} };
      },
      subscribe: (l) => ((emit = l), () => undefined),
    });
    const studio = createStudio(host);
    const model = example('linear_chain');
    studio.model.getState().load(model, { kind: 'new' });
    studio.run.getState().setMode('LLVMRun');
    await studio.run.getState().start(host, model);
    const runId = studio.run.getState().runId!;
    emit(events[0]!);
    emit({ type: 'diagnostics', runId, mode: 'LLVMRun', executed_mode: 'LLVMRun', warnings: [] });
    emit({ type: 'trials', runId, first: 0, results: [[[1, 2], [3]]] });
    emit({ type: 'done', runId, trials: 1, cancelled: false, timings: { build_ms: 1, compile_ms: 1, run_ms: 1, total_ms: 3, trials_per_s: 1 } });
    expect(studio.history.getState().runs).toMatchObject([{ seq: 1, mode: 'LLVMRun', executedMode: 'LLVMRun', trials: 1, modelHash: modelHash(model), modelName: model.name, results: [[[1, 2], [3]]] }]);
  });
});

describe('exports of results and plots', () => {
  const columns = [
    { node: 'OUT, "x"', port: 'RESULT', size: 2 },
    { node: 'B', port: 'RESULT', size: 1 },
  ];
  const results = [
    [[0.5, -1], [2]],
    [[null, 1e-9], [3]],
  ];

  it('CSV: a header naming node, port and element (quoted when needed), one row per trial, NaN for non-finite', () => {
    expect(resultsCsv(columns, results)).toBe('trial,"OUT, ""x"".RESULT[0]","OUT, ""x"".RESULT[1]",B.RESULT[0]\n1,0.5,-1,2\n2,NaN,1e-9,3\n');
  });

  it('JSON: the run’s facts, the columns and every trial', () => {
    const json = JSON.parse(resultsJson({ model: 'm', modelHash: 'abc', mode: 'Auto', executedMode: 'LLVMRun' }, columns, results));
    expect(json).toEqual({ format: 'cogstudio-results', version: 1, model: 'm', modelHash: 'abc', mode: 'Auto', executedMode: 'LLVMRun', trials: 2, columns, results });
  });

  it('SVG: a standalone document with one line per series, broken at non-finite values, text escaped', () => {
    const svg = plotSvg({ title: 'A<B>.RESULT', xLabel: 'trial', xs: [1, 2, 3, 4], series: [{ label: '[0]', color: '#2563eb', values: [0, 1, null, 3] }, { label: '[1]', color: '#dc2626', values: [1, 1, 1, 1] }] });
    expect(svg.startsWith('<?xml')).toBe(true);
    expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
    expect(svg).toContain('A&lt;B&gt;.RESULT');
    expect(svg.match(/<polyline /g)).toHaveLength(3);
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });
});
