/** The local issuer's RSA signing key, created once and kept under DATA_DIR. */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import {
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
} from 'jose'

export const LOCAL_ALGORITHM = 'RS256'

export interface SigningKey {
  readonly kid: string
  readonly privateKey: CryptoKey
  /** Public half, as published in the JWKS. */
  readonly publicJwk: JWK
}

/** Loads the key from `path`, or generates a 2048-bit RSA key and writes it there (mode 0600). */
export async function loadOrCreateSigningKey(path: string): Promise<SigningKey> {
  const stored = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') {
      return undefined
    }
    throw error
  })
  if (stored !== undefined) {
    return fromPrivateJwk(parseStoredKey(stored, path))
  }

  const { privateKey } = await generateKeyPair(LOCAL_ALGORITHM, {
    extractable: true,
    modulusLength: 2048,
  })
  const privateJwk = await exportJWK(privateKey)
  privateJwk.kid = await calculateJwkThumbprint(privateJwk)
  privateJwk.alg = LOCAL_ALGORITHM
  privateJwk.use = 'sig'

  await mkdir(dirname(path), { recursive: true, mode: 0o700 })
  await writeFile(path, `${JSON.stringify(privateJwk)}\n`, { mode: 0o600, flag: 'wx' }).catch(
    async (error: NodeJS.ErrnoException) => {
      // Another process created the key first; use that one.
      if (error.code !== 'EEXIST') {
        throw error
      }
    },
  )
  await chmod(path, 0o600)
  return fromPrivateJwk(parseStoredKey(await readFile(path, 'utf8'), path))
}

function parseStoredKey(text: string, path: string): JWK {
  try {
    const jwk = JSON.parse(text) as JWK
    if (jwk.kty === 'RSA' && typeof jwk.d === 'string' && typeof jwk.kid === 'string') {
      return jwk
    }
  } catch {
    // Reported below with the fix.
  }
  throw new Error(
    `the local issuer key at ${path} is not a private RSA JWK; delete the file to create a new key`,
  )
}

async function fromPrivateJwk(jwk: JWK): Promise<SigningKey> {
  const privateKey = (await importJWK(jwk, LOCAL_ALGORITHM)) as CryptoKey
  const { kty, n, e, kid } = jwk
  return {
    kid: kid as string,
    privateKey,
    publicJwk: { kty, n, e, kid, alg: LOCAL_ALGORITHM, use: 'sig' },
  }
}
