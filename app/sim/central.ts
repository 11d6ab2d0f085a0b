import { MemoryBoardStore } from '../../core/board/memory-store.js';
import { seededRandom } from '../../core/common/random.js';
import { authorityReport } from '../../core/coordination/learning/authority.js';
import { SimNetwork } from './network.js';
import { makePopulation, type SimAgentSpec } from './population.js';
import { report, unionMs, type CaseReport, type SimOptions, type SimReport } from './report.js';
import { drawDistinct } from './faults.js';
import { SimScheduler } from './scheduler.js';
import { caseTruth, GAP_SUBTASK, outcomeOf, resultDigest, TEMPLATE, workDraw, type CaseTruth } from './workload.js';

interface CentralSubtask {
  id: string;
  skill: string;
  deps: string[];
  digest?: string;
  assigned?: { agent: string; at: number; token: number };
}

interface CentralCase {
  truth: CaseTruth;
  arrival: number;
  subtasks: Map<string, CentralSubtask>;
  end?: number;
}

/**
 * The baseline: the same agents, work and network, under one orchestrator that plans each
 * case, assigns subtasks, reassigns on timeout and adds the interaction subtask on a PGx
 * finding. Its case table is durable, but while it is down nothing is assigned or recorded.
 */
export async function runCentral(o: SimOptions): Promise<SimReport> {
  const pop = makePopulation(o.agents, o.adversaries, seededRandom(`${o.seed}:population`));
  const sched = new SimScheduler();
  const t0 = sched.now();
  const net = new SimNetwork(sched, seededRandom(`${o.seed}:network`), new MemoryBoardStore(sched), o.network);
  const alive = new Map<string, { up: boolean; inc: number }>([...pop.orgs, 'orchestrator'].map((n) => [n, { up: true, inc: 0 }]));
  const work: { case: string; start: number; end: number }[] = [];
  const stats = new Map<string, { ok: number; tries: number; suspectUntil: number }>(pop.agents.map((a) => [a.name, { ok: 1, tries: 2, suspectUntil: 0 }]));
  const cases = new Map<string, CentralCase>();
  const timeoutMs = 30_000;
  let token = 0;
  let messages = 0;
  const attempts = new Map<string, number>();

  const orch = (): { up: boolean; inc: number } => alive.get('orchestrator')!;

  const perform = (agent: SimAgentSpec, c: CentralCase, s: CentralSubtask, tk: number): void => {
    const node = alive.get(agent.org)!;
    if (!node.up) return;
    if (agent.attack) return; // an adversary never delivers; the orchestrator times out
    const inc = node.inc;
    const key = `${agent.name}:${c.truth.id}:${s.id}`;
    const attempt = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, attempt);
    const draw = workDraw(o.seed, c.truth.id, s.id, agent.signer.did, attempt, agent.quality);
    const start = sched.now();
    sched.after(draw.durationMs, () => {
      if (!node.up || node.inc !== inc) return;
      work.push({ case: c.truth.id, start, end: sched.now() });
      messages++;
      net.send(agent.org, () => {
        if (!orch().up || s.assigned?.token !== tk) return; // lost while the orchestrator was down
        const st = stats.get(agent.name)!;
        st.tries++;
        delete s.assigned;
        if (!draw.success) return;
        st.ok++;
        s.digest = resultDigest(
          c.truth,
          s.id,
          s.deps.map((d) => `${d}:${c.subtasks.get(d)!.digest}`),
        );
        if (s.id === 'genomic-screening' && c.truth.pgx) {
          c.subtasks.set(GAP_SUBTASK.id, { id: GAP_SUBTASK.id, skill: GAP_SUBTASK.skill, deps: [...GAP_SUBTASK.deps] });
          c.subtasks.get('coverage-determination')!.deps.push(GAP_SUBTASK.id);
        }
        if (s.id === 'pas-response') c.end = sched.now();
        dispatch();
      });
    });
  };

  const dispatch = (): void => {
    if (!orch().up) return;
    const now = sched.now();
    for (const c of cases.values()) {
      if (c.end !== undefined) continue;
      for (const s of c.subtasks.values()) {
        if (s.digest || !s.deps.every((d) => c.subtasks.get(d)?.digest)) continue;
        if (s.assigned && now < s.assigned.at + timeoutMs) continue;
        if (s.assigned) stats.get(s.assigned.agent)!.suspectUntil = now + o.downMs;
        const pick = pop.agents
          .filter((a) => a.skills.includes(s.skill) && stats.get(a.name)!.suspectUntil <= now)
          .sort((a, b) => {
            const sa = stats.get(a.name)!;
            const sb = stats.get(b.name)!;
            return sb.ok / sb.tries - sa.ok / sa.tries || (a.name < b.name ? -1 : 1);
          })[0];
        if (!pick) continue;
        const tk = ++token;
        s.assigned = { agent: pick.name, at: now, token: tk };
        messages++;
        net.send(pick.org, () => perform(pick, c, s, tk));
      }
    }
  };

  const tick = (): void => {
    dispatch();
    sched.after(500, tick);
  };
  sched.after(500, tick);

  const faults = seededRandom(`${o.seed}:faults`);
  const horizon = o.cases * o.arrivalMs + 60_000;
  let crashes = 0;
  const crashOne = (name: string, at: number): void => {
    crashes++;
    sched.at(at, () => {
      const n = alive.get(name)!;
      n.up = false;
      n.inc++;
    });
    sched.at(at + o.downMs, () => {
      alive.get(name)!.up = true;
      if (name === 'orchestrator') for (const c of cases.values()) for (const s of c.subtasks.values()) delete s.assigned;
    });
  };
  const crashCount = Math.round(o.crashRate * pop.orgs.length);
  for (const org of drawDistinct(pop.orgs, crashCount, faults)) crashOne(org, t0 + 2_000 + faults.next() * horizon);
  if (o.crashOrchestrator) crashOne('orchestrator', t0 + 2_000 + horizon / 3);

  for (let i = 0; i < o.cases; i++) {
    const truth = caseTruth(o.seed, i);
    const submit = (): void => {
      messages++;
      net.send('orchestrator', () => {
        if (!orch().up) return void sched.after(1_000, submit);
        if (cases.has(truth.id)) return;
        cases.set(truth.id, {
          truth,
          arrival: t0 + 2_000 + i * o.arrivalMs,
          subtasks: new Map(TEMPLATE.map((t) => [t.id, { id: t.id, skill: t.skill, deps: [...t.deps] }])),
        });
        dispatch();
      });
    };
    sched.at(t0 + 2_000 + i * o.arrivalMs, submit);
  }

  const deadline = t0 + 2_000 + o.cases * o.arrivalMs + o.deadlineMs;
  await sched.run(deadline, () => cases.size === o.cases && [...cases.values()].every((c) => c.end !== undefined));
  const endedAt = sched.now();

  const reports: CaseReport[] = Array.from({ length: o.cases }, (_, i) => {
    const truth = caseTruth(o.seed, i);
    const c = cases.get(truth.id);
    const ended = c?.end !== undefined;
    const latency = ended ? c!.end! - c!.arrival : null;
    const w = unionMs(work.filter((x) => x.case === truth.id));
    return {
      case: truth.id,
      ended,
      status: ended ? 'done' : c ? 'running' : 'unopened',
      outcome: ended ? outcomeOf(truth) : null,
      expected: outcomeOf(truth),
      caveat: ended ? c!.subtasks.has(GAP_SUBTASK.id) : null,
      latencyMs: latency,
      workMs: w,
      coordinationMs: latency === null ? null : Math.max(0, latency - w),
      overhead: latency ? Math.round((Math.max(0, latency - w) / latency) * 1000) / 1000 : null,
      envelopes: 0,
      members: ended ? new Set([...c!.subtasks.values()].map((s) => s.assigned?.agent)).size : 0,
    };
  });
  const auth = authorityReport({ orchestrator: o.cases * 3 }, ['orchestrator', ...pop.agents.map((a) => a.name)]);
  return report(
    o,
    reports,
    { simTimeMs: endedAt - t0, events: sched.events, envelopes: messages, rejected: 0, crashes },
    {
      everyCaseEnds: { ok: reports.every((c) => c.ended), detail: `${reports.filter((c) => c.ended).length}/${reports.length} completed` },
      outcomesAsExpected: { ok: reports.every((c) => !c.ended || c.outcome === c.expected) },
    },
    {},
    { maxShare: auth.maxShare, gini: auth.gini },
  );
}
