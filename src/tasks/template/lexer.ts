/**
 * Lexer for Go text/template (a port of the state machine in Go's text/template/parse/lex.go).
 * Delimiters are fixed to "{{" and "}}" (ACR never changes them).
 */
import { atTerminator, lexChar, lexNumber, lexQuote, lexRawQuote } from './lex-literals.js';
export type ItemType =
  | 'error'
  | 'bool'
  | 'char'
  | 'charConstant'
  | 'comment'
  | 'assign'
  | 'declare'
  | 'eof'
  | 'field'
  | 'identifier'
  | 'leftDelim'
  | 'leftParen'
  | 'number'
  | 'pipe'
  | 'rawString'
  | 'rightDelim'
  | 'rightParen'
  | 'space'
  | 'string'
  | 'text'
  | 'variable'
  | 'block'
  | 'break'
  | 'continue'
  | 'dot'
  | 'define'
  | 'else'
  | 'end'
  | 'if'
  | 'nil'
  | 'range'
  | 'template'
  | 'with';

export interface Item {
  type: ItemType;
  pos: number;
  val: string;
  line: number;
}

const KEYWORDS = new Map<string, ItemType>(
  Object.entries({
    '.': 'dot',
    block: 'block',
    break: 'break',
    continue: 'continue',
    define: 'define',
    else: 'else',
    end: 'end',
    if: 'if',
    range: 'range',
    nil: 'nil',
    template: 'template',
    with: 'with',
  }) as [string, ItemType][],
);

const LEFT = '{{';
export const RIGHT = '}}';
const LEFT_COMMENT = '/*';
const RIGHT_COMMENT = '*/';
export const EOF = '';

export const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
export const isAlphaNumeric = (c: string): boolean => c === '_' || /^[\p{L}\p{Nd}]$/u.test(c);
const isDigit = (c: string): boolean => c >= '0' && c <= '9';

export type StateFn = ((l: Lexer) => StateFn) | null;

export class Lexer {
  readonly items: Item[] = [];
  pos = 0;
  start = 0;
  parenDepth = 0;
  insideAction = false;
  private width = 0;

  private readonly lineStarts: number[] = [0];

