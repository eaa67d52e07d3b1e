/** Writes the generated OpenAPI types to the test fixture: `pnpm openapi:types`. */
import { writeFile } from 'node:fs/promises'
import { buildOpenApiDocument } from '../../src/openapi/document.js'
import { generateOpenApiTypes, OPENAPI_TYPES_FIXTURE } from './openapi-types.js'

const types = await generateOpenApiTypes(buildOpenApiDocument())
await writeFile(OPENAPI_TYPES_FIXTURE, types)
process.stdout.write(`wrote ${OPENAPI_TYPES_FIXTURE}\n`)
