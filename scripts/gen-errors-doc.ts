// Regenerates docs/errors.md from the error registry: `node --import tsx scripts/gen-errors-doc.ts`.
import { writeFileSync } from 'node:fs';
import { renderErrorsDoc } from './errors-doc.js';

writeFileSync('docs/errors.md', renderErrorsDoc());
console.log('docs/errors.md written');
