import type { Verdict } from '../board/fold.js';
import type { KindDef } from '../coordination/kinds/define.js';
import { AccessRequestKind, KeyGrantKind, RevocationKind } from '../coordination/kinds/access.js';
import type { AccessRequest, KeyGrantHeader, Revocation } from '../coordination/messages.js';
import type { AttestationVerdict } from '../identity/revocation-attestation.js';
import { credentialOf, credentialRefused, no, ok, type RuleContext } from '../coordination/rules/context.js';
import { targetOf } from './challenges.js';
import { KeyGrantSchema } from './key-grant.js';
import { holderRevocationKey, revocationKey } from './revocation.js';

/**
 * A member asks to read one section of one envelope; the fold admits the request only when
 * its presentation verified and its role is among the section's readers in the plan's
 * disclosure policy. Everything else is rejected with the reason, as evidence.
 */
export function accessRequest(ctx: RuleContext<AccessRequest>): Verdict {
  const c = ctx.case!;
  const t = targetOf(c, ctx.header.target, ctx.header.section);
  if (!t) return no('E_UNKNOWN_REF', 'the target is not an envelope of this case that has such a section');
  if (t.author === ctx.author) return no('E_NOT_PERMITTED', 'an author reads its own sections without a grant');
  const cred = credentialOf(ctx);
  if (!cred?.ok) return credentialRefused('access', cred);
  if (!t.readers?.includes(cred.role)) return no('E_ROLE', `role ${cred.role} may not read ${t.subtask}/${ctx.header.section} under the disclosure policy`);
  if ([...c.access.requests.values()].some((r) => r.requester === ctx.author && r.target === ctx.header.target && r.section === ctx.header.section)) {
    return no('E_ALREADY', 'already requested');
  }
  c.access.requests.set(ctx.ref.id, {
    ref: ctx.ref,
    requester: ctx.author,
    role: ctx.intern(cred.role),
    organization: ctx.intern(cred.organization),
    target: ctx.header.target,
    targetAuthor: t.author,
    subtask: t.subtask,
    section: ctx.header.section,
  });
  return ok;
}

/** Only the section's author answers an admitted request, with a key wrapped to the requester. */
export function keyGrant(ctx: RuleContext<KeyGrantHeader>): Verdict {
  const c = ctx.case!;
  const r = c.access.requests.get(ctx.header.request);
  if (!r) return no('E_UNKNOWN_REF', 'no admitted access request to answer');
  if (r.targetAuthor !== ctx.author) return no('E_NOT_PERMITTED', "only the section's author grants its key");
  if (r.requester !== ctx.header.grantee || r.target !== ctx.header.target || r.section !== ctx.header.section) {
    return no('E_MISSTATED', 'the grant does not match the request');
  }
  if (c.access.grants.has(r.ref.id)) return no('E_ALREADY', 'request already answered');
  const g = KeyGrantSchema.safeParse(ctx.header.grant);
  if (!g.success) return no('E_MISSTATED', `grant: ${g.error.issues[0]?.path.join('.')}: ${g.error.issues[0]?.message}`);
  if (g.data.reader !== r.requester || g.data.section !== r.section || g.data.case !== c.id || g.data.subtask !== r.subtask) {
    return no('E_MISSTATED', 'the wrapped key is bound to another reader or section');
  }
  c.access.grants.set(r.ref.id, { ref: ctx.ref, request: r.ref.id, grantor: ctx.author, grantee: r.requester, target: r.target, section: r.section });
  return ok;
}

/**
 * An issuer revokes one of its credentials: only an agent its organization accredited (its
 * card, verified when posted, names the organization) speaks for the issuer; an accreditor,
 * which has no agents, speaks through its signed attestation, which any member with a card
 * relays. Presentations admitted after this entry find the credential revoked (an
 * organization's accreditation: every agent of it); those before it stand.
 */
export function revocation(ctx: RuleContext<Revocation>): Verdict {
  const card = ctx.state.cards.get(ctx.author)?.card;
  if (!card) return no('E_NO_CARD', 'the revoker has no agent card on the board');
  const h = ctx.header;
  if ('attestation' in h && h.attestation) {
    // An accreditor's statement, relayed by a member: the admission stage verified it.
    const a = ctx.evidence.attestation as AttestationVerdict | undefined;
    if (!a) return no('E_CREDENTIAL', 'accreditor attestation: not verified');
    if (!a.ok) return no(a.code === 'untrusted-accreditor' ? 'E_NOT_PERMITTED' : 'E_CREDENTIAL', `accreditor attestation: ${a.reason}`);
    if (a.accreditor !== h.issuer) return no('E_CREDENTIAL', 'accreditor attestation: signed for another issuer');
  } else if (card.provider.did !== h.issuer) return no('E_NOT_PERMITTED', 'only an agent of the issuing organization revokes its credentials');
  // An organization revokes its own agents only: the holder's card (verified when posted) names it.
  if ('holder' in h && ctx.state.cards.get(h.holder)?.card.provider.did !== h.issuer)
    return no('E_NOT_PERMITTED', 'the holder is not an agent of the issuing organization');
  const key = 'holder' in h ? holderRevocationKey(h.issuer, h.holder) : revocationKey(h.issuer, h.list, h.index);
  if (ctx.state.revocations.has(key)) return no('E_ALREADY', 'already revoked');
  ctx.state.revocations.set(key, ctx.ref);
  return ok;
}

/** The access kinds with their rules, for a fold under a charter (privacy on). */
export const ACCESS_KINDS: readonly KindDef[] = [
  AccessRequestKind.withRule(accessRequest),
  KeyGrantKind.withRule(keyGrant),
  RevocationKind.withRule(revocation),
];
