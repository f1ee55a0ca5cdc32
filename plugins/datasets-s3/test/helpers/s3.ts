// Test helpers: a real S3 server (s3rver, on a free port, in a temp folder, with the bucket
// 'dagrun-test'), an HTTP proxy in front of it that records requests and can fail, answer or hold
// them, and throw-away project folders.

import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import S3rver from 's3rver';

export type { TapTest } from '../../../../core/test/helpers/project.js';

export interface Teardown {
  teardown(fn: () => void | Promise<void>): void;
}

export const BUCKET = 'dagrun-test';
/** s3rver's built-in account. It checks that the access key id exists, not the SigV4 signature. */
export const ACCESS_KEY_ID = 'S3RVER';
export const SECRET = 'S3RVER';

export interface S3Server {
  readonly endpoint: string;
  readonly port: number;
  /** Options that point a storage at this server. */
  readonly options: { readonly endpoint_url: string; readonly force_path_style: true; readonly region: 'us-east-1' };
  readonly credentials: { readonly aws_access_key_id: string; readonly aws_secret_access_key: string };
}

/** Starts s3rver on a free port for the rest of the test (file) `t`. */
export const startS3rver = async (t: Teardown): Promise<S3Server> => {
  const directory = mkdtempSync(join(tmpdir(), 'dagrun-s3rver-'));
  const server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory,
    configureBuckets: [{ name: BUCKET }],
  });
  const { port } = (await server.run()) as AddressInfo;
  t.teardown(async () => {
    await server.close();
    rmSync(directory, { recursive: true, force: true });
  });
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    port,
    options: { endpoint_url: endpoint, force_path_style: true, region: 'us-east-1' },
    credentials: { aws_access_key_id: ACCESS_KEY_ID, aws_secret_access_key: SECRET },
  };
};

/** What the proxy does with one request: pass it on, answer it with an S3 error, or hold it until a promise settles. */
export type ProxyAction =
  | { readonly fail: { readonly status: number; readonly code: string; readonly message: string } }
  | { readonly answer: { readonly status: number; readonly xml: string } }
  | { readonly hold: Promise<void> }
  | undefined;

export interface Proxy {
  readonly endpoint: string;
  /** "METHOD /path?query" of every request, in arrival order. */
  readonly requests: string[];
  /** The header names of each request, in the same order. */
  readonly headers: string[][];
}

/** An HTTP proxy to `target` (a port on 127.0.0.1); `decide` may fail, answer or hold each request. */
export const startProxy = async (
  t: Teardown,
  target: number,
  decide: (method: string, url: string) => ProxyAction = () => undefined,
): Promise<Proxy> => {
  const requests: string[] = [];
  const headers: string[][] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    requests.push(`${req.method} ${req.url}`);
    headers.push(Object.keys(req.headers).sort());
    const action = decide(req.method ?? 'GET', req.url ?? '/');
    if (action && ('fail' in action || 'answer' in action)) {
      const { status, xml } =
        'answer' in action
          ? action.answer
          : {
              status: action.fail.status,
              xml: `<Error><Code>${action.fail.code}</Code><Message>${action.fail.message}</Message></Error>`,
            };
      req.resume();
      req.on('end', () => {
        res.writeHead(status, { 'content-type': 'application/xml' });
        res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${xml}`);
      });
      return;
    }
    const forward = () => {
      const upstream = httpRequest(
        { host: '127.0.0.1', port: target, method: req.method, path: req.url, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    };
    if (action && 'hold' in action) {
      req.pause();
      void action.hold.then(forward, forward);
    } else forward();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, headers };
};

/** A port nothing listens on (bound, then released). */
export const freePort = async (): Promise<number> => {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
};

/** Writes `files` into a fresh temp folder removed when `t` ends. */
export const makeDir = (t: Teardown, files: Readonly<Record<string, string>> = {}): string => {
  const dir = mkdtempSync(join(tmpdir(), 'dagrun-s3-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), content);
  }
  return dir;
};

export { caught } from '../../../../core/test/helpers/caught.js';

/** A unique key prefix per test, so tests sharing a server never see each other's objects. */
let n = 0;
export const prefix = (label: string): string => `${label.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}-${++n}`;
