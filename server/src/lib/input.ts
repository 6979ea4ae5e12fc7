/**
 * Input no route can use. Text PostgreSQL cannot store: a NUL (U+0000) is refused in `text`
 * and `jsonb`, and a lone UTF-16 surrogate (JSON's "\ud800") is refused in `jsonb` and turned
 * into U+FFFD in `text`, so neither can be kept faithfully. Numbers that are not finite (JSON's
 * 1e309, a query's "1e309" coerced by the schema): Ajv lets Infinity through `maximum`, and
 * the ORM drops an infinite limit. And nesting no real input has, which only costs stack.
 */

export interface InputProblem {
  /** Where, for people: `body.documents[0].name`. */
  path: string;
  /** Where, as the API's field pointers: `/body/documents/0/name`. */
  pointer: string;
  problem: string;
}

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Real inputs are a few levels deep; anything deeper only costs stack (JSON, Ajv, the ORM). */
export const MAX_DEPTH = 32;

export function textProblem(text: string): string | null {
  if (text.includes('\u0000')) return 'contains a NUL character';
  if (LONE_SURROGATE.test(text)) return 'contains a lone surrogate (text that is not valid Unicode)';
  return null;
}

function step(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  // Keys that are not plain names are shown as JSON, which escapes NULs and surrogates.
  return /^[A-Za-z_$][\w$-]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

// JSON-pointer escaping, then JSON's, so a pointer never carries the characters it reports.
const pointerStep = (key: string | number) =>
  `/${JSON.stringify(String(key).replaceAll('~', '~0').replaceAll('/', '~1')).slice(1, -1)}`;

function leafProblem(value: unknown): string | null {
  if (typeof value === 'string') return textProblem(value);
  if (typeof value === 'number' && !Number.isFinite(value)) return 'is not a finite number';
  return null;
}

/**
 * The first unusable value (or key) in `value`, or a nesting deeper than MAX_DEPTH.
 * Iterative, so no input can exhaust the stack here.
 */
export function findInputProblem(value: unknown, root: string): InputProblem | null {
  const stack: { value: unknown; path: string; pointer: string; depth: number }[] = [
    { value, path: root, pointer: `/${root}`, depth: 0 },
  ];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const problem = leafProblem(node.value);
    if (problem) return { path: node.path, pointer: node.pointer, problem };
    if (node.value === null || typeof node.value !== 'object' || Buffer.isBuffer(node.value)) continue;
    if (node.depth >= MAX_DEPTH) {
      return {
        path: node.path,
        pointer: node.pointer,
        problem: `is nested more than ${MAX_DEPTH} levels deep`,
      };
    }
    const entries: [string | number, unknown][] = Array.isArray(node.value)
      ? node.value.map((v, i) => [i, v])
      : Object.entries(node.value);
    const children = entries.map(([key, child]) => ({
      value: child,
      path: step(node.path, key),
      pointer: `${node.pointer}${pointerStep(key)}`,
      depth: node.depth + 1,
    }));
    for (const [i, [key]] of entries.entries()) {
      const keyProblem = typeof key === 'string' ? textProblem(key) : null;
      if (keyProblem) {
        const { path, pointer } = children[i]!;
        return { path, pointer, problem: `has a name that ${keyProblem}` };
      }
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return null;
}

/** The same text with NULs removed and lone surrogates replaced (for names we derive, e.g. filenames). */
export function storableText(text: string): string {
  return text.replaceAll('\u0000', '').replace(new RegExp(LONE_SURROGATE, 'g'), '\ufffd');
}
