/** Literal and terminator scanning of the template lexer (chars, numbers, quoted and raw strings), as Go's text/template. */
import { EOF, RIGHT, isAlphaNumeric, isSpace, lexInsideAction, type Lexer, type StateFn } from './lexer.js';

export function atTerminator(l: Lexer): boolean {
  const c = l.peek();
  if (c === EOF || isSpace(c)) return true;
  if ('.,|:)('.includes(c)) return true;
  return l.input.startsWith(RIGHT, l.pos);
}

export function lexChar(l: Lexer): StateFn {
  for (;;) {
    let c = l.next();
    if (c === '\\') {
      c = l.next();
      if (c !== EOF && c !== '\n') continue;
    }
    if (c === EOF || c === '\n') return l.errorf('unterminated character constant');
    if (c === "'") break;
  }
  l.emit('charConstant');
  return lexInsideAction;
}

export function lexNumber(l: Lexer): StateFn {
  if (!scanNumber(l)) return l.errorf(`bad number syntax: "${l.input.slice(l.start, l.pos)}"`);
  const sign = l.peek();
  if (sign === '+' || sign === '-') {
    // complex numbers: 1+2i
    if (!scanNumber(l) || l.input[l.pos - 1] !== 'i')
      return l.errorf(`bad number syntax: "${l.input.slice(l.start, l.pos)}"`);
    l.emit('number');
  } else {
    l.emit('number');
  }
  return lexInsideAction;
}

function scanNumber(l: Lexer): boolean {
  l.accept('+-');
  let digits = '0123456789_';
  if (l.accept('0')) {
    if (l.accept('xX')) digits = '0123456789abcdefABCDEF_';
    else if (l.accept('oO')) digits = '01234567_';
    else if (l.accept('bB')) digits = '01_';
  }
  l.acceptRun(digits);
  if (l.accept('.')) l.acceptRun(digits);
  if (digits.length === 11 && l.accept('eE')) {
    l.accept('+-');
    l.acceptRun('0123456789_');
  }
  if (digits.length === 23 && l.accept('pP')) {
    l.accept('+-');
    l.acceptRun('0123456789_');
  }
  l.accept('i');
  const c = l.peek();
  if (c !== EOF && isAlphaNumeric(c)) {
    l.next();
    return false;
  }
  return true;
}

export function lexQuote(l: Lexer): StateFn {
  for (;;) {
    let c = l.next();
    if (c === '\\') {
      c = l.next();
      if (c !== EOF && c !== '\n') continue;
    }
    if (c === EOF || c === '\n') return l.errorf('unterminated quoted string');
    if (c === '"') break;
  }
  l.emit('string');
  return lexInsideAction;
}

export function lexRawQuote(l: Lexer): StateFn {
  for (;;) {
    const c = l.next();
    if (c === EOF) return l.errorf('unterminated raw quoted string');
    if (c === '`') break;
  }
  l.emit('rawString');
  return lexInsideAction;
}
