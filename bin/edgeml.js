#!/usr/bin/env node
// The `edgeml` command: runs the TypeScript CLI through tsx's loader.
import { register } from 'tsx/esm/api';

register();
await import('../host/cli/main.ts');
