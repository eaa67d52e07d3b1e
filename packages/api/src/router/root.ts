import { createCallerFactory, router } from '../trpc/init.js'
import { organizationsRouter } from './organizations.js'

export const appRouter = router({
  organizations: organizationsRouter,
})

export type AppRouter = typeof appRouter

/** Calls procedures in-process: `createCaller(createContext(dependencies, request))`. */
export const createCaller = createCallerFactory(appRouter)
