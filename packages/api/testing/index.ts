export { type DatabaseTarget, databaseTargets, postgresUrl } from './databases.js'
export { testDependencies } from './dependencies.js'
export {
  operatorClaims,
  startTestIssuer,
  TEST_AUDIENCE,
  type TestIssuer,
  type TokenOptions,
} from './issuer.js'
