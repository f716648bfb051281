// Reads the theme's colours (from --vscode-* variables, via panel.css) for drawing on canvas.
import type { ViewTaskStatus } from './runModel';

export interface CanvasTheme {
  background: string;
  foreground: string;
  muted: string;
  grid: string;
  laneStripe: string;
  /** Empty when the theme wants no outline (only high contrast themes set one). */
  barOutline: string;
  focus: string;
  status: Record<ViewTaskStatus, string>;
  /** Text colour readable on each status colour. */
  statusText: Record<ViewTaskStatus, string>;
  fontFamily: string;
  fontSize: number;
}

const STATUSES: ViewTaskStatus[] = ['ok', 'error', 'timeout', 'cancelled', 'running', 'queued'];

/** Resolves each colour through a hidden probe element, so var() fallbacks and color-mix() come back as plain rgb(). */
export function readCanvasTheme(host: HTMLElement): CanvasTheme {
  const probeRoot = document.createElement('div');
  probeRoot.className = 'color-probes';
  probeRoot.setAttribute('aria-hidden', 'true');
  host.appendChild(probeRoot);
  const read = (className: string): string => {
    const probe = document.createElement('span');
    probe.className = className;
    probeRoot.appendChild(probe);
    return getComputedStyle(probe).color;
  };
  const status = {} as Record<ViewTaskStatus, string>;
  const statusText = {} as Record<ViewTaskStatus, string>;
  for (const name of STATUSES) {
    status[name] = read(`status-color-${name}`);
    statusText[name] = readableTextOn(status[name]);
  }
  const outline = read('probe-bar-outline');
  const theme: CanvasTheme = {
    background: read('probe-background'),
    foreground: read('probe-foreground'),
    muted: read('probe-muted'),
    grid: '',
    laneStripe: '',
    barOutline: isTransparent(outline) ? '' : outline,
    focus: read('probe-focus'),
    status,
    statusText,
    fontFamily: getComputedStyle(host).fontFamily || 'sans-serif',
    fontSize: 11,
  };
  theme.grid = withAlpha(theme.foreground, 0.13);
  theme.laneStripe = withAlpha(theme.foreground, 0.04);
  probeRoot.remove();
  return theme;
}

function parseRgb(color: string): [number, number, number, number] | undefined {
  const match = /rgba?\(([^)]+)\)/.exec(color);
  if (!match) return undefined;
  const parts = match[1].split(/[\s,/]+/).filter(Boolean).map(Number);
  return [parts[0], parts[1], parts[2], parts.length > 3 ? parts[3] : 1];
}

function withAlpha(color: string, alpha: number): string {
  const rgb = parseRgb(color);
  return rgb ? `rgba(${rgb[0]}, ${rgb[1]}, ${rgb[2]}, ${alpha})` : color;
}

function isTransparent(color: string): boolean {
  const rgb = parseRgb(color);
  return !rgb || rgb[3] === 0;
}

/** Black or white, whichever contrasts more with the bar (WCAG relative luminance). */
function readableTextOn(color: string): string {
  const rgb = parseRgb(color);
  if (!rgb) return '#000';
  const [r, g, b] = rgb.slice(0, 3).map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return luminance > 0.179 ? '#000' : '#fff';
}
