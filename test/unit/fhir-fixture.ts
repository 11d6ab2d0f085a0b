import type { Bundle, Resource } from '@medplum/fhirtypes';

/** Values that are PHI in the fixture: tests assert they never reach a message. */
export const FIXTURE_PHI = { family: 'Quillfeather', given: 'Ada', birthDate: '2025-09-14', mrn: 'MRN-77341' };

export const HCPCS = 'https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets';
export const U = {
  patient: 'urn:uuid:00000000-0000-4000-8000-000000000001',
  claim: 'urn:uuid:00000000-0000-4000-8000-000000000002',
  practitioner: 'urn:uuid:00000000-0000-4000-8000-000000000003',
  role: 'urn:uuid:00000000-0000-4000-8000-000000000004',
  insurer: 'urn:uuid:00000000-0000-4000-8000-000000000005',
  coverage: 'urn:uuid:00000000-0000-4000-8000-000000000006',
  condition: 'urn:uuid:00000000-0000-4000-8000-000000000007',
  titer: 'urn:uuid:00000000-0000-4000-8000-000000000008',
  alt: 'urn:uuid:00000000-0000-4000-8000-000000000009',
};

/** A small PAS request Bundle (type collection) for an SMA type 1 infant; a fresh copy per call. */
export function pasRequestBundle(): Bundle {
  const subject = { reference: U.patient };
  const resources: [string, Resource][] = [
    [
      U.claim,
      {
        resourceType: 'Claim',
        status: 'active',
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'professional' }] },
        use: 'preauthorization',
        patient: subject,
        created: '2026-01-05',
        insurer: { reference: U.insurer },
        provider: { reference: U.role },
        priority: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/processpriority', code: 'normal' }] },
        careTeam: [{ sequence: 1, provider: { reference: U.practitioner } }],
        diagnosis: [{ sequence: 1, diagnosisReference: { reference: U.condition } }],
        supportingInfo: [
          { sequence: 1, category: { text: 'lab result' }, valueReference: { reference: U.titer } },
          { sequence: 2, category: { text: 'lab result' }, valueReference: { reference: U.alt } },
        ],
        insurance: [{ sequence: 1, focal: true, coverage: { reference: U.coverage } }],
        item: [
          {
            sequence: 1,
            productOrService: { coding: [{ system: HCPCS, code: 'J3399', display: 'onasemnogene abeparvovec-xioi' }] },
            servicedDate: '2026-02-01',
            quantity: { value: 1 },
          },
        ],
      },
    ],
    [
      U.patient,
      {
        resourceType: 'Patient',
        identifier: [{ system: 'http://example.org/mrn', value: FIXTURE_PHI.mrn }],
        name: [{ family: FIXTURE_PHI.family, given: [FIXTURE_PHI.given] }],
        gender: 'female',
        birthDate: FIXTURE_PHI.birthDate,
      },
    ],
    [U.practitioner, { resourceType: 'Practitioner', name: [{ family: 'Okafor', given: ['Nneka'] }] }],
    [
      U.role,
      {
        resourceType: 'PractitionerRole',
        practitioner: { reference: U.practitioner },
        specialty: [
          {
            coding: [{ system: 'http://nucc.org/provider-taxonomy', code: '2084N0402X', display: 'Neurology with Special Qualifications in Child Neurology' }],
          },
        ],
      },
    ],
    [U.insurer, { resourceType: 'Organization', name: 'Northwind Health Plan' }],
    [U.coverage, { resourceType: 'Coverage', status: 'active', beneficiary: subject, payor: [{ reference: U.insurer }] }],
    [
      U.condition,
      {
        resourceType: 'Condition',
        subject,
        code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'G12.0', display: 'Infantile spinal muscular atrophy, type I' }] },
      },
    ],
    [
      U.titer,
      {
        resourceType: 'Observation',
        status: 'final',
        subject,
        code: { coding: [{ system: 'http://murmur.dev/fhir/CodeSystem/lab', code: 'anti-aav9-ab-titer' }] },
        valueRatio: { numerator: { value: 1 }, denominator: { value: 25 } },
      },
    ],
    [
      U.alt,
      {
        resourceType: 'Observation',
        status: 'final',
        subject,
        code: { coding: [{ system: 'http://loinc.org', code: '1742-6' }] },
        valueQuantity: { value: 31, unit: 'U/L' },
        referenceRange: [{ high: { value: 45, unit: 'U/L' } }],
      },
    ],
  ];
  return { resourceType: 'Bundle', type: 'collection', entry: resources.map(([fullUrl, resource]) => ({ fullUrl, resource })) };
}

/** The Bundle's resource at `fullUrl`, for a test to break it. */
export function entryOf(bundle: Bundle, fullUrl: string): Record<string, unknown> {
  return bundle.entry!.find((e) => e.fullUrl === fullUrl)!.resource as unknown as Record<string, unknown>;
}
