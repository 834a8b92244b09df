#!/usr/bin/env node
import { builtinProviders } from '../builtin-providers.ts';
import { runCli } from '../main.ts';
import { processEnvironment } from '../process-environment.ts';

const providers = builtinProviders();
await runCli(process.argv.slice(2), processEnvironment(providers), providers);
