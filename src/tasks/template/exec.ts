/** Executor for parsed Go templates (a port of text/template/exec.go for the value model in go-value.ts). */
import type { ArgNode, BranchNode, CommandNode, ListNode, Node, PipeNode, TemplateNode } from './nodes.js';
import { argString } from './nodes.js';
import { formatValue, isMap, isTrue, kindOf, sortedKeys, typeName } from './go-value.js';
import { goTypeName, type FuncMap, type GoFunc, type ParamType } from './func-types.js';
import type { TreeSet } from './parser.js';
import { DEFAULT_MAX_WORK, rethrowTripped, TemplateLimitError, withBudget } from './budget.js';
import {
  Control,
  emptyTemplateError,
  execErrorAt,
  innermost,
  NO_FINAL,
  TemplateExecError,
  type ExecLimits,
  type Final,
  type Var,
} from './exec-types.js';
import { idealConstant, literalArg, validateArgType } from './exec-args.js';

export { TemplateExecError, type ExecLimits } from './exec-types.js';

export class Executor {
  private out: string[] = [];
  private outLen = 0;
  private steps = 0;
  private deadline: number;
  private depth = 0;
  private node: { pos: number; line: number; label: string } = { pos: 0, line: 1, label: '' };
  private current: string;

  constructor(
    private readonly name: string,
    private readonly text: string,
    private readonly trees: TreeSet,
    private readonly funcs: FuncMap,
    private readonly limits: ExecLimits,
  ) {
    this.deadline = Date.now() + limits.timeoutMs;
    this.current = name;
  }

  run(data: unknown): string {
    const root = this.trees.get(this.name);
    if (!root) throw emptyTemplateError(this.name);
    const budget = {
      maxSize: this.limits.maxOutput,
      maxWork: this.limits.maxWork ?? DEFAULT_MAX_WORK,
      deadline: this.deadline,
      timeoutMs: this.limits.timeoutMs,
    };
    return withBudget(budget, () => {
      try {
        this.walk([{ name: '$', value: data }], data, root);
      } catch (e) {
        if (e instanceof TemplateLimitError) this.errorf(e.message);
        throw e;
      }
      return this.out.join('');
    });
  }

  private at(n: { pos: number; line: number }, label: string): void {
    this.node = { pos: n.pos, line: n.line, label };
  }

  private errorf(msg: string): never {
    throw execErrorAt(this.name, this.text, this.node, this.current, msg);
  }

  private tick(): void {
    this.steps++;
    if (this.steps > this.limits.maxSteps)
      this.errorf(`template exceeded its step budget (${this.limits.maxSteps} steps)`);
    if ((this.steps & 255) === 0 && Date.now() > this.deadline)
      this.errorf(`template exceeded its time budget (${this.limits.timeoutMs} ms)`);
  }

  private write(s: string): void {
    this.outLen += s.length;
    if (this.outLen > this.limits.maxOutput)
      this.errorf(`template output exceeds the limit of ${this.limits.maxOutput} characters`);
    this.out.push(s);
  }

  private walk(vars: Var[], dot: unknown, node: Node): void {
    this.tick();
    switch (node.kind) {
      case 'text':
        this.write(node.text);
        return;
      case 'list':
        for (const n of node.nodes) this.walk(vars, dot, n);
        return;
      case 'action': {
        const v = this.evalPipeline(vars, dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node.pipe, v);
        return;
      }
      case 'if':
      case 'with': {
        const mark = vars.length;
        const v = this.evalPipeline(vars, dot, node.pipe);
        if (isTrue(v)) this.walk(vars, node.kind === 'with' ? v : dot, node.list);
        else if (node.elseList) this.walk(vars, dot, node.elseList);
        vars.length = mark;
        return;
      }
      case 'range':
        this.walkRange(vars, dot, node);
        return;
      case 'template':
        this.walkTemplate(vars, dot, node);
        return;
      case 'break':
      case 'continue':
        throw new Control(node.kind);
      default:
        this.errorf(`unknown node: ${node.kind}`);
    }
  }

