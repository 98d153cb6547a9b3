/**
 * Control characters in text that came from files (run names, error messages, paths): on a terminal
 * ESC starts escape sequences that can recolour, move the cursor, retitle the window or hide text,
 * BEL rings, CR overwrites the line. Line feeds and tabs are kept where the text is laid out in lines.
 */

// C0 controls except tab and line feed, DEL, and the C1 controls (U+0080–U+009F; U+009B is a one-character CSI).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** `text` without control characters; tabs and line feeds stay. */
export function stripControlChars(text: string): string {
  return text.replace(CONTROL, '');
}

/** One line of text: control characters removed, and line breaks and tabs become spaces. */
export function singleLine(text: string): string {
  return stripControlChars(text).replace(/[\t\n]/g, ' ');
}
