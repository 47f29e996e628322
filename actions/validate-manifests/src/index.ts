import { isMainThread } from 'node:worker_threads'
import { serveValidationThread } from '../../lib/manifests/validation-threads'
import { run } from './main'

// Large inputs are spread over worker threads, which start this same script.
if (isMainThread) run()
else serveValidationThread()