  private walkRange(vars: Var[], dot: unknown, r: BranchNode): void {
    const mark = vars.length;
    const val = this.evalPipeline(vars, dot, r.pipe);
    const bodyMark = vars.length;
    const one = (index: unknown, elem: unknown): boolean => {
      const decl = r.pipe.decl;
      if (decl.length > 0) {
        if (r.pipe.isAssign) {
          this.setVar(vars, decl[0].ident[0], decl.length > 1 ? index : elem);
          if (decl.length > 1) this.setVar(vars, decl[1].ident[0], elem);
        } else {
          vars[vars.length - 1].value = elem;
          if (decl.length > 1) vars[vars.length - 2].value = index;
        }
      }
      try {
        this.walk(vars, elem, r.list);
      } catch (e) {
        if (e instanceof Control) return e.kind === 'continue';
        throw e;
      } finally {
        vars.length = bodyMark;
      }
      return true;
    };
    let iterated = false;
    switch (kindOf(val)) {
      case 'slice': {
        const a = val as unknown[];
        for (let i = 0; i < a.length; i++) {
          iterated = true;
          if (!one(i, a[i] === undefined ? null : a[i])) break;
        }
        break;
      }
      case 'map': {
        const m = val as Record<string, unknown>;
        for (const k of sortedKeys(m)) {
          iterated = true;
          if (!one(k, m[k] === undefined ? null : m[k])) break;
        }
        break;
      }
      case 'int': {
        const n = Number(val);
        for (let i = 0; i < n; i++) {
          iterated = true;
          if (!one(i, i)) break;
        }
        break;
      }
      case 'invalid':
      case 'nil':
        break;
      default:
        this.at(r.pipe, argString(r.pipe));
        this.errorf(`range can't iterate over ${formatValue(val)}`);
    }
    if (!iterated && r.elseList) this.walk(vars, dot, r.elseList);
    vars.length = mark;
  }

  private walkTemplate(vars: Var[], dot: unknown, t: TemplateNode): void {
    this.at(t, `template "${t.name}"`);
    const tree = this.trees.get(t.name);
    if (!tree) this.errorf(`template: no template "${t.name}" associated with template "${this.name}"`);
    const newDot = t.pipe ? this.evalPipeline(vars, dot, t.pipe) : undefined;
    this.depth++;
    if (this.depth > this.limits.maxDepth) this.errorf(`exceeded maximum template depth (${this.limits.maxDepth})`);
    const saved = this.current;
    this.current = t.name;
    this.walk([{ name: '$', value: newDot }], newDot, tree as ListNode);
    this.current = saved;
    this.depth--;
  }

  private printValue(n: PipeNode, v: unknown): void {
    this.at(n, argString(n));
    if (kindOf(v) === 'func') this.errorf(`can't print ${argString(n)} of type func`);
    this.write(formatValue(v));
  }

  private setVar(vars: Var[], name: string, value: unknown): void {
    (innermost(vars, name) ?? this.errorf(`undefined variable: ${name}`)).value = value;
  }

  private varValue(vars: Var[], name: string): unknown {
    return (innermost(vars, name) ?? this.errorf(`undefined variable: ${name}`)).value;
  }

