/**
 * Why the fold refused an entry, as a stable code. Code that acts on a refusal (the console's
 * badges, `audit verify`, the agents, tests) compares codes; the message beside a code is for
 * people and may change. Board-level codes come from the fold itself, the rest from the kind
 * rules of the layers above (they share one vocabulary so a record's code is always one of
 * these). To add a code: add it here with the one-line meaning every verdict of it shares.
 */
export const VERDICT_CODES = {
  // Board level (fold.ts): authorship and order.
  E_SCHEMA: 'the envelope does not match the envelope schema',
  E_ID: 'the id is not the hash of the envelope',
  E_SIGNATURE: 'the signature does not verify, or the author key cannot be resolved',
  E_SCOPE: 'the kind is case-scoped and names no case, or the other way round',
  E_DUPLICATE: 'an envelope already on the board, replayed',
  E_CHAIN: "the envelope does not extend its author's chain (seq or prev)",
  E_EQUIVOCATION: 'a second envelope with the same seq from one author',
  // Kind rules: what the entry says against the state the log built.
  E_HEADER: "the header does not match its kind's schema",
  E_NO_CASE: 'the case is not on the board',
  E_CASE_EXISTS: 'the case is already open',
  E_DISSOLVED: 'the case is dissolved',
  E_PHASE: 'the case is not in the phase that takes this kind',
  E_NOT_PERMITTED: "the author is not one who may post this kind here (see the kind's mayPost)",
  E_NO_CARD: 'the author or a named agent has no agent card on the board',
  E_SELF: 'an agent card must describe its signer; a convener does not invite itself',
  E_CREDENTIAL: "the author's presentation or proof is missing or did not verify",
  E_REPLAYED: 'the presentation or proof was already spent',
  E_REVOKED: 'the credential is revoked',
  E_ROLE: "the role the author's credential confers may not do this (capabilities, disclosure policy)",
  E_SKILL: "the author's card lacks the skill",
  E_UNKNOWN_REF: 'the entry refers to something not on the board (subtask, gap, request, bid, plan, cycle, target)',
  E_ALREADY: 'the author already did this (one per author), or it is already so',
  E_TAKEN: 'another agent holds it (a claim race lost)',
  E_DONE: 'the subtask was already delivered or given up',
  E_LEASE: 'the lease does not allow it (lapsed, still valid, revoked, too many strikes)',
  E_INPUTS: 'the inputs of the subtask are not all posted, or a gap blocks it',
  E_DIGEST: 'the artifact digest does not match its sections',
  E_DISCLOSURE: "a section breaks the plan's disclosure policy (name, readers, not sealed)",
  E_OUTCOME: 'only the determination decides the case, once',
  E_TOO_EARLY: 'a window or turn has not come yet',
  E_QUORUM: 'below quorum',
  E_MISSTATED: 'the entry states a value the board computes otherwise',
  E_OPERATOR: "the operator's signature over the decision does not verify",
  E_CANCELLED: 'the requester cancelled the request',
  E_STATE: 'the case or the thing it names is not in a state that takes this entry',
} as const;

export type VerdictCode = keyof typeof VERDICT_CODES;

export type Verdict = { ok: true } | { ok: false; code: VerdictCode; reason: string };

export const ACCEPTED: Verdict = { ok: true };

/** A refusal: its stable code and the message for people. */
export function refuse(code: VerdictCode, reason: string = VERDICT_CODES[code]): Verdict {
  return { ok: false, code, reason };
}

/** Refusals of authorship and order: such an entry does not extend its author's chain. */
export const AUTHENTICATION_CODES: readonly VerdictCode[] = ['E_SCHEMA', 'E_ID', 'E_SIGNATURE', 'E_SCOPE', 'E_CHAIN', 'E_EQUIVOCATION'];
/** Refusals of a bad envelope: its bytes, not its order. */
export const ENVELOPE_CODES: readonly VerdictCode[] = ['E_SCHEMA', 'E_ID', 'E_SIGNATURE'];
/** Refusals of the log's order: a chain broken or forked. */
export const CHAIN_CODES: readonly VerdictCode[] = ['E_CHAIN', 'E_EQUIVOCATION'];
/** Refusals of a credential or proof the entry carried. */
export const CREDENTIAL_CODES: readonly VerdictCode[] = ['E_CREDENTIAL', 'E_REPLAYED', 'E_REVOKED'];

/** Whether a refusal's code is one of `codes` (false for an accepted record). */
export function refusedWith(record: { code?: VerdictCode | undefined }, codes: readonly VerdictCode[]): boolean {
  return record.code !== undefined && codes.includes(record.code);
}
