import type { Permission, RequiredAccess } from './scopes.js';

/**
 * The access a FHIR REST interaction needs, from its method and path below the base (e.g.
 * `Claim/123`, `Observation?subject=…`, `Claim/$submit`). A transaction or batch needs what each
 * of its entries needs. Operations: `$submit` creates a Claim (so `system/Claim.c`, or v1
 * `write`); any other operation needs read on its type for GET and create for POST. A system-
 * level interaction (history, search over all types) needs the `*` type.
 */
export function requiredAccess(method: string, path: string, body?: unknown): RequiredAccess[] {
  const m = method.toUpperCase();
  const [pathname = ''] = path.split('?');
  const parts = pathname.split('/').filter((p) => p.length > 0);
  if (parts.length === 0) {
    if (m === 'POST' && isBundle(body)) return bundleAccess(body);
    return [{ resourceType: '*', permission: m === 'GET' ? 's' : 'c' }];
  }
  const [type, second, third] = parts as [string, string | undefined, string | undefined];
  if (type.startsWith('$') || type.startsWith('_')) return [{ resourceType: '*', permission: m === 'GET' ? 'r' : 'c' }];
  const op = [second, third].find((p) => p?.startsWith('$'));
  if (op) return [{ resourceType: type, permission: op === '$submit' || m !== 'GET' ? 'c' : 'r' }];
  const byMethod: Record<string, Permission> = { POST: second === '_search' ? 's' : 'c', PUT: 'u', PATCH: 'u', DELETE: 'd' };
  if (m === 'GET') return [{ resourceType: type, permission: second === undefined || second === '_history' ? 's' : 'r' }];
  return [{ resourceType: type, permission: byMethod[m] ?? 'c' }];
}

interface BundleLike {
  resourceType: 'Bundle';
  entry?: { request?: { method?: string; url?: string } }[];
}

function isBundle(body: unknown): body is BundleLike {
  return typeof body === 'object' && body !== null && (body as { resourceType?: unknown }).resourceType === 'Bundle';
}

function bundleAccess(bundle: BundleLike): RequiredAccess[] {
  const out = (bundle.entry ?? []).flatMap((e) => requiredAccess(e.request?.method ?? 'POST', e.request?.url ?? ''));
  // An empty bundle touches nothing; still require a token that may write something.
  return out.length > 0 ? out : [{ resourceType: '*', permission: 'c' }];
}
