import type { ServerResponse } from 'node:http';
import type { OciError } from './oci-error.ts';

/** Writes an OCI error straight to the Node response (no body for HEAD; Node drops it). */
export function writeOciError(res: ServerResponse, error: OciError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = error.body();
  res.writeHead(error.status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    'docker-distribution-api-version': 'registry/2.0',
    ...error.headers,
  });
  res.end(body);
}
