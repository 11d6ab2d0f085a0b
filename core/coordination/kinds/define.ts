import type { z } from 'zod';
import type { Kind } from '../../board/kinds.js';
import type { Verdict } from '../../board/verdicts.js';
import type { CaseState } from '../case-state.js';
import { no, type RuleContext } from '../rules/context.js';

/** The scenario's phases (T0 bootstrap … T6 dissolution), as the trace shows them. */
export type Phase = 'T0' | 'T1' | 'T2' | 'T3' | 'T4' | 'T5' | 'T6';

/**
 * Who may post a kind. The fold checks the first five before the rule runs (they need only the
 * case and the author); the others name something the header refers to (a gap, a request, an
 * issuer), so the kind's rule checks them, with the same `E_NOT_PERMITTED` code.
 * - `agent`: any signer; the rule binds it (a card of its own DID, a claim or bid by skill);
 * - `card-holder`: an agent with a card on the board; `member`: a member of the case;
 * - `invitee`: invited by the case's current invitation; `claimant`: the subtask's claimant;
 * - `requester-org`: an agent of the organization that opened the case;
 * - `gap-finder`, `section-author`, `issuer-org`: checked by the rule.
 */
export type Poster = 'agent' | 'card-holder' | 'member' | 'invitee' | 'claimant' | 'requester-org' | 'gap-finder' | 'section-author' | 'issuer-org';

/** What a trace label may look at: the cleartext header, the case as folded, names from cards. */
export interface TraceView {
  case: CaseState | undefined;
  record: { id: string; status: 'accepted' | 'rejected' | 'duplicate'; subtask?: string };
  name(did: string): string;
}

export interface TraceLabel<H> {
  /** The phase the entry belongs to; none: it shows beside whatever phase is under way (access). */
  phase?: Phase | ((c: CaseState | undefined, subtask: string | undefined) => Phase | undefined);
  text(header: H, view: TraceView): string;
}

export type KindRule<H> = (ctx: RuleContext<H>) => Verdict;

/** The spec of one kind: everything the fold and the trace know about it, in one place. */
export interface KindSpec<K extends Kind, H, I = H> {
  kind: K;
  /**
   * The cleartext header: ids, codes, numbers, hashes only (words go in sealed sections). `H`
   * is what it parses to (what a rule reads), `I` what it accepts (what a poster writes).
   */
  header: z.ZodType<H, I>;
  mayPost: Poster;
  /** The effect on the folded state; none: the entry is a record with no effect. */
  rule?: KindRule<H>;
  /** None: the entry is not a line of the scenario's trace. */
  trace?: TraceLabel<H>;
}

export type RuleBase = Omit<RuleContext, 'header'>;

/** A defined kind, as the registry holds it: typed inside, uniform outside. */
export interface KindDef<K extends Kind = Kind, H = unknown, I = unknown> {
  readonly kind: K;
  readonly header: z.ZodType<H, I>;
  readonly mayPost: Poster;
  readonly hasRule: boolean;
  /**
   * Parses the header with the kind's schema, then takes the entry's context from `scope`
   * (which may refuse it: no such case), checks the poster and runs the rule.
   */
  judge(header: unknown, scope: () => RuleBase | Verdict): Verdict;
  /** The trace label of an entry of this kind, if it is a trace line. */
  label(header: unknown, view: TraceView): { phase: Phase | undefined; text: string } | undefined;
  /** The same kind with its rule supplied by a higher layer (the access rules). */
  withRule(rule: KindRule<H>): KindDef<K, H, I>;
}

/** Checks the posters the fold can judge from the case alone (see `Poster`). */
function posterRefusal(poster: Poster, ctx: RuleBase): Verdict | undefined {
  const c = ctx.case;
  const org = (did: string): string | undefined => ctx.state.cards.get(did)?.card.provider.did;
  switch (poster) {
    case 'card-holder':
      return ctx.state.cards.has(ctx.author) ? undefined : no('E_NO_CARD', `the author of a ${ctx.entry.envelope.kind} has no agent card on the board`);
    case 'member':
      return !c || c.members.has(ctx.author) ? undefined : no('E_NOT_PERMITTED', `only members of the case post ${ctx.entry.envelope.kind}`);
    case 'invitee':
      return !c || c.invitees.includes(ctx.author) ? undefined : no('E_NOT_PERMITTED', 'the author was not invited');
    case 'claimant': {
      // A subtask the entry does not name (or the plan lacks) is the rule's E_UNKNOWN_REF.
      const s = c && ctx.entry.envelope.subtask ? c.subtasks.get(ctx.entry.envelope.subtask) : undefined;
      return !s || s.claimant === ctx.author ? undefined : no('E_NOT_PERMITTED', `only the subtask's claimant posts ${ctx.entry.envelope.kind}`);
    }
    case 'requester-org': {
      const mine = org(ctx.author);
      return c && mine !== undefined && mine === org(c.requester)
        ? undefined
        : no('E_NOT_PERMITTED', `only an agent of the requesting organization posts ${ctx.entry.envelope.kind}`);
    }
    default:
      return undefined;
  }
}

/**
 * Defines a kind. The rule's header type is the schema's output type, so a rule reads fields
 * the schema guarantees and the compiler refuses one that reads a field it does not have.
 */
export function defineKind<K extends Kind, H, I = H>(spec: KindSpec<K, H, I>): KindDef<K, H, I> {
  const build = (rule: KindRule<H> | undefined): KindDef<K, H, I> => ({
    kind: spec.kind,
    header: spec.header,
    mayPost: spec.mayPost,
    hasRule: rule !== undefined,
    judge(raw, scope) {
      const parsed = spec.header.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        return no('E_HEADER', `header: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
      }
      const base = scope();
      if ('ok' in base) return base;
      // Who may post is checked for every kind, a record with no effect included.
      const refused = posterRefusal(spec.mayPost, base);
      if (refused) return refused;
      return rule ? rule({ ...base, header: parsed.data }) : { ok: true };
    },
    label(raw, view) {
      if (!spec.trace) return undefined;
      const p = spec.trace.phase;
      const phase = typeof p === 'function' ? p(view.case, view.record.subtask) : p;
      const parsed = spec.header.safeParse(raw);
      return { phase, text: parsed.success ? spec.trace.text(parsed.data, view) : `${spec.kind} with a header its schema refuses` };
    },
    withRule: (r) => build(r),
  });
  return build(spec.rule);
}
