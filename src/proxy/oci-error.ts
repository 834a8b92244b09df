/** OCI distribution error codes the proxy answers with (distribution spec, "Error Codes"). */
export type OciErrorCode =
  | 'UNAUTHORIZED'
  | 'DENIED'
  | 'NAME_UNKNOWN'
  | 'NAME_INVALID'
  | 'MANIFEST_UNKNOWN'
  | 'MANIFEST_INVALID'
  | 'BLOB_UNKNOWN'
  | 'DIGEST_INVALID'
  | 'TAG_INVALID'
  | 'UNSUPPORTED'
  | 'TOOMANYREQUESTS'
  | 'UNKNOWN';

/** A refusal or failure the proxy reports to its client as an OCI error body. */
export class OciError extends Error {
  readonly status: number;
  readonly ociCode: OciErrorCode;
  /** Extra response headers (e.g. `retry-after`), already validated. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, ociCode: OciErrorCode, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'OciError';
    this.status = status;
    this.ociCode = ociCode;
    this.headers = headers;
  }

  /** `{"errors":[{"code":…,"message":…}]}` */
  body(): string {
    return JSON.stringify({ errors: [{ code: this.ociCode, message: this.message }] });
  }
}