  evalPipeline(vars: Var[], dot: unknown, pipe: PipeNode): unknown {
    this.at(pipe, argString(pipe));
    let value: Final = NO_FINAL;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(vars, dot, cmd, value);
      if (value === null) value = undefined; // interface{} holding nil becomes an invalid value
    }
    for (const d of pipe.decl) {
      if (pipe.isAssign) this.setVar(vars, d.ident[0], value);
      else vars.push({ name: d.ident[0], value });
    }
    return value;
  }

  private notAFunction(args: ArgNode[], final: Final): void {
    if (args.length > 1 || final !== NO_FINAL) this.errorf(`can't give argument to non-function ${argString(args[0])}`);
  }

  private evalCommand(vars: Var[], dot: unknown, cmd: CommandNode, final: Final): unknown {
    this.tick();
    const first = cmd.args[0];
    switch (first.kind) {
      case 'field':
        this.at(first, argString(first));
        return this.evalFieldChain(dot, dot, first.ident, cmd.args, final);
      case 'chain':
        return this.evalChain(vars, dot, first, cmd.args, final);
      case 'identifier':
        return this.evalFunction(vars, dot, first.name, first, cmd.args, final);
      case 'pipe':
        this.at(first, argString(first));
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(vars, dot, first);
      case 'variable': {
        this.at(first, argString(first));
        const value = this.varValue(vars, first.ident[0]);
        if (first.ident.length === 1) {
          this.notAFunction(cmd.args, final);
          return value;
        }
        return this.evalFieldChain(dot, value, first.ident.slice(1), cmd.args, final);
      }
    }
    this.at(first, argString(first));
    this.notAFunction(cmd.args, final);
    switch (first.kind) {
      case 'bool':
        return first.value;
      case 'dot':
        return dot;
      case 'nil':
        this.errorf('nil is not a command');
      // falls through (unreachable)
      case 'number':
        return idealConstant(first, (m) => this.errorf(m));
      case 'string':
        return first.text;
    }
  }

  private evalChain(
    vars: Var[],
    dot: unknown,
    chain: Extract<ArgNode, { kind: 'chain' }>,
    args: ArgNode[],
    final: Final,
  ): unknown {
    this.at(chain, argString(chain));
    if (chain.node.kind === 'nil') this.errorf(`indirection through explicit nil in ${argString(chain)}`);
    const pipe = this.evalArg(vars, dot, null, chain.node);
    return this.evalFieldChain(dot, pipe, chain.field, args, final);
  }

  private evalFieldChain(dot: unknown, receiver: unknown, ident: string[], args: ArgNode[], final: Final): unknown {
    for (let i = 0; i < ident.length - 1; i++) receiver = this.evalField(ident[i], [], NO_FINAL, receiver);
    return this.evalField(ident[ident.length - 1], args, final, receiver);
  }

  private evalField(fieldName: string, args: ArgNode[], final: Final, receiver: unknown): unknown {
    if (receiver === undefined) return undefined;
    if (receiver === null) this.errorf(`nil pointer evaluating interface {}.${fieldName}`);
    if (isMap(receiver)) {
      if (args.length > 1 || final !== NO_FINAL) this.errorf(`${fieldName} is not a method but has arguments`);
      const r = Object.prototype.hasOwnProperty.call(receiver, fieldName) ? receiver[fieldName] : undefined;
      return r === undefined ? null : r;
    }
    const obj = receiver as { goField?: (n: string) => unknown };
    if (typeof obj === 'object' && typeof obj.goField === 'function') {
      const r = obj.goField(fieldName);
      if (r !== undefined) return r;
    }
    this.errorf(`can't evaluate field ${fieldName} in type ${typeName(receiver)}`);
  }

  private evalFunction(vars: Var[], dot: unknown, name: string, node: ArgNode, args: ArgNode[], final: Final): unknown {
    this.at(node, name);
    const fn = this.funcs[name];
    if (!fn) this.errorf(`"${name}" is not a defined function`);
    return this.evalCall(vars, dot, fn, name, node, args.slice(1), final);
  }

  private evalCall(
    vars: Var[],
    dot: unknown,
    fn: GoFunc,
    name: string,
    node: ArgNode,
    args: ArgNode[],
    final: Final,
  ): unknown {
    const numIn = args.length + (final !== NO_FINAL ? 1 : 0);
    const nParams = fn.params.length + (fn.variadic ? 1 : 0);
    let numFixed = args.length;
    if (fn.variadic) {
      numFixed = fn.params.length;
      if (numIn < numFixed)
        this.errorf(`wrong number of args for ${name}: want at least ${numFixed} got ${args.length}`);
    } else if (numIn !== nParams) {
      this.errorf(`wrong number of args for ${name}: want ${nParams} got ${numIn}`);
    }
    if (name === 'and' || name === 'or') {
      let v: unknown;
      for (const a of args) {
        v = this.evalArg(vars, dot, 'value', a);
        if (isTrue(v) === (name === 'or')) return v;
      }
      if (final !== NO_FINAL) v = this.validateType(final, 'value');
      return v;
    }
    const argv: unknown[] = [];
    let i = 0;
    for (; i < numFixed && i < args.length; i++) argv.push(this.evalArg(vars, dot, fn.params[i], args[i]));
    if (fn.variadic) for (; i < args.length; i++) argv.push(this.evalArg(vars, dot, fn.variadic, args[i]));
    if (final !== NO_FINAL) {
      const t = fn.variadic
        ? numIn - 1 < numFixed
          ? fn.params[numIn - 1]
          : fn.variadic
        : fn.params[fn.params.length - 1];
      argv.push(this.validateType(final, t));
    }
    this.at(node, name);
    try {
      const result = fn.fn(...argv);
      rethrowTripped();
      if (typeof result === 'string' && result.length > this.limits.maxOutput) {
        throw new TemplateLimitError(
          `${name} returned ${result.length} characters, more than the template output limit of ${this.limits.maxOutput}`,
        );
      }
      return result;
    } catch (e) {
      if (e instanceof TemplateExecError || e instanceof Control) throw e;
      this.errorf(`error calling ${name}: ${(e as Error).message}`);
    }
  }

  private validateType(value: unknown, typ: ParamType | null): unknown {
    return validateArgType(value, typ, (m) => this.errorf(m));
  }

  private evalArg(vars: Var[], dot: unknown, typ: ParamType | null, n: ArgNode): unknown {
    this.at(n, argString(n));
    switch (n.kind) {
      case 'dot':
        return this.validateType(dot, typ);
      case 'nil':
        if (typ === null || typ === 'any' || typ === 'map' || typ === 'slice' || typ === 'strings') return null;
        if (typ === 'value') this.errorf('cannot assign nil to reflect.Value');
        this.errorf(`cannot assign nil to ${goTypeName[typ]}`);
      // falls through (unreachable)
      case 'field':
        return this.validateType(this.evalFieldChain(dot, dot, n.ident, [n], NO_FINAL), typ);
      case 'variable': {
        const value = this.varValue(vars, n.ident[0]);
        const v = n.ident.length === 1 ? value : this.evalFieldChain(dot, value, n.ident.slice(1), [n], NO_FINAL);
        return this.validateType(v, typ);
      }
      case 'pipe':
        return this.validateType(this.evalPipeline(vars, dot, n), typ);
      case 'identifier':
        return this.validateType(this.evalFunction(vars, dot, n.name, n, [n], NO_FINAL), typ);
      case 'chain':
        return this.validateType(this.evalChain(vars, dot, n, [n], NO_FINAL), typ);
    }
    return literalArg(n, typ, (m) => this.errorf(m));
  }
}
