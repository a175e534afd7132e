// Engine worker: a thin comlink shell over the Engine class (src/engine/engine.ts).
import { expose } from 'comlink';
import './wasm-paths';
import { Engine } from '../src/engine/engine';
import { withTransfers } from '../src/engine/transfer';

expose(withTransfers(new Engine()));
