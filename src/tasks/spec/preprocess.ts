/** Text handling before templating (ACR §1.1): comment lines are blanked (line numbers are kept). */
export function stripCommentLines(text: string): string {
  return text
    .split('\n')
    .map((l) => (/^\s*#/.test(l) ? '' : l))
    .join('\n');
}

/** Version check used for alias support: plain string comparison, like the acb code. */
export function aliasesEnabledFor(version: string): boolean {
  return version.toLowerCase() >= 'v1.1.0';
}

export const SUPPORTED_VERSIONS = ['1.0-preview-1', 'v1.0.0', 'v1.1.0'];
export const DEFAULT_VERSION = 'v1.0.0';

/** Reads `version:` from the raw text without a full parse (templates may make the YAML invalid before rendering). */
export function sniffVersion(text: string): { version: string; line: number; column: number } | null {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^version\s*:\s*(.*?)\s*$/.exec(lines[i]);
    if (m) {
      const v = m[1].replace(/\s+#.*$/, '').replace(/^(['"])(.*)\1$/, '$2');
      return { version: v, line: i + 1, column: lines[i].indexOf(m[1]) + 1 };
    }
  }
  return null;
}
