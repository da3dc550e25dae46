/** The function map of the engine: Go builtins + the Sprig functions ACR task files use. */
import type { FuncMap } from './func-types.js';
import { builtinFuncs } from './builtins.js';
import { sprigStrings } from './sprig-strings.js';
import { sprigData } from './sprig-data.js';
import { sprigMisc } from './sprig-misc.js';

// Sprig's TxtFuncMap is added on top of the builtins, so Sprig's `slice` replaces the builtin one (as in ACR).
export const defaultFuncs: FuncMap = { ...builtinFuncs, ...sprigStrings, ...sprigData, ...sprigMisc };
