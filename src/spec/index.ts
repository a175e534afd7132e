// The spec's public surface: schema, validation, presets, sweeps and share links.
export * from './schema';
export * from './validate';
export * from './presets';
export * from './sweep';
export * from './codec';
export * from './models';
export * from './introspect';
export * from './imported';
export * from './limits';
export * from './cost';
export * from './shape';
export { bounded, whole } from './fields';
