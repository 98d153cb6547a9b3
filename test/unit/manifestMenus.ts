// The Runs view's item menus as package.json declares them, and a reader of the `when` clause forms
// they use, so tests can ask on which tree items a command shows.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface MenuItem { command: string; when?: string; group?: string }

const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
export const itemMenu: MenuItem[] = manifest.contributes.menus['view/item/context'];

/** Whether a `when` clause of the Runs view's item menu holds for an item with this context value. */
export function whenHolds(when: string, contextValue: string): boolean {
  return when.split(' && ').every((clause) => {
    if (clause === 'view == polyloss.runs') return true;
    const regex = /^viewItem =~ \/(.*)\/$/.exec(clause);
    if (regex) return new RegExp(regex[1]).test(contextValue);
    const equality = /^viewItem (==|!=) (\S+)$/.exec(clause);
    if (!equality) throw new Error(`a when clause this reader does not know: ${clause}`);
    return (equality[2] === contextValue) === (equality[1] === '==');
  });
}

/** Whether `command` shows on an item with this context value: inline (`true`), in the context menu (`false`), or either. */
export function shownOn(command: string, contextValue: string, inline?: boolean): boolean {
  return itemMenu.some((m) => m.command === command && (inline === undefined || (m.group?.startsWith('inline') ?? false) === inline)
    && whenHolds(m.when ?? '', contextValue));
}
