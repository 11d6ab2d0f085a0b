/**
 * Envelope kinds, grouped by the layer of the design they belong to. A kind is a cleartext
 * fact about coordination; clinical content only ever travels in sections.
 */
export const KINDS = {
  bootstrap: ['TaskAvailable', 'AgentCard', 'Invitation', 'Accept'],
  consensus: ['Proposal', 'BeliefUpdate', 'PlanCommit', 'Vote'],
  stigmergy: ['Claim', 'Release', 'Heartbeat', 'Checkpoint', 'Artifact', 'Gap', 'GapEndorse', 'GapReject'],
  negotiation: ['Announce', 'Bid', 'Award'],
  failures: ['Wait', 'DeadlockResolved', 'LeaseExpired', 'Tick'],
  access: ['AccessRequest', 'KeyGrant', 'Revocation'],
  closing: ['DoneVote', 'Dissolved', 'ReputationUpdate', 'Adjudication', 'CaseUpdate', 'CaseCancel'],
} as const;

export type Layer = keyof typeof KINDS;
export type Kind = (typeof KINDS)[Layer][number];

export const ALL_KINDS: readonly Kind[] = Object.values(KINDS).flat();

export function layerOf(kind: Kind): Layer {
  for (const [layer, kinds] of Object.entries(KINDS) as [Layer, readonly Kind[]][]) {
    if (kinds.includes(kind)) return layer;
  }
  throw new Error(`unknown kind ${kind}`);
}

/** Kinds that belong to no case (the directory of agents, revocations, members' ticks). */
export const GLOBAL_KINDS: readonly Kind[] = ['AgentCard', 'Revocation', 'Tick'];

export function isKind(kind: string): kind is Kind {
  return (ALL_KINDS as readonly string[]).includes(kind);
}
