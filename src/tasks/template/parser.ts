/** Parser for Go text/template (a port of text/template/parse/parse.go). */
import { lex, type Item, type ItemType } from './lexer.js';
import type {
  ArgNode,
  BranchNode,
  CommandNode,
  ElseNode,
  EndNode,
  ListNode,
  Node,
  NumberNode,
  PipeNode,
  TemplateNode,
  VariableNode,
} from './nodes.js';
import { parseNumber, unquote } from './literals.js';
import { isEmptyTree, termString } from './parse-support.js';
import { ItemCursor } from './item-cursor.js';

export { itemString, TemplateSyntaxError } from './parse-support.js';

export type TreeSet = Map<string, ListNode>;

const OPERAND_START: ItemType[] = [
  'bool',
  'charConstant',
  'dot',
  'field',
  'identifier',
  'number',
  'nil',
  'rawString',
  'string',
  'variable',
  'leftParen',
];

/** Parses `text` into a set of named trees (the main one under `name`, plus every define/block). */
export function parseTemplate(name: string, text: string, hasFunction: (n: string) => boolean): TreeSet {
  const items = lex(name, text);
  const trees: TreeSet = new Map();
  new Parser(name, text, items, hasFunction, trees).parseMain();
  return trees;
}

class Parser extends ItemCursor {
  private vars: string[] = ['$'];
  private rangeDepth = 0;

  constructor(
    name: string,
    text: string,
    items: Item[],
    private readonly hasFunction: (n: string) => boolean,
    private readonly trees: TreeSet,
  ) {
    super(name, text, items);
  }

  private list(pos: number, line: number): ListNode {
    return { kind: 'list', pos, line, nodes: [] };
  }

  private addTree(name: string, root: ListNode): void {
    const old = this.trees.get(name);
    if (old && !isEmptyTree(old) && !isEmptyTree(root))
      this.errorf(`template: multiple definition of template "${name}"`);
    if (!old || isEmptyTree(old)) this.trees.set(name, root);
  }

  parseMain(): void {
    const first = this.peek();
    const root = this.list(first.pos, first.line);
    while (this.peek().type !== 'eof') {
      if (this.peek().type === 'error') this.unexpected(this.peek(), 'input');
      if (this.peek().type === 'leftDelim') {
        this.next();
        const save = this.i;
        if (this.nextNonSpace().type === 'define') {
          this.parseDefinition();
          continue;
        }
        this.i = save - 1;
      }
      const n = this.textOrAction();
      if (n.kind === 'end' || n.kind === 'else') this.errorf(`unexpected {{${n.kind}}}`);
      root.nodes.push(n);
    }
    this.addTree(this.name, root);
  }

  private parseDefinition(): void {
    const context = 'define clause';
    const saved = { vars: this.vars, rangeDepth: this.rangeDepth };
    this.vars = ['$'];
    this.rangeDepth = 0;
    const nameTok = this.nextNonSpace();
    if (nameTok.type !== 'string' && nameTok.type !== 'rawString') this.unexpected(nameTok, context);
    const name = this.unquoteItem(nameTok);
    this.expect('rightDelim', context);
    const [root, end] = this.itemList();
    if (end.kind !== 'end') this.errorf(`unexpected {{${end.kind}}} in ${context}`);
    this.addTree(name, root);
    this.vars = saved.vars;
    this.rangeDepth = saved.rangeDepth;
  }

  private unquoteItem(t: Item): string {
    const s = unquote(t.val);
    if (s === null) this.errorAt(t, 'invalid syntax');
    return s;
  }

  private itemList(): [ListNode, EndNode | ElseNode] {
    const p = this.peekNonSpace();
    const list = this.list(p.pos, p.line);
    while (this.peekNonSpace().type !== 'eof') {
      const n = this.textOrAction();
      if (n.kind === 'end' || n.kind === 'else') return [list, n];
      list.nodes.push(n);
    }
    this.errorf('unexpected EOF');
  }

  private textOrAction(): Node {
    const t = this.nextNonSpace();
    if (t.type === 'text') return { kind: 'text', pos: t.pos, line: t.line, text: t.val };
    if (t.type === 'leftDelim') {
      const saved = this.actionLine;
      this.actionLine = t.line;
      try {
        return this.action();
      } finally {
        this.actionLine = saved;
      }
    }
    this.unexpected(t, 'input');
  }

