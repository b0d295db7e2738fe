// Accessibility checks with axe-core (npm), injected into the page under test: WCAG 2.0/2.1/2.2
// A and AA rules. A violation fails the test with the rule, its help text and the elements.
// axe is evaluated through the DevTools protocol rather than added as a <script> tag: the page's
// CSP (script-src 'self') rightly refuses inline scripts, and the tests keep that CSP on.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core'), 'utf8');
export const WCAG_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** Runs axe over the whole page as it is now; returns its violations. */
export async function axeViolations(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async (tags) => {
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary}`),
    }));
  }, WCAG_AA);
}

export async function expectAccessible(page, name) {
  const violations = await axeViolations(page);
  assert.deepEqual(violations, [], `${name}: axe found WCAG 2.2 AA violations:\n${violations
    .map((v) => `- ${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.slice(0, 5).join('\n    ')}`).join('\n')}`);
}