  constructor(
    readonly name: string,
    readonly input: string,
  ) {
    for (let i = 0; i < input.length; i++) if (input.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  /** 1-based line of a character offset. */
  lineAt(pos: number): number {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  next(): string {
    if (this.pos >= this.input.length) {
      this.width = 0;
      return EOF;
    }
    const cp = this.input.codePointAt(this.pos)!;
    const c = String.fromCodePoint(cp);
    this.width = c.length;
    this.pos += this.width;
    return c;
  }

  peek(): string {
    const c = this.next();
    this.backup();
    return c;
  }

  backup(): void {
    this.pos -= this.width;
  }

  emit(type: ItemType): void {
    this.items.push({
      type,
      pos: this.start,
      val: this.input.slice(this.start, this.pos),
      line: this.lineAt(this.start),
    });
    this.start = this.pos;
  }

  ignore(): void {
    this.start = this.pos;
  }

  accept(valid: string): boolean {
    const c = this.next();
    if (c !== EOF && valid.includes(c)) return true;
    this.backup();
    return false;
  }

  acceptRun(valid: string): void {
    for (;;) {
      const c = this.next();
      if (c === EOF || !valid.includes(c)) break;
    }
    this.backup();
  }

  errorf(msg: string): StateFn {
    this.items.push({ type: 'error', pos: this.start, val: msg, line: this.lineAt(this.start) });
    return null;
  }

  run(): Item[] {
    let state: StateFn = lexText;
    while (state) state = state(this);
    return this.items;
  }
}

/** Tokenises the whole input; the last item is 'eof' or 'error'. */
export function lex(name: string, input: string): Item[] {
  return new Lexer(name, input).run();
}

function lexText(l: Lexer): StateFn {
  const x = l.input.indexOf(LEFT, l.pos);
  if (x >= 0) {
    if (x > l.pos) {
      l.pos = x;
      const trimLen = hasLeftTrimMarker(l.input.slice(x + LEFT.length))
        ? trimRightLength(l.input.slice(l.start, l.pos))
        : 0;
      l.pos -= trimLen;
      if (l.pos > l.start) l.emit('text');
      l.pos += trimLen;
      l.ignore();
    }
    return lexLeftDelim;
  }
  l.pos = l.input.length;
  if (l.pos > l.start) l.emit('text');
  l.emit('eof');
  return null;
}

function trimRightLength(s: string): number {
  let n = 0;
  while (n < s.length && isSpace(s[s.length - 1 - n])) n++;
  return n;
}

function trimLeftLength(s: string): number {
  let n = 0;
  while (n < s.length && isSpace(s[n])) n++;
  return n;
}

const hasLeftTrimMarker = (s: string): boolean => s.length >= 2 && s[0] === '-' && isSpace(s[1]);

function atRightDelim(l: Lexer): { delim: boolean; trim: boolean } {
  const rest = l.input.slice(l.pos, l.pos + 3);
  if (rest.length === 3 && isSpace(rest[0]) && rest[1] === '-' && l.input.startsWith(RIGHT, l.pos + 2))
    return { delim: true, trim: true };
  if (l.input.startsWith(RIGHT, l.pos)) return { delim: true, trim: false };
  return { delim: false, trim: false };
}

function lexLeftDelim(l: Lexer): StateFn {
  l.pos += LEFT.length;
  const trimSpace = hasLeftTrimMarker(l.input.slice(l.pos));
  const afterMarker = trimSpace ? 2 : 0;
  if (l.input.startsWith(LEFT_COMMENT, l.pos + afterMarker)) {
    l.pos += afterMarker;
    l.ignore();
    return lexComment;
  }
  l.emit('leftDelim');
  l.pos += afterMarker;
  l.ignore();
  l.parenDepth = 0;
  l.insideAction = true;
  return lexInsideAction;
}

function lexComment(l: Lexer): StateFn {
  l.pos += LEFT_COMMENT.length;
  const x = l.input.indexOf(RIGHT_COMMENT, l.pos);
  if (x < 0) return l.errorf('unclosed comment');
  l.pos = x + RIGHT_COMMENT.length;
  const { delim, trim } = atRightDelim(l);
  if (!delim) return l.errorf('comment ends before closing delimiter');
  if (trim) l.pos += 2;
  l.pos += RIGHT.length;
  if (trim) l.pos += trimLeftLength(l.input.slice(l.pos));
  l.ignore();
  return lexText;
}

function lexRightDelim(l: Lexer): StateFn {
  const { trim } = atRightDelim(l);
  if (trim) {
    l.pos += 2;
    l.ignore();
  }
  l.pos += RIGHT.length;
  l.emit('rightDelim');
  if (trim) {
    l.pos += trimLeftLength(l.input.slice(l.pos));
    l.ignore();
  }
  l.insideAction = false;
  return lexText;
}

export function lexInsideAction(l: Lexer): StateFn {
  const { delim } = atRightDelim(l);
  if (delim) {
    if (l.parenDepth === 0) return lexRightDelim;
    return l.errorf('unclosed left paren');
  }
  const c = l.next();
  if (c === EOF) return l.errorf('unclosed action');
  if (isSpace(c)) {
    l.backup();
    return lexSpace;
  }
  if (c === '=') {
    l.emit('assign');
  } else if (c === ':') {
    if (l.next() !== '=') return l.errorf('expected :=');
    l.emit('declare');
  } else if (c === '|') {
    l.emit('pipe');
  } else if (c === '"') {
    return lexQuote;
  } else if (c === '`') {
    return lexRawQuote;
  } else if (c === '$') {
    return lexVariable;
  } else if (c === "'") {
    return lexChar;
  } else if (c === '.') {
    if (l.pos < l.input.length && !isDigit(l.input[l.pos])) return lexField;
    l.backup();
    return lexNumber;
  } else if (c === '+' || c === '-' || isDigit(c)) {
    l.backup();
    return lexNumber;
  } else if (isAlphaNumeric(c)) {
    l.backup();
    return lexIdentifier;
  } else if (c === '(') {
    l.emit('leftParen');
    l.parenDepth++;
  } else if (c === ')') {
    l.emit('rightParen');
    l.parenDepth--;
    if (l.parenDepth < 0) return l.errorf(`unexpected right paren ${goRune(c)}`);
  } else if (c.codePointAt(0)! <= 0x7f && /[\x20-\x7e]/.test(c)) {
    l.emit('char');
  } else {
    return l.errorf(`unrecognized character in action: ${goRune(c)}`);
  }
  return lexInsideAction;
}

function goRune(c: string): string {
  const cp = c.codePointAt(0)!;
  const hex = cp.toString(16).toUpperCase().padStart(4, '0');
  return /[\x20-\x7e]/.test(c) ? `U+${hex} '${c}'` : `U+${hex}`;
}

function lexSpace(l: Lexer): StateFn {
  let numSpaces = 0;
  for (;;) {
    const c = l.peek();
    if (c === EOF || !isSpace(c)) break;
    l.next();
    numSpaces++;
  }
  if (isSpace(l.input[l.pos - 1]) && l.input[l.pos] === '-' && l.input.startsWith(RIGHT, l.pos + 1)) {
    l.backup();
    if (numSpaces === 1) return lexRightDelim;
  }
  l.emit('space');
  return lexInsideAction;
}

function lexIdentifier(l: Lexer): StateFn {
  for (;;) {
    const c = l.next();
    if (c !== EOF && isAlphaNumeric(c)) continue;
    l.backup();
    const word = l.input.slice(l.start, l.pos);
    if (!atTerminator(l)) return l.errorf(`bad character ${goRune(l.peek())}`);
    const kw = KEYWORDS.get(word);
    if (kw && word !== '.') l.emit(kw);
    else if (word[0] === '.') l.emit('field');
    else if (word === 'true' || word === 'false') l.emit('bool');
    else l.emit('identifier');
    return lexInsideAction;
  }
}

function lexField(l: Lexer): StateFn {
  return lexFieldOrVariable(l, 'field');
}

function lexVariable(l: Lexer): StateFn {
  if (atTerminator(l)) {
    l.emit('variable');
    return lexInsideAction;
  }
  return lexFieldOrVariable(l, 'variable');
}

function lexFieldOrVariable(l: Lexer, type: ItemType): StateFn {
  if (atTerminator(l)) {
    if (type === 'variable') l.emit('variable');
    else l.emit('dot');
    return lexInsideAction;
  }
  for (;;) {
    const c = l.next();
    if (c === EOF || !isAlphaNumeric(c)) {
      l.backup();
      break;
    }
  }
  if (!atTerminator(l)) return l.errorf(`bad character ${goRune(l.peek())}`);
  l.emit(type);
  return lexInsideAction;
}
