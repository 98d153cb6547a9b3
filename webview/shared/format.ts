/** Number and time formats used across the webviews. */

export function fmtNumber(x: number | undefined, digits = 4): string {
  if (x === undefined || x === null) return '—';
  if (!Number.isFinite(x)) return String(x);
  if (x !== 0 && (Math.abs(x) >= 1e5 || Math.abs(x) < 1e-3)) return x.toExponential(2);
  return String(Number(x.toPrecision(digits)));
}

export function fmtPercent(x: number | undefined): string {
  return x === undefined || !Number.isFinite(x) ? '—' : `${(x * 100).toFixed(1)}%`;
}

export function fmtDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** One formatter for all dates: creating one per call (toLocaleString) is slow with many rows. */
let dateFormat: Intl.DateTimeFormat | undefined;

export function fmtDate(iso: string | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  dateFormat ??= new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  return dateFormat.format(d);
}
