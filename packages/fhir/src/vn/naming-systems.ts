/** Identifier systems of the draft Vietnam core implementation guide (hl7vn/vn-core-ig). */
export const vnNamingSystems = {
  /** Personal identification number (số định danh cá nhân); the master patient index key. */
  nationalId: 'http://fhir.ehealth.gov.vn/core/sid/national_id',
  /** Citizen identity card number (căn cước công dân), 12 digits. */
  citizenId: 'http://fhir.ehealth.gov.vn/core/sid/citizen_id',
  /** Health-insurance card number (mã thẻ BHYT), 15 characters. */
  insuranceNumber: 'http://fhir.ehealth.gov.vn/core/sid/insurance_number',
  passportNumber: 'http://fhir.ehealth.gov.vn/core/sid/passport_number',
  /** A facility's own patient number. */
  patientInternalId: 'http://fhir.ehealth.gov.vn/core/sid/patient-internal-id',
} as const;
