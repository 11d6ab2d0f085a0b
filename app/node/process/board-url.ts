import { join } from 'node:path';
import { EtcdBoardStore } from '../../../core/board/etcd-store.js';
import { RemoteBoardStore } from '../../../core/board/remote-store.js';
import type { BoardStore } from '../../../core/board/store.js';
import { isMurmurError, MurmurError } from '../../../core/common/errors.js';
import type { Logger } from '../../../core/common/log.js';
import type { Signer } from '../../../core/crypto/signing.js';

/**
 * Opens the board a node was pointed at:
 * - `etcd://host:port,host:port[/prefix]`: the distributed board (any member's client URL;
 *   list them all so the client fails over), mirrored to `<dataDir>/board-archive.db`;
 * - `http(s)://host:port`: a board service (another node's SQLite board), authenticated by
 *   signing its challenge with `signer` (one of this organization's agents).
 */
export async function openBoard(url: string, o: { dataDir: string; signer: Signer; logger?: Logger; replica?: string }): Promise<BoardStore> {
  if (url.startsWith('etcd://')) {
    const rest = url.slice('etcd://'.length);
    const slash = rest.indexOf('/');
    const hosts = (slash < 0 ? rest : rest.slice(0, slash)).split(',').filter(Boolean);
    const prefix = slash < 0 ? undefined : `${rest.slice(slash + 1).replace(/\/?$/, '/')}`;
    return EtcdBoardStore.open({
      hosts,
      archivePath: join(o.dataDir, 'board-archive.db'),
      ...(prefix && prefix !== '/' ? { prefix } : {}),
      ...(o.replica !== undefined ? { replica: o.replica } : {}),
    });
  }
  if (/^https?:\/\//.test(url)) {
    // What the client works past (a dropped event stream, a read tried again) is logged: its kind only.
    const onError = (e: unknown): void =>
      o.logger?.log('warn', 'board.remote-retry', { error: e instanceof Error ? e.name : 'unknown', code: isMurmurError(e) ? e.code : null });
    return RemoteBoardStore.connect({ url, signer: o.signer, onError });
  }
  throw new MurmurError('E_INPUT', 'board: must be etcd://host:port[,host:port...] or http(s)://board-service', { field: 'board' });
}
