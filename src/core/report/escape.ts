/** Escaping of untrusted text (run names, labels, paths) for the two formats reports are written in. */
import { singleLine } from '../controlChars';

const XML_ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for SVG/XML element content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => XML_ENTITIES[c]);
}

/**
 * Inline Markdown text, safe inside a table cell or list item: HTML shows as text (`<script>`
 * stays visible and inert), no link, image or link definition can form, emphasis and code marks
 * are literal, line breaks become spaces and control characters are dropped. Brackets that cannot
 * start a link are left alone, so intervals like "[0.3, 2.1]" stay readable on a terminal.
 */
export function escapeMarkdown(text: string): string {
  return plainText(text)
    .replace(/[\\`*_|~]/g, '\\$&')
    .replace(/\](?=[([:])/g, '\\]')
    .replace(/!(?=\[)/g, '\\!')
    .replace(/^#/, '\\#')
    .replace(/[&<>]/g, (c) => XML_ENTITIES[c]);
}

/**
 * Text for a terminal: one line, control characters dropped, nothing else changed (a terminal shows
 * "p<0.001" and "*" as they are, where Markdown needs "&lt;" and "\\*").
 */
export function plainText(text: string): string {
  return singleLine(text.replace(/\r?\n|\r/g, ' '));
}

/** How the text of a table, a verdict or a headline is made safe: escapeMarkdown for report.md, plainText for a terminal. */
export type TextEscape = (text: string) => string;
