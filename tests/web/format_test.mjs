// web/format.js against the table the C++ formatter is also checked
// against (tests/data/format_cases.json, tests/pprof/units_test.cc).
// Run by ctest as "js: format": node tests/web/format_test.mjs.
import { readFileSync } from 'node:fs';

const here = new URL('.', import.meta.url);
// web/ has no package.json: import format.js's text as an ES module.
const source = readFileSync(new URL('../../web/format.js', here), 'utf8');
const { formatValue, percentage } =
  await import(`data:text/javascript;base64,${Buffer.from(source).toString('base64')}`);
const cases = JSON.parse(readFileSync(new URL('../data/format_cases.json', here), 'utf8'));

let failed = 0;
let checked = 0;
function check(got, want, what) {
  checked++;
  if (got !== want) {
    failed++;
    console.error(`FAIL ${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  }
}
for (const c of cases.scaled_label) {
  check(formatValue(c.value, c.unit), c.want, `formatValue(${c.value}, '${c.unit}')`);
}
for (const c of cases.percentage) {
  check(percentage(c.value, c.total), c.want, `percentage(${c.value}, ${c.total})`);
}
if (checked === 0) failed++;
console.log(`${checked - failed} of ${checked} format cases as the C++ formatter prints them`);
process.exit(failed ? 1 : 0);
