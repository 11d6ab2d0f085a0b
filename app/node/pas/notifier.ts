import type { Bundle, BundleEntry, Parameters, Subscription } from '@medplum/fhirtypes';
import type { Clock } from '../../../core/common/clock.js';
import { systemClock } from '../../../core/common/clock.js';
import { retry } from '../../../core/common/concurrency.js';
import { errorMessage } from '../../../core/common/errors.js';
import type { Logger } from '../../../core/common/log.js';
import { silentLogger } from '../../../core/common/log.js';
import type { PasRecords, SubscriptionRecord } from './records.js';
import { endpointRegistered } from '../../../fhir/smart/client-registry.js';

export { PAS_TOPIC } from '../../../fhir/pas/capability.js';
import { PAS_TOPIC } from '../../../fhir/pas/capability.js';

export interface NotifierOptions {
  records: PasRecords;
  /** The network, injected (tests count calls, fail them, or answer them slowly). */
  fetch?: typeof fetch;
  clock?: Clock;
  /** Waits before attempt 2, 3, …; the last entry repeats. Default 1 s, 5 s, 30 s, 2 min. */
  backoffMs?: readonly number[];
  /** Attempts per notification before the subscription is set to `error`. */
  maxAttempts?: number;
  /** Per-attempt time limit. */
  timeoutMs?: number;
  /** Timers, injected (heartbeats are periodic). */
  timers?: { setTimeout: (fn: () => void, ms: number) => unknown; clearTimeout: (t: unknown) => void };
  baseUrl: string;
  logger?: Logger;
}

export interface Notifier {
  /** Sends a case's new answer to the client's subscriptions whose org-identifier filter admits the requesting organization. */
  notify(clientId: string, caseId: string, answer: Bundle, orgIdentifiers?: readonly string[]): void;
  /** The backport handshake: one POST of a `handshake` notification; true when the endpoint took it (2xx). */
  handshake(sub: SubscriptionRecord): Promise<boolean>;
  /** Starts the subscription's heartbeats (when it asks for a heartbeatPeriod). */
  watch(sub: SubscriptionRecord): void;
  /** Stops them (the subscription was deleted). */
  unwatch(id: string): void;
  /** Resolves once every notification started so far has been delivered or given up. */
  idle(): Promise<void>;
  /** Stops retrying (a pending retry ends unsent; its earlier attempts stay on record). */
  close(): Promise<void>;
}

/**
 * rest-hook delivery of case updates: one `event-notification` Bundle (type history: a
 * SubscriptionStatus Parameters, then the ClaimResponse answer's resources) per event and
 * subscription, POSTed with the subscription's headers. Failed attempts are retried with
 * backoff; every attempt is recorded; after the last the subscription goes to `error`, as the
 * backport says, and the submitter can still $inquire.
 */
/** An attempt that did not reach the endpoint (or was refused): retried after the next backoff. */
class Undelivered extends Error {}

