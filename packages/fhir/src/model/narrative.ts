import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { z } from 'zod';

// FHIR R4 narrative rules (txt-1, txt-2): XHTML in a <div>, basic formatting only, no active content.
const FORBIDDEN_ELEMENTS = new Set([
  'script',
  'style',
  'iframe',
  'frame',
  'frameset',
  'object',
  'embed',
  'applet',
  'form',
  'input',
  'button',
  'select',
  'textarea',
  'base',
  'link',
  'meta',
  'head',
  'body',
  'html',
  'svg',
  'math',
]);
const ACTIVE_URL = /^\s*(javascript|vbscript|data\s*:\s*text\/html)/i;
const ATTRIBUTE_PREFIX = '@_';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: ATTRIBUTE_PREFIX,
  preserveOrder: true,
  processEntities: false,
  parseTagValue: false,
});

/** Checks a Narrative.div: well-formed XHTML rooted in one <div>, with no script, event handler or form. */
export function checkNarrativeXhtml(value: string, ctx: z.RefinementCtx): void {
  const wellFormed = XMLValidator.validate(value, { allowBooleanAttributes: false });
  if (wellFormed !== true) {
    ctx.addIssue({
      code: 'custom',
      message: `is not well-formed XHTML: ${wellFormed.err.msg} (line ${wellFormed.err.line})`,
    });
    return;
  }
  const nodes = parser.parse(value) as Record<string, unknown>[];
  const roots = nodes.filter((node) => !('#text' in node) && !('?xml' in node));
  if (roots.length !== 1 || !('div' in (roots[0] as object))) {
    ctx.addIssue({ code: 'custom', message: 'must be a single <div> element (txt-2)' });
    return;
  }
  const problem = findActiveContent(roots);
  if (problem) ctx.addIssue({ code: 'custom', message: `must not contain ${problem} (txt-1)` });
}

function findActiveContent(nodes: readonly Record<string, unknown>[]): string | undefined {
  for (const node of nodes) {
    for (const [key, child] of Object.entries(node)) {
      if (key === '#text') continue;
      if (key === ':@') {
        for (const [attribute, attributeValue] of Object.entries(child as Record<string, string>)) {
          const name = attribute.slice(ATTRIBUTE_PREFIX.length).toLowerCase();
          if (name.startsWith('on')) return `an event handler attribute (${name})`;
          if (ACTIVE_URL.test(String(attributeValue))) return `an active URL in ${name}`;
        }
        continue;
      }
      const element = (key.includes(':') ? key.slice(key.indexOf(':') + 1) : key).toLowerCase();
      if (FORBIDDEN_ELEMENTS.has(element)) return `a <${element}> element`;
      const found = findActiveContent(child as Record<string, unknown>[]);
      if (found) return found;
    }
  }
  return undefined;
}
