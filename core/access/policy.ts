import { z } from 'zod';
import { MurmurError } from '../common/errors.js';
import type { PresentationVerdict } from '../identity/presentations.js';
import type { Role } from '../identity/trust-registry.js';

/**
 * The disclosure policy (part of the agreed plan): for each subtask section, the roles that
 * may read it (HIPAA minimum necessary). A section the policy does not list is readable by
 * no one but its author.
 */
const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/);

export const DisclosurePolicySchema = z.object({
  sections: z.array(
    z.object({
      subtask: name,
      section: name,
      readers: z.array(z.string().regex(/^[a-z][a-z0-9-]{0,63}$/)),
    }),
  ),
});

export type DisclosurePolicy = z.infer<typeof DisclosurePolicySchema>;

/** Validates a policy from outside (plan, config); duplicate (subtask, section) rows are an error. */
export function disclosurePolicy(input: unknown): DisclosurePolicy {
  const parsed = DisclosurePolicySchema.safeParse(input);
  if (!parsed.success) {
    const path = parsed.error.issues[0]?.path.join('.') ?? '';
    throw new MurmurError('E_SCHEMA', `disclosure policy: invalid field "${path}"`, { field: path });
  }
  const seen = new Set<string>();
  for (const [i, s] of parsed.data.sections.entries()) {
    const key = `${s.subtask}\u0000${s.section}`;
    if (seen.has(key))
      throw new MurmurError('E_SCHEMA', `disclosure policy: sections.${i} repeats subtask "${s.subtask}" section "${s.section}"`, { field: `sections.${i}` });
    seen.add(key);
  }
  return parsed.data;
}

export function readersOf(policy: DisclosurePolicy, subtask: string, section: string): readonly Role[] {
  return policy.sections.find((s) => s.subtask === subtask && s.section === section)?.readers ?? [];
}

export function mayRead(policy: DisclosurePolicy, subtask: string, section: string, role: Role): boolean {
  return readersOf(policy, subtask, section).includes(role);
}

export type AccessDecision =
  | { allow: true; reader: string; role: Role; organization: string }
  | { allow: false; reason: 'presentation-rejected' | 'role-not-allowed' | 'wrong-subtask'; detail: string };

/**
 * Decides an access request: the requester's presentation must have verified (for the
 * subtask as domain) and its role must be among the section's readers.
 */
export function decideAccess(policy: DisclosurePolicy, request: { subtask: string; section: string }, verdict: PresentationVerdict): AccessDecision {
  if (!verdict.ok) return { allow: false, reason: 'presentation-rejected', detail: verdict.reasons.map((r) => r.code).join(',') };
  if (verdict.domain !== request.subtask) return { allow: false, reason: 'wrong-subtask', detail: `presentation is for subtask "${verdict.domain}"` };
  if (!mayRead(policy, request.subtask, request.section, verdict.role)) {
    return { allow: false, reason: 'role-not-allowed', detail: `role "${verdict.role}" may not read ${request.subtask}/${request.section}` };
  }
  return { allow: true, reader: verdict.holder, role: verdict.role, organization: verdict.organization };
}

/**
 * The minimum-necessary matrix the policy implies: for each role, the sections it may read
 * (`subtask/section`), sorted. The console compares it with what the log shows was granted.
 */
export function policyMatrix(policy: DisclosurePolicy): Record<Role, string[]> {
  const out: Record<Role, string[]> = {};
  for (const s of policy.sections) for (const r of s.readers) (out[r] ??= []).push(`${s.subtask}/${s.section}`);
  for (const r of Object.keys(out)) out[r]!.sort();
  return out;
}
