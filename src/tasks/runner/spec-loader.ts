import { DockyardError } from '../../shared/index.js';
import { processTaskFile } from '../spec/index.js';
import type { TaskFileIssue } from '../spec/index.js';
import type { TaskFileLoader } from './ports.js';
import type { RunnablePlan } from './plan-types.js';

const describe = (name: string, issues: TaskFileIssue[]): string =>
  issues.map((i) => `${name}:${i.line}:${i.column}: ${i.message}${i.hint ? ` (hint: ${i.hint})` : ''}`).join('; ');

/**
 * Loads a task file as acb does (acr-reference.md §2.1): a discovery render finds `secrets:`, they are resolved with
 * the task's identity, then the final render, parse and plan. Errors carry file:line:column.
 */
export const loadTaskFileWithSpec: TaskFileLoader = async (input) => {
  const base = {
    text: input.text,
    fileName: input.fileName,
    values: input.valuesFile,
    setValues: Object.fromEntries(input.set.map((v) => [v.name, v.value])),
    secretValues: Object.fromEntries(input.setSecret.map((v) => [v.name, v.value])),
    run: input.run,
  };
  let result = processTaskFile(base);
  if (!result.ok)
    throw new DockyardError(result.errors[0]?.code ?? 'TaskFileInvalid', describe(input.fileName, result.errors));
  const declared = result.plan?.secrets ?? [];
  const secretValues: string[] = [];
  if (declared.length) {
    const secrets: Record<string, string> = {};
    for (const s of declared) {
      const v = await input.resolveSecret({ id: s.id, keyvault: s.keyvault, clientID: s.clientID });
      secrets[s.id] = v;
      secretValues.push(v);
    }
    result = processTaskFile({ ...base, secrets });
    if (!result.ok)
      throw new DockyardError(result.errors[0]?.code ?? 'TaskFileInvalid', describe(input.fileName, result.errors));
  }
  const plan: RunnablePlan = result.plan!;
  return { plan, secretValues };
};
