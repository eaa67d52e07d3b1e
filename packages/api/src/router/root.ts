import { createCallerFactory, router } from '../trpc/init.js'
import { jurisdictionsRouter } from './jurisdictions.js'
import { organizationsRouter } from './organizations.js'

export const appRouter = router({
  jurisdictions: jurisdictionsRouter,
  organizations: organizationsRouter,
})

export type AppRouter = typeof appRouter

/** Calls procedures in-process: `createCaller(createContext(dependencies, request))`. */
export const createCaller = createCallerFactory(appRouter)
