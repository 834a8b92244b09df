#!/usr/bin/env node
import { builtinProviders } from '../builtin-providers.ts';
import { runCredentialHelper } from '../commands/credential-helper.ts';
import { processEnvironment } from '../process-environment.ts';

// docker, podman and skopeo call `docker-credential-regcred <action>`; the config comes from
// REGCRED_CONFIG or the default paths, since they pass no flags.
const env = processEnvironment(builtinProviders());
await runCredentialHelper(process.argv[2] ?? '', env);
