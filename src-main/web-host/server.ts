/**
 * The web host: a Node HTTP + WebSocket server on 127.0.0.1 that serves the renderer bundle and
 * speaks the renderer protocol, so the studio runs in any Chromium (and is tested there).
 *
 * Every HTTP request and WebSocket upgrade must carry the random token (the page's `?token=`,
 * then an HttpOnly SameSite=Strict cookie for its assets; the WebSocket URL's `?token=`):
 * 401 without one, 403 with a wrong one. The Host header must name this server (no DNS
 * rebinding) and a WebSocket's Origin must be this server's. Responses carry a strict CSP.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { extname, join, normalize, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { ClientFrameSchema, MAX_MESSAGE_BYTES, type HostFrame, type RunEvent } from '../../shared/ipc/protocol.js';
import type { StudioEngine } from './engine.js';
import type { RecoveryStore } from './recovery-store.js';
import { StudioService, type FileAccess } from './studio-service.js';

export interface WebHostOptions {
  port?: number;
  token?: string;
  rendererDir: string;
  examplesDir: string;
  files: FileAccess;
  engine: StudioEngine;
  /** The user's recovery file (autosave); without it the studio does not autosave. */
  recovery?: RecoveryStore;
}

export interface WebHost {
  readonly url: string;
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
const COOKIE = 'cogstudio_token';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
};

export function contentSecurityPolicy(port: number): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src ws://${HOST}:${port} ws://localhost:${port}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}

function securityHeaders(port: number): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(port),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  };
}

function sameToken(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieToken(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === COOKIE) return v.join('=');
  }
  return undefined;
}

/** 'ok', or the status to refuse with: 401 no token, 403 wrong token (or a foreign Host/Origin). */
function authorize(req: IncomingMessage, url: URL, token: string, port: number, allowCookie: boolean): 'ok' | 401 | 403 {
  const hostOk = req.headers.host === `${HOST}:${port}` || req.headers.host === `localhost:${port}`;
  if (!hostOk) return 403;
  const given = url.searchParams.get('token') ?? (allowCookie ? cookieToken(req) : undefined);
  if (given === undefined || given === '') return 401;
  return sameToken(given, token) ? 'ok' : 403;
}

export async function startWebHost(opts: WebHostOptions): Promise<WebHost> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const service = new StudioService(opts.engine, opts.files, opts.examplesDir, opts.recovery ? { recovery: opts.recovery } : {});
  const rendererDir = normalize(opts.rendererDir);
  let port = 0;

  const refuse = (res: ServerResponse, status: number, text: string) => {
    res.writeHead(status, { ...securityHeaders(port), 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(text + '\n');
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${HOST}:${port}`);
    const auth = authorize(req, url, token, port, true);
    if (auth === 401) return refuse(res, 401, 'CogStudio: this address needs the token printed when the host started (…/?token=…)');
    if (auth === 403) return refuse(res, 403, 'CogStudio: wrong token');
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'method not allowed');
    const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname.slice(1));
    const file = normalize(join(rendererDir, rel));
    if (!file.startsWith(rendererDir + sep) || rel.includes('\0')) return refuse(res, 404, 'not found');
    readFile(file).then(
      (body) => {
        const headers: Record<string, string> = { ...securityHeaders(port), 'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream' };
        if (url.searchParams.has('token')) headers['Set-Cookie'] = `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
        res.writeHead(200, headers);
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      () => refuse(res, 404, 'not found'),
    );
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', `http://${HOST}:${port}`);
    let status: 'ok' | 401 | 403 = url.pathname === '/ws' ? authorize(req, url, token, port, false) : 403;
    const origin = req.headers.origin;
    if (status === 'ok' && origin !== undefined && origin !== `http://${HOST}:${port}` && origin !== `http://localhost:${port}`) status = 403;
    if (status !== 'ok') {
      socket.end(`HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Forbidden'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serveSocket(ws, service, opts.engine));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, HOST, () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://${HOST}:${port}/?token=${token}`,
    port,
    token,
    async close() {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      opts.engine.dispose();
    },
  };
}

/** One renderer connection: requests answered in any order; its runs' events sent to it alone. */
function serveSocket(ws: WebSocket, service: StudioService, engine: StudioEngine): void {
  const runs = new Set<string>();
  const send = (frame: HostFrame) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
  };
  const emit = (event: RunEvent) => {
    if (event.type === 'done' || event.type === 'sweep.done' || event.type === 'error') runs.delete(event.runId);
    send({ event });
  };
  ws.on('message', (data, isBinary) => {
    let json: unknown;
    try {
      json = isBinary ? undefined : JSON.parse(String(data));
    } catch {
      json = undefined;
    }
    const frame = ClientFrameSchema.safeParse(json);
    if (!frame.success) {
      // a frame without a usable id cannot be answered: the connection is closed as a protocol violation
      const id = (json as { id?: unknown } | undefined)?.id;
      if (typeof id === 'number' && Number.isInteger(id) && id >= 0) {
        void service.handle((json as { request?: unknown }).request, emit).then((response) => send({ id, response }));
      } else ws.close(1008, 'malformed frame');
      return;
    }
    const { id, request } = frame.data;
    if (request.method === 'run.start' || request.method === 'sweep.start') runs.add(request.params.runId);
    void service.handle(request, emit).then((response) => send({ id, response }));
  });
  ws.on('close', () => {
    for (const runId of runs) {
      engine.cancel(runId);
      void service.handle({ method: 'sweep.cancel', runId }, emit);
    }
  });
}
