/** Helpers of the template parser: its error type and the Go-shaped descriptions of items and terms in messages. */
import type { Item, ItemType } from './lexer.js';
import type { ArgNode, ListNode } from './nodes.js';

/** A template error with its 1-based line and column; message is Go-shaped: `template: NAME:LINE:COL: msg`. */
export class TemplateSyntaxError extends Error {
  constructor(
    readonly templateName: string,
    readonly line: number,
    readonly column: number,
    readonly detail: string,
  ) {
    super(`template: ${templateName}:${line}:${column}: ${detail}`);
    this.name = 'TemplateSyntaxError';
  }
}

const KEYWORD_TYPES = new Set<ItemType>([
  'block',
  'break',
  'continue',
  'dot',
  'define',
  'else',
  'end',
  'if',
  'nil',
  'range',
  'template',
  'with',
]);

export function itemString(i: Item): string {
  if (i.type === 'eof') return 'EOF';
  if (i.type === 'error') return i.val;
  if (KEYWORD_TYPES.has(i.type)) return `<${i.val}>`;
  return JSON.stringify(i.val.length > 10 ? i.val.slice(0, 10) : i.val) + (i.val.length > 10 ? '...' : '');
}

export function termString(n: ArgNode): string {
  switch (n.kind) {
    case 'bool':
      return String(n.value);
    case 'string':
      return n.quoted;
    case 'number':
      return n.text;
    case 'nil':
      return 'nil';
    default:
      return '.';
  }
}

export function isEmptyTree(n: ListNode): boolean {
  return n.nodes.every((c) => c.kind === 'text' && c.text.trim() === '');
}
