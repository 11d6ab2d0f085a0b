import { BoardFold } from '../../core/board/fold.js';
import { authorDid } from '../../core/board/envelope.js';
import { MemoryBoardStore } from '../../core/board/memory-store.js';
import type { StoredEntry } from '../../core/board/store.js';
import { seededRandom } from '../../core/common/random.js';
import { didKeyResolver } from '../../core/crypto/did-key.js';
import type { CaseState, CoalitionState } from '../../core/coordination/case-state.js';
import { authorityReport } from '../../core/coordination/learning/authority.js';
import { coalitionReducer, DEFAULT_REDUCER_CONFIG, type ReducerConfig } from '../../core/coordination/reducer.js';
import { crashPlan } from './faults.js';
import { doubleClaims } from './invariants.js';
import { SimNetwork } from './network.js';
import { SimNode } from './node.js';
import { makePopulation } from './population.js';
import { SimScheduler } from './scheduler.js';
import { runCentral } from './central.js';
import { DEFAULT_SIM, report, unionMs, type CaseReport, type SimOptions, type SimReport } from './report.js';
import { caseTruth, NEEDS, outcomeOf, type CaseTruth } from './workload.js';

export { DEFAULT_SIM, type CaseReport, type SimOptions, type SimReport } from './report.js';

/** The simulator's reducer settings: short timings for simulated cases, robust plan merge. */
export function simReducerConfig(genesis: Record<string, number>): Partial<ReducerConfig> {
  return {
    genesisReputation: genesis,
    rotateConvener: true,
    convenerTimeoutMs: 20_000,
    acceptWindowMs: 30_000,
    proposalWindowMs: 30_000,
    maxHoldMs: 3 * 60_000,
    absentAfterMs: 60_000,
    deliveryGraceMs: 30_000,
    gapEndorsementsToAward: 1,
    awardLeaseMs: 60_000,
    merge: { ...DEFAULT_REDUCER_CONFIG.merge, rule: 'median' },
  };
}

/**
 * Runs the scenario and, when it has faults (crashes, partitions, adversaries), the same seed
 * without them, and checks that every case that ended reached the fault-free run's decision.
 */
export async function runWithBaseline(partial: Partial<SimOptions>): Promise<SimReport> {
  const r = await runSimulation(partial);
  const faulty = (partial.crashRate ?? 0) > 0 || (partial.partitions ?? 0) > 0 || (partial.adversaries?.length ?? 0) > 0 || partial.crashOrchestrator;
  if (!faulty) return r;
  const { progress: _p, inspect: _i, ...rest } = partial;
  const base = await runSimulation({ ...rest, crashRate: 0, partitions: 0, adversaries: [], crashOrchestrator: false });
  const differ = Object.keys(r.decisions).filter((id) => r.decisions[id] !== null && r.decisions[id] !== base.decisions[id]);
  r.invariants['decisionsMatchFaultFree'] = { ok: differ.length === 0, ...(differ.length ? { detail: `differ: ${differ.join(', ')}` } : {}) };
  return r;
}

