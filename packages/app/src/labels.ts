/** Labels typed as "apple, banana, orange": trimmed, empties dropped, duplicates removed, order kept. */
export function parseLabels(text: string): string[] {
  return [...new Set(text.split(',').map((label) => label.trim()).filter(Boolean))];
}
