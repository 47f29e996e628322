import { serveValidationThread } from '../../lib/manifests/validation-threads'
import { runningAsWorkerThread } from '../../lib/worker-thread'
import { run } from './main'

// Large inputs are spread over worker threads, which start this same script.
if (runningAsWorkerThread()) serveValidationThread()
else run()
