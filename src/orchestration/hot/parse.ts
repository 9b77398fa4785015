/**
 * Template and environment text to plain data, as heat/common/template_format.py does, with the limits that
 * keep a hostile document from costing more than its size: 512 KiB of text and few YAML aliases (an alias
 * bomb -- "a: &a [x,x]; b: &b [*a,*a] ..." -- doubles per line, so expansion must be refused, not attempted).
 */
import { parseDocument, isMap, isSeq, isScalar, type Document, type ScalarTag } from 'yaml';
import { TemplateError } from './errors.js';

/** Heat's max_template_size default. */
export const MAX_TEMPLATE_BYTES = 524288;
/** Aliases a document may resolve. Real templates use none or a handful; bombs need thousands. */
export const MAX_ALIASES = 100;
/** Nesting depth past which a document is refused: deep nesting is no template, and recursion over it
 * would overflow the stack. */
export const MAX_DEPTH = 200;

export type Mapping = Record<string, unknown>;

export function isMapping(v: unknown): v is Mapping {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** Parses YAML (1.1, as PyYAML reads Heat's templates) or JSON text into a mapping. `what` names the
 * document in messages ('template', 'environment'). */
export function parseText(text: string, what: string): Mapping {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_TEMPLATE_BYTES) {
    throw new TemplateError(`${capital(what)} size (${bytes} bytes) exceeds maximum allowed size (${MAX_TEMPLATE_BYTES} bytes).`, [], { heatType: 'RequestLimitExceeded' });
  }
  let data: unknown;
  if (text.trimStart().startsWith('{')) {
    try {
      data = JSON.parse(text);
    } catch {
      data = parseYaml(text, what);
    }
  } else {
    data = parseYaml(text, what);
  }
  if (data === null || data === undefined) data = {};
  if (!isMapping(data)) {
    throw new TemplateError(what === 'environment'
      ? 'The environment is not a valid YAML mapping data type.'
      : `The ${what} is not a JSON object or YAML mapping.`);
  }
  checkDepth(data, what);
  return data;
}

/** The byte-size limit for a document given as an object (the API's JSON body). */
export function checkObjectSize(data: unknown, what: string): void {
  // Depth first: it also refuses cyclic objects, which JSON.stringify would throw on.
  checkDepth(data, what);
  let text: string;
  try {
    text = JSON.stringify(data) ?? '';
  } catch (err) {
    throw new TemplateError(`The ${what} cannot be serialised: ${err instanceof Error ? err.message : String(err)}`);
  }
  const size = Buffer.byteLength(text, 'utf8');
  if (size > MAX_TEMPLATE_BYTES) {
    throw new TemplateError(`${capital(what)} size (${size} bytes) exceeds maximum allowed size (${MAX_TEMPLATE_BYTES} bytes).`, [], { heatType: 'RequestLimitExceeded' });
  }
}

/** PyYAML's booleans: YAML 1.1's words without the single letters y/n, which PyYAML keeps as strings. */
const PYYAML_BOOLS: ScalarTag[] = [
  { identify: (v) => v === true, default: true, tag: 'tag:yaml.org,2002:bool', test: /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/, resolve: () => true },
  { identify: (v) => v === false, default: true, tag: 'tag:yaml.org,2002:bool', test: /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/, resolve: () => false },
];

function parseYaml(text: string, what: string): unknown {
  let doc: Document.Parsed;
  try {
    // YAML 1.1 like PyYAML (yes/no/on/off are booleans); timestamps stay strings as in Heat's loader, so
    // `heat_template_version: 2013-05-23` is the string Heat compares.
    doc = parseDocument(text, {
      version: '1.1',
      customTags: (tags) => [
        ...tags.filter((t) => !(typeof t === 'object' && (t.tag === 'tag:yaml.org,2002:timestamp' || t.tag === 'tag:yaml.org,2002:bool'))),
        ...PYYAML_BOOLS,
      ],
      uniqueKeys: true,
      prettyErrors: false,
    });
  } catch (err) {
    throw new TemplateError(`Error parsing ${what}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (doc.errors.length > 0) {
    throw new TemplateError(`Error parsing ${what}: ${firstLine(doc.errors[0]?.message ?? 'invalid YAML')}`);
  }
  countAliases(doc, what);
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (err) {
    throw new TemplateError(`Error parsing ${what}: ${err instanceof Error ? firstLine(err.message) : String(err)}`);
  }
}

/** Refuses documents with more alias nodes than MAX_ALIASES before anything expands them. */
function countAliases(doc: Document.Parsed, what: string): void {
  let aliases = 0;
  const visit = (node: unknown, depth: number): void => {
    if (depth > MAX_DEPTH) throw new TemplateError(`Error parsing ${what}: nesting deeper than ${MAX_DEPTH} levels`);
    if (node === null || node === undefined || isScalar(node)) return;
    if (isMap(node) || isSeq(node)) {
      for (const item of node.items) {
        if (isMap(node)) {
          const pair = item as { key: unknown; value: unknown };
          visit(pair.key, depth + 1);
          visit(pair.value, depth + 1);
        } else {
          visit(item, depth + 1);
        }
      }
      return;
    }
    // Alias nodes
    aliases += 1;
    if (aliases > MAX_ALIASES) {
      throw new TemplateError(`Error parsing ${what}: more than ${MAX_ALIASES} YAML aliases (alias expansion refused)`);
    }
  };
  visit(doc.contents, 0);
}

function checkDepth(data: unknown, what: string): void {
  const stack: [unknown, number][] = [[data, 0]];
  let nodes = 0;
  while (stack.length > 0) {
    const [v, d] = stack.pop() as [unknown, number];
    if (d > MAX_DEPTH) throw new TemplateError(`The ${what} is nested deeper than ${MAX_DEPTH} levels.`);
    if (++nodes > 2_000_000) throw new TemplateError(`The ${what} is too large.`);
    if (Array.isArray(v)) for (const x of v) stack.push([x, d + 1]);
    else if (isMapping(v)) for (const x of Object.values(v)) stack.push([x, d + 1]);
  }
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
