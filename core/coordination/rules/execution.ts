import type { Verdict } from '../../board/fold.js';
import { canonicalBytes } from '../../common/canonical.js';
import { sha256Hex } from '../../common/hash.js';
import type { CaseState, Subtask } from '../case-state.js';
import type { Artifact, Gap } from '../messages.js';
import { gapLive, type GapDecayConfig, type GapSupport } from '../stigmergy/gap-strength.js';
import type { GapState } from '../case-state.js';
import { roleMay } from '../roles.js';
import { credentialOf, credentialRefused, hasSkill, no, ok, type RuleContext } from './context.js';

/** Digest an Artifact's header must carry: the hash of its sections as posted. */
export function sectionsDigest(sections: unknown): string {
  return sha256Hex(canonicalBytes(sections));
}

function subtaskOf(ctx: RuleContext): Subtask | Verdict {
  const c = ctx.case!;
  const id = ctx.entry.envelope.subtask;
  if (!id) return no('E_UNKNOWN_REF', `${ctx.entry.envelope.kind} names no subtask`);
  const s = c.subtasks.get(id);
  if (!s) return no('E_UNKNOWN_REF', 'no such subtask in the committed plan');
  return s;
}

const isVerdict = (x: Subtask | Verdict): x is Verdict => 'ok' in x;

export function leaseActive(s: Subtask, at: number): boolean {
  return s.claimant !== undefined && !s.artifact && (s.leaseUntil ?? 0) >= at;
}

/** The first valid claim wins; a claim whose lease lapsed may be taken over. */
export function claim(ctx: RuleContext<{ leaseMs: number }>): Verdict {
  const c = ctx.case!;
  if (c.status !== 'executing') return no('E_PHASE', `claims are taken while executing, and the case is ${c.status}`);
  const s = subtaskOf(ctx);
  if (isVerdict(s)) return s;
  const takeover = !c.members.has(ctx.author);
  if (takeover && !orphaned(ctx, s, ctx.entry.at)) return no('E_NOT_PERMITTED', 'only members claim, unless no member is left to do the subtask');
  if (!hasSkill(ctx.state, ctx.author, s.skill)) return no('E_SKILL', `the claimant's card lacks the skill ${s.skill}`);
  const role = ctx.state.cards.get(ctx.author)!.card.role;
  if (!roleMay(ctx.config.capabilities, role, s.skill)) return no('E_ROLE', `role ${role} may not claim ${s.skill}`);
  if (s.artifact) return no('E_DONE', 'subtask already done');
  if (s.abandoned) return no('E_DONE', 'the subtask was given up when the determination pended at the inputs deadline');
  if (s.claimant === ctx.author && leaseActive(s, ctx.entry.at)) return no('E_ALREADY', 'already claimed by the author');
  if (leaseActive(s, ctx.entry.at)) return no('E_TAKEN', 'already claimed by another agent');
  if (barred(c, ctx.author, ctx.config.maxStrikes)) return no('E_LEASE', 'the author lost too many leases in this case');
  if (s.revoked?.includes(ctx.author) && eligibleOthers(ctx, s)) return no('E_LEASE', "the author's claim on this subtask was revoked");
  const given = reclaimRefusal(s, ctx.author, ctx.config);
  if (given) return no('E_LEASE', given);
  if (ctx.config.requireCredentials) {
    const cred = credentialOf(ctx);
    if (!cred?.ok) return credentialRefused('claim', cred);
    if (cred.role !== ctx.state.cards.get(ctx.author)?.card.role)
      return no('E_CREDENTIAL', `the credential's role ${cred.role} is not the claimant's card role`);
  }
  s.claimant = ctx.author;
  s.claim = ctx.ref;
  s.leaseMs = ctx.header.leaseMs;
  s.leaseUntil = ctx.entry.at + ctx.header.leaseMs;
  s.claims = (s.claims ?? 0) + 1;
  delete s.checkpoint;
  if (takeover) {
    const card = ctx.state.cards.get(ctx.author)!;
    c.members.set(ctx.author, { did: ctx.author, org: card.card.provider.did, role: card.card.role, via: 'takeover', since: ctx.ref });
  }
  return ok;
}

/**
 * A subtask is orphaned when a claim on it was revoked and no member with its skill is left
 * un-revoked: then any agent with the skill may take it over and joins the coalition.
 */
