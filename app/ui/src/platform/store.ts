import type { BoardEntryView, CaseView, LogLine, ProgressView, Session } from '../../../node/console/protocol.js';
import type { Api } from './api.js';

export type Topic = 'session' | 'cases' | 'board' | 'progress' | 'logs' | 'connection';

/**
 * The console's live model: what the server sent, kept current by its event stream. Views
 * subscribe to topics and re-render; they never poll.
 */
export class Store {
  session!: Session;
  cases: CaseView[] = [];
  board: BoardEntryView[] = [];
  progress = new Map<string, ProgressView>();
  logs: LogLine[] = [];
  connected = false;
  private readonly listeners = new Map<Topic, Set<() => void>>();
  private refreshTimer: number | undefined;

  constructor(readonly api: Api) {}

  on(topic: Topic, listener: () => void): () => void {
    const set = this.listeners.get(topic) ?? new Set();
    set.add(listener);
    this.listeners.set(topic, set);
    return () => set.delete(listener);
  }

  emit(topic: Topic): void {
    for (const l of [...(this.listeners.get(topic) ?? [])]) l();
  }

  async start(): Promise<void> {
    this.session = await this.api.get<Session>('session');
    const [cases, board, progress, logs] = await Promise.all([
      this.api.get<CaseView[]>('cases'),
      this.api.get<BoardEntryView[]>('board'),
      this.api.get<ProgressView[]>('progress'),
      this.api.get<LogLine[]>('logs'),
    ]);
    this.cases = cases;
    this.board = board;
    for (const p of progress) this.progress.set(p.id, p);
    this.logs = logs;
    this.connect();
  }

  caseById(id: string): CaseView | undefined {
    return this.cases.find((c) => c.id === id);
  }

  private connect(): void {
    const source = new EventSource(this.api.url('events'));
    source.onopen = () => {
      this.connected = true;
      this.emit('connection');
    };
    source.onerror = () => {
      this.connected = false;
      this.emit('connection');
    };
    source.addEventListener('record', (e) => {
      const entry = JSON.parse((e as MessageEvent<string>).data) as BoardEntryView;
      if (this.board.some((b) => b.index === entry.index)) return;
      this.board.push(entry);
      this.emit('board');
      if (entry.case) this.refreshCases();
    });
    source.addEventListener('progress', (e) => {
      const p = JSON.parse((e as MessageEvent<string>).data) as ProgressView;
      this.progress.set(p.id, p);
      this.emit('progress');
    });
    source.addEventListener('log', (e) => {
      this.logs.push(JSON.parse((e as MessageEvent<string>).data) as LogLine);
      if (this.logs.length > 2000) this.logs.splice(0, this.logs.length - 2000);
      this.emit('logs');
    });
  }

  /** Case state changes with entries; fetch it at most every 150 ms while entries stream in. */
  refreshCases(): void {
    if (this.refreshTimer !== undefined) return;
    this.refreshTimer = window.setTimeout(() => {
      this.refreshTimer = undefined;
      void this.api.get<CaseView[]>('cases').then((cases) => {
        this.cases = cases;
        this.emit('cases');
      });
    }, 150);
  }
}