export function restHookNotifier(o: NotifierOptions): Notifier {
  const send = o.fetch ?? fetch;
  const clock = o.clock ?? systemClock;
  const backoff = o.backoffMs ?? [1_000, 5_000, 30_000, 120_000];
  const maxAttempts = o.maxAttempts ?? 5;
  const logger = o.logger ?? silentLogger;
  const inFlight = new Set<Promise<void>>();
  let closed = false;
  const wakers = new Set<() => void>();
  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const done = (): void => (clearTimeout(timer), wakers.delete(done), resolve());
      const timer = setTimeout(done, ms);
      wakers.add(done);
    });

  const timers = o.timers ?? {
    setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms).unref(),
    clearTimeout: (t: unknown) => clearTimeout(t as NodeJS.Timeout),
  };
  const beats = new Map<string, { timer: unknown; lastSent: number }>();

  /** One POST of a notification Bundle to the subscription's endpoint: the HTTP status, 0 when unreachable. */
  async function post(sub: SubscriptionRecord, bundle: Bundle, attempt: number): Promise<number> {
    const headers: Record<string, string> = { 'content-type': 'application/fhir+json' };
    for (const h of sub.resource.channel.header ?? []) {
      const i = h.indexOf(':');
      if (i > 0) headers[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
    }
    const beat = beats.get(sub.id);
    if (beat) beat.lastSent = clock.now();
    try {
      // No redirects: a registered endpoint must not forward PHI somewhere unregistered.
      const res = await send(sub.resource.channel.endpoint!, {
        method: 'POST',
        headers,
        body: JSON.stringify(bundle),
        redirect: 'manual',
        signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
      });
      await res.body?.cancel();
      return res.status;
    } catch (e) {
      logger.log('warn', 'pas.notify-unreachable', { subscription: sub.id, attempt, error: errorMessage(e).slice(0, 120) });
      return 0;
    }
  }

  async function deliver(sub: SubscriptionRecord, caseId: string, answer: Bundle): Promise<void> {
    const event = o.records.nextEvent(sub.id);
    const bundle = notificationBundle(o.baseUrl, sub, event, answer);
    // Each failed attempt throws Undelivered so retry waits the next backoff; the last is recorded and kept.
    await retry(
      'notification',
      async (attempt) => {
        if (closed) return;
        const status = await post(sub, bundle, attempt);
        const delivered = status >= 200 && status < 300;
        const last = attempt === maxAttempts;
        o.records.addDelivery({
          subscription: sub.id,
          caseId,
          event,
          attempt,
          at: clock.now(),
          status,
          outcome: delivered ? 'delivered' : last ? 'gave-up' : 'failed',
        });
        if (delivered) {
          if (sub.status === 'error') o.records.setSubscriptionStatus(sub.id, 'active');
          return;
        }
        if (last) return o.records.setSubscriptionStatus(sub.id, 'error');
        throw new Undelivered();
      },
      { delaysMs: backoff, clock: { now: () => clock.now(), sleep }, stopped: () => closed, giveUp: (e) => e as Error },
    ).catch((e: unknown) => {
      // Closed while a retry was pending: it ends unsent, its earlier attempts on record.
      if (!(e instanceof Undelivered)) throw e;
    });
  }

  function track(p: Promise<void>): void {
    const q = p.finally(() => inFlight.delete(q));
    inFlight.add(q);
  }

  /** A heartbeat when nothing was sent for a period; rescheduled until the subscription is unwatched. */
  function schedule(id: string, periodMs: number): void {
    const beat = beats.get(id);
    if (!beat || closed) return;
    beat.timer = timers.setTimeout(() => {
      const sub = o.records.subscription(id);
      if (!sub || sub.status === 'off' || !beats.has(id)) return void beats.delete(id);
      if (clock.now() - beat.lastSent >= periodMs) track(post(sub, statusBundle(o.baseUrl, sub, 'heartbeat'), 1).then(() => undefined));
      schedule(id, periodMs);
    }, periodMs);
  }

  return {
    notify(clientId, caseId, answer, orgIdentifiers = []) {
      for (const sub of o.records.subscriptionsOf(clientId)) {
        if (sub.status === 'requested' || !filterAdmits(sub.resource, orgIdentifiers)) continue;
        track(deliver(sub, caseId, answer));
      }
    },
    async handshake(sub) {
      const status = await post(sub, statusBundle(o.baseUrl, sub, 'handshake'), 1);
      const ok = status >= 200 && status < 300;
      o.records.addDelivery({ subscription: sub.id, caseId: '', event: 0, attempt: 1, at: clock.now(), status, outcome: ok ? 'delivered' : 'gave-up' });
      return ok;
    },
    watch(sub) {
      const period = heartbeatPeriodS(sub.resource);
      if (!period || beats.has(sub.id)) return;
      beats.set(sub.id, { timer: undefined, lastSent: clock.now() });
      schedule(sub.id, period * 1000);
    },
    unwatch(id) {
      const beat = beats.get(id);
      if (beat) timers.clearTimeout(beat.timer);
      beats.delete(id);
    },
    async idle() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
    async close() {
      closed = true;
      for (const id of [...beats.keys()]) this.unwatch(id);
      for (const wake of [...wakers]) wake();
      await this.idle();
    },
  };
}

/** A backport `event-notification` (full-resource payload) for one event of one subscription. */
export function notificationBundle(baseUrl: string, sub: SubscriptionRecord, event: number, answer: Bundle): Bundle {
  const focus = answer.entry?.[0];
  const status: Parameters = {
    resourceType: 'Parameters',
    parameter: [
      { name: 'subscription', valueReference: { reference: `${baseUrl}/Subscription/${sub.id}` } },
      { name: 'topic', valueCanonical: PAS_TOPIC },
      { name: 'status', valueCode: 'active' },
      { name: 'type', valueCode: 'event-notification' },
      { name: 'events-since-subscription-start', valueString: String(event) },
      {
        name: 'notification-event',
        part: [
          { name: 'event-number', valueString: String(event) },
          { name: 'timestamp', valueInstant: new Date().toISOString() },
          ...(focus?.fullUrl ? [{ name: 'focus', valueReference: { reference: focus.fullUrl } }] : []),
        ],
      },
    ],
  };
  const entries: BundleEntry[] = [
    {
      fullUrl: `urn:uuid:subscription-status-${sub.id}-${event}`,
      resource: status,
      request: { method: 'GET', url: `Subscription/${sub.id}/$status` },
      response: { status: '200' },
    },
    ...(answer.entry ?? []).map((e) => ({ ...e, request: { method: 'PUT' as const, url: e.resource!.resourceType }, response: { status: '200' } })),
  ];
  return { resourceType: 'Bundle', type: 'history', timestamp: new Date().toISOString(), entry: entries };
}

