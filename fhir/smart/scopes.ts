/**
 * SMART system scopes as permissions: a resource type (or `*`) and a set of c/r/u/d/s.
 * v1 (`read`, `write`, `*`) and v2 (`cruds` subsets) both map onto that set, so one check
 * serves clients of either version. Only `system/` scopes exist for backend services;
 * v2 query constraints (`?category=…`) are not supported and such scopes never parse.
 */
export type Permission = 'c' | 'r' | 'u' | 'd' | 's';

export interface SystemScope {
  resourceType: string; // a FHIR type or '*'
  permissions: ReadonlySet<Permission>;
  version: 1 | 2;
}

/** What one interaction needs, e.g. Claim/$submit → { resourceType: 'Claim', permission: 'c' }. */
export interface RequiredAccess {
  resourceType: string;
  permission: Permission;
}

const ORDER: readonly Permission[] = ['c', 'r', 'u', 'd', 's'];
const V1: Record<string, readonly Permission[]> = { read: ['r', 's'], write: ['c', 'u', 'd'], '*': ORDER };
const SCOPE = /^system\/(\*|[A-Z][A-Za-z]{1,63})\.([a-z*]+)$/;

/** The scope as permissions, or undefined when it is not a system scope this server knows. */
export function parseScope(scope: string): SystemScope | undefined {
  const m = SCOPE.exec(scope);
  if (!m) return undefined;
  const [, resourceType, perms] = m as unknown as [string, string, string];
  const v1 = V1[perms];
  if (v1) return { resourceType, permissions: new Set(v1), version: 1 };
  // v2: a non-empty subset of "cruds", letters in that order, each at most once.
  if (!/^c?r?u?d?s?$/.test(perms) || perms.length === 0) return undefined;
  return { resourceType, permissions: new Set(perms as unknown as Permission[]), version: 2 };
}

export function splitScopes(scope: string): string[] {
  return scope.split(/\s+/).filter((s) => s.length > 0);
}

/** True when any of `granted` permits the access. */
export function permits(granted: readonly SystemScope[], need: RequiredAccess): boolean {
  return granted.some((g) => (g.resourceType === '*' || g.resourceType === need.resourceType) && g.permissions.has(need.permission));
}

/**
 * The part of each requested scope the allowed scopes cover, as scope strings. A v2 request
 * gets the covered letters; a v1 request keeps v1 words, so a v1 client reads back a scope it
 * understands: `*` narrows to `read` and/or `write`, and a word not wholly covered is dropped.
 */
export function intersectScopes(requested: readonly string[], allowed: readonly SystemScope[]): string[] {
  const out = new Set<string>();
  for (const text of requested) {
    const req = parseScope(text);
    if (!req) continue;
    const covered = ORDER.filter((p) => req.permissions.has(p) && permits(allowed, { resourceType: req.resourceType, permission: p }));
    if (covered.length === 0) continue;
    if (req.version === 2) {
      out.add(`system/${req.resourceType}.${covered.join('')}`);
      continue;
    }
    if (covered.length === ORDER.length) {
      out.add(`system/${req.resourceType}.*`); // only v1 `*` asks for all five
      continue;
    }
    for (const word of ['read', 'write'] as const) {
      if (V1[word]!.every((p) => covered.includes(p)) && V1[word]!.some((p) => req.permissions.has(p))) out.add(`system/${req.resourceType}.${word}`);
    }
  }
  return [...out];
}
