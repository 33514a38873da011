#!/usr/bin/env node
/**
 * The `queuefeed` executable. Exit codes: 0 success, 1 failure, 2 bad option or value.
 *
 * @example
 * ```sh
 * queuefeed train --method both --epochs 30 --json results.json
 * ```
 */
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
