/**
 * The renderer's Electron transport over a stand-in preload API: responses and events are checked
 * against the shared schemas on arrival (a compromised or buggy main process cannot hand the page
 * malformed data), and the new file requests travel through it unchanged.
 */
import { describe, expect, it } from 'vitest';
import type { HostRequest, MenuCommand, PreloadApi, RunEvent } from '../shared/ipc/protocol.js';
import { electronHost } from '../src-renderer/host/electron-host.js';

function fakePreload(answer: (req: HostRequest) => unknown) {
  const requests: HostRequest[] = [];
  let runListener: (e: RunEvent) => void = () => undefined;
  let menuListener: (c: MenuCommand, path?: string) => void = () => undefined;
  const api: PreloadApi = {
    transport: 'electron',
    async request(req) {
      requests.push(req);
      return answer(req) as never;
    },
    onRunEvent: (l) => ((runListener = l), () => undefined),
    onMenuCommand: (l) => ((menuListener = l), () => undefined),
  };
  return { api, requests, emitRun: (e: unknown) => runListener(e as RunEvent), emitMenu: (c: unknown, p?: unknown) => menuListener(c as MenuCommand, p as string) };
}

describe('the Electron transport (renderer side)', () => {
  it('passes recovery and session requests through and checks their answers', async () => {
    const recovery = { model: { format: 'cogstudio-model', version: 1, nodes: {} }, source: { kind: 'file', path: '/home/u/m.cogmodel.json' }, savedAt: 5 };
    const { api, requests } = fakePreload((req) =>
      req.method === 'recovery.check' ? { ok: true, result: { recovery } } : req.method === 'file.recent' ? { ok: true, result: { files: 'nope' } } : { ok: true, result: {} },
    );
    const host = electronHost(api);
    expect(await host.call({ method: 'recovery.check' })).toEqual({ recovery });
    await host.call({ method: 'session.state', dirty: true, title: 'm' });
    expect(requests.map((r) => r.method)).toEqual(['recovery.check', 'session.state']);
    await expect(host.call({ method: 'file.recent' })).rejects.toMatchObject({ error: { message: /unexpected shape/ } });
  });

  it('a malformed response becomes an error, never data', async () => {
    const { api } = fakePreload(() => ({ ok: 'yes' }));
    await expect(electronHost(api).call({ method: 'recovery.check' })).rejects.toMatchObject({ error: { kind: 'invalid-request', message: /malformed response/ } });
  });

  it('drops malformed run events and unknown menu commands; delivers save-and-close', () => {
    const { api, emitRun, emitMenu } = fakePreload(() => ({ ok: true, result: {} }));
    const host = electronHost(api);
    const events: RunEvent[] = [];
    const commands: string[] = [];
    host.onRunEvent((e) => events.push(e));
    host.onMenuCommand((c, p) => commands.push(p ? `${c} ${p}` : c));
    emitRun({ type: 'trials', runId: 'r1', first: -1, results: [] });
    emitRun({ type: 'progress', runId: 'r1', done: 1, total: 2 });
    emitMenu('rm -rf');
    emitMenu('save-and-close');
    emitMenu('open-recent', '/a.cogmodel.json');
    expect(events).toEqual([{ type: 'progress', runId: 'r1', done: 1, total: 2 }]);
    expect(commands).toEqual(['save-and-close', 'open-recent /a.cogmodel.json']);
  });
});
