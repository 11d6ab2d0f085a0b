import { DeadlockResolvedSchema, LeaseExpiredSchema, WaitSchema } from '../messages.js';
import { deadlockResolved, leaseExpired, wait } from '../rules/failures.js';
import { defineKind } from './define.js';

/** Waits-for edges, deadlock breaking and lease revocation: any member may post them. */
export const WaitKind = defineKind({ kind: 'Wait', header: WaitSchema, mayPost: 'member', rule: wait });
export const DeadlockResolvedKind = defineKind({ kind: 'DeadlockResolved', header: DeadlockResolvedSchema, mayPost: 'member', rule: deadlockResolved });
export const LeaseExpiredKind = defineKind({ kind: 'LeaseExpired', header: LeaseExpiredSchema, mayPost: 'member', rule: leaseExpired });
