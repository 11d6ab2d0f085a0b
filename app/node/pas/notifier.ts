import type { Bundle, BundleEntry, Parameters, Subscription } from '@medplum/fhirtypes';
import type { Clock } from '../../../core/common/clock.js';
import { systemClock } from '../../../core/common/clock.js';
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
  baseUrl: string;
  logger?: Logger;
}

export interface Notifier {
  notify(clientId: string, caseId: string, answer: Bundle): void;
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

  async function deliver(sub: SubscriptionRecord, caseId: string, answer: Bundle): Promise<void> {
    const event = o.records.nextEvent(sub.id);
    const body = JSON.stringify(notificationBundle(o.baseUrl, sub, event, answer));
    const headers: Record<string, string> = { 'content-type': 'application/fhir+json' };
    for (const h of sub.resource.channel.header ?? []) {
      const i = h.indexOf(':');
      if (i > 0) headers[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
    }
    for (let attempt = 1; attempt <= maxAttempts && !closed; attempt++) {
      let status = 0;
      try {
        // No redirects: a registered endpoint must not forward PHI somewhere unregistered.
        const res = await send(sub.resource.channel.endpoint!, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(o.timeoutMs ?? 10_000) });
        status = res.status;
        await res.body?.cancel();
      } catch (e) {
        logger.log('warn', 'pas.notify-unreachable', { subscription: sub.id, attempt, error: errorMessage(e).slice(0, 120) });
      }
      const delivered = status >= 200 && status < 300;
      const last = attempt === maxAttempts;
      o.records.addDelivery({ subscription: sub.id, caseId, event, attempt, at: clock.now(), status, outcome: delivered ? 'delivered' : last ? 'gave-up' : 'failed' });
      if (delivered) {
        if (sub.status === 'error') o.records.setSubscriptionStatus(sub.id, 'active');
        return;
      }
      if (last) {
        o.records.setSubscriptionStatus(sub.id, 'error');
        return;
      }
      await sleep(backoff[Math.min(attempt - 1, backoff.length - 1)]!);
    }
  }

  return {
    notify(clientId, caseId, answer) {
      for (const sub of o.records.subscriptionsOf(clientId)) {
        const p = deliver(sub, caseId, answer).finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
    },
    async idle() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
    async close() {
      closed = true;
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
    { fullUrl: `urn:uuid:subscription-status-${sub.id}-${event}`, resource: status, request: { method: 'GET', url: `Subscription/${sub.id}/$status` }, response: { status: '200' } },
    ...(answer.entry ?? []).map((e) => ({ ...e, request: { method: 'PUT' as const, url: e.resource!.resourceType }, response: { status: '200' } })),
  ];
  return { resourceType: 'Bundle', type: 'history', timestamp: new Date().toISOString(), entry: entries };
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
      text: registered.length ? 'is not under a notification endpoint registered for this client' : 'cannot be used: this client has no notification endpoint registered',
      forbidden: true,
    };
  }
  if (s.channel.payload !== undefined && s.channel.payload !== 'application/fhir+json') {
    return { path: 'Subscription.channel.payload', text: 'only application/fhir+json (full resources) is sent' };
  }
  if (s.criteria !== PAS_TOPIC && !s.criteria?.startsWith('ClaimResponse')) {
    return { path: 'Subscription.criteria', text: `must be the PAS topic (${PAS_TOPIC}) or a ClaimResponse criteria` };
  }
  if ((s.channel.header ?? []).some((h) => !/^[A-Za-z0-9-]{1,64}:\s?[^\r\n]{0,1024}$/.test(h))) {
    return { path: 'Subscription.channel.header', text: 'each header must be "Name: value" on one line' };
  }
  return undefined;
}
