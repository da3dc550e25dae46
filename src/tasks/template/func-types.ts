/** How a template function declares its Go signature, so arguments are checked the way text/template checks them. */
export type ParamType = 'any' | 'string' | 'int' | 'bool' | 'float64' | 'map' | 'slice' | 'value' | 'strings';

export interface GoFunc {
  params: ParamType[];
  /** Element type of a trailing `...T` parameter. */
  variadic?: ParamType;
  /** Throw an Error to report a Go error result ("error calling X: ..."). */
  fn: (...args: unknown[]) => unknown;
}

export type FuncMap = Record<string, GoFunc>;

export const goTypeName: Record<ParamType, string> = {
  any: 'interface {}',
  string: 'string',
  int: 'int',
  bool: 'bool',
  float64: 'float64',
  map: 'map[string]interface {}',
  slice: '[]interface {}',
  value: 'reflect.Value',
  strings: '[]string',
};

/** Shorthand: f(['string','int'], fn) or f(['string'], fn, 'any') for variadic. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Go signatures are checked at call time by the executor
export function f(params: ParamType[], fn: (...args: any[]) => unknown, variadic?: ParamType): GoFunc {
  return { params, fn, variadic };
}
