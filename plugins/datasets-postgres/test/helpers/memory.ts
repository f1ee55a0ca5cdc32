// Test and benchmark helper: the memory a process holds at its peak, and the size of a frame's column
// data, to state a load's memory bound as a multiple of what it returns.

import { readFileSync, writeFileSync } from 'node:fs';
import type { DataFrame } from 'nodejs-polars';

const status = (field: 'VmHWM' | 'VmRSS'): number => {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  if (!m) throw new Error(`no ${field} in /proc/self/status`);
  return Number(m[1]) * 1024;
};

/** Resident memory now, in bytes. */
export const rss = (): number => status('VmRSS');

/**
 * Peak resident memory of this process since start or since the last resetPeak(), in bytes. Read from
 * /proc (VmHWM), not getrusage: a child's ru_maxrss starts at its parent's size when it was forked.
 */
export const peakRss = (): number => status('VmHWM');

/** Starts a new peak from the current resident memory (Linux: clear_refs 5); false when not allowed. */
export const resetPeak = (): boolean => {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
};

/** Bytes of column data: fixed-width values, and 16 bytes plus the UTF-8 bytes of each string. */
export const frameBytes = (df: DataFrame): number => {
  let bytes = 0;
  for (const s of df.getColumns()) {
    const v = (s.dtype as unknown as { variant: string }).variant;
    if (v === 'String' || v === 'Utf8') bytes += 16 * s.length + Number(s.str.lengths().sum() ?? 0);
    else if (v === 'Bool') bytes += Math.ceil(s.length / 8);
    else if (v === 'Int8' || v === 'UInt8') bytes += s.length;
    else if (v === 'Int16' || v === 'UInt16') bytes += 2 * s.length;
    else if (v === 'Int32' || v === 'UInt32' || v === 'Float32' || v === 'Date') bytes += 4 * s.length;
    else bytes += 8 * s.length;
  }
  return bytes;
};