export function orphaned(ctx: Pick<RuleContext, 'state' | 'case' | 'config'>, s: Subtask, at: number): boolean {
  if (!s.revoked?.length) return false;
  const c = ctx.case!;
  return ![...c.members.keys()].some(
    (m) =>
      !s.revoked!.includes(m) && !barred(c, m, ctx.config.maxStrikes) && hasSkill(ctx.state, m, s.skill) && present(ctx.state, m, at, ctx.config.absentAfterMs),
  );
}

/** Seen on the board within `absentAfterMs` of `at` (a member silent longer may be gone). */
export function present(state: RuleContext['state'], did: string, at: number, absentAfterMs: number): boolean {
  return (state.lastSeen.get(did) ?? Number.NEGATIVE_INFINITY) >= at - absentAfterMs;
}

/** A repeat offender: this many of its leases in the case were revoked; it claims nothing more there. */
export function barred(c: CaseState, did: string, maxStrikes: number): boolean {
  let strikes = 0;
  for (const l of c.lapses) if (l.claimant === did && ++strikes >= maxStrikes) return true;
  return false;
}

/**
 * Why `did` may not claim `s` again, or undefined: after `maxReleases` releases (failed work)
 * it is for others. Work that fails every time (a missing knowledge entry, a bug) would
 * otherwise loop Claim/Release on the board. The wait between attempts is the agent's own
 * (`releaseBackoffMs`, doubled each time): the fold judges counts, not the members' timing.
 */
export function reclaimRefusal(s: Subtask, did: string, cfg: Pick<RuleContext['config'], 'maxReleases'>): string | undefined {
  let n = 0;
  for (const d of s.released ?? []) if (d === did) n++;
  return n >= cfg.maxReleases ? `the author gave this subtask back ${n} times` : undefined;
}

/** Whether a member other than the author, with the skill and no revoked claim here, could take it. */
function eligibleOthers(ctx: RuleContext, s: Subtask): boolean {
  return [...ctx.case!.members.keys()].some(
    (m) =>
      m !== ctx.author &&
      !s.revoked?.includes(m) &&
      !barred(ctx.case!, m, ctx.config.maxStrikes) &&
      hasSkill(ctx.state, m, s.skill) &&
      present(ctx.state, m, ctx.entry.at, ctx.config.absentAfterMs),
  );
}

/** Renews the claimant's lease from now, but never beyond claim time + maxHoldMs. */
function renew(ctx: RuleContext, s: Subtask): void {
  s.leaseUntil = Math.min(ctx.entry.at + (s.leaseMs ?? 0), s.claim!.at + ctx.config.maxHoldMs);
}

export function heartbeat(ctx: RuleContext): Verdict {
  const s = subtaskOf(ctx);
  if (isVerdict(s)) return s;
  if (!leaseActive(s, ctx.entry.at)) return no('E_LEASE', 'lease already lapsed');
  renew(ctx, s);
  return ok;
}

export function release(ctx: RuleContext): Verdict {
  const s = subtaskOf(ctx);
  if (isVerdict(s)) return s;
  if (s.artifact) return no('E_DONE', 'subtask already done');
  s.released = [...(s.released ?? []), ctx.author];
  s.freed = ctx.ref;
  delete s.claimant;
  delete s.claim;
  delete s.leaseUntil;
  delete s.leaseMs;
  return ok;
}

/** Progress is monotone; a checkpoint renews the lease like a heartbeat (up to the hold cap). */
export function checkpoint(ctx: RuleContext<{ progress: number }>): Verdict {
  const s = subtaskOf(ctx);
  if (isVerdict(s)) return s;
  if (s.claimant !== ctx.author || !leaseActive(s, ctx.entry.at)) return no('E_NOT_PERMITTED', 'only the active claimant posts progress');
  if (s.checkpoint && ctx.header.progress < s.checkpoint.progress) return no('E_MISSTATED', 'progress goes backwards');
  s.checkpoint = { progress: ctx.header.progress, at: ctx.entry.at };
  renew(ctx, s);
  return ok;
}

export function gapSupport(g: GapState): GapSupport {
  return {
    raisedAt: g.raised.at,
    endorsedAt: g.endorsedAt,
    endorsements: g.endorsements.length,
    rejections: g.rejections.length,
    awarded: g.status === 'awarded',
  };
}

/**
 * Inputs posted and no live gap in the way. `at` is board time: gaps that evaporated
 * (unendorsed past their half-lives) or were rejected by validation block nothing.
 */
