// Test helper: a TCP server on a free port that speaks just enough of the PostgreSQL wire protocol to
// refuse a login the way a real server does: it reads the startup message, asks for a cleartext
// password (and keeps what it gets, to prove the client sent it), then answers one FATAL ErrorResponse.
// Lets the login and unknown-database errors be tested everywhere, PGlite accepting any user.

import { createServer, type Socket } from 'node:net';

interface Teardown {
  teardown(fn: () => unknown): void;
}

export interface FakeServer {
  readonly host: string;
  readonly port: number;
  /** Passwords clients sent. */
  readonly passwords: string[];
}

const message = (type: string, body: Buffer): Buffer => {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
};

const errorResponse = (code: string, text: string): Buffer => {
  const fields = [
    ['S', 'FATAL'],
    ['V', 'FATAL'],
    ['C', code],
    ['M', text],
  ].map(([k, v]) => Buffer.from(`${k}${v}\0`, 'utf8'));
  return message('E', Buffer.concat([...fields, Buffer.from([0])]));
};

/** A server that refuses every login with SQLSTATE `code` and `text`, after asking for the password. */
export const fakeServer = async (t: Teardown, code: string, text: string): Promise<FakeServer> => {
  const passwords: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    let started = false;
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (!started) {
        if (buf.length < 4 || buf.length < buf.readInt32BE(0)) return;
        buf = buf.subarray(buf.readInt32BE(0));
        started = true;
        // AuthenticationCleartextPassword.
        const ask = Buffer.alloc(4);
        ask.writeInt32BE(3, 0);
        socket.write(message('R', ask));
      }
      if (buf.length < 5 || buf.length < 1 + buf.readInt32BE(1)) return;
      if (buf.toString('latin1', 0, 1) === 'p')
        passwords.push(buf.toString('utf8', 5, buf.readInt32BE(1)).replace(/\0$/, ''));
      socket.end(errorResponse(code, text));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return { host: '127.0.0.1', port: address.port, passwords };
};

/** A port of 127.0.0.1 nothing listens on (taken, then released). */
export const closedPort = async (): Promise<number> => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
};
