/**
 * Text read from a user's file, made safe to put in a message: a binary file given as CSV (an image,
 * a spreadsheet) yields "cells" of raw bytes that would garble a terminal or a notification.
 */

// C0 controls (tab included: in a message it hides where a cell ends), DEL, C1 controls, and U+FFFD,
// which stands for bytes that were not UTF-8.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\ufffd]/g;

const MAX_SHOWN_CHARS = 60;

function escapeChar(ch: string): string {
  if (ch === '\ufffd') return '\\ufffd';
  return `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
}

/** `text` with unprintable characters written as \xNN escapes (class names: shown in full). */
export function escapeUnprintable(text: string): string {
  return text.replace(UNPRINTABLE, escapeChar);
}

/** A cell or column name for a message: unprintable characters escaped, at most 60 characters. */
export function shownText(text: string): string {
  const escaped = escapeUnprintable(text.length > MAX_SHOWN_CHARS ? text.slice(0, MAX_SHOWN_CHARS) : text);
  return text.length > MAX_SHOWN_CHARS ? `${escaped}…` : escaped;
}

const SIGNATURES: { start: string; what: string }[] = [
  { start: '\ufffdPNG', what: 'a PNG image' },
  { start: 'GIF8', what: 'a GIF image' },
  { start: 'PK\u0003\u0004', what: 'a ZIP archive (an .xlsx workbook?)' },
  { start: '%PDF', what: 'a PDF document' },
  { start: '\u0000\u0000\u0008\u0003', what: 'an IDX images file (use dataset name idx)' },
  { start: '\u0000\u0000\u0008\u0001', what: 'an IDX labels file (use dataset name idx)' },
];

const SAMPLE_CHARS = 4096;
/** More control characters than this share of the sample (and a few) means binary data, not text. */
const MAX_CONTROL_SHARE = 0.05;
const FEW_CONTROLS = 8;

/**
 * Why the start of a file is not text (undefined when it is): a NUL character, or many control or
 * non-UTF-8 characters, with what the file looks like when its signature is known.
 */
export function binaryContent(head: string): string | undefined {
  const sample = head.slice(0, SAMPLE_CHARS);
  const controls = (sample.match(UNPRINTABLE) ?? []).filter((ch) => ch !== '\t' && ch !== '\n' && ch !== '\r').length;
  if (!sample.includes('\u0000') && controls <= Math.max(FEW_CONTROLS, sample.length * MAX_CONTROL_SHARE)) return undefined;
  const known = SIGNATURES.find((s) => sample.startsWith(s.start));
  return `it holds binary data${known ? `: it looks like ${known.what}` : ''}, not comma, semicolon or tab separated text`;
}
