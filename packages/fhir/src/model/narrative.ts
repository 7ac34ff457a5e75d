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

/** How deep elements may nest inside a narrative's <div>; the parser refuses deeper ones. */
export const MAX_NARRATIVE_DEPTH = 100;

// Entities are never expanded (and a DOCTYPE, which could declare them, is refused before parsing).
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: ATTRIBUTE_PREFIX,
  preserveOrder: true,
  processEntities: false,
  htmlEntities: false,
  parseTagValue: false,
  maxNestedTags: MAX_NARRATIVE_DEPTH,
});

/**
 * Checks a Narrative.div: well-formed XHTML rooted in one <div>, with no script, event handler or form, and
 * none of the XML that FHIR narrative leaves out (DOCTYPE and other declarations, processing instructions,
 * CDATA sections, entities other than XML's five and numeric character references).
 */
export function checkNarrativeXhtml(value: string, ctx: z.RefinementCtx): void {
  const markup = forbiddenMarkup(value);
  if (markup) {
    ctx.addIssue({ code: 'custom', message: `must not contain ${markup}` });
    return;
  }
  const wellFormed = XMLValidator.validate(value, { allowBooleanAttributes: false });
  if (wellFormed !== true) {
    ctx.addIssue({
      code: 'custom',
      message: `is not well-formed XHTML: ${wellFormed.err.msg} (line ${wellFormed.err.line})`,
    });
    return;
  }
  let nodes: Record<string, unknown>[];
  try {
    nodes = parser.parse(value) as Record<string, unknown>[];
  } catch (error) {
    // The parser's own limits (nesting deeper than MAX_NARRATIVE_DEPTH, names it will not create).
    ctx.addIssue({ code: 'custom', message: `is not XHTML this server accepts: ${(error as Error).message}` });
    return;
  }
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

const PREDEFINED_ENTITIES = new Set(['lt', 'gt', 'amp', 'quot', 'apos']);
const REFERENCE = /&(?:#x([0-9A-Fa-f]{1,8})|#([0-9]{1,10})|([A-Za-z_:][\w.:-]*))?(;?)/g;

/**
 * The first piece of markup FHIR narrative must not have, described for an error message; undefined when
 * there is none. Checked on the text itself, before any parser could act on it. Comments may not hold `--`
 * (XML's rule), which also keeps an HTML parser from ending one early at `--!>` and running what follows.
 */
function forbiddenMarkup(value: string): string | undefined {
  const declaration = /<!(?!--)(\[CDATA\[|[A-Za-z]*)/.exec(value);
  if (declaration) {
    const what = declaration[1] as string;
    if (what === '[CDATA[') return 'a CDATA section: write its text escaped (&lt; &amp;) instead';
    if (what.toUpperCase() === 'DOCTYPE')
      return 'a DOCTYPE declaration: a narrative is an XHTML fragment, without a DTD';
    return `a markup declaration (<!${what}): a narrative is an XHTML fragment, without a DTD`;
  }
  if (value.includes('<?')) return 'a processing instruction (<?...?>)';
  for (let start = value.indexOf('<!--'); start !== -1; start = value.indexOf('<!--', start + 4)) {
    const end = value.indexOf('-->', start + 4);
    const body = value.slice(start + 4, end === -1 ? undefined : end);
    if (body.includes('--') || body.endsWith('-')) return "a comment with '--' inside it";
    if (end === -1) break;
  }
  for (const match of value.matchAll(REFERENCE)) {
    const [, hex, decimal, name, semicolon] = match;
    if (hex === undefined && decimal === undefined && name === undefined) return "a bare '&': write &amp;";
    if (!semicolon) return `an entity reference without its ';' (${match[0]})`;
    if (name !== undefined && !PREDEFINED_ENTITIES.has(name)) {
      return `the entity &${name};: only &lt; &gt; &amp; &quot; &apos; and numeric references such as &#160; are XML, write the character itself`;
    }
    const code = hex !== undefined ? Number.parseInt(hex, 16) : decimal !== undefined ? Number(decimal) : undefined;
    if (code !== undefined && !isXmlChar(code)) return `a reference to a character XML does not allow (${match[0]})`;
  }
  return undefined;
}

/** XML 1.0's Char production: tab, LF, CR and the Unicode scalar values from U+0020, less U+FFFE and U+FFFF. */
function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}
