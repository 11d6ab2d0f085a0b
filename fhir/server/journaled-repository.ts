import { Operator } from '@medplum/core';
import type { WithId } from '@medplum/core';
import { FhirRepository, MemoryRepository } from '@medplum/fhir-router';
import type { RepositoryMode } from '@medplum/fhir-router';
import type { Bundle, Reference, Resource } from '@medplum/fhirtypes';
import type { JournalOp } from './journal.js';
import { ReferenceIndex } from './reference-index.js';
import { assertValidResource } from './validation.js';

type CreateOptions = Parameters<FhirRepository['createResource']>[1];
type UpdateOptions = Parameters<FhirRepository['updateResource']>[1];
type HistoryOptions = Parameters<FhirRepository['readHistory']>[2];
type SearchRequest<T extends Resource> = Parameters<FhirRepository['search']>[0] & { resourceType: T['resourceType'] };
type PatchOperations = Parameters<FhirRepository['patchResource']>[2];

/**
 * A FHIR repository that validates what it stores and records every write for the journal.
 * It wraps Medplum's MemoryRepository through the public `FhirRepository` interface only (no
 * private maps), so it follows Medplum's 4.x line.
 *
 * A failed request is undone by rebuilding the store from what was committed before it
 * (`rebuild`): failures that wrote something are rare (most fail validation before any write),
 * so a successful write costs nothing extra, where a copy of the whole store per write did.
 * The conditional operations are the base class's, which call the methods below, so their
 * writes are validated and recorded too.
 *
 * Reference searches (`subject=Patient/1`) read only the resources that mention the value
 * (`ReferenceIndex`), so a patient's reads cost the same on the thousandth case as on the first;
 * Medplum's matcher and paging still answer them, over that subset.
 */
export class JournaledRepository extends FhirRepository<undefined> {
  private inner = new MemoryRepository();
  private readonly references = new ReferenceIndex();
  private pending: JournalOp[] = [];
  private failedTransaction = false;

  // Writes: validated, then recorded as stored (with the id, version and time the store gave them).

  // MemoryRepository takes no create options: ids are its own, outside a rebuild.
  override async createResource<T extends Resource>(resource: T, _options?: CreateOptions): Promise<WithId<T>> {
    assertValidResource(resource);
    return this.record(await this.inner.createResource(resource));
  }

  override async updateResource<T extends Resource>(resource: T, options?: UpdateOptions): Promise<WithId<T>> {
    assertValidResource(resource);
    return this.record(await this.inner.updateResource(resource, options));
  }

  override async patchResource<T extends Resource>(resourceType: T['resourceType'], id: string, patch: PatchOperations): Promise<WithId<T>> {
    const stored = this.record(await this.inner.patchResource<T>(resourceType, id, patch));
    // A patch is only known to be valid once applied; an invalid result fails the request,
    // and the write recorded above makes the server rebuild the store without it.
    assertValidResource(stored);
    return stored;
  }

  override async deleteResource(resourceType: string, id: string): Promise<void> {
    await this.inner.deleteResource(resourceType, id);
    this.references.remove(`${resourceType}/${id}`);
    this.pending.push({ op: 'delete', resourceType, id });
  }

  override async withTransaction<TResult>(callback: (client: undefined) => Promise<TResult>): Promise<TResult> {
    try {
      return await callback(undefined);
    } catch (e) {
      // The request fails as a whole; the server sees this and rebuilds without its writes.
      this.failedTransaction = true;
      throw e;
    }
  }

  // Reads: the memory store's own.

  override setMode(mode: RepositoryMode): void {
    this.inner.setMode(mode);
  }
  override generateId(): string {
    return this.inner.generateId();
  }
  override readResource<T extends Resource>(resourceType: string, id: string): Promise<WithId<T>> {
    return this.inner.readResource<T>(resourceType, id) as Promise<WithId<T>>;
  }
  override readReference<T extends Resource>(reference: Reference<T>): Promise<WithId<T>> {
    return this.inner.readReference(reference);
  }
  override readReferences<T extends Resource>(references: readonly Reference<T>[]): Promise<(T | Error)[]> {
    return this.inner.readReferences(references);
  }
  override readHistory<T extends Resource>(resourceType: string, id: string, _options?: HistoryOptions): Promise<Bundle<WithId<T>>> {
    return this.inner.readHistory<T>(resourceType, id) as Promise<Bundle<WithId<T>>>;
  }
  override readVersion<T extends Resource>(resourceType: string, id: string, vid: string): Promise<WithId<T>> {
    return this.inner.readVersion<T>(resourceType, id, vid) as Promise<WithId<T>>;
  }
  override async search<T extends Resource>(searchRequest: SearchRequest<T>): Promise<Bundle<WithId<T>>> {
    const ids = this.references.candidates(searchRequest);
    if (!ids) return this.inner.search(searchRequest);
    const subset = new MemoryRepository();
    for (const id of ids) await subset.createResource(await this.inner.readResource(searchRequest.resourceType, id));
    return subset.search(searchRequest);
  }
  /** As Medplum's, one search per reference, but through the index above. */
  override async searchByReference<T extends Resource>(
    searchRequest: SearchRequest<T>,
    field: string,
    references: string[],
  ): Promise<Record<string, WithId<T>[]>> {
    const out: Record<string, WithId<T>[]> = {};
    for (const reference of references) {
      const filters = [...(searchRequest.filters ?? []), { code: field, operator: Operator.EQUALS, value: reference }];
      const bundle = await this.search({ ...searchRequest, filters });
      out[reference] = (bundle.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
    }
    return out;
  }

  /** Writes recorded since the last call, in order, and whether a transaction failed; clears both. */
  takePending(): { ops: JournalOp[]; failedTransaction: boolean } {
    const out = { ops: this.pending, failedTransaction: this.failedTransaction };
    this.pending = [];
    this.failedTransaction = false;
    return out;
  }

  /** Replaces the store with the committed writes, as they were stored: same ids, versions, times. */
  async rebuild(groups: readonly (readonly JournalOp[])[]): Promise<number> {
    this.inner = new MemoryRepository();
    this.references.clear();
    this.pending = [];
    this.failedTransaction = false;
    let count = 0;
    for (const ops of groups) {
      for (const op of ops) {
        // MemoryRepository keeps the id and meta of a resource it is given: replay restores versions.
        if (op.op === 'put') this.references.put(await this.inner.createResource(op.resource));
        else {
          await this.inner.deleteResource(op.resourceType, op.id);
          this.references.remove(`${op.resourceType}/${op.id}`);
        }
        count++;
      }
    }
    return count;
  }

  private record<T extends Resource>(stored: WithId<T>): WithId<T> {
    this.references.put(stored);
    this.pending.push({ op: 'put', resource: stored });
    return stored;
  }
}
