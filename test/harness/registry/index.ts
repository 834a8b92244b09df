export { findFreePort } from './free-port.ts';
export { basicAuthorization, httpProbe, type ProbeResponse } from './http-probe.ts';
export {
  createTokenSigner,
  decodeJwt,
  type JwtAlgorithm,
  type TokenAccess,
  type TokenClaims,
  type TokenSigner,
} from './jwt.ts';
export {
  type BuildOciImageOptions,
  buildOciImage,
  clearImageCache,
  type FilesLayerSpec,
  type LayerSpec,
  type OciBlob,
  type OciImage,
  type RandomLayerSpec,
  TEST_IMAGE_SPECS,
} from './oci-image.ts';
export {
  type RecordedRequest,
  type RecordedResponse,
  type RecordingServer,
  type Responder,
  type StartRecordingServerOptions,
  startRecordingServer,
} from './recording-server.ts';
export {
  type RegistryAuthMode,
  type RegistryHandle,
  type RegistryUser,
  type StartRegistryOptions,
  startRegistry,
} from './registry-process.ts';
export { type CommandResult, runCommand } from './run-command.ts';
export {
  type AuthFileContent,
  dockerReference,
  pushImage,
  registryAccess,
  type SkopeoCopyOptions,
  type SkopeoCopyResult,
  type SkopeoInspectOptions,
  type SkopeoRegistryAccess,
  skopeoCopy,
  skopeoInspect,
  writeAuthFile,
} from './skopeo.ts';
export {
  createServerTls,
  createTestCa,
  issueServerCert,
  type ServerCert,
  type ServerTlsMaterial,
  type TestCa,
} from './tls.ts';
export {
  parseScope,
  REGISTRY_EXPIRY_LEEWAY_SECONDS,
  type StartTokenServerOptions,
  startTokenServer,
  type TokenRequestRecord,
  type TokenServer,
  type TokenServerBehaviour,
  type TokenServerUser,
} from './token-server.ts';
