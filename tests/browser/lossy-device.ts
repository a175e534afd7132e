// The test-only message that makes the lossy engine worker destroy its GPUDevice (lossy-engine.worker.ts).
export const LOSE_DEVICE = 'lima-lose-device';
export const LOSSY_WORKER_URL = '/tests/browser/lossy-engine.worker.ts';
