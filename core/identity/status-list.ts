import { fromBase64url, toBase64url } from '../common/encoding.js';
import { MurmurError } from '../common/errors.js';

/**
 * Revocation by status list, kept locally: each issuer has a bit string; bit i set means the
 * credential with `statusListIndex` i is revoked. Credentials point at it with a W3C
 * `BitstringStatusListEntry`. A verifier that does not hold the list fails closed.
 *
 * These lists hold what the charter was issued with. Later revocations travel over the board
 * as signed `Revocation` entries (core/access/revocation.ts overlays them on these lists as of
 * each entry's index), never as local edits, so every replica and audit re-fold agrees.
 */
export interface StatusEntry {
  id: string;
  type: 'BitstringStatusListEntry';
  statusPurpose: 'revocation';
  statusListIndex: string;
  statusListCredential: string;
}

export class StatusList {
  private bits: Uint8Array;
  private next = 0;

  constructor(
    readonly id: string,
    readonly issuer: string,
    readonly size = 16_384,
    bits?: Uint8Array,
    next = 0,
  ) {
    if (!/^[a-z][a-z0-9+.-]*:\S+$/i.test(id)) throw new MurmurError('E_INPUT', 'status list: id must be an absolute IRI', { field: 'id' });
    if (size % 8 !== 0 || size <= 0) throw new MurmurError('E_INPUT', 'status list: size must be a positive multiple of 8', { field: 'size' });
    this.bits = bits ? bits.slice() : new Uint8Array(size / 8);
    this.next = next;
  }

  /** Reserves the next index for a new credential and returns its status entry. */
  allocate(): StatusEntry {
    if (this.next >= this.size) throw new MurmurError('E_CONFLICT', 'status list is full; start a new list', { list: this.id });
    const index = this.next++;
    return {
      id: `${this.id}#${index}`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: String(index),
      statusListCredential: this.id,
    };
  }

  revoke(index: number): void {
    this.check(index);
    this.bits[index >> 3]! |= 1 << (index & 7);
  }

  isRevoked(index: number): boolean {
    this.check(index);
    return (this.bits[index >> 3]! & (1 << (index & 7))) !== 0;
  }

  toJSON(): { id: string; issuer: string; size: number; next: number; bits: string } {
    return { id: this.id, issuer: this.issuer, size: this.size, next: this.next, bits: toBase64url(this.bits) };
  }

  static fromJSON(json: { id: string; issuer: string; size: number; next: number; bits: string }): StatusList {
    return new StatusList(json.id, json.issuer, json.size, fromBase64url(json.bits), json.next);
  }

  private check(index: number): void {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.size) {
      throw new MurmurError('E_INPUT', 'status list: index out of range', { list: this.id, index });
    }
  }
}

/** The status lists a verifier holds, by list id. */
export class StatusRegistry {
  private readonly lists = new Map<string, StatusList>();

  put(list: StatusList): void {
    this.lists.set(list.id, list);
  }

  get(id: string): StatusList | undefined {
    return this.lists.get(id);
  }

  all(): StatusList[] {
    return [...this.lists.values()];
  }

  /**
   * 'revoked' | 'valid', or 'unknown' when the list is not held, the entry is malformed, or
   * the list belongs to another issuer than the credential's.
   */
  check(entry: unknown, issuer: string): 'valid' | 'revoked' | 'unknown' {
    if (typeof entry !== 'object' || entry === null) return 'unknown';
    const e = entry as Partial<StatusEntry>;
    if (e.type !== 'BitstringStatusListEntry' || e.statusPurpose !== 'revocation' || typeof e.statusListCredential !== 'string') return 'unknown';
    const list = this.lists.get(e.statusListCredential);
    const index = Number(e.statusListIndex);
    if (!list || list.issuer !== issuer || !Number.isSafeInteger(index) || index < 0 || index >= list.size) return 'unknown';
    return list.isRevoked(index) ? 'revoked' : 'valid';
  }
}
