import type { EnvelopeBody } from '../../board/envelope.js';
import type { Kind } from '../../board/kinds.js';
import type { HeaderInputOf } from './registry.js';

/**
 * What a poster writes for one kind: the envelope body before the poster's chain fields, with
 * the header typed by the kind's schema input (before defaults and transforms), so the
 * compiler refuses a header the fold would refuse with `E_HEADER`.
 */
export type DraftOf<K extends Kind> = Omit<EnvelopeBody, 'v' | 'author' | 'seq' | 'prev' | 'at' | 'kind' | 'header'> & { kind: K; header: HeaderInputOf<K> };

/** A draft of any kind: a union discriminated by `kind`, so `header` narrows with it. */
export type Draft = { [K in Kind]: DraftOf<K> }[Kind];

/** A draft of some kind with a header its schema need not accept. */
export type HostileDraft = Omit<EnvelopeBody, 'v' | 'author' | 'seq' | 'prev' | 'at'>;

/**
 * The one sanctioned way past `Draft`'s header type: for an adversary (the simulator's attacks,
 * a test) that posts a header the fold must refuse or judge, such as a claimant's artifact
 * carrying an outcome, or a replayed header. It changes nothing at run time.
 */
export function hostileDraft(draft: HostileDraft): Draft {
  return draft as Draft;
}

/**
 * The header of an entry the fold accepted as kind `K`, as its poster wrote it (the stored,
 * signed bytes): the fold parsed it with the kind's schema before accepting it, so it has the
 * schema's input type. Only for an accepted entry whose kind the caller has checked; a type
 * only, nothing is parsed again.
 */
export function acceptedHeader<K extends Kind>(_kind: K, envelope: { header: Record<string, unknown> }): HeaderInputOf<K> {
  return envelope.header as HeaderInputOf<K>;
}
