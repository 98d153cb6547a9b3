import { randomBytes } from 'node:crypto';
import { epsilonList, gammaOf } from '../core/lossSpec';
import type { RunConfig } from '../core/runConfig';

/**
 * Run ids look like `20261128-105300-poly1-e2-s1-3f9a`: UTC time (so ids sort by creation time),
 * a slug saying what the run is, and a random suffix so that processes on different machines
 * creating runs in the same second do not collide. The folder is created with a non-recursive
 * mkdir, so a collision that still happens fails loudly and is retried with a new suffix.
 */
export const RUN_ID_PATTERN = /^\d{8}-\d{6}-[a-z0-9-]+-[0-9a-f]{4,}$/;

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

export function timestampPart(date: Date): string {
  return `${date.getUTCFullYear()}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}-`
    + `${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}`;
}

/** A number as slug text: 0.5 → "0p5", −1 → "m1". */
function slugNumber(n: number): string {
  const text = Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(3)));
  return text.replace('-', 'm').replace('.', 'p');
}

/** e.g. "ce-s1", "poly1-e2-s1", "poly3-s2", "focal-g2-s1", "pfocal1-g2-em1-s1". */
export function runSlug(config: RunConfig): string {
  const loss = config.loss;
  const eps = epsilonList(loss);
  const parts: string[] = [];
  switch (loss.type) {
    case 'ce': parts.push('ce'); break;
    case 'poly': parts.push(`poly${eps.length}`); break;
    case 'focal': parts.push('focal', `g${slugNumber(gammaOf(loss))}`); break;
    case 'poly-focal': parts.push(`pfocal${eps.length}`, `g${slugNumber(gammaOf(loss))}`); break;
  }
  if (eps.length === 1) parts.push(`e${slugNumber(eps[0])}`);
  parts.push(`s${slugNumber(config.seed)}`);
  return parts.join('-').toLowerCase().replace(/[^a-z0-9-]/g, '');
}

export function generateRunId(config: RunConfig, now: Date = new Date()): string {
  return `${timestampPart(now)}-${runSlug(config)}-${randomBytes(2).toString('hex')}`;
}
