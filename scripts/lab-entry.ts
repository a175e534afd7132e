// Entry of the headless lab page: hands the app's spec and runner modules to `npm run lab`.
import * as specs from '../src/spec';
import * as runner from '../src/runner';

(globalThis as { lab?: unknown }).lab = { specs, runner };
