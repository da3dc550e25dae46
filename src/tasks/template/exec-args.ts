/** Argument conversion for template function calls: Go's reflect-based checks in text/template/exec.go. */
import type { ArgNode } from './nodes.js';
import { argString } from './nodes.js';
import { GoFloat, kindOf, typeName } from './go-value.js';
import { goTypeName, type ParamType } from './func-types.js';

export function validateArgType(value: unknown, typ: ParamType | null, errorf: (m: string) => never): unknown {
  if (value === undefined) {
    if (typ === null || typ === 'value') return undefined;
    if (typ === 'any') return null;
    if (typ === 'map' || typ === 'slice' || typ === 'strings') return null;
    errorf(`invalid value; expected ${goTypeName[typ]}`);
  }
  if (typ === null || typ === 'any' || typ === 'value') return value;
  const k = kindOf(value);
  const ok =
    (typ === 'string' && k === 'string') ||
    (typ === 'int' && k === 'int') ||
    (typ === 'bool' && k === 'bool') ||
    (typ === 'float64' && k === 'float') ||
    (typ === 'map' && k === 'map') ||
    (typ === 'slice' && k === 'slice') ||
    (typ === 'strings' && k === 'slice' && (value as unknown[]).every((x) => typeof x === 'string'));
  if (!ok) errorf(`wrong type for value; expected ${goTypeName[typ]}; got ${typeName(value)}`);
  return value;
}

/** A literal argument (bool, number, string, nil-free) converted to the parameter's type. */
export function literalArg(n: ArgNode, typ: ParamType | null, errorf: (m: string) => never): unknown {
  const lit = argString(n);
  switch (typ) {
    case 'bool':
      if (n.kind === 'bool') return n.value;
      errorf(`expected bool; found ${lit}`);
    // falls through (unreachable)
    case 'int':
      if (n.kind === 'number' && n.isInt) return n.int;
      errorf(`expected integer; found ${lit}`);
    // falls through (unreachable)
    case 'string':
      if (n.kind === 'string') return n.text;
      errorf(`expected string; found ${lit}`);
    // falls through (unreachable)
    case 'float64':
      if (n.kind === 'number' && n.isFloat) return new GoFloat(n.float);
      errorf(`expected float; found ${lit}`);
    // falls through (unreachable)
    case 'map':
    case 'slice':
    case 'strings':
      errorf(`can't handle ${lit} for arg of type ${goTypeName[typ]}`);
  }
  switch (n.kind) {
    case 'bool':
      return n.value;
    case 'string':
      return n.text;
    case 'number':
      return idealConstant(n, errorf);
  }
  errorf(`can't handle assignment of ${lit} to empty interface argument`);
}

export function idealConstant(n: Extract<ArgNode, { kind: 'number' }>, errorf: (m: string) => never): unknown {
  const t = n.text;
  const isHex = /^[+-]?0[xX]/.test(t);
  if (n.isFloat && !isHex && !t.startsWith("'") && /[.eEpP]/.test(t))
    return Number.isInteger(n.float) ? new GoFloat(n.float) : n.float;
  if (n.isInt) return n.int;
  if (n.isFloat) return n.float;
  errorf(`${t} overflows int`);
}