  private action(): Node {
    const t = this.nextNonSpace();
    switch (t.type) {
      case 'block':
        return this.blockControl();
      case 'break':
      case 'continue': {
        const tok = this.nextNonSpace();
        if (tok.type !== 'rightDelim') this.unexpected(tok, `{{${t.type}}}`);
        if (this.rangeDepth === 0) this.errorf(`{{${t.type}}} outside {{range}}`);
        return { kind: t.type, pos: t.pos, line: t.line };
      }
      case 'else':
        return this.elseControl();
      case 'end': {
        const tok = this.expect('rightDelim', 'end');
        return { kind: 'end', pos: tok.pos, line: tok.line };
      }
      case 'if':
        return this.parseControl('if', true);
      case 'range':
        return this.parseControl('range', false);
      case 'with':
        return this.parseControl('with', false);
      case 'template':
        return this.templateControl();
    }
    this.backup();
    const tok = this.peek();
    return { kind: 'action', pos: tok.pos, line: tok.line, pipe: this.pipeline('command', 'rightDelim') };
  }

  private elseControl(): ElseNode {
    const p = this.peekNonSpace();
    if (p.type === 'if') return { kind: 'else', pos: p.pos, line: p.line };
    const t = this.expect('rightDelim', 'else');
    return { kind: 'else', pos: t.pos, line: t.line };
  }

  private parseControl(context: 'if' | 'range' | 'with', allowElseIf: boolean): BranchNode {
    const nvars = this.vars.length;
    try {
      const pipe = this.pipeline(context, 'rightDelim');
      if (context === 'range') this.rangeDepth++;
      const [list, next] = this.itemList();
      if (context === 'range') this.rangeDepth--;
      let elseList: ListNode | null = null;
      if (next.kind === 'else') {
        if (allowElseIf && this.peek().type === 'if') {
          this.next();
          elseList = this.list(next.pos, next.line);
          elseList.nodes.push(this.parseControl('if', true));
        } else {
          const [el, end] = this.itemList();
          if (end.kind !== 'end') this.errorf(`expected end; found {{${end.kind}}}`);
          elseList = el;
        }
      }
      return { kind: context, pos: pipe.pos, line: pipe.line, pipe, list, elseList };
    } finally {
      this.vars.length = nvars;
    }
  }

  private templateName(t: Item, context: string): string {
    if (t.type !== 'string' && t.type !== 'rawString') this.unexpected(t, context);
    return this.unquoteItem(t);
  }

  private templateControl(): TemplateNode {
    const context = 'template clause';
    const t = this.nextNonSpace();
    const name = this.templateName(t, context);
    let pipe: PipeNode | null = null;
    if (this.nextNonSpace().type !== 'rightDelim') {
      this.backup();
      pipe = this.pipeline(context, 'rightDelim');
    }
    return { kind: 'template', pos: t.pos, line: t.line, name, pipe };
  }

  private blockControl(): TemplateNode {
    const context = 'block clause';
    const t = this.nextNonSpace();
    const name = this.templateName(t, context);
    const pipe = this.pipeline(context, 'rightDelim');
    const saved = { vars: this.vars, rangeDepth: this.rangeDepth };
    this.vars = ['$'];
    this.rangeDepth = 0;
    const [root, end] = this.itemList();
    if (end.kind !== 'end') this.errorf(`unexpected {{${end.kind}}} in ${context}`);
    this.addTree(name, root);
    this.vars = saved.vars;
    this.rangeDepth = saved.rangeDepth;
    return { kind: 'template', pos: t.pos, line: t.line, name, pipe };
  }

