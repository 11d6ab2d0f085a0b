import { MurmurError } from '../../core/common/errors.js';

/**
 * Bounds on a FHIR JSON document, checked before any schema or validator sees it: the
 * validator and serializers recurse, so a request nested thousands deep would exhaust the
 * stack; a bound on nodes, arrays and strings keeps one request from holding the CPU.
 * A real PAS request is a dozen levels deep (Bundle.entry.resource.item.extension.extension
 * .valueCodeableConcept.coding), so 64 leaves room for contained resources and nested items.
 */
export interface JsonLimits {
  maxDepth: number;
  /** Objects, arrays and values in all. */
  maxNodes: number;
  maxArray: number;
  /** Characters in one string (attachments travel base64 in `data`). */
  maxString: number;
}

export const FHIR_JSON_LIMITS: JsonLimits = { maxDepth: 64, maxNodes: 250_000, maxArray: 10_000, maxString: 4 * 1024 * 1024 };

interface Frame {
  value: unknown;
  depth: number;
  key: string | number | undefined;
  parent: Frame | undefined;
}

/**
 * Checks `value` against the limits without recursion (so the check itself cannot overflow)
 * and throws E_INPUT naming the first element past a limit, as a FHIRPath-like path
 * (`Bundle.entry[0].resource.extension[0]…`, shortened when very deep). Never echoes values.
 */
export function checkJsonLimits(value: unknown, limits: JsonLimits = FHIR_JSON_LIMITS): void {
  const stack: Frame[] = [{ value, depth: 1, key: undefined, parent: undefined }];
  let nodes = 0;
  while (stack.length > 0) {
    const f = stack.pop()!;
    if (++nodes > limits.maxNodes) throw tooBig(f, `the request has more than ${limits.maxNodes} elements`);
    const v = f.value;
    if (typeof v === 'string') {
      if (v.length > limits.maxString) throw tooBig(f, `is longer than ${limits.maxString} characters`);
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (f.depth > limits.maxDepth) throw tooBig(f, `is nested more than ${limits.maxDepth} levels deep`);
    if (Array.isArray(v)) {
      if (v.length > limits.maxArray) throw tooBig(f, `has more than ${limits.maxArray} entries`);
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], depth: f.depth + 1, key: i, parent: f });
    } else {
      const keys = Object.keys(v);
      if (keys.length > limits.maxArray) throw tooBig(f, `has more than ${limits.maxArray} members`);
      for (let i = keys.length - 1; i >= 0; i--) stack.push({ value: (v as Record<string, unknown>)[keys[i]!], depth: f.depth + 1, key: keys[i]!, parent: f });
    }
  }
}

function tooBig(f: Frame, what: string): MurmurError {
  const path = pathOf(f);
  return new MurmurError('E_INPUT', `${path} ${what}; the request was refused before validation.`, { path });
}

/** The element's path: the root named by its resourceType, `[i]` for array entries; the middle elided past 12 steps. */
function pathOf(f: Frame): string {
  const steps: (string | number)[] = [];
  let root: Frame = f;
  for (let x: Frame | undefined = f; x; x = x.parent) {
    if (x.key !== undefined) steps.push(x.key);
    root = x;
  }
  steps.reverse();
  const rt = (root.value as { resourceType?: unknown } | null)?.resourceType;
  const name = typeof rt === 'string' && /^[A-Z][A-Za-z]{1,63}$/.test(rt) ? rt : '(root)';
  const text = (s: (string | number)[]): string =>
    s.map((k) => (typeof k === 'number' ? `[${k}]` : /^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(k) ? `.${k}` : '.(member)')).join('');
  return steps.length <= 12 ? `${name}${text(steps)}` : `${name}${text(steps.slice(0, 8))}…${text(steps.slice(-2))}`;
}
