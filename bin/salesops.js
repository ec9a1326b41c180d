#!/usr/bin/env node
// Runs the TypeScript CLI directly (tsx), so `npx salesops …` needs no build step.
import { register } from 'tsx/esm/api';

register();
await import('../cli.ts');
