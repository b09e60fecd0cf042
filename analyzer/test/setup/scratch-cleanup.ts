// Setup file of every test file: scratch folders go when the file's tests are done. An
// exit hook alone is not enough, because vitest may stop a worker with a signal, and
// then the hook never runs.

import { afterAll } from 'vitest';
import { removeScratch } from '../helpers/scratch.js';

afterAll(removeScratch);
