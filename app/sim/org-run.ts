import { DEFAULT_BOARD_TIME } from '../../core/board/board-time.js';
import { authorDid } from '../../core/board/envelope.js';
import type { StoredEntry } from '../../core/board/store.js';
import type { BoardReplica } from '../../core/agents/runtime/replica.js';
import { seededRandom } from '../../core/common/random.js';
import { DEFAULT_REDUCER_CONFIG } from '../../core/coordination/reducer.js';
import { northwindZolgensmaPolicy } from '../../core/agents/clinical/policy.js';
import { expectedOutcome, syntheticVariants, type CaseVariant } from '../../fhir/synthetic/index.js';
import { SIM_REF } from './clinical-ports.js';
import { foldDigest } from './digest.js';
import { crashPlan } from './faults.js';
import { doubleClaims } from './invariants.js';
import { DEFAULT_NETWORK, type NetworkConfig } from './network.js';
import { installAttack, ORG_ATTACKS, type OrgAttack, type AttackProbe } from './org-attacks.js';
import { OrgWorld } from './org-world.js';

export interface OrgSeedOptions {
  seed: string | number;
  /** The synthetic request (default: drawn from the seed). */
  variant?: CaseVariant;
  /** How many of the four nodes crash once and restart (default: drawn from the seed, 0–2). */
  crashes?: number;
  /** Hostile behaviours (default: one drawn from the seed, or none). */
  attacks?: OrgAttack[];
  network?: NetworkConfig;
  /** Simulated time by which the case must have ended. */
  deadlineMs?: number;
  tickMs?: number;
}

export interface OrgSeedResult {
  seed: string;
  variant: CaseVariant;
  ok: boolean;
  /** Each invariant that failed, with what was seen. */
  failures: string[];
  decision: string | null;
  expected: string;
  crashed: { org: string; at: number; restartAt: number }[];
  attacks: OrgAttack[];
  /** Hostile entries that reached the board, per attack. */
  attempted: Partial<Record<OrgAttack, number>>;
  simMs: number;
  envelopes: number;
  rejected: number;
  /** The auditor's fold digest (equal on every replica when `replicasAgree` holds). */
  digest: string;
}

/** The decision as the requester sees it: the outcome, and on an approval whether the pharmacogenomic caveat came with it. */
const decisionOf = (outcome: string | undefined, caveat: boolean): string | null =>
  outcome ? `${outcome}${outcome === 'approved' && caveat ? '+caveat' : ''}` : null;

/**
 * One seed of the real-node simulation: the reference coalition's four OrgNodes run one case
 * (a synthetic request drawn from the seed) over a seeded network, with crashes and hostile
 * behaviours drawn from the seed, until the case is dissolved or the deadline passes. Then
 * the invariants: the case reached its fault-free decision, no forbidden entry was accepted,
 * no subtask was held by two agents at once, board time never ran ahead of the true time by
 * more than the skew bound, and every replica's fold digest equals a fresh auditor's.
 */
