/** Text formatting for terminal output: aligned tables, numbers, durations. */

const MISSING = '—';

export function formatNumber(n: number | undefined, digits = 4): string {
  if (n === undefined || n === null) return MISSING;
  if (!Number.isFinite(n)) return String(n);
  return n.toFixed(digits);
}

export function formatPercent(x: number | undefined, digits = 2): string {
  return x === undefined || x === null || !Number.isFinite(x) ? formatNumber(x) : `${(x * 100).toFixed(digits)}%`;
}

/** 4_200 → "4.2 s", 75_000 → "1:15", 3_725_000 → "1:02:05". */
export function formatDuration(ms: number): string {
  if (ms < 59_950) return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** ISO time → "2026-11-28 10:53:00" in local time. */
export function formatTime(iso: string | undefined): string {
  if (!iso) return MISSING;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export function orMissing(text: string | undefined): string {
  return text === undefined || text === '' ? MISSING : text;
}

/** Columns padded to their widest cell; `rightAligned[i]` for numeric columns. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[], rightAligned: readonly boolean[] = []): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells
    .map((c, i) => (rightAligned[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
    .join('  ')
    .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
