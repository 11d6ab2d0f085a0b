import type { Bundle } from '@medplum/fhirtypes';
import type { FhirResource } from '../../core/agents/clinical/types.js';

/** The resources of a request Bundle as plain JSON, the shape the clinical agents read. */
export function bundleResources(bundle: Bundle): FhirResource[] {
  return (bundle.entry ?? []).flatMap((e) => (e.resource ? [e.resource as unknown as FhirResource] : []));
}
