import { AnnounceSchema, AwardSchema, BidSchema } from '../messages.js';
import { announce, award, bid } from '../rules/negotiation.js';
import { defineKind } from './define.js';

/** T4: the gap's finder runs a one-subtask contract net; any agent with the skill may bid. */
export const AnnounceKind = defineKind({
  kind: 'Announce',
  header: AnnounceSchema,
  mayPost: 'gap-finder',
  rule: announce,
  trace: { phase: 'T4', text: (h) => `manages a contract net for ${h.gap}` },
});

export const BidKind = defineKind({
  kind: 'Bid',
  header: BidSchema,
  mayPost: 'agent',
  rule: bid,
  trace: { phase: 'T4', text: (h) => `bids on ${h.gap}: cost ${h.cost}, quality ${h.quality}, latency ${h.latency}` },
});

export const AwardKind = defineKind({
  kind: 'Award',
  header: AwardSchema,
  mayPost: 'gap-finder',
  rule: award,
  trace: {
    phase: 'T4',
    text: (h, v) => `awards ${h.gap} to ${v.name(h.winner)} (score ${h.score.toFixed(3)}); coalition grows to ${v.case?.members.size ?? '?'}`,
  },
});
