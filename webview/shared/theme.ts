/**
 * Chart colours come from the `--vscode-*` variables VS Code sets on the page; they are read at
 * runtime and again whenever the theme changes (VS Code swaps the body class).
 */
export interface ChartTheme {
  foreground: string;
  muted: string;
  grid: string;
  background: string;
  fontFamily: string;
  fontSize: number;
  /** Run colours, from the theme's chart colours plus our own extension of the palette. */
  palette: string[];
}

const PALETTE_VARS = [
  '--vscode-charts-blue', '--vscode-charts-orange', '--vscode-charts-green', '--vscode-charts-red',
  '--vscode-charts-purple', '--vscode-charts-yellow',
  '--polyloss-chart-7', '--polyloss-chart-8', '--polyloss-chart-9', '--polyloss-chart-10',
  '--polyloss-chart-11', '--polyloss-chart-12',
];
const FALLBACK_PALETTE = ['#3794ff', '#d18616', '#388a34', '#f14c4c', '#b180d7', '#cca700', '#17a2b8', '#d63384', '#8c564b', '#7a9e1f', '#6f42c1', '#20c997'];

export function readTheme(): ChartTheme {
  const style = getComputedStyle(document.body);
  const v = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return {
    foreground: v('--vscode-foreground', '#cccccc'),
    muted: v('--vscode-descriptionForeground', '#9d9d9d'),
    grid: withAlpha(v('--vscode-editorWidget-border', v('--vscode-panel-border', '#80808059')), 0.35),
    background: v('--vscode-editor-background', '#1e1e1e'),
    fontFamily: v('--vscode-font-family', 'sans-serif'),
    fontSize: parseFloat(v('--vscode-font-size', '13')) || 13,
    palette: PALETTE_VARS.map((name, i) => ensureContrast(v(name, FALLBACK_PALETTE[i]), v('--vscode-editor-background', '#1e1e1e'))),
  };
}

/** Lines need 3:1 against the background (WCAG's contrast for graphics). */
export const MIN_LINE_CONTRAST = 3;

function rgbOf(color: string): [number, number, number] | undefined {
  const m = /^rgba\(([\d.]+), ([\d.]+), ([\d.]+)/.exec(withAlpha(color, 1));
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

function luminance([r, g, b]: [number, number, number]): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** The WCAG contrast ratio of two colours (1…21). */
export function contrastRatio(a: string, b: string): number {
  const [ca, cb] = [rgbOf(a), rgbOf(b)];
  if (!ca || !cb) return 21;
  const [hi, lo] = [luminance(ca), luminance(cb)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/**
 * The colour, or the nearest shade of it (mixed towards white on a dark background, towards black
 * on a light one) that stands out from the background by MIN_LINE_CONTRAST, so a theme's yellow
 * stays readable on white and its brown on black.
 */
export function ensureContrast(color: string, background: string, min = MIN_LINE_CONTRAST): string {
  const c = rgbOf(color);
  const bg = rgbOf(background);
  if (!c || !bg || contrastRatio(color, background) >= min) return color;
  const toward = luminance(bg) < 0.5 ? 255 : 0;
  for (let t = 0.05; t <= 1; t += 0.05) {
    const mixed = `rgb(${c.map((v) => Math.round(v + (toward - v) * t)).join(', ')})`;
    if (contrastRatio(mixed, background) >= min) return mixed;
  }
  return toward ? '#ffffff' : '#000000';
}

/** Calls back after VS Code changes the theme (it rewrites the body class and the variables). */
export function onThemeChange(callback: (theme: ChartTheme) => void): void {
  let last = document.body.className;
  new MutationObserver(() => {
    if (document.body.className === last) return;
    last = document.body.className;
    callback(readTheme());
  }).observe(document.body, { attributes: true, attributeFilter: ['class'] });
}

/** FNV-1a: a stable 32-bit hash, so a run keeps its colour across reloads and views. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function runColor(theme: ChartTheme, runId: string): string {
  return theme.palette[hashString(runId) % theme.palette.length];
}

/**
 * The colours of runs shown together: each run its own colour (runColor), unless a run before it (in
 * id order, so the answer does not depend on the order given) has it; then the next free one. Two runs
 * of a comparison share a colour only when there are more runs than colours.
 */
export function runColors(theme: ChartTheme, runIds: readonly string[]): Map<string, string> {
  const count = theme.palette.length;
  const taken = new Set<number>();
  const colors = new Map<string, string>();
  for (const id of [...new Set(runIds)].sort()) {
    let slot = hashString(id) % count;
    for (let tries = 0; tries < count && taken.has(slot); tries++) slot = (slot + 1) % count;
    taken.add(slot);
    colors.set(id, theme.palette[slot]);
  }
  return colors;
}

let probe: CanvasRenderingContext2D | null | undefined;

/** Any CSS colour with the given opacity, as rgba(); the canvas normalises the colour syntax. */
export function withAlpha(color: string, alpha: number): string {
  probe ??= document.createElement('canvas').getContext('2d');
  if (!probe) return color;
  probe.fillStyle = '#000000';
  probe.fillStyle = color;
  const normal = String(probe.fillStyle);
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(normal);
  if (hex) return `rgba(${parseInt(hex[1], 16)}, ${parseInt(hex[2], 16)}, ${parseInt(hex[3], 16)}, ${alpha})`;
  const rgba = /^rgba?\(([^,]+),([^,]+),([^,)]+)(?:,([^)]+))?\)$/.exec(normal.replace(/\s/g, ''));
  if (rgba) return `rgba(${rgba[1]}, ${rgba[2]}, ${rgba[3]}, ${alpha * (rgba[4] === undefined ? 1 : parseFloat(rgba[4]))})`;
  return color;
}
