import type { CaseState } from '../../core/coordination/case-state.js';
import type { Random } from '../../core/common/random.js';
import type { BoardReplica } from '../../core/agents/runtime/replica.js';
import type { OrgWorld } from './org-world.js';

export const ORG_ATTACKS = [] as const;
export type OrgAttack = string;

export interface AttackProbe {
  attack: OrgAttack;
  /** What must hold after the run (nothing forbidden accepted…); each failure described. */
  check(auditor: BoardReplica, c: CaseState | undefined): string[];
}

export function installAttack(attack: OrgAttack, _world: OrgWorld, _random: Random): AttackProbe {
  return { attack, check: () => [] };
}
