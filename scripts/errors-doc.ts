import { ERRORS } from '../src/shared/errors/registry.js';

const FAMILY_TITLES: Record<string, string> = {
  oci: 'Registry data plane (OCI distribution-spec codes, envelope `{"errors":[{code,message,detail}]}`)',
  arm: 'Control plane (ARM codes, envelope `{"error":{code,message}}`)',
  oauth: 'Token endpoints (OAuth/IMDS codes, envelope `{"error","error_description"}`)',
  keyvault: 'Key Vault data plane (envelope `{"error":{code,message}}`)',
  task: 'Task files',
  blob: 'Blob host (Azure Storage codes, `x-ms-error-code` and an XML `<Error><Code/><Message/></Error>` body)',
  cli: 'CLI-only conditions (exit code in the status column)',
};

/** docs/errors.md, generated from the one registry; a test keeps the file in sync. */
export function renderErrorsDoc(): string {
  let out =
    '# Error codes\n\nGenerated from `src/shared/errors/registry.ts` by `node --import tsx scripts/gen-errors-doc.ts`; a test fails when this file and the registry disagree. The CLI prints every error as `ERROR: (Code) message` and exits 1 (2 for usage errors).\n';
  for (const [family, title] of Object.entries(FAMILY_TITLES)) {
    out += `\n## ${title}\n\n| code | status | default message |\n| --- | --- | --- |\n`;
    for (const [code, def] of Object.entries(ERRORS))
      if (def.family === family)
        out += `| \`${(def as { wire?: string }).wire ?? code}\` | ${def.status} | ${def.message.replace(/\|/g, '\\|')} |\n`;
  }
  return out;
}
