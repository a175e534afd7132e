// WebGPU in Node from Dawn's bindings (the `webgpu` package): navigator.gpu and the GPU* constants, set before tfjs loads.
import { cpus } from 'node:os';
import { create, globals } from 'webgpu';

// tfjs-backend-webgpu registers itself only where navigator.gpu exists when its module runs, so
// this module is imported before any tfjs module. DAWN_FLAGS passes Dawn toggles (e.g. "backend=vulkan").
Object.assign(globalThis, globals);
const gpu = create((process.env.DAWN_FLAGS ?? '').split(',').filter(Boolean));
const nav = (globalThis as { navigator?: object }).navigator;
if (nav) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
else
  Object.defineProperty(globalThis, 'navigator', {
    value: { gpu, hardwareConcurrency: cpus().length, userAgent: `Node.js ${process.version}` },
    configurable: true,
  });
