/** Typed reads from `yaml` nodes with positions, mirroring how gopkg.in/yaml.v2 fills ACR's Go structs. */
import { isMap, isScalar, isSeq, type LineCounter, type Node, type Pair, type YAMLMap } from 'yaml';
import type { SourcePos, TaskFileIssue } from './types.js';

export class Reader {
  readonly errors: TaskFileIssue[] = [];
  readonly warnings: TaskFileIssue[] = [];

  constructor(private readonly lc: LineCounter) {}

  pos(node: unknown): SourcePos {
    const r = (node as { range?: [number, number, number] } | null)?.range;
    const p = this.lc.linePos(r ? r[0] : 0);
    return { line: p.line, column: p.col };
  }

  error(node: unknown, message: string, hint?: string): void {
    const p = this.pos(node);
    this.errors.push({ code: 'TaskFileInvalid', message, line: p.line, column: p.column, hint });
  }

  warn(node: unknown, message: string, hint?: string): void {
    const p = this.pos(node);
    this.warnings.push({ code: 'TaskFileInvalid', message, line: p.line, column: p.column, hint });
  }

  /** Map entries by key; unknown keys become warnings (ACR ignores them). */
  entries(map: YAMLMap, known: string[], where: string): Map<string, Pair<Node, Node | null>> {
    const out = new Map<string, Pair<Node, Node | null>>();
    for (const p of map.items as Pair<Node, Node | null>[]) {
      const k = isScalar(p.key) ? String(p.key.value) : '';
      if (!known.includes(k)) {
        const close = known.find((x) => x.toLowerCase() === k.toLowerCase());
        this.warn(p.key, `unknown ${where} property "${k}" is ignored`, close ? `did you mean "${close}"?` : undefined);
        continue;
      }
      // ACR's runner (gopkg.in/yaml.v2 into structs) takes the last of duplicate keys; az prepends `version:` to
      // files given with `--context /dev/null`, so a file's own `version:` is a duplicate there.
      if (out.has(k)) this.warn(p.key, `duplicate ${where} property "${k}": the last one wins`);
      out.set(k, p);
    }
    return out;
  }

  str(node: Node | null | undefined, name: string): string | undefined {
    if (node === null || node === undefined) return undefined;
    if (isScalar(node)) return node.value === null ? undefined : String(node.source ?? node.value);
    this.error(node, `${name}: cannot unmarshal ${isSeq(node) ? '!!seq' : '!!map'} into string`);
    return undefined;
  }

  int(node: Node | null | undefined, name: string): number | undefined {
    if (node === null || node === undefined) return undefined;
    if (isScalar(node)) {
      if (node.value === null) return undefined;
      if (typeof node.value === 'number' && Number.isInteger(node.value)) return node.value;
      this.error(
        node,
        `${name}: cannot unmarshal ${JSON.stringify(String(node.value))} into int`,
        `${name} must be a whole number`,
      );
      return undefined;
    }
    this.error(node, `${name}: cannot unmarshal ${isSeq(node) ? '!!seq' : '!!map'} into int`);
    return undefined;
  }

  bool(node: Node | null | undefined, name: string): boolean | undefined {
    if (node === null || node === undefined) return undefined;
    if (isScalar(node)) {
      if (node.value === null) return undefined;
      if (typeof node.value === 'boolean') return node.value;
      this.error(
        node,
        `${name}: cannot unmarshal ${JSON.stringify(String(node.value))} into bool`,
        `${name} must be true or false`,
      );
      return undefined;
    }
    this.error(node, `${name}: expected true or false`);
    return undefined;
  }

  strList(node: Node | null | undefined, name: string): string[] {
    if (node === null || node === undefined) return [];
    if (isScalar(node) && node.value === null) return [];
    if (!isSeq(node)) {
      this.error(
        node,
        `${name}: cannot unmarshal ${isMap(node) ? '!!map' : '!!str'} into []string`,
        `${name} must be a list, e.g. ${name}: ["a", "b"]`,
      );
      return [];
    }
    const out: string[] = [];
    for (const item of node.items as Node[]) {
      const s = this.str(item, name);
      if (s !== undefined) out.push(s);
    }
    return out;
  }

  intList(node: Node | null | undefined, name: string): number[] {
    if (node === null || node === undefined) return [];
    if (!isSeq(node)) {
      this.error(node, `${name}: expected a list of integers`);
      return [];
    }
    return (node.items as Node[]).map((i) => this.int(i, name)).filter((x): x is number => x !== undefined);
  }
}
