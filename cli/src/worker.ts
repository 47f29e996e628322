import { workerData } from 'node:worker_threads'
import {
  isThreadRequest,
  serveValidationThread,
} from '../../actions/lib/manifests/validation-threads'

/** Runs the share of work a command's worker thread was started for. */
export async function serveWorker(): Promise<void> {
  if (isThreadRequest(workerData)) await serveValidationThread()
}
