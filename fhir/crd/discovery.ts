/**
 * The CDS Hooks discovery document of the payer's CRD service: the two order hooks, with the
 * prefetch CRD asks of the EHR (the patient and the patient's active coverage).
 */
export const CRD_SERVICES = { 'order-sign': 'murmur-crd-order-sign', 'order-select': 'murmur-crd-order-select' } as const;
export type CrdHook = keyof typeof CRD_SERVICES;

const PREFETCH = {
  patient: 'Patient/{{context.patientId}}',
  coverage: 'Coverage?patient={{context.patientId}}&status=active',
} as const;

export function crdDiscovery(payer: string): { services: unknown[] } {
  return {
    services: [
      {
        hook: 'order-sign',
        id: CRD_SERVICES['order-sign'],
        title: `${payer} coverage requirements (order sign)`,
        description:
          "Whether prior authorization and documentation are needed for the orders being signed, and the questionnaire to fill, from the payer's coverage policies.",
        prefetch: PREFETCH,
      },
      {
        hook: 'order-select',
        id: CRD_SERVICES['order-select'],
        title: `${payer} coverage requirements (order select)`,
        description: 'Early notice of prior authorization and documentation for the selected orders, from the same policies.',
        prefetch: PREFETCH,
      },
    ],
  };
}

/** The hook a service id names, if it is one of ours. */
export function hookOfService(id: string): CrdHook | undefined {
  return (Object.keys(CRD_SERVICES) as CrdHook[]).find((h) => CRD_SERVICES[h] === id);
}
