// API keys: only their SHA-256 digests are held; a presented key is hashed and compared with every digest
// in constant time (timingSafeEqual, no early exit), so neither the key nor which client matched leaks
// through timing. Each key maps to a client id and scopes; the key itself is never logged.
// FailedAuth is hand-made because @fastify/rate-limit counts every request of a key, while this rule counts
// only refused credentials and then refuses everything from the address.

import { hash, timingSafeEqual } from 'node:crypto';
import type { ApiKeyConfig } from './config.js';

export type Scope = 'predict' | 'admin';

export interface Principal {
  /** Logged with each prediction and used for rate limits. */
  readonly client: string;
  readonly scopes: readonly Scope[];
  /** How the caller authenticated. */
  readonly scheme: 'api-key' | 'jwt' | 'public';
}

interface Entry {
  readonly digest: Buffer;
  readonly principal: Principal;
}

export const sha256 = (s: string): Buffer => hash('sha256', s, 'buffer');

export class ApiKeys {
  readonly #entries: readonly Entry[];

  constructor(keys: readonly ApiKeyConfig[]) {
    this.#entries = keys.map((k) => ({
      digest: k.key_sha256 !== undefined ? Buffer.from(k.key_sha256, 'hex') : sha256(k.key ?? ''),
      principal: { client: k.client, scopes: k.scopes ?? ['predict'], scheme: 'api-key' },
    }));
  }

  get size(): number {
    return this.#entries.length;
  }

  /** The principal of a presented key, or undefined. Takes the same time whichever key (if any) matches. */
  verify(presented: string | undefined): Principal | undefined {
    if (presented === undefined || presented.length === 0 || presented.length > 512) return undefined;
    const digest = sha256(presented);
    let found: Principal | undefined;
    for (const e of this.#entries) {
      // No short-circuit: every digest is compared.
      if (timingSafeEqual(digest, e.digest) && found === undefined) found = e.principal;
    }
    return found;
  }
}

/** At most this many addresses are tracked at once; past it the oldest windows are dropped first. */
const MAX_TRACKED = 10_000;

/**
 * Refused credentials per IP address, in fixed windows starting at each address's first failure. After
 * `max` failures in a window, the address is locked out until the window ends, whatever it sends: otherwise
 * a guesser would learn the right key from the one answer that is not a 401.
 */
export class FailedAuth {
  readonly #max: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  /** Address → failures in its window and when the window ends (insertion order: oldest first). */
  readonly #byAddress = new Map<string, { count: number; ends: number }>();

  constructor(max: number, windowMs: number, now: () => number = Date.now) {
    this.#max = max;
    this.#windowMs = windowMs;
    this.#now = now;
  }

  /** Seconds until the address may try again, or 0 when it is not locked out. */
  lockedFor(address: string): number {
    const entry = this.#byAddress.get(address);
    if (entry === undefined) return 0;
    const left = entry.ends - this.#now();
    if (left <= 0) {
      this.#byAddress.delete(address);
      return 0;
    }
    return entry.count >= this.#max ? Math.ceil(left / 1000) : 0;
  }

  /** One refused request from the address. */
  failed(address: string): void {
    const now = this.#now();
    const entry = this.#byAddress.get(address);
    if (entry !== undefined && entry.ends > now) {
      entry.count++;
      return;
    }
    if (entry !== undefined) this.#byAddress.delete(address);
    if (this.#byAddress.size >= MAX_TRACKED) {
      for (const [a, e] of this.#byAddress) if (e.ends <= now) this.#byAddress.delete(a);
      if (this.#byAddress.size >= MAX_TRACKED) this.#byAddress.delete(this.#byAddress.keys().next().value!);
    }
    this.#byAddress.set(address, { count: 1, ends: now + this.#windowMs });
  }

  /** Addresses locked out now. */
  get lockedOut(): number {
    const now = this.#now();
    let n = 0;
    for (const e of this.#byAddress.values()) if (e.ends > now && e.count >= this.#max) n++;
    return n;
  }
}
