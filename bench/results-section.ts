import { readFileSync, writeFileSync } from 'node:fs';

/**
 * Replaces one bench's section of a shared RESULTS.md, from its marker line `<!-- <name> section … -->` up to the
 * next section marker (or the end), and keeps every other section; a new section is appended. Several scripts
 * write to one file, and each must not erase the others' tables.
 */
export function writeResultsSection(file: string, name: string, body: string): void {
  const marker = `<!-- ${name} section`;
  const current = (() => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return '';
    }
  })();
  const section = `${marker}: written by its bench script -->\n${body.trim()}\n`;
  const start = current.indexOf(marker);
  if (start < 0) {
    writeFileSync(file, current.trim() ? `${current.trimEnd()}\n\n${section}` : section);
    return;
  }
  const next = current.indexOf('<!-- ', current.indexOf('\n', start) + 1);
  const rest = next < 0 ? '' : `\n${current.slice(next)}`;
  writeFileSync(file, `${current.slice(0, start)}${section}${rest}`);
}
