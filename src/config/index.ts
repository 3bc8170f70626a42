/**
 * Configuration: one typed object read from environment variables, validated at start.
 * @module config
 */
export type { Config, EnvVar } from './config.ts';
export { ENV_VARS, loadConfig, derivePublicUrl, ConfigError, type LoadedConfig } from './env.ts';
