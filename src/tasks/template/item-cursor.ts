import type { Item, ItemType } from './lexer.js';
import { itemString, TemplateSyntaxError } from './parse-support.js';

/** The parser's position in the lexed items: reading, peeking, backing up, and errors with line and column. */
export class ItemCursor {
  protected i = 0;
  /** The line of the action being parsed (0 outside one), for "unclosed action" messages. */
  protected actionLine = 0;

  constructor(
    protected readonly name: string,
    protected readonly text: string,
    protected readonly items: Item[],
  ) {}

  protected column(pos: number): number {
    const nl = this.text.lastIndexOf('\n', pos - 1);
    return pos - nl;
  }

  protected errorAt(item: Item, msg: string): never {
    throw new TemplateSyntaxError(this.name, item.line, this.column(item.pos), msg);
  }

  protected errorf(msg: string): never {
    const tok = this.items[Math.max(0, Math.min(this.i - 1, this.items.length - 1))];
    this.errorAt(tok, msg);
  }

  protected next(): Item {
    const it = this.items[Math.min(this.i, this.items.length - 1)];
    if (this.i < this.items.length) this.i++;
    return it;
  }
  protected backup(n = 1): void {
    this.i -= n;
  }
  protected peek(): Item {
    return this.items[Math.min(this.i, this.items.length - 1)];
  }
  protected nextNonSpace(): Item {
    let t = this.next();
    while (t.type === 'space') t = this.next();
    return t;
  }
  protected peekNonSpace(): Item {
    const t = this.nextNonSpace();
    this.backup();
    return t;
  }

  protected expect(type: ItemType, context: string): Item {
    const t = this.nextNonSpace();
    if (t.type !== type) this.unexpected(t, context);
    return t;
  }

  protected unexpected(t: Item, context: string): never {
    if (t.type === 'error') {
      let extra = '';
      if (this.actionLine !== 0 && this.actionLine !== t.line) {
        extra = ` in action started at ${this.name}:${this.actionLine}`;
        if (t.val.endsWith(' action')) extra = extra.slice(' in action'.length);
      }
      this.errorAt(t, t.val + extra);
    }
    this.errorAt(t, `unexpected ${itemString(t)} in ${context}`);
  }
}