/** A backport notification with no event (`handshake` on create, `heartbeat` when idle): the SubscriptionStatus alone. */
export function statusBundle(baseUrl: string, sub: SubscriptionRecord, type: 'handshake' | 'heartbeat'): Bundle {
  const status: Parameters = {
    resourceType: 'Parameters',
    parameter: [
      { name: 'subscription', valueReference: { reference: `${baseUrl}/Subscription/${sub.id}` } },
      { name: 'topic', valueCanonical: PAS_TOPIC },
      { name: 'status', valueCode: type === 'handshake' ? 'requested' : 'active' },
      { name: 'type', valueCode: type },
      { name: 'events-since-subscription-start', valueString: String(sub.events) },
    ],
  };
  return {
    resourceType: 'Bundle',
    type: 'history',
    timestamp: new Date().toISOString(),
    entry: [
      {
        fullUrl: `urn:uuid:subscription-status-${sub.id}-${type}`,
        resource: status,
        request: { method: 'GET', url: `Subscription/${sub.id}/$status` },
        response: { status: '200' },
      },
    ],
  };
}

const BACKPORT = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition';
export const FILTER_CRITERIA = `${BACKPORT}/backport-filter-criteria`;
export const HEARTBEAT_PERIOD = `${BACKPORT}/backport-heartbeat-period`;
/** The PAS topic's filter: the requesting organization's identifier (`org-identifier`; the topic's canFilterBy calls it orgIdentifier). */
const ORG_FILTER = /^(?:ClaimResponse\?)?(?:org-identifier|orgIdentifier)=([^\s&]{1,200})$/;

/** The org-identifier filters of a Subscription (`_criteria` backport-filter-criteria), as `system|value` or `value`. */
export function orgFilters(s: Subscription): string[] {
  const ext = (s as Subscription & { _criteria?: { extension?: { url: string; valueString?: string }[] } })._criteria?.extension ?? [];
  return ext
    .filter((e) => e.url === FILTER_CRITERIA)
    .flatMap((e) => {
      const m = ORG_FILTER.exec(e.valueString ?? '');
      return m ? [decodeURIComponent(m[1]!)] : [];
    });
}

/** Whether the subscription's filter admits a case of the organization with these identifiers (`system|value`). */
function filterAdmits(s: Subscription, orgIdentifiers: readonly string[]): boolean {
  const filters = orgFilters(s);
  return filters.some((f) => orgIdentifiers.some((id) => id === f || (!f.includes('|') && id.split('|')[1] === f)));
}

function heartbeatPeriodS(s: Subscription): number | undefined {
  const v = s.channel.extension?.find((e) => e.url === HEARTBEAT_PERIOD)?.valueUnsignedInt;
  return typeof v === 'number' && v > 0 ? v : undefined;
}

/** Why a Subscription is refused, naming the element; undefined when it is one this payer serves. */
export function subscriptionProblem(s: Subscription, registered: readonly string[]): { path: string; text: string; forbidden?: true } | undefined {
  if (s.channel?.type !== 'rest-hook') return { path: 'Subscription.channel.type', text: 'only rest-hook channels are supported' };
  const endpoint = s.channel.endpoint ?? '';
  if (!/^https?:\/\/[^\s]+$/.test(endpoint)) return { path: 'Subscription.channel.endpoint', text: 'must be an http(s) URL' };
  // Notifications carry PHI and are sent by the payer's own network: only to where the client
  // registered (https, or loopback for a demo), never to an address a token holder picks.
  if (!endpointRegistered(endpoint, registered)) {
    return {
      path: 'Subscription.channel.endpoint',
      text: registered.length
        ? 'is not under a notification endpoint registered for this client'
        : 'cannot be used: this client has no notification endpoint registered',
      forbidden: true,
    };
  }
  if (s.channel.payload !== undefined && s.channel.payload !== 'application/fhir+json') {
    return { path: 'Subscription.channel.payload', text: 'only application/fhir+json (full resources) is sent' };
  }
  if (s.criteria !== PAS_TOPIC && !s.criteria?.startsWith('ClaimResponse')) {
    return { path: 'Subscription.criteria', text: `must be the PAS topic (${PAS_TOPIC}) or a ClaimResponse criteria` };
  }
  const criteria =
    (s as Subscription & { _criteria?: { extension?: { url: string; valueString?: string }[] } })._criteria?.extension?.filter(
      (e) => e.url === FILTER_CRITERIA,
    ) ?? [];
  if (criteria.length === 0 || orgFilters(s).length !== criteria.length) {
    return {
      path: 'Subscription._criteria.extension',
      text: `needs the PAS topic's filter criteria (${FILTER_CRITERIA}): "org-identifier=" and the requesting organization's identifier (system|value)`,
    };
  }
  const period = s.channel.extension?.find((e) => e.url === HEARTBEAT_PERIOD);
  if (period && !(Number.isInteger(period.valueUnsignedInt) && period.valueUnsignedInt! >= 1 && period.valueUnsignedInt! <= 86_400)) {
    return { path: 'Subscription.channel.extension', text: 'the heartbeat period is a whole number of seconds from 1 to 86400' };
  }
  if ((s.channel.header ?? []).some((h) => !/^[A-Za-z0-9-]{1,64}:\s?[^\r\n]{0,1024}$/.test(h))) {
    return { path: 'Subscription.channel.header', text: 'each header must be "Name: value" on one line' };
  }
  return undefined;
}
