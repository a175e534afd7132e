// Engine worker: a thin comlink shell over the Engine class (src/engine/engine.ts), plus its sign of life.
import { expose } from 'comlink';
import './wasm-paths';
import { Engine } from '../src/engine/engine';
import { withTransfers } from '../src/engine/transfer';
import { holdLifeLock, listenForClose } from '../src/runner/life-lock';

expose(withTransfers(new Engine()));
holdLifeLock(self.name);
listenForClose();
