import type { Random } from '../../core/common/random.js';
import { didKeySigner } from '../../core/crypto/did-key.js';
import type { Signer } from '../../core/crypto/signing.js';
import { NEEDS, SKILLS, GAP_SKILL } from './workload.js';

export const ATTACKS = ['squat', 'inject', 'poison', 'fabricate', 'equivocate'] as const;
export type Attack = (typeof ATTACKS)[number];

export interface SimAgentSpec {
  name: string;
  org: string;
  skills: string[];
  /** Hidden probability that its work succeeds (what learning discovers). */
  quality: number;
  signer: Signer & { did: string };
  attack?: Attack;
}

export interface Population {
  orgs: string[];
  agents: SimAgentSpec[];
  genesis: Record<string, number>;
}

/**
 * M agents in ⌈M/4⌉ organizations. Skills are dealt so every skill has several holders (the
 * drug-interaction skill is rarer: it joins by contract net); qualities differ, so some agents
 * are better at a skill than others. Adversaries start well reputed (they built standing first).
 */
export function makePopulation(m: number, attacks: readonly Attack[], random: Random): Population {
  if (m < SKILLS.length + attacks.length) throw new Error(`at least ${SKILLS.length + attacks.length} agents are needed`);
  const orgCount = Math.max(2, Math.ceil(m / 4));
  const orgs = Array.from({ length: orgCount }, (_, i) => `org-${i}`);
  const agents: SimAgentSpec[] = [];
  for (let i = 0; i < m; i++) {
    const primary = i < SKILLS.length ? SKILLS[i]! : i % 7 === 6 ? GAP_SKILL : NEEDS[i % NEEDS.length]!;
    const skills = [primary];
    if (primary !== GAP_SKILL && random.next() < 0.3) {
      const extra = NEEDS[random.int(NEEDS.length)]!;
      if (!skills.includes(extra)) skills.push(extra);
    }
    agents.push({
      name: `agent-${i}`,
      // Organizations hold mixed skills, so one organization's crash removes no skill entirely.
      org: orgs[Math.floor((i * orgCount) / m)]!,
      skills,
      quality: Math.round((0.7 + 0.29 * random.next()) * 1000) / 1000,
      signer: didKeySigner(random.bytes(32)),
    });
  }
  // Adversaries: the last agents holding a needed skill that another agent also holds.
  const genesis: Record<string, number> = {};
  const free = [...agents].reverse().filter((a) => a.skills[0] !== GAP_SKILL);
  for (const attack of attacks) {
    const a = free.shift();
    if (!a) break;
    a.attack = attack;
    genesis[a.signer.did] = 70;
  }
  return { orgs, agents, genesis };
}