export async function runOrgSeed(o: OrgSeedOptions): Promise<OrgSeedResult> {
  const seed = String(o.seed);
  const draw = seededRandom(`${seed}:plan`);
  const variant = o.variant ?? syntheticVariants[draw.int(syntheticVariants.length)]!;
  const crashCount = o.crashes ?? draw.int(3);
  const attacks = o.attacks ?? (draw.next() < 0.6 ? [ORG_ATTACKS[draw.int(ORG_ATTACKS.length)]!] : []);
  const world = await OrgWorld.create({ seed, variant, network: o.network ?? DEFAULT_NETWORK, tickMs: o.tickMs ?? 1_000 });
  const probes: AttackProbe[] = attacks.map((a) => installAttack(a, world, seededRandom(`${seed}:attack:${a}`)));
  const t0 = world.sched.now();
  // Nodes start inside the simulation: their start-up talks to the board over the network.
  for (const org of world.orgIds) world.sched.at(t0, () => void world.boot(org));
  const entries = new Map<number, StoredEntry>();
  world.board.subscribe((e) => void entries.set(e.index, e));

  const payer = world.org('northwind');
  let caseId: string | undefined;
  world.sched.after(1_000, () => {
    const node = world.nodes.get('northwind')!;
    caseId = node.newCaseId();
    void node.submitCase(SIM_REF, northwindZolgensmaPolicy, caseId);
  });
  const crashes = crashPlan(
    world.orgIds,
    { count: crashCount, from: t0 + 2_000, horizonMs: 60_000, downMs: { min: 1_000, max: 40_000 } },
    seededRandom(`${seed}:faults`),
  );
  for (const c of crashes) {
    world.sched.at(c.at, () => world.crash(c.target));
    world.sched.at(c.restartAt, () => void world.boot(c.target));
  }

  // The payer's own view decides when the case is over, as its PAS endpoint would.
  const ended = (): boolean => {
    const c = caseId ? world.nodes.get('northwind')?.replica.state.cases.get(caseId) : undefined;
    return c?.reputation !== undefined && world.sched.now() > Math.max(...crashes.map((x) => x.restartAt), 0);
  };
  await world.sched.run(t0 + (o.deadlineMs ?? 30 * 60_000), ended);
  const endedAt = world.sched.now();
  // Let every live node fold what the board holds, then compare them all with a fresh auditor.
  // An agent may still post after the case ended (a late, refused Dissolved): wait until the
  // board stops growing, so that every replica and the auditor fold the same log.
  let head = -1;
  for (let settle = 0; settle < 10; settle++) {
    const now = await world.board.head();
    if (now === head) break;
    head = now;
    await world.sched.run(world.sched.now() + 60_000, () => [...world.nodes.values()].every((n) => n.replica.fold.lastIndex >= now));
  }
  const auditor = await world.auditor();
  const state = auditor.state;
  const c = caseId ? state.cases.get(caseId) : undefined;
  const det = c?.subtasks.get('coverage-determination');
  const exp = expectedOutcome(variant);
  const expected = decisionOf(exp.outcome, exp.pgxCaveat)!;
  // The outcome is sealed to the payer: its node reads it, as its PAS endpoint would.
  const outcome = c ? await world.nodes.get('northwind')?.outcomeOf(c) : undefined;
  const decision = c?.status === 'dissolved' ? decisionOf(outcome, !!det?.deps.includes('drug-interaction')) : null;

  const failures: string[] = [];
  if (!c || c.status !== 'dissolved') failures.push(`caseEnds: ${c?.status ?? 'never opened'}`);
  else if (decision !== expected) failures.push(`decisionAsFaultFree: ${decision}, expected ${expected}`);
  const policy = payer.identity.agents.get('PolicyReasoner')!.did;
  if (c?.outcome && (c.outcome.subtask !== 'coverage-determination' || det?.artifact?.author !== policy))
    failures.push(`onlyPolicyDecides: outcome from ${c.outcome.subtask} by ${det?.artifact?.author}`);
  const doubles = doubleClaims([...auditor.fold.records], entries, DEFAULT_REDUCER_CONFIG.maxHoldMs, DEFAULT_REDUCER_CONFIG.awardLeaseMs);
  if (doubles.length) failures.push(`noDoubleClaims: ${doubles.slice(0, 2).join('; ')}`);
  const ahead = auditor.fold.records.filter((r) => r.at > (world.appendedAt.get(r.index) ?? 0) + DEFAULT_BOARD_TIME.maxSkewMs);
  if (ahead.length) failures.push(`boardTimeBounded: entry ${ahead[0]!.index} at +${ahead[0]!.at - world.appendedAt.get(ahead[0]!.index)!} ms`);
  const digest = foldDigest(auditor.fold);
  const differ = [...world.nodes.entries()].filter(([, n]) => foldDigest(n.replica.fold) !== digest).map(([id]) => id);
  if (differ.length) failures.push(`replicasAgree: ${differ.join(', ')} differ from a fresh fold of the board`);
  if (world.nodes.size !== world.orgIds.length) failures.push(`allRestarted: ${world.nodes.size}/${world.orgIds.length} nodes up`);
  failures.push(...forbiddenAccepted(auditor, entries, policy));
  for (const p of probes) failures.push(...(await p.check(auditor, c)).map((f) => `${p.attack}: ${f}`));

  for (const n of world.nodes.values()) await n.stop();
  await auditor.stop();
  return {
    seed,
    variant,
    ok: failures.length === 0,
    failures,
    decision,
    expected,
    crashed: crashes.map((x) => ({ org: x.target, at: x.at - t0, restartAt: x.restartAt - t0 })),
    attacks,
    attempted: Object.fromEntries(probes.map((p) => [p.attack, p.attempted()])),
    simMs: endedAt - t0,
    envelopes: auditor.fold.lastIndex,
    rejected: auditor.fold.rejected().length,
    digest,
  };
}

