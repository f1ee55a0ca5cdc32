// The one JSON body parser of the API: Fastify's own (secure-json-parse, prototype poisoning refused),
// preceded by a count of the top-level array's elements, so a batch over max_batch is refused (413) before
// any record is built. Hand-made because no JSON parser bounds an array's length while parsing: JSON.parse
// of 340,000 `{}` in a 1 MB body allocates ~100 MB and blocks for ~200 ms before a length check could run.

import type { FastifyInstance } from 'fastify';
import { RequestError } from './validation.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const isOpen = (c: number): boolean => c === 0x5b || c === 0x7b; // [ {
const isClose = (c: number): boolean => c === 0x5d || c === 0x7d; // ] }

/** Elements of the top-level array of `text` counted up to `max + 1`; -1 when the body is not an array. */
export const topLevelCount = (text: string, max: number): number => {
  let i = 0;
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  if (text.charCodeAt(i) !== 0x5b) return -1;
  let depth = 0;
  let count = 0;
  let empty = true;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // Skip the string: an escaped quote does not end it.
      for (i++; i < text.length && text.charCodeAt(i) !== QUOTE; i++) if (text.charCodeAt(i) === BACKSLASH) i++;
      if (depth === 1) empty = false;
    } else if (isOpen(c)) {
      if (depth === 1) empty = false;
      depth++;
    } else if (isClose(c)) {
      depth--;
      if (depth === 0) break;
    } else if (depth === 1 && c === COMMA) {
      if (++count >= max) return max + 1;
    } else if (depth === 1 && !isSpace(c)) empty = false;
  }
  return empty ? 0 : count + 1;
};

/** Replaces the application/json parser of `app` with the bounded one. */
export const boundJsonBatches = (app: FastifyInstance, maxBatch: number): void => {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body.toString();
    // Every element takes a character and a comma: a body this short cannot hold more than max_batch.
    if (text.length > 2 * maxBatch && topLevelCount(text, maxBatch) > maxBatch) {
      const message =
        `must hold at most ${maxBatch} records (serve.yaml max_batch), but holds more than ${maxBatch}; send them in ` +
        'several requests';
      done(
        new RequestError(413, `Invalid request body: body ${message}.`, [{ field: '', rule: 'maxItems', message }]),
        undefined,
      );
      return;
    }
    parse(request, text, done);
  });
};