export function depsSatisfied(c: CaseState, s: Subtask, at = Number.NEGATIVE_INFINITY, decay?: GapDecayConfig): boolean {
  const blocking = s.blockedBy.filter((id) => {
    const g = c.gaps.get(id);
    return g !== undefined && gapLive(gapSupport(g), at, decay);
  });
  return blocking.length === 0 && s.deps.every((d) => c.subtasks.get(d)?.artifact !== undefined);
}

/**
 * Every subtask delivered (or given up at the inputs deadline) and every gap settled (awarded,
 * evaporated or rejected; after a deadline pend no gap can change the answer).
 */
export function allWorkDone(c: CaseState, at: number, decay?: GapDecayConfig): boolean {
  return (
    [...c.subtasks.values()].every((x) => x.artifact || x.abandoned) &&
    (c.inputsCutoff !== undefined || [...c.gaps.values()].every((g) => g.status === 'awarded' || !gapLive(gapSupport(g), at, decay)))
  );
}

/** Board time from which this round's determination may pend without all its inputs. */
export function inputsDeadline(c: CaseState, deadlineMs: number): number | undefined {
  const since = c.round > 0 ? c.updates.at(-1) : c.planCommitted;
  return since ? since.at + deadlineMs : undefined;
}

export function pastInputsDeadline(c: CaseState, at: number, deadlineMs: number): boolean {
  const due = inputsDeadline(c, deadlineMs);
  return due !== undefined && at >= due;
}

/** Subtasks that (transitively) need `id`'s artifact: they still run after a deadline pend. */
function downstreamOf(c: CaseState, id: string): Set<string> {
  const out = new Set<string>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const x of c.subtasks.values()) {
      if (!out.has(x.id) && x.deps.some((d) => d === id || out.has(d))) {
        out.add(x.id);
        grew = true;
      }
    }
  }
  return out;
}

/** Only the claimant posts the artifact, only once its inputs exist, bound to its content. */
export function artifact(ctx: RuleContext<Artifact>): Verdict {
  const c = ctx.case!;
  const s = subtaskOf(ctx);
  if (isVerdict(s)) return s;
  if (s.artifact) return no('E_DONE', 'subtask already done');
  if (s.abandoned) return no('E_DONE', 'the subtask was given up when the determination pended at the inputs deadline');
  // Past the round's inputs deadline, a determination may go without its inputs, pended only
  // (it can never approve or deny on inputs that did not come): the case then ends.
  const late = !depsSatisfied(c, s, ctx.entry.at, ctx.config.gapDecay);
  if (late && !(ctx.header.closure === 'open' && pastInputsDeadline(c, ctx.entry.at, ctx.config.inputsDeadlineMs))) {
    return no('E_INPUTS', 'inputs of the subtask are not all posted, or a gap blocks it');
  }
  if (ctx.header.digest !== sectionsDigest(ctx.entry.envelope.sections)) return no('E_DIGEST', 'artifact digest does not match its sections');
  // The card the claim was judged on may have been replaced since: the role is checked again.
  const cap = ctx.config.capabilities;
  const role = ctx.state.cards.get(ctx.author)?.card.role ?? '';
  if (!roleMay(cap, role, s.skill)) return no('E_ROLE', `role ${role} may not deliver ${s.skill}`);
  if (ctx.header.closure && cap && !cap.decisionSkills.includes(s.skill))
    return no('E_OUTCOME', `only the determination carries an outcome, and ${s.id} is not one`);
  if (ctx.header.closure && c.outcome) return no('E_OUTCOME', 'the case already has an outcome');
  for (const sec of ctx.entry.envelope.sections) {
    const declared = s.outputs.find((o) => o.section === sec.name);
    if (!declared) return no('E_DISCLOSURE', `section ${sec.name} is not in the plan's disclosure policy for ${s.id}`);
    if ([...sec.readers].sort().join() !== declared.readers.join()) return no('E_DISCLOSURE', `section ${sec.name} names readers other than the plan's`);
    // With privacy on a section reaches its readers only through key grants: plaintext would
    // show it to every member and the board host.
    if (ctx.config.requireSealed && !sec.sealed) return no('E_DISCLOSURE', `section ${sec.name} is not sealed`);
  }
  // Spelled out, not spread: a spread object with an added field gets a V8 hidden class of its own.
  s.artifact = { id: ctx.ref.id, index: ctx.ref.index, at: ctx.ref.at, author: ctx.author };
  c.waits.delete(ctx.author);
  if (late) {
    c.inputsCutoff = ctx.ref;
    const after = downstreamOf(c, s.id);
    for (const x of c.subtasks.values()) if (!x.artifact && !after.has(x.id)) x.abandoned = ctx.ref;
  }
  if (ctx.header.closure) c.outcome = { closure: ctx.header.closure, subtask: s.id, ref: ctx.ref };
  if (allWorkDone(c, ctx.entry.at, ctx.config.gapDecay)) {
    c.status = 'closing';
    c.closingSince = ctx.ref;
  }
  return ok;
}

