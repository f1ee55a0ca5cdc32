// API keys: only their SHA-256 digests are held; a presented key is hashed and compared with every digest
// in constant time (timingSafeEqual, no early exit), so neither the key nor which client matched leaks
// through timing. Each key maps to a client id and scopes; the key itself is never logged.

import { createHash, timingSafeEqual } from 'node:crypto';
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

export const sha256 = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

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
