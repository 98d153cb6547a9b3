/**
 * The protocol between the host and the coefficient editor (the sidebar view `polyloss.coefficients`;
 * any webview that embeds the editor speaks it too). The webview posts `ready`; the host answers
 * with the run base ("Run with these coefficients" trains on it) and keeps it current as the ticked
 * runs change. `load` puts a loss into the editor (e.g. from an experiment entry). The webview asks
 * to run or save the loss it shows, naming each request with a `requestId` of its choosing; the host
 * reports how that went with `done`, which names the same id.
 */
import type { LossSpec } from './lossSpec';
import { custom, guardOf, isObj, object, optional, requestId, str, bool, type MessageOf, type Proven } from './messages';

const LOSS_TYPES: readonly unknown[] = ['ce', 'poly', 'focal', 'poly-focal'];

/** The shape of a loss spec; its values are checked by validateLossSpec where it is used. */
export function isLossLike(x: unknown): x is LossSpec {
  return isObj(x) && LOSS_TYPES.includes(x.type);
}

export const lossLike = custom('a loss spec', isLossLike);

const runBase = object({
  /** What the run trains, e.g. "digits · mlp · 10 epochs" or "train.py (your script)". */
  what: str,
  /** The ticked run the settings come from; absent when they are the New Run defaults. */
  fromRun: optional(str),
});

/** What a run started from the editor trains on, described for the user. */
export type RunBaseInfo = Proven<typeof runBase>;

/** Host → coefficient editor. */
export const coefficientHostMessages = {
  base: { base: runBase },
  load: { loss: lossLike, source: str },
  /** The answer to the webview's `run` or `save` request `requestId`. */
  done: { requestId, ok: bool, message: str },
};
export type CoefficientHostMessage = MessageOf<typeof coefficientHostMessages>;
export const isCoefficientHostMessage = guardOf(coefficientHostMessages);

/** Coefficient editor → host. */
export const coefficientWebviewMessages = {
  ready: {},
  run: { requestId, loss: lossLike },
  save: { requestId, loss: lossLike },
  reportError: { message: str },
};
export type CoefficientWebviewMessage = MessageOf<typeof coefficientWebviewMessages>;
export const isCoefficientWebviewMessage = guardOf(coefficientWebviewMessages);
