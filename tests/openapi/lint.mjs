// lint.mjs: lints the OpenAPI document the repository keeps
// (docs/openapi.json) with Redocly's "recommended" rules, as
// `redocly lint` would. Prints each problem; ends with "N passed, N failed"
// (one test: the document; errors fail it, warnings are shown).
import { createConfig, lint } from '@redocly/openapi-core';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const document = path.resolve(here, '..', '..', 'docs', 'openapi.json');

const config = await createConfig({
  extends: ['recommended'],
  rules: {
    // The API's security is per operation (shopper, admin or none).
    'security-defined': 'error',
    // Error answers share one envelope; 4xx/5xx are described by it.
    'operation-4xx-response': 'error',
  },
});
const problems = await lint({ ref: document, config });
let errors = 0;
for (const problem of problems) {
  const where = problem.location?.[0]?.pointer ?? '';
  console.log(`${problem.severity} ${problem.ruleId}: ${problem.message} ${where}`);
  if (problem.severity === 'error') errors++;
}
console.log(`openapi lint: ${problems.length} problem(s), ${errors} error(s) in ${path.relative(process.cwd(), document)}`);
console.log(errors === 0 ? '1 passed, 0 failed' : '0 passed, 1 failed');
process.exit(errors === 0 ? 0 : 1);
