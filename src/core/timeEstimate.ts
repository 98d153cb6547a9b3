/**
 * An estimated duration in words, no more precise than an estimate is: 14 → "about 14 s",
 * 75 → "about 1 min", 150 → "about 3 min", 3725 → "about 1 h 2 min". Sweep estimates (VS Code and
 * the CLI) and VS Code's time left say it this way.
 */
export function aboutDuration(seconds: number): string {
  if (seconds < 59.5) return `about ${Math.max(1, Math.round(seconds))} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `about ${minutes} min`;
  return `about ${Math.floor(minutes / 60)} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
}
