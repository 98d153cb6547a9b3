/**
 * The protocol between the host and the coefficient editor (the sidebar view `polyloss.coefficients`;
 * any webview that embeds the editor speaks it too). The webview posts `ready`; the host answers
 * with the run base ("Run with these coefficients" trains on it) and keeps it current as the ticked
 * runs change. `load` puts a loss into the editor (e.g. from an experiment entry). The webview asks
 * to run or save the loss it shows; the host reports how that went with `done`.
 */
import type { LossSpec } from './lossSpec';

/** What a run started from the editor trains on, described for the user. */
export interface RunBaseInfo {
  /** What the run trains, e.g. "digits · mlp · 10 epochs" or "train.py (your script)". */
  what: string;
  /** The ticked run the settings come from; absent when they are the New Run defaults. */
  fromRun?: string;
}

export type CoefficientHostMessage =
  | { type: 'base'; base: RunBaseInfo }
  | { type: 'load'; loss: LossSpec; source: string }
  | { type: 'done'; action: 'run' | 'save'; ok: boolean; message: string };

export type CoefficientWebviewMessage =
  | { type: 'ready' }
  | { type: 'run'; loss: LossSpec }
  | { type: 'save'; loss: LossSpec }
  | { type: 'reportError'; message: string };

type Obj = Record<string, unknown>;

function isObj(x: unknown): x is Obj {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

const LOSS_TYPES: readonly unknown[] = ['ce', 'poly', 'focal', 'poly-focal'];

/** The shape of a loss spec; its values are checked by validateLossSpec where it is used. */
export function isLossLike(x: unknown): x is LossSpec {
  return isObj(x) && LOSS_TYPES.includes(x.type);
}

function isBase(x: unknown): x is RunBaseInfo {
  return isObj(x) && typeof x.what === 'string'
    && (x.fromRun === undefined || typeof x.fromRun === 'string');
}

export function isCoefficientHostMessage(x: unknown): x is CoefficientHostMessage {
  if (!isObj(x)) return false;
  switch (x.type) {
    case 'base': return isBase(x.base);
    case 'load': return isLossLike(x.loss) && typeof x.source === 'string';
    case 'done': return (x.action === 'run' || x.action === 'save') && typeof x.ok === 'boolean' && typeof x.message === 'string';
    default: return false;
  }
}

export function isCoefficientWebviewMessage(x: unknown): x is CoefficientWebviewMessage {
  if (!isObj(x)) return false;
  switch (x.type) {
    case 'ready': return true;
    case 'run':
    case 'save': return isLossLike(x.loss);
    case 'reportError': return typeof x.message === 'string';
    default: return false;
  }
}