/** A member names a capability the plan lacks; the subtasks it blocks wait for it. */
export function gap(ctx: RuleContext<Gap>): Verdict {
  const c = ctx.case!;
  if (c.status !== 'executing') return no('E_PHASE', `gaps are raised while executing, and the case is ${c.status}`);
  if (c.gaps.has(ctx.header.gap)) return no('E_ALREADY', 'gap id already used');
  // The determination is the plan's, signed by a quorum: a gap cannot add a second one.
  if (ctx.config.capabilities?.decisionSkills.includes(ctx.header.skill)) return no('E_OUTCOME', `a gap cannot ask for the deciding skill ${ctx.header.skill}`);
  const spec = ctx.header.subtask;
  if (c.subtasks.has(spec.id) || [...c.gaps.values()].some((g) => g.subtask.id === spec.id)) return no('E_ALREADY', "the gap's subtask id is taken");
  const unknown = [...spec.deps, ...spec.blocks].find((d) => !c.subtasks.has(d));
  if (unknown) return no('E_UNKNOWN_REF', 'the gap names a subtask outside the plan');
  if (spec.blocks.some((b) => c.subtasks.get(b)!.artifact)) return no('E_DONE', 'the gap blocks a subtask already done');
  c.gaps.set(ctx.header.gap, {
    id: ctx.header.gap,
    author: ctx.author,
    skill: ctx.header.skill,
    reasonCode: ctx.header.reasonCode,
    ...(ctx.header.suggested ? { suggested: ctx.header.suggested } : {}),
    subtask: {
      id: spec.id,
      title: spec.title,
      deps: [...spec.deps],
      blocks: [...spec.blocks],
      outputs: spec.outputs.map((o) => ({ section: o.section, readers: [...o.readers].sort() })),
    },
    status: 'open',
    raised: ctx.ref,
    bids: [],
    endorsements: [],
    endorsedAt: [],
    rejections: [],
  });
  for (const b of spec.blocks) c.subtasks.get(b)!.blockedBy.push(ctx.header.gap);
  return ok;
}

export function gapEndorse(ctx: RuleContext<{ gap: string }>): Verdict {
  const g = ctx.case!.gaps.get(ctx.header.gap);
  if (!g) return no('E_UNKNOWN_REF', 'no such gap');
  if (g.author === ctx.author) return no('E_NOT_PERMITTED', 'another member endorses a gap');
  if (g.endorsements.includes(ctx.author) || g.rejections.includes(ctx.author)) return no('E_ALREADY', 'already judged this gap');
  if (g.withdrawn) return no('E_STATE', 'the gap was withdrawn');
  g.endorsements.push(ctx.author);
  g.endorsedAt.push(ctx.entry.at);
  return ok;
}

/**
 * A member validated the gap against the case and found it false (pheromone poisoning). Once
 * rejections outweigh support the gap is withdrawn: it blocks nothing and cannot be awarded.
 */
export function gapReject(ctx: RuleContext<{ gap: string }>): Verdict {
  const c = ctx.case!;
  const g = c.gaps.get(ctx.header.gap);
  if (!g) return no('E_UNKNOWN_REF', 'no such gap');
  if (g.author === ctx.author) return no('E_NOT_PERMITTED', 'another member rejects a gap');
  if (g.endorsements.includes(ctx.author) || g.rejections.includes(ctx.author)) return no('E_ALREADY', 'already judged this gap');
  if (g.status === 'awarded') return no('E_STATE', 'the gap was already awarded');
  g.rejections.push(ctx.author);
  if (g.rejections.length > g.endorsements.length + 1 && !g.withdrawn) {
    g.withdrawn = ctx.ref;
    for (const b of g.subtask.blocks) {
      const s = c.subtasks.get(b);
      if (s) s.blockedBy = s.blockedBy.filter((x) => x !== g.id);
    }
    if (c.status === 'executing' && allWorkDone(c, ctx.entry.at, ctx.config.gapDecay)) {
      c.status = 'closing';
      c.closingSince = ctx.ref;
    }
  }
  return ok;
}
