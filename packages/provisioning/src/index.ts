export {
  type ProvisionedOrganization,
  type ProvisionInput,
  type ProvisioningDependencies,
  type ProvisioningFailure,
  type ProvisionRequest,
  type ProvisionResult,
  provisionOrganization,
} from './provision.js'