  private pipeline(context: string, end: ItemType): PipeNode {
    const start = this.peekNonSpace();
    const pipe: PipeNode = { kind: 'pipe', pos: start.pos, line: start.line, isAssign: false, decl: [], cmds: [] };
    for (;;) {
      const v = this.peekNonSpace();
      if (v.type !== 'variable') break;
      const vIndex = this.i;
      this.nextNonSpace();
      const afterVar = this.peek();
      const next = this.peekNonSpace();
      const declVar = (): VariableNode => ({ kind: 'variable', pos: v.pos, line: v.line, ident: [v.val] });
      if (next.type === 'assign' || next.type === 'declare') {
        pipe.isAssign = next.type === 'assign';
        this.nextNonSpace();
        pipe.decl.push(declVar());
        this.vars.push(v.val);
      } else if (next.type === 'char' && next.val === ',') {
        this.nextNonSpace();
        pipe.decl.push(declVar());
        this.vars.push(v.val);
        if (context === 'range' && pipe.decl.length < 2) {
          const p = this.peekNonSpace().type;
          if (p === 'variable' || p === 'rightDelim' || p === 'rightParen') continue;
          this.errorf('range can only initialize variables');
        }
        this.errorf(`too many declarations in ${context}`);
      } else {
        this.i = vIndex;
        void afterVar;
      }
      break;
    }
    for (;;) {
      const t = this.nextNonSpace();
      if (t.type === end) {
        this.checkPipeline(pipe, context);
        return pipe;
      }
      if (OPERAND_START.includes(t.type)) {
        this.backup();
        pipe.cmds.push(this.command());
      } else {
        this.unexpected(t, context);
      }
    }
  }

  private checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
    pipe.cmds.slice(1).forEach((c, i) => {
      const k = c.args[0].kind;
      if (k === 'bool' || k === 'dot' || k === 'nil' || k === 'number' || k === 'string') {
        this.errorf(`non executable command in pipeline stage ${i + 2}`);
      }
    });
  }

  private command(): CommandNode {
    const p = this.peekNonSpace();
    const cmd: CommandNode = { kind: 'command', pos: p.pos, line: p.line, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand) cmd.args.push(operand);
      const t = this.next();
      if (t.type === 'space') continue;
      if (t.type === 'rightDelim' || t.type === 'rightParen') this.backup();
      else if (t.type !== 'pipe') this.unexpected(t, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.errorf('empty command');
    return cmd;
  }

  private operand(): ArgNode | null {
    const node = this.term();
    if (!node) return null;
    if (this.peek().type === 'field') {
      const fields: string[] = [];
      const pos = this.peek().pos;
      while (this.peek().type === 'field') fields.push(this.next().val.slice(1));
      switch (node.kind) {
        case 'field':
          return { ...node, pos, ident: [...node.ident, ...fields] };
        case 'variable':
          return { ...node, pos, ident: [...node.ident, ...fields] };
        case 'bool':
        case 'string':
        case 'number':
        case 'nil':
        case 'dot':
          this.errorf(`unexpected . after term ${JSON.stringify(termString(node))}`);
        // falls through (unreachable)
        default:
          return { kind: 'chain', pos, line: node.line, node, field: fields };
      }
    }
    return node;
  }

  private term(): ArgNode | null {
    const t = this.nextNonSpace();
    const base = { pos: t.pos, line: t.line };
    switch (t.type) {
      case 'identifier':
        if (!this.hasFunction(t.val)) this.errorAt(t, `function "${t.val}" not defined`);
        return { kind: 'identifier', ...base, name: t.val };
      case 'dot':
        return { kind: 'dot', ...base };
      case 'nil':
        return { kind: 'nil', ...base };
      case 'variable': {
        const ident = t.val.split('.');
        if (!this.vars.includes(ident[0])) this.errorAt(t, `undefined variable "${ident[0]}"`);
        return { kind: 'variable', ...base, ident };
      }
      case 'field':
        return { kind: 'field', ...base, ident: t.val.slice(1).split('.') };
      case 'bool':
        return { kind: 'bool', ...base, value: t.val === 'true' };
      case 'charConstant':
      case 'number': {
        const n = parseNumber(t.val, t.type === 'charConstant');
        if (!n) this.errorAt(t, `illegal number syntax: ${JSON.stringify(t.val)}`);
        return { kind: 'number', ...base, ...n } as NumberNode;
      }
      case 'leftParen':
        return this.pipeline('parenthesized pipeline', 'rightParen');
      case 'string':
      case 'rawString':
        return { kind: 'string', ...base, quoted: t.val, text: this.unquoteItem(t) };
    }
    this.backup();
    return null;
  }
}
