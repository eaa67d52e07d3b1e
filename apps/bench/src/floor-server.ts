/**
 * The floor server: Fastify alone, and Fastify with tRPC's official adapter, each returning a
 * constant with no logging, no token verification and no database. The difference between the
 * two is what the tRPC adapter costs per request before a procedure does any work.
 */
import { initTRPC } from '@trpc/server'
import { fastifyTRPCPlugin } from '@trpc/server/adapters/fastify'
import Fastify from 'fastify'

// The shape and size of an organisation, as the reads return it.
const CONSTANT = {
  id: '0b9f2d4e-5c1a-4e8b-9a57-3f6d2c1b8e90',
  name: 'Lambeth Primary Care Network',
  typeCode: 'commissioner',
  jurisdictionId: 'jur_uk_eng',
  active: true,
}

const t = initTRPC.create()
const router = t.router({ constant: t.procedure.query(() => CONSTANT) })

const app = Fastify({ logger: false, routerOptions: { maxParamLength: 8_192 } })
app.get('/healthz', async () => ({ status: 'ok' }))
app.get('/constant', async () => CONSTANT)
await app.register(fastifyTRPCPlugin, { prefix: '/trpc', trpcOptions: { router } })

const close = () => {
  app.close().finally(() => process.exit(0))
}
process.once('SIGTERM', close)
process.once('SIGINT', close)

await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' })
