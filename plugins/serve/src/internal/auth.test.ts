// ApiKeys: keys held as SHA-256 digests, a presented key hashed and compared with each; right, wrong,
// empty, absent and very long keys, and entries that only give the digest (key_sha256).
import { createHash } from 'node:crypto';
import t from 'tap';
import { ApiKeys, FailedAuth, sha256 } from './auth.js';

const KEY_A = 'alpha-key-0123456789abcdef';
const KEY_B = 'bravo-key-0123456789abcdef';
const KEY_C = 'charlie-key-only-its-digest-is-configured';
const hex = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

const keys = new ApiKeys([
  { client: 'alpha', key: KEY_A },
  { client: 'bravo', key: KEY_B, scopes: ['predict', 'admin'] },
  { client: 'charlie', key_sha256: hex(KEY_C), scopes: ['admin'] },
]);

t.test('sha256 is the SHA-256 digest of the UTF-8 string', async (t) => {
  t.equal(sha256('abc').toString('hex'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  t.equal(sha256('ñ').toString('hex'), hex('ñ'));
  t.equal(sha256('x').length, 32);
});

t.test('the right key gives its client, its scopes (predict by default) and the api-key scheme', async (t) => {
  t.same(keys.verify(KEY_A), { client: 'alpha', scopes: ['predict'], scheme: 'api-key' });
  t.same(keys.verify(KEY_B), { client: 'bravo', scopes: ['predict', 'admin'], scheme: 'api-key' });
  t.equal(keys.size, 3);
});

t.test('a key_sha256 entry matches the key whose digest it holds, and not the digest itself', async (t) => {
  t.same(keys.verify(KEY_C), { client: 'charlie', scopes: ['admin'], scheme: 'api-key' });
  t.equal(keys.verify(hex(KEY_C)), undefined, 'sending the configured digest is not sending the key');
});

t.test('wrong keys are refused: near misses, other case, prefixes, whitespace', async (t) => {
  for (const wrong of [
    'alpha-key-0123456789abcdeg',
    KEY_A.toUpperCase(),
    KEY_A.slice(0, -1),
    `${KEY_A}x`,
    ` ${KEY_A}`,
    `${KEY_A}\n`,
    `${KEY_A},${KEY_B}`,
    'not-a-key-at-all-but-long-enough',
  ]) {
    t.equal(keys.verify(wrong), undefined, JSON.stringify(wrong));
  }
});

t.test('empty, absent and very long keys are refused', async (t) => {
  t.equal(keys.verify(''), undefined, 'empty');
  t.equal(keys.verify(undefined), undefined, 'absent');
  t.equal(keys.verify('x'.repeat(513)), undefined, '513 characters');
  t.equal(keys.verify(KEY_A.repeat(1000)), undefined, '26,000 characters');
  t.equal(keys.verify('é'.repeat(100_000)), undefined, '100,000 non-ASCII characters');
});

t.test('keys of up to 512 characters work; non-ASCII keys are hashed as UTF-8', async (t) => {
  const long = 'k'.repeat(512);
  const unicode = 'clé-ünïcödé-🔑-0123456789';
  const k = new ApiKeys([
    { client: 'long', key: long },
    { client: 'unicode', key: unicode },
  ]);
  t.same(k.verify(long)?.client, 'long');
  t.same(k.verify(unicode)?.client, 'unicode');
  t.equal(k.verify('clé-unicode-🔑-0123456789'), undefined);
});

t.test(
  'no keys configured: every key is refused; an empty configured key never matches the empty string',
  async (t) => {
    const none = new ApiKeys([]);
    t.equal(none.size, 0);
    t.equal(none.verify(KEY_A), undefined);
    const empty = new ApiKeys([{ client: 'blank', key: '' }]);
    t.equal(empty.verify(''), undefined);
  },
);

t.test('the same key for two clients resolves to the first one listed', async (t) => {
  const dup = new ApiKeys([
    { client: 'first', key: KEY_A },
    { client: 'second', key: KEY_A, scopes: ['admin'] },
  ]);
  t.same(dup.verify(KEY_A), { client: 'first', scopes: ['predict'], scheme: 'api-key' });
});

t.test('FailedAuth: an address is locked out after max failures in its window, until the window ends', async (t) => {
  let now = 1_000_000;
  const f = new FailedAuth(3, 60_000, () => now);
  t.equal(f.lockedFor('10.0.0.1'), 0, 'nobody failed yet');
  f.failed('10.0.0.1');
  f.failed('10.0.0.1');
  t.equal(f.lockedFor('10.0.0.1'), 0, 'two failures: not yet');
  f.failed('10.0.0.1');
  t.equal(f.lockedFor('10.0.0.1'), 60, 'the third: locked for the rest of the window (s)');
  t.equal(f.lockedFor('10.0.0.2'), 0, 'another address is not');
  now += 45_500;
  t.equal(f.lockedFor('10.0.0.1'), 15, 'the window counts down from the first failure');
  t.equal(f.lockedOut, 1);
  now += 14_500;
  t.equal(f.lockedFor('10.0.0.1'), 0, 'the window is over');
  t.equal(f.lockedOut, 0, 'and no longer locked out');
  f.failed('10.0.0.1');
  t.equal(f.lockedFor('10.0.0.1'), 0, 'a new window starts from zero');
});

t.test('FailedAuth: at most 10,000 addresses are tracked; the oldest window goes first', async (t) => {
  const now = 5_000;
  const f = new FailedAuth(1, 60_000, () => now);
  for (let i = 0; i < 10_001; i++) f.failed(`a${i}`);
  t.equal(f.lockedFor('a0'), 0, 'the first address was dropped to make room');
  t.equal(f.lockedFor('a1'), 60);
  t.equal(f.lockedFor('a10000'), 60);
  t.equal(f.lockedOut, 10_000);
});