/**
 * Entries no member may get accepted, whoever posts them: an outcome outside the
 * determination, a plaintext section (privacy is on), a claim on the determination or a card
 * offering it by anyone but the policy agent.
 */
function forbiddenAccepted(auditor: BoardReplica, entries: ReadonlyMap<number, StoredEntry>, policy: string): string[] {
  const out: string[] = [];
  for (const r of auditor.fold.records) {
    if (r.status !== 'accepted') continue;
    const env = entries.get(r.index)!.envelope;
    const header = env.header as { outcome?: unknown; skills?: { id: string }[] };
    const by = authorDid(env.author);
    if (r.kind === 'Artifact' && header.outcome !== undefined && r.subtask !== 'coverage-determination')
      out.push(`forbidden: an outcome on ${r.subtask} accepted (entry ${r.index})`);
    if (r.kind === 'Artifact' && env.sections.some((x) => x.plaintext !== undefined)) out.push(`forbidden: a plaintext section accepted (entry ${r.index})`);
    if (r.kind === 'Claim' && r.subtask === 'coverage-determination' && by !== policy)
      out.push(`forbidden: a claim on the determination by ${by.slice(0, 24)} accepted (entry ${r.index})`);
    if (r.kind === 'AgentCard' && by !== policy && header.skills?.some((k) => k.id === 'pa-determination'))
      out.push(`forbidden: a card offering pa-determination accepted (entry ${r.index})`);
  }
  return out;
}

export interface SweepReport {
  seeds: number;
  failed: OrgSeedResult[];
  wallMs: number;
  seedsPerSecond: number;
}

/** Runs seeds `from`…`from + count − 1`; `onSeed` sees each result as it comes. */
export async function runOrgSweep(
  o: { count: number; from?: number; onSeed?: (r: OrgSeedResult) => void } & Omit<OrgSeedOptions, 'seed'>,
): Promise<SweepReport> {
  const start = performance.now();
  const failed: OrgSeedResult[] = [];
  const { count, from = 1, onSeed, ...rest } = o;
  for (let s = from; s < from + count; s++) {
    const r = await runOrgSeed({ ...rest, seed: s });
    onSeed?.(r);
    if (!r.ok) failed.push(r);
  }
  const wallMs = performance.now() - start;
  return { seeds: count, failed, wallMs: Math.round(wallMs), seedsPerSecond: Math.round((count / (wallMs / 1000)) * 100) / 100 };
}

/** The one-line command that replays a seed (with the overrides the sweep ran under). */
export function reproduce(r: Pick<OrgSeedResult, 'seed'>, o: { attacks?: readonly string[] | undefined; crashes?: number | undefined } = {}): string {
  return `murmur sim --seeds 1 --from ${r.seed}${o.attacks ? ` --attacks ${o.attacks.join(',') || "''"}` : ''}${o.crashes !== undefined ? ` --crashes ${o.crashes}` : ''}`;
}
