// Engine worker: a thin comlink shell over the Engine class (src/engine/engine.ts), plus its sign of life.
import { expose } from 'comlink';
import './wasm-paths';
import { Engine } from '../src/engine/engine';
import type { EngineApi } from '../src/engine/api';
import { withTransfers } from '../src/engine/transfer';
import { holdLifeLock, listenForClose } from '../src/runner/workers/life-lock';

const api: EngineApi = new Engine();
expose(withTransfers(api));
holdLifeLock(self.name);
listenForClose();
