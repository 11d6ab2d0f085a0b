import type { WithId } from '@medplum/core';
import { MemoryRepository } from '@medplum/fhir-router';
import type { Resource } from '@medplum/fhirtypes';
import { MurmurError } from '../../core/common/errors.js';
import type { JournalOp } from './journal.js';
import { assertValidResource } from './validation.js';

type Store = {
  resources: Map<string, Map<string, Resource>>;
  history: Map<string, Map<string, Resource[]>>;
};

/** A point-in-time copy of the store (stored resources are never mutated in place). */
export interface Snapshot {
  resources: Map<string, Map<string, Resource>>;
  history: Map<string, Map<string, Resource[]>>;
}

/**
 * MemoryRepository that validates what it stores, records every write for the journal, and
 * can roll back. 4.5.2's `withTransaction` just runs the callback, so a failing transaction
 * would keep its earlier entries; here it restores a snapshot instead.
 *
 * Snapshots read MemoryRepository's private maps: @medplum/fhir-router is pinned to 4.5.2 and
 * the constructor checks they exist, so an upgrade that renames them fails at startup.
 */
export class JournaledRepository extends MemoryRepository {
  private pending: JournalOp[] = [];
  private replaying = false;

  constructor() {
    super();
    const store = this.store();
    if (!(store.resources instanceof Map) || !(store.history instanceof Map)) {
      throw new MurmurError('E_FHIR', 'MemoryRepository internals changed; the embedded server needs @medplum/fhir-router 4.5.2.');
    }
  }

  private store(): Store {
    return this as unknown as Store;
  }

  override async createResource<T extends Resource>(resource: T, options?: unknown): Promise<WithId<T>> {
    if (!this.replaying) assertValidResource(resource);
    const stored = await (super.createResource as (r: T, o?: unknown) => Promise<WithId<T>>).call(this, resource, options);
    if (!this.replaying) this.pending.push({ op: 'put', resource: stored });
    return stored;
  }

  override async deleteResource(resourceType: string, id: string): Promise<void> {
    await super.deleteResource(resourceType, id);
    if (!this.replaying) this.pending.push({ op: 'delete', resourceType, id });
  }

  override async withTransaction<TResult>(callback: (client: undefined) => Promise<TResult>): Promise<TResult> {
    const before = this.snapshot();
    const mark = this.pending.length;
    try {
      return await callback(undefined);
    } catch (e) {
      this.restore(before);
      this.pending.length = mark;
      throw e;
    }
  }

  /** Writes recorded since the last call, in order; clears the record. */
  takePending(): JournalOp[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }

  snapshot(): Snapshot {
    const { resources, history } = this.store();
    return {
      resources: new Map([...resources].map(([type, byId]) => [type, new Map(byId)])),
      history: new Map([...history].map(([type, byId]) => [type, new Map([...byId].map(([id, v]) => [id, [...v]]))])),
    };
  }

  restore(snapshot: Snapshot): void {
    const { resources, history } = this.store();
    resources.clear();
    history.clear();
    for (const [type, byId] of snapshot.resources) resources.set(type, new Map(byId));
    for (const [type, byId] of snapshot.history) history.set(type, new Map([...byId].map(([id, v]) => [id, [...v]])));
  }

  /** Re-applies journaled writes as they were stored: same ids, versions and timestamps. */
  async replay(groups: readonly (readonly JournalOp[])[]): Promise<number> {
    this.replaying = true;
    let count = 0;
    try {
      for (const ops of groups) {
        for (const op of ops) {
          if (op.op === 'put') await super.createResource(op.resource);
          else await super.deleteResource(op.resourceType, op.id).catch(() => undefined);
          count++;
        }
      }
    } finally {
      this.replaying = false;
    }
    return count;
  }
}