/** Runs a whole population of agents and cases under one seed; the same seed gives the same report. */
export async function runSimulation(partial: Partial<SimOptions> = {}): Promise<SimReport> {
  const o: SimOptions = { ...DEFAULT_SIM, ...partial };
  if (o.mode === 'central') return runCentral(o);
  const random = seededRandom(`${o.seed}:population`);
  const pop = makePopulation(o.agents, o.adversaries, random);
  const sched = new SimScheduler();
  const t0 = sched.now();
  const board = new MemoryBoardStore(sched);
  const net = new SimNetwork(sched, seededRandom(`${o.seed}:network`), board, o.network);
  const truths = new Map<string, CaseTruth>();
  for (let i = 0; i < o.cases; i++) {
    const t = caseTruth(o.seed, i);
    truths.set(t.id, t);
  }
  const work: { case: string; subtask: string; agent: string; start: number; end: number; success: boolean }[] = [];
  const reducer = simReducerConfig(pop.genesis);
  const nodes = pop.orgs.map(
    (org) =>
      new SimNode({
        id: org,
        agents: pop.agents.filter((a) => a.org === org),
        sched,
        link: net.link(org),
        random: seededRandom(`${o.seed}:node:${org}`),
        seed: o.seed,
        reducer,
        truths,
        onWork: (w) => work.push(w),
        tickMs: 1_000,
        leaseMs: 30_000,
        backoffMs: 500,
        routeMs: 2_000,
      }),
  );
  // The auditor folds the whole board as it grows (what any fresh node would compute).
  const auditor = new BoardFold<CoalitionState>(didKeyResolver, coalitionReducer(reducer));
  const entries = new Map<number, StoredEntry>();
  let endedCount = 0;
  board.subscribe((e) => {
    entries.set(e.index, e);
    const r = auditor.apply(e);
    if (r.kind === 'Dissolved' && r.status === 'accepted') o.progress?.(++endedCount, o.cases);
  });
  for (const n of nodes) await n.start();
  await sched.run(t0 + 2_000);

  // Faults: crashes (then restarts) and partitions, drawn from the seed.
  const faults = seededRandom(`${o.seed}:faults`);
  const horizon = o.cases * o.arrivalMs + 60_000;
  let crashes = 0;
  const crashCount = Math.round(o.crashRate * nodes.length);
  for (const { target: n, at, restartAt } of crashPlan(nodes, { count: crashCount, from: sched.now(), horizonMs: horizon, downMs: o.downMs }, faults)) {
    crashes++;
    sched.at(at, () => n.crash());
    sched.at(restartAt, () => void n.start());
  }
  for (let i = 0; i < o.partitions; i++) {
    const n = nodes[faults.int(nodes.length)]!;
    const at = sched.now() + faults.next() * horizon;
    sched.at(at, () => net.partition(n.id, at + 60_000));
  }

  // Arrivals: a live policy agent posts each case's TaskAvailable.
  const submitted = new Map<string, number>();
  const requesters = pop.agents.filter((a) => a.skills.includes('coverage-policy') && !a.attack);
  [...truths.values()].forEach((t, i) => {
    const submit = (attempt: number): void => {
      const spec = requesters[(i + attempt) % requesters.length]!;
      const node = nodes.find((n) => n.id === spec.org)!;
      if (!node.alive) return void sched.after(1_000, () => submit(attempt + 1));
      submitted.set(t.id, sched.now());
      void node
        .post(spec.name, {
          case: t.id,
          kind: 'TaskAvailable',
          header: {
            service: { system: 'http://www.ama-assn.org/go/cpt', code: 'J3399' },
            policy: { id: 'sim-policy', version: '1', hash: '0'.repeat(64) },
            needs: [...NEEDS],
          },
          sections: [{ name: 'request', readers: [], plaintext: { case: t.id } }],
        })
        .catch(() => sched.after(1_000, () => submit(attempt + 1)));
    };
    sched.at(t0 + 2_000 + i * o.arrivalMs, () => submit(0));
  });

  const deadline = t0 + 2_000 + o.cases * o.arrivalMs + o.deadlineMs;
  const allDone = (): boolean => [...truths.keys()].every((id) => auditor.state.cases.get(id)?.reputation !== undefined);
  await sched.run(deadline, allDone);
  const endedAt = sched.now();
  o.inspect?.(auditor, entries);
  // Let deliveries settle so replicas can be compared.
  await sched.run(endedAt + 30_000, () => nodes.every((n) => !n.alive || n.replica!.fold.lastIndex === auditor.lastIndex));

  const cases: CaseReport[] = [...truths.values()].map((t) => {
    const c = auditor.state.cases.get(t.id);
    const ended = c?.status === 'dissolved';
    const start = c?.opened.at ?? submitted.get(t.id) ?? t0;
    const end = c?.dissolved?.at;
    const latency = ended && end !== undefined ? end - start : null;
    const w = unionMs(work.filter((x) => x.case === t.id));
    const det = c?.subtasks.get('coverage-determination');
    return {
      case: t.id,
      ended,
      status: c?.status ?? 'unopened',
      outcome: det?.artifact ? simOutcome(entries, det.artifact.index) : null,
      expected: outcomeOf(t),
      caveat: det?.artifact ? det.deps.includes('drug-interaction') : null,
      latencyMs: latency,
      workMs: w,
      coordinationMs: latency === null ? null : Math.max(0, latency - w),
      overhead: latency ? Math.round((Math.max(0, latency - w) / latency) * 1000) / 1000 : null,
      envelopes: auditor.records.filter((r) => r.case === t.id).length,
      members: c?.members.size ?? 0,
      ...(!ended && c
        ? {
            stuck: [
              ...[...c.subtasks.values()].map(
                (s) =>
                  `${s.id}:${s.artifact ? 'done' : s.claimant ? `claimed(${pop.agents.find((a) => a.signer.did === s.claimant)?.name})` : 'free'}${s.blockedBy.length ? `/blocked(${s.blockedBy})` : ''}`,
              ),
              ...[...c.gaps.values()].map(
                (g) => `${g.id}:${g.status}${g.withdrawn ? '/withdrawn' : ''} e${g.endorsements.length} r${g.rejections.length} b${g.bids.length}`,
              ),
            ],
          }
        : {}),
    };
  });

  const rejected = auditor.rejected().length;
  const rejectReasons: Record<string, number> = {};
  for (const r of auditor.rejected()) {
    const k = `${r.kind}: ${r.reason}`;
    rejectReasons[k] = (rejectReasons[k] ?? 0) + 1;
  }
  const violations = doubleClaims([...auditor.records], entries, reducer.maxHoldMs!, reducer.awardLeaseMs!);
  const invariants: SimReport['invariants'] = {
    noDoubleClaims: { ok: violations.length === 0, ...(violations.length ? { detail: violations.slice(0, 3).join('; ') } : {}) },
    everyCaseEnds: { ok: cases.every((c) => c.ended), detail: `${cases.filter((c) => c.ended).length}/${cases.length} dissolved` },
    outcomesAsExpected: { ok: cases.every((c) => !c.ended || c.outcome === c.expected) },
    caveatsMatchFindings: { ok: cases.every((c) => !c.ended || c.caveat === truths.get(c.case)!.pgx) },
    replicasAgree: {
      ok: nodes.every(
        (n) =>
          !n.alive ||
          (n.replica!.fold.lastIndex === auditor.lastIndex &&
            [...truths.keys()].every((id) => sameDetermination(n.replica!.state.cases.get(id), auditor.state.cases.get(id)))),
      ),
    },
  };

  const attacks: SimReport['attacks'] = {};
  const allCases = [...auditor.state.cases.values()];
  for (const spec of pop.agents.filter((a) => a.attack)) {
    const did = spec.signer.did;
    const lapses = allCases.flatMap((c) => c.lapses.filter((l) => l.claimant === did));
    const outcomeOk = invariants.outcomesAsExpected!.ok && invariants.everyCaseEnds!.ok;
    const member = allCases.some((c) => c.members.has(did));
    let detected = false;
    let detail = '';
    switch (spec.attack!) {
      case 'squat':
      case 'fabricate': {
        // Every claim it won (it never delivers) must have been revoked.
        const won = auditor.records.filter((r) => r.kind === 'Claim' && r.status === 'accepted' && authorDid(r.author) === did).length;
        const open = allCases.flatMap((c) => [...c.subtasks.values()].filter((s) => s.claimant === did && !s.artifact)).length;
        detected = lapses.length > 0 || won === 0;
        detail = `${won} claim(s) won, ${lapses.length} revoked (${[...new Set(lapses.map((l) => l.cause))].join(', ') || 'none'}), ${open} still held; reputation ${auditor.state.reputation.get(did) ?? pop.genesis[did]}`;
        break;
      }
      case 'inject': {
        const bogus = allCases.filter((c) => c.plan?.subtasks.some((s) => s.id === 'bulk-export')).length;
        const proposed = allCases.filter((c) => c.proposals.has(did)).length;
        detected = proposed > 0 && bogus === 0;
        detail = `injected into ${proposed} proposal round(s); bogus subtask in ${bogus} plan(s)`;
        break;
      }
      case 'poison': {
        const gaps = allCases.flatMap((c) => [...c.gaps.values()].filter((g) => g.author === did && g.subtask.id === 'urgent-interaction-review'));
        const withdrawn = gaps.filter((g) => g.withdrawn).length;
        detected = gaps.length > 0 && withdrawn === gaps.length;
        detail = `${gaps.length} fake gap(s), ${withdrawn} withdrawn by validation, ${gaps.filter((g) => g.status === 'awarded').length} awarded`;
        break;
      }
      case 'equivocate': {
        const eq = auditor.equivocations.filter((e) => authorDid(e.author) === did).length;
        detected = eq > 0;
        detail = `${eq} equivocation(s) detected and rejected`;
        break;
      }
    }
    attacks[spec.attack!] = { detected: detected || !member, contained: outcomeOk, detail: member ? detail : 'never admitted to a coalition' };
  }

  const acts: Record<string, number> = {};
  for (const r of auditor.records) {
    if (r.status !== 'accepted' || !['Invitation', 'Announce', 'Award', 'Dissolved', 'ReputationUpdate'].includes(r.kind)) continue;
    const d = authorDid(r.author);
    acts[d] = (acts[d] ?? 0) + 1;
  }
  const auth = authorityReport(
    acts,
    pop.agents.map((a) => a.signer.did),
  );

  // Specialization: per skill, the mean hidden quality of the agents that delivered, and the
  // share delivered by the skill's busiest agent, in the first and second half of the cases.
  const half = Math.floor(o.cases / 2);
  const ids = [...truths.keys()];
  const quality = new Map(pop.agents.map((a) => [a.signer.did, a.quality]));
  const specialization = NEEDS.map((skill) => {
    const stats = (caseIds: string[]): { share: number; quality: number } => {
      const counts = new Map<string, number>();
      for (const id of caseIds)
        for (const s of auditor.state.cases.get(id)?.subtasks.values() ?? [])
          if (s.skill === skill && s.artifact) counts.set(s.artifact.author, (counts.get(s.artifact.author) ?? 0) + 1);
      const total = [...counts.values()].reduce((a, b) => a + b, 0);
      if (!total) return { share: 0, quality: 0 };
      const q = [...counts.entries()].reduce((a, [d, n]) => a + n * (quality.get(d) ?? 0), 0) / total;
      return { share: Math.round((Math.max(...counts.values()) / total) * 1000) / 1000, quality: Math.round(q * 1000) / 1000 };
    };
    const [a, b] = [stats(ids.slice(0, half)), stats(ids.slice(half))];
    return { skill, topShareFirstHalf: a.share, topShareSecondHalf: b.share, deliverQualityFirstHalf: a.quality, deliverQualitySecondHalf: b.quality };
  });

  return report(
    o,
    cases,
    {
      simTimeMs: endedAt - t0,
      events: sched.events,
      envelopes: auditor.lastIndex,
      rejected,
      crashes,
    },
    invariants,
    attacks,
    { maxShare: auth.maxShare, gini: auth.gini },
    specialization,
    rejectReasons,
  );
}

/** The outcome the sim's determination put in its (plaintext) result section: headers carry only its closure. */
function simOutcome(entries: ReadonlyMap<number, StoredEntry>, index: number): CaseReport['outcome'] {
  const content = entries.get(index)?.envelope.sections.find((s) => s.name === 'result')?.plaintext as { outcome?: CaseReport['outcome'] } | undefined;
  return content?.outcome ?? null;
}

/** Two replicas agree on a case's determination: the same entry, with the same closure. */
function sameDetermination(a: CaseState | undefined, b: CaseState | undefined): boolean {
  return a?.outcome?.ref.id === b?.outcome?.ref.id && a?.outcome?.closure === b?.outcome?.closure;
}
