/**
 * FHIR R4 (4.0.1) for Mekong: TypeScript types and zod schemas generated from the official
 * StructureDefinitions, a validator that reports every problem with its path, and Vietnam's identifiers.
 *
 * @packageDocumentation
 */
export * from './generated/datatypes.js';
export * from './generated/primitives.js';
export * from './generated/resource-types.js';
export * from './generated/resources/index.js';
export type { SearchParameterDefinition } from './generated/search-parameters.js';
export { searchParameters } from './generated/search-parameters.js';
export type { AnyResource } from './model/any-resource.js';
export { AnyResourceSchema } from './model/any-resource.js';
export { closestNames } from './model/closest-names.js';
export type { ElementPath, ElementPathError, ElementPathResolution } from './model/element-paths.js';
export { resolveElementPath } from './model/element-paths.js';
export { foldText } from './text/fold-text.js';
export type { ResourceOf, ValidationIssue, ValidationResult } from './validation/validate.js';
export {
  FhirValidationError,
  MAX_VALIDATION_ISSUES,
  parseResource,
  toOperationOutcome,
  validateResource,
} from './validation/validate.js';
export type { CitizenId, IdentifierParse } from './vn/citizen-id.js';
export { parseCitizenId } from './vn/citizen-id.js';
export { vietnamIdentifierIssues } from './vn/identifier-issues.js';
export type { InsuranceCard } from './vn/insurance-card.js';
export { NON_PROVINCE_ISSUERS, parseInsuranceCard } from './vn/insurance-card.js';
export { vnNamingSystems } from './vn/naming-systems.js';
export { VN_PROVINCES } from './vn/provinces.js';
