import { DeadlockResolvedSchema, LeaseExpiredSchema, WaitSchema } from '../messages.js';
import { deadlockResolved, leaseExpired, wait } from '../rules/failures.js';
import { TickSchema } from '../rules/tick.js';
import { defineKind } from './define.js';

/** Waits-for edges, deadlock breaking and lease revocation: any member may post them. */
export const WaitKind = defineKind({ kind: 'Wait', header: WaitSchema, mayPost: 'member', rule: wait });
export const DeadlockResolvedKind = defineKind({ kind: 'DeadlockResolved', header: DeadlockResolvedSchema, mayPost: 'member', rule: deadlockResolved });
export const LeaseExpiredKind = defineKind({ kind: 'LeaseExpired', header: LeaseExpiredSchema, mayPost: 'member', rule: leaseExpired });
/** A member's signed time on a quiet board (rules/tick.ts): only an agent in the directory ticks; it moves board time, nothing else. */
export const TickKind = defineKind({ kind: 'Tick', header: TickSchema, mayPost: 'card-holder' });
